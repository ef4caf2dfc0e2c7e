"""Served campaigns: one directory, one SQLite :class:`~vdwgym.store.Store` and one
:class:`~vdwgym.lab.Lab` each, under the server's root.

Layout of a root::

    ROOT/
      NAME/campaign.sqlite     one campaign (its config in the store's meta "service")
      NAME/runs/               run directories of file-based backends

A campaign is written in a hidden ``.new-NAME`` folder and renamed into place once its
store holds its config, so a server killed while creating one leaves no half-written
campaign (the hidden folder is removed at the next start).

Every submission holds the campaign's lock around budget check, store write and launch;
it is acknowledged only after :meth:`~vdwgym.lab.Lab.launch` committed it.  A collector
thread per campaign waits for running evaluations through :meth:`~vdwgym.lab.Lab.wait`,
which writes each completion to the store.  A restarted server reopens every campaign
and re-launches what was unfinished with :meth:`~vdwgym.lab.Lab.restore`.
"""

from __future__ import annotations

import logging
import math
import shutil
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from vdwgym.backends.base import Backend, completed_future
from vdwgym.backends.registry import backend_names, make_backend
from vdwgym.errors import (
    BudgetExhausted,
    Conflict,
    NotFound,
    StoreError,
    Unavailable,
    ValidationError,
    VdwgymError,
    check_fields,
)
from vdwgym.json_data import plain_json
from vdwgym.lab import FIRST_COMPLETED, Evaluation, Lab
from vdwgym.outcome import Outcome, Status
from vdwgym.service.limits import (
    FILES_PER_CAMPAIGN,
    MAX_BATCH,
    MAX_BUDGET,
    MAX_CAMPAIGNS,
    NAME_PATTERN,
    NAME_RE,
    RESERVED_FILES,
)
from vdwgym.space import PAPER_SPACE, ParameterSpace, Recipe
from vdwgym.store import EvaluationRecord, Store

__all__ = ["ServiceCampaignConfig", "ServedCampaign", "CampaignRegistry", "NotFound", "Conflict",
           "STORE_NAME"]

log = logging.getLogger(__name__)

STORE_NAME = "campaign.sqlite"
META_KEY = "service"
STATE_KEY = "service_state"
SOURCE_PREFIX = "remote"
STATUS_NAMES = {"launched": "running"}
"""Store status -> the service's name (protocol 2: ``running``, as the summary's ``n_running``)."""
STATUS_FILTER = {"running": "launched", "launched": "launched"}
"""The status filter's names -> store status (``launched`` stays accepted, protocol 1)."""


@dataclass(frozen=True)
class ServiceCampaignConfig:
    """What defines a served campaign (stored in its store's meta ``"service"``).

    Units: degrees for ``target_deg`` and ``tolerance_deg``.
    """

    name: str
    backend: str = "surrogate"
    target_deg: float = 8.5
    budget: int = 60
    seed: int = 0
    tolerance_deg: float = 0.1
    space: dict[str, Any] = field(default_factory=PAPER_SPACE.to_dict)

    def __post_init__(self) -> None:
        def number(x: object) -> bool:
            return isinstance(x, (int, float)) and not isinstance(x, bool)

        def integer(x: object) -> bool:
            return isinstance(x, int) and not isinstance(x, bool)

        checks = [
            ("name", isinstance(self.name, str) and NAME_RE.match(self.name) is not None,
             f"a name matching {NAME_PATTERN}"),
            ("backend", self.backend in backend_names(), f"one of {backend_names()}"),
            ("target_deg", number(self.target_deg) and 0.0 <= self.target_deg <= 30.0, "[0, 30] deg"),
            ("budget", integer(self.budget) and 1 <= self.budget <= MAX_BUDGET,
             f"an integer in [1, {MAX_BUDGET}]"),
            ("seed", integer(self.seed) and 0 <= self.seed < 2**63, "an integer in [0, 2**63)"),
            ("tolerance_deg", number(self.tolerance_deg) and math.isfinite(self.tolerance_deg)
             and 0.0 <= self.tolerance_deg <= 30.0, "[0, 30] deg"),
        ]
        check_fields(self, checks)
        self.parameter_space()

    def parameter_space(self) -> ParameterSpace:
        return ParameterSpace.from_dict(self.space)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def request_id_of(source: str) -> str | None:
    prefix = SOURCE_PREFIX + ":"
    return source[len(prefix):] if source.startswith(prefix) else None


