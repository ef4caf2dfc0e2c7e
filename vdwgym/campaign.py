"""The campaign loop: an agent searching for a recipe that gives a target twist.

Modes
-----
``sync``
    The paper's batch cycles: each cycle launches ``batch`` recipes (the initial design
    first, then the agent's proposals), waits for all of them and tells the agent.
``async``
    Keep ``batch`` slots busy: whenever an evaluation ends, tell the agent at once and ask
    for a replacement, passing the still-running recipes as ``pending``.

Stopping rules: the evaluation budget (initial design included), the target reached within
``tolerance_deg`` (``stop_at_target``), and a wall-time limit (``max_wall_s``).  On the
budget or the target, running evaluations are waited for and recorded: nothing computed is
dropped; on the wall-time limit they are cancelled (their processes stopped) and recorded
with status ``cancelled``.

Every proposal, launch, completion and tell is written to the campaign's SQLite
:class:`~vdwgym.store.Store` before it is acted on, with the agent state after each ask and
tell; :meth:`Campaign.resume` continues a campaign killed at any moment, with no evaluation
lost, repeated or reordered.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import qmc

from vdwgym import agents as agent_registry
from vdwgym.backends.base import Backend
from vdwgym.backends.registry import backend_class, make_backend
from vdwgym.errors import StoreError, ValidationError, check_fields
from vdwgym.lab import ALL_COMPLETED, FIRST_COMPLETED, Evaluation, Lab, check_clock, key_of
from vdwgym.outcome import fold_twist
from vdwgym.seeding import MAX_SEED, SEED_BOUND, evaluation_seed, stream
from vdwgym.space import PAPER_SPACE, ParameterSpace, Recipe
from vdwgym.store import Store

__all__ = ["CampaignConfig", "Campaign", "initial_design"]

log = logging.getLogger(__name__)

MODES = ("sync", "async")


@dataclass
class CampaignConfig:
    """Everything that defines a campaign (stored in its SQLite file).

    Units: degrees for ``target_deg`` and ``tolerance_deg``, seconds for ``max_wall_s``.
    """

    target_deg: float = 8.5
    budget: int = 60
    batch: int = 5
    n_init: int = 10
    mode: str = "sync"
    agent: str = "random"
    agent_options: dict[str, Any] = field(default_factory=dict)
    backend: str = "surrogate"
    backend_options: dict[str, Any] = field(default_factory=dict)
    seed: int = 0
    tolerance_deg: float = 0.1
    stop_at_target: bool = True
    max_wall_s: float | None = None
    clock: str = "real"
    space: dict[str, Any] = field(default_factory=PAPER_SPACE.to_dict)

    def __post_init__(self) -> None:
        checks = [
            ("target_deg", 0.0 <= float(self.target_deg) <= 30.0, "[0, 30] deg"),
            ("budget", int(self.budget) == self.budget and self.budget >= 1, "an integer >= 1"),
            ("batch", int(self.batch) == self.batch and self.batch >= 1, "an integer >= 1"),
            ("n_init", int(self.n_init) == self.n_init and self.n_init >= 0, "an integer >= 0"),
            ("mode", self.mode in MODES, f"one of {MODES}"),
            ("seed", int(self.seed) == self.seed and 0 <= self.seed < MAX_SEED, SEED_BOUND),
            ("tolerance_deg", math.isfinite(self.tolerance_deg) and self.tolerance_deg >= 0, ">= 0 deg"),
            ("max_wall_s", self.max_wall_s is None or self.max_wall_s > 0, "None or > 0 s"),
            ("clock", self.clock in ("real", "virtual"), "'real' or 'virtual'"),
            ("agent_options", isinstance(self.agent_options, dict)
             and not set(self.agent_options) & {"space", "target_deg", "seed"},
             "an object of agent options (space, target_deg and seed are the campaign's)"),
            ("backend_options", isinstance(self.backend_options, dict)
             and "space" not in self.backend_options,
             "an object of backend options (space is the campaign's)"),
        ]
        check_fields(self, checks)
        agent_registry.check(self.agent)
        self.parameter_space()

    def parameter_space(self) -> ParameterSpace:
        return ParameterSpace.from_dict(self.space)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def initial_design(space: ParameterSpace, n: int, seed: int) -> np.ndarray:
    """The campaign's initial design: ``n x d`` physical recipes from a scrambled Sobol
    sequence seeded by the campaign's ``design`` stream, identical for every agent."""
    if n == 0:
        return np.zeros((0, space.d))
    s = int(stream(seed, "design").generate_state(1)[0])
    m = max(int(np.ceil(np.log2(n))), 0)
    return space.from_unit(qmc.Sobol(space.d, scramble=True, seed=s).random_base2(m)[:n])


