"""The Lab: one backend, one budget, one record.

Agents, campaigns, the Gymnasium views and outside controllers all evaluate recipes through
a :class:`Lab`.  It gives each evaluation its index, key and seed, writes every proposal,
launch and completion to the campaign :class:`~vdwgym.store.Store` (when there is one)
*before* the caller acts on it, and enforces the evaluation budget.

Clocks
------
``"real"``
    Evaluations finish when their backend futures do.
``"virtual"``
    For backends that answer at once but report a simulated run time
    (``outcome.details["runtime_s"]``, the surrogate's lognormal model): the Lab keeps a
    virtual clock and releases completions in order of simulated finish time, so
    asynchronous scheduling can be studied in seconds.
"""

from __future__ import annotations

import concurrent.futures as cf
import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from vdwgym.backends.base import Backend
from vdwgym.errors import BudgetExhausted, ValidationError
from vdwgym.outcome import Outcome, Status
from vdwgym.seeding import evaluation_seed
from vdwgym.space import Recipe
from vdwgym.store import Store

__all__ = ["Lab", "Evaluation", "FIRST_COMPLETED", "ALL_COMPLETED", "check_clock", "key_of"]

log = logging.getLogger(__name__)

FIRST_COMPLETED = cf.FIRST_COMPLETED
ALL_COMPLETED = cf.ALL_COMPLETED
CLOCKS = ("real", "virtual")


@dataclass
class Evaluation:
    """One evaluation in a lab: its identity, its future and, once done, its outcome."""

    idx: int
    key: str
    recipe: Recipe
    seed: int
    cycle: int
    source: str
    future: cf.Future | None = field(default=None, repr=False)
    outcome: Outcome | None = None
    vstart: float | None = None
    vend: float | None = None

    @property
    def done(self) -> bool:
        return self.outcome is not None


def outcome_of(e: Evaluation) -> Outcome:
    """The outcome of a finished backend future; a future that raised or was cancelled
    becomes a ``failed`` / ``cancelled`` Outcome, so it is recorded and told, never lost."""
    try:
        return e.future.result(timeout=0)
    except cf.CancelledError:
        return Outcome(Status.CANCELLED, e.recipe, e.seed, error="cancelled")
    except Exception as exc:  # noqa: BLE001 - every backend error becomes a recorded failure
        log.warning("evaluation %s: backend raised %s: %s", e.key, type(exc).__name__, exc)
        return Outcome(Status.FAILED, e.recipe, e.seed, error=f"backend: {type(exc).__name__}: {exc}")


def check_clock(clock: str, backend: Backend) -> None:
    """Refuse a clock the backend cannot serve: the virtual clock needs a backend that
    answers at once (the surrogate), since it reads every pending outcome to order them."""
    if clock not in CLOCKS:
        raise ValidationError("clock", f"one of {CLOCKS}", clock)
    if clock == "virtual" and not backend.answers_at_once:
        raise ValidationError("clock", f"'real' with the {backend.name} backend (the virtual clock "
                              "needs one that answers at once, e.g. the surrogate)", clock)


def key_of(idx: int) -> str:
    return f"e{idx:06d}"