def build_backend(name: str, space: ParameterSpace, directory: Path,
                  options: Mapping[str, Any] | None = None) -> Backend:
    """The backend of a campaign; file-based ones keep their runs in ``directory/runs``."""
    opts = dict(options or {})
    if name in ("worker", "lammps"):
        opts.setdefault("root", directory / "runs")
    return make_backend(name, space, **opts)


class ServedCampaign:
    """One campaign served over HTTP (see the module docstring).

    Use :meth:`open` (an existing directory) or :meth:`CampaignRegistry.create`.
    """

    def __init__(self, directory: Path, config: ServiceCampaignConfig, store: Store,
                 backend: Backend) -> None:
        self.directory = directory
        self.config = config
        self.name = config.name
        self.store = store
        self.backend = backend
        self.space = config.parameter_space()
        self.lab = Lab(backend, target_deg=config.target_deg, budget=config.budget, seed=config.seed,
                       store=store, tolerance_deg=config.tolerance_deg)
        self._lock = threading.Lock()
        self._changed = threading.Condition()
        self._version = 0
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._requests: dict[str, list[int]] = {}
        self._cancelled = store.get_meta(STATE_KEY) == "cancelled"
        self._collector = threading.Thread(target=self._collect, name=f"collect-{self.name}",
                                           daemon=True)

    # ------------------------------------------------------------------ life cycle
    @classmethod
    def open(cls, directory: Path, backend_options: Mapping[str, Mapping[str, Any]] | None = None
             ) -> ServedCampaign:
        """Reopen a campaign directory and re-launch its unfinished evaluations."""
        store = Store(directory / STORE_NAME)
        try:
            data = store.get_meta(META_KEY)
            if data is None:
                raise StoreError(f"{store.path} holds no served campaign")
            try:
                config = ServiceCampaignConfig(**data)
            except TypeError as exc:
                raise StoreError(f"{store.path}: unreadable campaign config ({exc})") from exc
            backend = build_backend(config.backend, config.parameter_space(), directory,
                                    (backend_options or {}).get(config.backend))
        except BaseException:
            store.close()
            raise
        camp = cls(directory, config, store, backend)
        relaunched = camp.lab.restore()
        for e in camp.lab.evaluations:
            rid = request_id_of(e.source)
            if rid is not None:
                camp._requests.setdefault(rid, []).append(e.idx)
        store.event("service_open", relaunched=[e.idx for e in relaunched])
        log.info("campaign %s reopened: %d evaluations, %d re-launched", camp.name,
                 camp.lab.n_submitted, len(relaunched))
        camp._collector.start()
        camp._wake.set()
        return camp

    def close(self) -> None:
        """Stop the collector and release the backend and the store."""
        self._stop.set()
        self._wake.set()
        if self._collector.is_alive():
            self._collector.join(timeout=10.0)
        self.backend.close()
        self.store.close()

    # ------------------------------------------------------------------ state
    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def summary(self) -> dict[str, Any]:
        """Counts and best regret, read from the store."""
        records = self.records()
        n_done = sum(r.status == "done" for r in records)
        regrets = [g for r in records if r.outcome is not None
                   and (g := r.outcome.regret(self.config.target_deg)) is not None]
        best = min(regrets) if regrets else None
        running = len(records) - n_done
        state = "cancelled" if self.cancelled else "open"
        if len(records) >= self.config.budget and not running:
            state = "complete"
        return {"name": self.name, "config": self.config.to_dict(), "state": state,
                "n_submitted": len(records), "n_done": n_done, "n_running": running,
                "budget_left": self.config.budget - len(records), "best_regret_deg": best,
                "target_reached": best is not None and best <= self.config.tolerance_deg}

    def records(self) -> list[EvaluationRecord]:
        """Every evaluation, from the store (inside a transaction: a consistent snapshot)."""
        with self.store.tx():
            return self.store.evaluations()

    def view(self, r: EvaluationRecord) -> dict[str, Any]:
        """The JSON form of one evaluation."""
        regret = r.outcome.regret(self.config.target_deg) if r.outcome is not None else None
        return plain_json({
            "idx": r.idx, "key": r.key, "recipe": r.recipe.to_dict(), "seed": r.seed,
            "status": STATUS_NAMES.get(r.status, r.status), "request_id": request_id_of(r.source), "done_order": r.done_order,
            "outcome": r.outcome.to_dict() if r.outcome is not None else None,
            "regret_deg": regret, "progress": r.progress})

    def evaluation(self, idx: int) -> dict[str, Any]:
        for r in self.records():
            if r.idx == idx:
                return self.view(r)
        raise NotFound(f"campaign {self.name} has no evaluation {idx}")

    def evaluations(self, *, since: int = 0, status: str | None = None, limit: int = 100
                    ) -> list[dict[str, Any]]:
        """Evaluations with index >= ``since`` (optionally of one status: ``proposed``,
        ``running`` (or its protocol-1 name ``launched``), ``done``), in index order."""
        status = STATUS_FILTER.get(status, status)
        rows = [r for r in self.records() if r.idx >= since and (status is None or r.status == status)]
        return [self.view(r) for r in rows[:limit]]

    def results(self, *, since: int = 0, limit: int = 100) -> list[dict[str, Any]]:
        """Completed evaluations in completion order from cursor ``since`` (a done_order)."""
        done = sorted((r for r in self.records() if r.done_order is not None and r.done_order >= since),
                      key=lambda r: r.done_order)
        return [self.view(r) for r in done[:limit]]

    def wait_changed(self, version: int, timeout: float) -> int:
        """Block until the campaign changed after ``version`` (or ``timeout`` s); the new version."""
        with self._changed:
            self._changed.wait_for(lambda: self._version != version, timeout=timeout)
            return self._version

    @property
    def version(self) -> int:
        return self._version

    # ------------------------------------------------------------------ actions
    def submit(self, recipes: Sequence[Mapping[str, Any]], request_id: str | None = None
               ) -> tuple[list[dict[str, Any]], bool]:
        """Validate, record and launch a batch; returns (evaluation views, created).

        A repeated ``request_id`` with the same recipes returns the evaluations it created
        (``created`` False): a client may retry a submission whose answer it lost.
        Raises :class:`ValidationError` (nothing written), :class:`BudgetExhausted`,
        :class:`Conflict`.
        """
        if not 1 <= len(recipes) <= MAX_BATCH:
            raise ValidationError("recipes", f"a list of 1 to {MAX_BATCH} recipes", len(recipes))
        if request_id is not None and not (isinstance(request_id, str) and NAME_RE.match(request_id)):
            raise ValidationError("request_id", f"a string matching {NAME_PATTERN}", request_id)
        checked = [self._validate(i, r) for i, r in enumerate(recipes)]
        with self._lock:
            if request_id is not None and request_id in self._requests:
                idxs = self._requests[request_id]
                earlier = [self.lab.evaluations[i].recipe for i in idxs]
                if earlier != checked:
                    raise Conflict(f"request_id {request_id!r} was used for other recipes")
                by_idx = {r.idx: r for r in self.records()}
                return [self.view(by_idx[i]) for i in idxs], False
            if self.cancelled:
                raise Conflict(f"campaign {self.name} is cancelled: it takes no more recipes")
            if len(checked) > self.lab.budget_left:
                raise BudgetExhausted(
                    f"budget: {len(checked)} recipes submitted, {self.lab.budget_left} of "
                    f"{self.lab.budget} evaluations left in campaign {self.name}")
            source = SOURCE_PREFIX if request_id is None else f"{SOURCE_PREFIX}:{request_id}"
            evals = self.lab.launch(checked, source=source)
            if request_id is not None:
                self._requests[request_id] = [e.idx for e in evals]
        self._wake.set()
        self._bump()
        by_idx = {r.idx: r for r in self.records()}
        return [self.view(by_idx[e.idx]) for e in evals], True

    def cancel(self) -> list[int]:
        """Close the campaign to new recipes and ask the backend to stop running ones."""
        with self._lock:
            with self.store.tx():
                self.store.set_meta(STATE_KEY, "cancelled")
                self.store.event("service_cancel")
            self._cancelled = True
            stopped = [e.idx for e in self.lab.running if self._cancel_one(e)]
        self._bump()
        return stopped

    def cancel_evaluation(self, idx: int) -> dict[str, Any]:
        """Ask the backend to stop one running evaluation (its outcome will say cancelled)."""
        with self._lock:
            if not 0 <= idx < self.lab.n_submitted:
                raise NotFound(f"campaign {self.name} has no evaluation {idx}")
            e = self.lab.evaluations[idx]
            if e.done:
                raise Conflict(f"evaluation {idx} is already done")
            if not self._cancel_one(e):
                raise Conflict(f"backend {self.config.backend!r} cannot stop evaluation {idx} now")
        self._wake.set()
        return self.evaluation(idx)

    def _cancel_one(self, e: Evaluation) -> bool:
        return e.future is not None and self.backend.cancel(e.key)

    def _validate(self, i: int, recipe: Mapping[str, Any]) -> Recipe:
        try:
            return self.space.validate(recipe)
        except ValidationError as exc:
            raise ValidationError(f"recipes[{i}].{exc.field}", exc.bound, exc.value) from exc

    def _bump(self) -> None:
        with self._changed:
            self._version += 1
            self._changed.notify_all()

    # ------------------------------------------------------------------ collector
    def _collect(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            with self._lock:
                pending = self._settle_broken(self.lab.running)
            if not pending:
                self._wake.wait(1.0)
                continue
            try:
                done = self.lab.wait(pending, return_when=FIRST_COMPLETED, timeout=0.5, poll_s=0.25)
            except Exception:  # noqa: BLE001 - a backend future raised; settled next round
                log.exception("campaign %s: waiting for evaluations failed", self.name)
                time.sleep(0.1)
                continue
            self._bump()
            if done:
                log.debug("campaign %s: %d evaluations done", self.name, len(done))

    @staticmethod
    def _settle_broken(running: list[Evaluation]) -> list[Evaluation]:
        """Give a failed Outcome to evaluations whose backend future raised or was
        cancelled, so :meth:`Lab.wait` records them like any other completion."""
        for e in running:
            f = e.future
            if f is None or not f.done():
                continue
            if f.cancelled():
                outcome = Outcome(Status.CANCELLED, e.recipe, e.seed, error="cancelled")
            elif f.exception() is not None:
                outcome = Outcome(Status.FAILED, e.recipe, e.seed, error=f"backend error: {f.exception()}")
            else:
                continue
            e.future = completed_future(outcome)
        return [e for e in running if e.future is not None]


class CampaignRegistry:
    """Every campaign under one root directory.

    Parameters
    ----------
    root:
        The server's ``--root``; created if missing.
    backends:
        The backend names clients may ask for (default: the in-process surrogate).
    backend_options:
        Per backend name, options the server passes to it (clients cannot set any).
    space:
        The parameter space of new campaigns.
    """

    def __init__(self, root: str | Path, backends: Sequence[str] = ("surrogate",),
                 backend_options: Mapping[str, Mapping[str, Any]] | None = None,
                 space: ParameterSpace = PAPER_SPACE) -> None:
        known = backend_names()
        unknown = [b for b in backends if b not in known]
        if unknown or not backends:
            raise ValidationError("backends", f"a non-empty subset of {known}", list(backends))
        self.root = Path(root)
        if self.root.exists() and not self.root.is_dir():
            raise ValidationError("root", "a folder (this path exists and is not one)", str(root))
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ValidationError("root", "a folder that exists or can be created", str(root),
                                  exc.strerror or str(exc)) from exc
        self._root_lock = lock_root(self.root)
        self.capacity = campaign_capacity()
        self.backends = tuple(backends)
        self.backend_options = {k: dict(v) for k, v in (backend_options or {}).items()}
        self.space = space
        self._lock = threading.Lock()
        self._campaigns: dict[str, ServedCampaign] = {}
        self.unreadable: dict[str, str] = {}

    def open_all(self) -> None:
        """Reopen every campaign under the root; remove half-created ones."""
        for d in sorted(self.root.iterdir()):
            if d.name.startswith(".new-"):
                log.warning("removing half-created campaign folder %s", d)
                shutil.rmtree(d, ignore_errors=True)
                continue
            if not (d / STORE_NAME).is_file():
                continue
            if len(self._campaigns) >= self.capacity:
                self.unreadable[d.name] = (f"not opened: the server's capacity of {self.capacity} "
                                           "campaigns is reached")
                continue
            try:
                self._campaigns[d.name] = ServedCampaign.open(d, self.backend_options)
            except (VdwgymError, OSError) as exc:
                log.error("cannot reopen campaign %s: %s", d, exc)
                self.unreadable[d.name] = str(exc)

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._campaigns)

    def get(self, name: str) -> ServedCampaign:
        with self._lock:
            camp = self._campaigns.get(name)
        if camp is None:
            raise NotFound(f"no campaign named {name!r}")
        return camp

    def create(self, *, name: str | None, backend: str, target_deg: float, budget: int, seed: int,
               tolerance_deg: float) -> ServedCampaign:
        """Create, record and open a campaign; raises ValidationError or Conflict."""
        if backend not in self.backends:
            raise ValidationError("backend", f"one of {list(self.backends)} on this server", backend)
        with self._lock:
            if name is None:
                name = self._fresh_name()
            config = ServiceCampaignConfig(name=name, backend=backend, target_deg=target_deg,
                                           budget=budget, seed=seed, tolerance_deg=tolerance_deg,
                                           space=self.space.to_dict())
            final = self.root / name
            if name in self._campaigns or final.exists():
                raise Conflict(f"a campaign named {name!r} exists")
            if len(self._campaigns) >= self.capacity:
                raise Unavailable(f"this server is full: {len(self._campaigns)} campaigns open, its "
                                  f"capacity is {self.capacity} (MAX_CAMPAIGNS {MAX_CAMPAIGNS}, "
                                  "open-file limit); retry on another server or later")
            tmp = self.root / f".new-{name}"
            shutil.rmtree(tmp, ignore_errors=True)
            try:
                self._write_new(tmp, config)
                tmp.rename(final)
            except OSError as exc:
                shutil.rmtree(tmp, ignore_errors=True)
                raise Unavailable(f"cannot create campaign {name!r} now: {exc}") from exc
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
            try:
                camp = ServedCampaign.open(final, self.backend_options)
            except OSError as exc:
                raise Unavailable(f"cannot open campaign {name!r} now: {exc}") from exc
            self._campaigns[name] = camp
        log.info("campaign %s created: %s", name, config)
        return camp

    def _fresh_name(self) -> str:
        n = len(self._campaigns)
        while (name := f"c{n:04d}") in self._campaigns or (self.root / name).exists():
            n += 1
        return name

    def _write_new(self, directory: Path, config: ServiceCampaignConfig) -> None:
        from vdwgym.provenance import provenance

        directory.mkdir(parents=True)
        backend = build_backend(config.backend, config.parameter_space(), directory,
                                self.backend_options.get(config.backend))
        try:
            with Store(directory / STORE_NAME) as store, store.tx():
                store.set_meta(META_KEY, config.to_dict())
                store.set_meta("provenance", provenance())
                store.set_meta("backend", backend.config())
        finally:
            backend.close()

    def close(self) -> None:
        with self._lock:
            camps = list(self._campaigns.values())
            self._campaigns.clear()
        for camp in camps:
            camp.close()
        if self._root_lock is not None:
            self._root_lock.close()  # releases the flock
            self._root_lock = None


LOCK_FILE = ".lock"


def lock_root(root: Path):
    """Hold an exclusive ``flock`` on ``root/.lock`` for the server's life (the open file is
    returned; closing it releases the lock).  A second server on the same root is refused."""
    import fcntl
    import os

    from vdwgym.errors import ConfigError

    fh = open(root / LOCK_FILE, "a+")  # noqa: SIM115 - held open for the registry's life
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        fh.seek(0)
        holder = fh.read().strip() or "another process"
        fh.close()
        raise ConfigError(f"{root} is served by {holder} (it holds {root / LOCK_FILE}); one "
                          "server per root") from None
    fh.seek(0)
    fh.truncate()
    fh.write(f"pid {os.getpid()}\n")
    fh.flush()
    return fh


def campaign_capacity() -> int:
    """How many campaigns this process can hold open: the soft open-file limit is raised to
    the hard one, then ``min(MAX_CAMPAIGNS, (limit - RESERVED_FILES) // FILES_PER_CAMPAIGN)``."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        target = 1 << 20 if hard == resource.RLIM_INFINITY else hard
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return max(0, min(MAX_CAMPAIGNS, (soft - RESERVED_FILES) // FILES_PER_CAMPAIGN))