@dataclass
class CampaignResult:
    """Summary of a finished (or stopped) campaign."""

    evaluations: list[Evaluation]
    best_regret: float | None
    evaluations_to_target: int | None
    stop_reason: str
    wall_s: float
    virtual_s: float


class Campaign:
    """A search campaign: agent + lab + store.

    Parameters
    ----------
    config:
        The :class:`CampaignConfig`.
    store:
        Path of the SQLite file (created; must not already hold a campaign) or ``None`` for
        an in-memory campaign that cannot be resumed.
    backend:
        A ready backend; by default built from ``config.backend`` / ``backend_options``.
    on_event:
        Optional callback ``(kind, payload)`` for progress display (the CLI uses it).
    """

    def __init__(self, config: CampaignConfig, store: str | Path | Store | None = None,
                 backend: Backend | None = None,
                 on_event: Callable[[str, dict[str, Any]], None] | None = None,
                 _resuming: bool = False) -> None:
        self.config = config
        self.space = config.parameter_space()
        path = Path(store) if isinstance(store, (str, Path)) else None
        if isinstance(store, Store) and not _resuming and store.has_content():
            raise StoreError(f"{store.path} already holds a campaign: use Campaign.resume "
                             "(CLI: --resume) or another --out")
        if path is not None and path.is_file() and path.stat().st_size > 0:
            with Store(path, create=False) as existing:
                if existing.has_content():
                    raise StoreError(f"{path} already holds a campaign: use Campaign.resume "
                                     "(CLI: --resume) or another --out")
        folder = path.parent if path is not None else (store.path.parent if store is not None else None)
        # Backend, agent and clock first: nothing is written until all of them are valid.
        self.backend = backend if backend is not None else make_backend(
            config.backend, self.space, **self.backend_options(config, folder))
        try:
            self.agent = agent_registry.make(config.agent, space=self.space,
                                             target_deg=config.target_deg,
                                             seed=stream(config.seed, "agent"),
                                             defaults={"tolerance_deg": config.tolerance_deg},
                                             **config.agent_options)
            check_clock(config.clock, self.backend)
            if not _resuming and self.backend.recorded_keys():
                raise ValidationError(
                    "backend_options.root", "a folder without earlier run directories (a new "
                    "campaign never re-uses other runs)", self.backend.config().get("root"))
        except BaseException:
            if backend is None:
                self.backend.close()
            raise
        if not _resuming:
            from vdwgym.provenance import provenance

            meta = {"campaign": config.to_dict(), "provenance": provenance(),
                    "backend": self.backend.config()}
            if path is not None:
                store = Store.create(path, meta)  # atomic: the file appears with its config
            elif store is not None:
                with store.tx():
                    for key, value in meta.items():
                        store.set_meta(key, value)
        self.store = store
        self.on_event = on_event or (lambda kind, payload: None)
        self.lab = Lab(self.backend, target_deg=fold_twist(config.target_deg), budget=config.budget,
                       seed=config.seed, store=store, clock=config.clock,
                       tolerance_deg=config.tolerance_deg,
                       on_progress=lambda e, lines: self.on_event("progress", {"key": e.key, "lines": lines}))
        self._design = initial_design(self.space, min(config.n_init, config.budget), config.seed)
        self.agent.offer_design(self.space.to_recipes(self._design))
        self._told: set[int] = set()
        self._t0 = time.monotonic()
        self._cycle = 0

    @staticmethod
    def backend_options(config: CampaignConfig, folder: Path | None) -> dict[str, Any]:
        """``config.backend_options`` with the run directories of a file-based backend in
        ``folder/runs`` (the campaign's own folder) unless ``root`` is given."""
        opts = dict(config.backend_options)
        if "root" not in opts and folder is not None and backend_class(config.backend).keeps_run_directories:
            opts["root"] = str(folder / "runs")
        return opts

    # ------------------------------------------------------------------ resume
    @classmethod
    def resume(cls, store: str | Path | Store, backend: Backend | None = None,
               on_event: Callable[[str, dict[str, Any]], None] | None = None) -> Campaign:
        """Reopen a stored campaign: restore the agent's last state, tell it what finished
        since, and re-launch every unfinished evaluation (re-attached where the backend can).

        The store is checked first (:meth:`Store.check`, then the record against its config:
        keys, seeds, the agent state); any mismatch is a :class:`StoreError` naming it."""
        st = store if isinstance(store, Store) else Store(store, create=False)
        try:
            return cls._resume(st, backend, on_event)
        except BaseException:
            if st is not store:
                st.close()
            raise

    @classmethod
    def _resume(cls, st: Store, backend: Backend | None,
                on_event: Callable[[str, dict[str, Any]], None] | None) -> Campaign:
        data = st.get_meta("campaign")
        if data is None:
            raise StoreError(f"{st.path} holds no campaign to resume ({st.n_evaluations()} "
                             "evaluations, no config): start it without --resume")
        try:
            config = CampaignConfig(**data)
        except (TypeError, ValueError) as exc:
            raise StoreError(f"{st.path}: table meta, row key='campaign': not a valid campaign "
                             f"config ({exc})") from exc
        records = st.evaluations()
        for r in records:
            for name, want in (("key", key_of(r.idx)), ("seed", evaluation_seed(config.seed, r.idx))):
                if getattr(r, name) != want:
                    raise StoreError(f"{st.path}: table evaluations, row idx={r.idx}, field {name}: "
                                     f"expected {want!r} (from the campaign config), got "
                                     f"{getattr(r, name)!r}")
        camp = cls(config, st, backend=backend, on_event=on_event, _resuming=True)
        state = st.latest_agent_state()
        if state is not None:
            try:
                camp.agent.load_state_dict(state)
            except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
                raise StoreError(f"{st.path}: table agent_states, latest row, field state: not a "
                                 f"state of agent {config.agent!r} ({type(exc).__name__}: {exc})") from exc
        relaunched = camp.lab.restore()
        camp._told = {r.idx for r in records if r.told}
        if config.mode == "sync":
            camp._cycle = max((e.cycle for e in camp.lab.evaluations), default=0)
        else:
            camp._cycle = len(st.events("told"))
        st.event("resume", relaunched=[e.idx for e in relaunched])
        log.info("resumed %s: %d evaluations recorded, %d re-launched", st.path,
                 camp.lab.n_submitted, len(relaunched))
        return camp

    # ------------------------------------------------------------------ loop
    def run(self) -> CampaignResult:
        """Run until a stopping rule fires; returns the summary."""
        self._t0 = time.monotonic()
        reason = self._run_sync() if self.config.mode == "sync" else self._run_async()
        if self.lab.running:
            if reason == "wall time":
                self.lab.cancel_running()  # the limit stops running work too (recorded cancelled)
            self._tell(self.lab.wait(return_when=ALL_COMPLETED))
        self._tell_untold()
        self.agent.finalize()
        result = self.result(reason)
        if self.store is not None:
            self.store.event("stop", reason=reason, wall_s=result.wall_s, virtual_s=result.virtual_s)
        self.on_event("stop", {"reason": reason})
        return result

    def result(self, reason: str = "") -> CampaignResult:
        regrets = [e.outcome.regret(self.lab.target_deg) for e in self.lab.completed]
        to_target = next((i + 1 for i, r in enumerate(regrets)
                          if r is not None and r <= self.config.tolerance_deg), None)
        return CampaignResult(list(self.lab.evaluations), self.lab.best_regret, to_target, reason,
                              time.monotonic() - self._t0, self.lab.vnow)

    def _stop_reason(self) -> str | None:
        if self.config.stop_at_target and self.lab.target_reached:
            return "target reached"
        if self.lab.budget_left <= 0:
            return "budget"
        if self.config.max_wall_s is not None and time.monotonic() - self._t0 > self.config.max_wall_s:
            return "wall time"
        return None

    def _next_design(self) -> np.ndarray:
        """Initial-design points not yet submitted."""
        n_done = sum(1 for e in self.lab.evaluations if e.source == "init")
        return self._design[n_done:]

    def _propose(self, n: int, cycle: int) -> list[Evaluation]:
        """Launch ``n`` recipes: initial-design points first, the agent's for the rest.  The
        agent is asked before anything is launched, so a failing agent leaves no trace."""
        n = min(n, self.lab.budget_left)
        if n <= 0:
            return []
        design = self.space.to_recipes(self._next_design()[:n]) if len(self._next_design()) else []
        proposed: list[Recipe] = []
        if n > len(design):
            pending = [e.recipe for e in self.lab.running] + design
            proposed = self.agent.ask(n - len(design), pending=pending or None)
        # One transaction for the whole round, with the agent state after its ask.
        evals = self.lab.launch(design + proposed, cycle=cycle,
                                source=["init"] * len(design) + ["agent"] * len(proposed),
                                agent_state=self.agent.state_dict())
        self.on_event("submitted", {"n": len(evals), "cycle": cycle})
        return evals

    def _tell(self, done: list[Evaluation]) -> None:
        done = [e for e in done if e.idx not in self._told and e.done]
        if not done:
            return
        self.agent.tell([e.recipe for e in done], [e.outcome for e in done])
        self._told.update(e.idx for e in done)
        if self.config.mode == "async":
            self._cycle += 1  # an async cycle is one tell: resume recounts them from the store
        if self.store is not None:
            self.store.mark_told([e.idx for e in done], self.agent.state_dict())
        self.on_event("told", {"evaluations": done, "best_regret": self.lab.best_regret})

    def _tell_untold(self) -> None:
        self._tell([e for e in self.lab.completed if e.idx not in self._told])

    def _run_sync(self) -> str:
        # A resumed campaign may hold a partly finished cycle: finish it first.
        if self.lab.running:
            self.lab.wait(return_when=ALL_COMPLETED)
        self._tell(sorted((e for e in self.lab.completed if e.idx not in self._told), key=lambda e: e.idx))
        while (reason := self._stop_reason()) is None:
            cycle = self._cycle + 1 if self.lab.n_submitted else 0
            evals = self._propose(self.config.batch, cycle)
            self._cycle = cycle
            self.lab.wait(evals, return_when=ALL_COMPLETED, timeout=self._wall_left())
            if any(not e.done for e in evals):  # the wall-time limit fell inside the cycle
                return "wall time"
            self._tell(sorted(evals, key=lambda e: e.idx))
        return reason

    def _wall_left(self) -> float | None:
        """Seconds left before ``max_wall_s`` (``None``: no limit)."""
        if self.config.max_wall_s is None:
            return None
        return max(0.0, self.config.max_wall_s - (time.monotonic() - self._t0))

    def _run_async(self) -> str:
        self._tell_untold()
        slots = self.config.batch
        while True:
            reason = self._stop_reason()
            if reason is None:
                free = slots - len(self.lab.running)
                if free > 0:
                    self._propose(free, self._cycle)
            if not self.lab.running:
                return reason or "budget"
            if reason is not None:
                return reason
            self._tell(self.lab.wait(return_when=FIRST_COMPLETED, timeout=self._wall_left()))