class Lab:
    """A virtual lab over one backend.

    Parameters
    ----------
    backend:
        Evaluates recipes (:class:`~vdwgym.backends.SurrogateBackend`, a worker backend).
    target_deg:
        The requested twist (degrees, folded to [0, 30]); used for regret bookkeeping.
    budget:
        Maximum number of evaluations (all sources, initial design included).
    seed:
        Root seed; evaluation ``i`` gets ``evaluation_seed(seed, i)``.
    store:
        Optional campaign store; every event is written there first.
    clock:
        ``"real"`` or ``"virtual"`` (module docstring).
    """

    def __init__(self, backend: Backend, *, target_deg: float, budget: int, seed: int,
                 store: Store | None = None, clock: str = "real", tolerance_deg: float = 0.1,
                 on_progress: Callable[[Evaluation, list[dict]], None] | None = None) -> None:
        if int(budget) != budget or budget < 1:
            raise ValidationError("budget", "an integer >= 1", budget)
        check_clock(clock, backend)
        if not (math.isfinite(float(target_deg)) and 0.0 <= float(target_deg) <= 30.0):
            raise ValidationError("target_deg", "a folded twist in [0, 30] deg", target_deg)
        if not (math.isfinite(float(tolerance_deg)) and tolerance_deg >= 0):
            raise ValidationError("tolerance_deg", ">= 0 deg", tolerance_deg)
        self.backend = backend
        self.space = backend.space
        self.target_deg = float(target_deg)
        self.tolerance_deg = float(tolerance_deg)
        self.budget = int(budget)
        self.seed = int(seed)
        self.store = store
        self.clock = clock
        self.vnow = 0.0
        self.on_progress = on_progress
        self.evaluations: list[Evaluation] = []
        self.completed: list[Evaluation] = []  # in completion order
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ state
    @property
    def n_submitted(self) -> int:
        return len(self.evaluations)

    @property
    def budget_left(self) -> int:
        return self.budget - self.n_submitted

    @property
    def running(self) -> list[Evaluation]:
        with self._lock:
            return [e for e in self.evaluations if not e.done]

    @property
    def best_regret(self) -> float | None:
        regrets = [r for e in self.completed if (r := e.outcome.regret(self.target_deg)) is not None]
        return min(regrets) if regrets else None

    @property
    def target_reached(self) -> bool:
        best = self.best_regret
        return best is not None and best <= self.tolerance_deg

    # ------------------------------------------------------------------ submit
    def submit(self, recipe: Recipe | dict, *, source: str = "user") -> cf.Future:
        """Launch one recipe; the returned future resolves to its :class:`Outcome` once the
        lab has recorded it (for controllers that work asynchronously).  Real clock only."""
        if self.clock != "real":
            raise ValidationError("clock", "'real' for Lab.submit (use launch + wait)", self.clock)
        (e,) = self.launch([recipe], source=source)
        outer: cf.Future = cf.Future()

        def done(f: cf.Future) -> None:
            try:
                self._record(e, outcome_of(e))
            except BaseException as exc:  # noqa: BLE001 - handed to the caller's future
                outer.set_exception(exc)
            else:
                outer.set_result(e.outcome)

        e.future.add_done_callback(done)
        return outer

    def launch(self, recipes: Sequence[Recipe | dict], *, cycle: int = 0,
               source: str | Sequence[str] = "agent",
               agent_state: dict | None = None) -> list[Evaluation]:
        """Validate, record and launch recipes; returns their :class:`Evaluation` objects.

        ``source`` is one label for all recipes or one per recipe.  All recipes are validated
        before anything is written, so a bad one leaves no trace; they are recorded, with
        ``agent_state``, in one transaction (a proposal round is all or nothing on disk).
        Raises :class:`~vdwgym.errors.BudgetExhausted` if the batch exceeds the budget.
        """
        checked = [self.space.validate(r) for r in recipes]
        sources = [source] * len(checked) if isinstance(source, str) else list(source)
        if len(sources) != len(checked):
            raise ValidationError("source", f"one label or {len(checked)} labels", len(sources))
        with self._lock:
            if len(checked) > self.budget_left:
                raise BudgetExhausted(
                    f"budget: {len(checked)} recipes requested, {self.budget_left} of {self.budget} left")
            start = self.n_submitted
            evals = [Evaluation(i, key_of(i), r, evaluation_seed(self.seed, i), int(cycle), src)
                     for i, (r, src) in enumerate(zip(checked, sources, strict=True), start=start)]
            if self.store is not None:
                self.store.add_proposals([(e.idx, e.key, e.recipe, e.seed, e.cycle, e.source) for e in evals],
                                         agent_state)
            for e in evals:
                self._launch(e)
                self.evaluations.append(e)
        return evals

    def _launch(self, e: Evaluation, vstart: float | None = None) -> None:
        if self.clock == "virtual":
            e.vstart = self.vnow if vstart is None else vstart
        e.future = self.backend.submit(e.recipe, e.seed, key=e.key)
        if self.store is not None:
            self.store.mark_launched(e.idx, e.vstart)

    # ------------------------------------------------------------------ wait
    def wait(self, evaluations: Sequence[Evaluation] | None = None, *,
             return_when: str = FIRST_COMPLETED, timeout: float | None = None,
             poll_s: float = 1.0) -> list[Evaluation]:
        """Wait for running evaluations; record and return those that completed.

        ``return_when`` is ``FIRST_COMPLETED`` or ``ALL_COMPLETED``.  With the virtual
        clock the completions come out in simulated-finish-time order and the clock advances.
        Returns ``[]`` on timeout.
        """
        pending = [e for e in (evaluations if evaluations is not None else self.running) if not e.done]
        if not pending:
            return []
        if self.clock == "virtual":
            return self._wait_virtual(pending, return_when)
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            slice_s = poll_s if deadline is None else max(0.0, min(poll_s, deadline - time.monotonic()))
            done, _ = cf.wait([e.future for e in pending], timeout=slice_s, return_when=return_when)
            self._poll_progress()
            if return_when == ALL_COMPLETED and len(done) == len(pending):
                break
            if return_when == FIRST_COMPLETED and done:
                break
            if deadline is not None and time.monotonic() >= deadline:
                break
        finished = [e for e in pending if e.future.done()]
        if return_when == ALL_COMPLETED and len(finished) < len(pending):
            finished = []
        for e in finished:
            self._record(e, outcome_of(e))  # no-op for one already recorded by submit()
        return finished

    def _wait_virtual(self, pending: list[Evaluation], return_when: str) -> list[Evaluation]:
        outcomes = {e.idx: outcome_of(e) for e in pending}
        vend = {e.idx: e.vstart + float(outcomes[e.idx].details.get("runtime_s", 0.0)) for e in pending}
        if return_when == ALL_COMPLETED:
            chosen = sorted(pending, key=lambda e: (vend[e.idx], e.idx))
        else:
            first = min(vend.values())
            chosen = sorted((e for e in pending if vend[e.idx] == first), key=lambda e: e.idx)
        for e in chosen:
            self.vnow = max(self.vnow, vend[e.idx])
            e.vend = vend[e.idx]
            self._record(e, outcomes[e.idx])
        return chosen

    def _record(self, e: Evaluation, outcome: Outcome) -> None:
        with self._lock:
            if e.outcome is not None:
                return
            if self.store is not None:
                self.store.mark_done(e.idx, outcome, e.vend)
            e.outcome = outcome
            self.completed.append(e)
        log.info("evaluation %s done: %s twist=%s", e.key, outcome.status.value, outcome.twist_deg)

    def _poll_progress(self) -> None:
        by_key = {e.key: e for e in self.running}
        for key, lines in self.backend.poll_progress().items():
            e = by_key.get(key)
            if e is None or not lines:
                continue
            if self.store is not None:
                self.store.set_progress(e.idx, {"n_lines": len(lines), "last": lines[-1]})
            if self.on_progress is not None:
                self.on_progress(e, lines)

    # ------------------------------------------------------------------ convenience
    def evaluate(self, recipes: Sequence[Recipe | dict], **kw: Any) -> list[Outcome]:
        """Submit a batch and wait for all of it; outcomes in the order of ``recipes``."""
        evals = self.launch(recipes, **kw)
        self.wait(evals, return_when=ALL_COMPLETED)
        return [e.outcome for e in evals]

    def cancel_running(self) -> None:
        for e in self.running:
            if e.future is not None:
                e.future.cancel()

    # ------------------------------------------------------------------ resume
    def restore(self) -> list[Evaluation]:
        """Rebuild the lab's record from its store and re-launch every unfinished evaluation
        (the backend re-attaches by key where it can).  Returns the re-launched ones."""
        if self.store is None:
            raise ValidationError("store", "a Store to restore from", None)
        relaunched = []
        records = self.store.evaluations()
        done = sorted((r for r in records if r.status == "done"), key=lambda r: r.done_order)
        by_idx = {}
        for r in records:
            e = Evaluation(r.idx, r.key, r.recipe, r.seed, r.cycle, r.source, vstart=r.vstart, vend=r.vend)
            by_idx[r.idx] = e
            self.evaluations.append(e)
        for r in done:
            e = by_idx[r.idx]
            e.outcome = r.outcome
            self.completed.append(e)
            if r.vend is not None:
                self.vnow = max(self.vnow, r.vend)
        for e in self.evaluations:
            if not e.done:
                self._launch(e, e.vstart)
                relaunched.append(e)
        return relaunched
