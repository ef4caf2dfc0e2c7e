"""A backend that runs every evaluation as ``python -m vdwgym.worker RUN_DIR`` through an engine.

Layout under ``root``: ``ROOT/<key>/attempt-<n>/`` holds one attempt's params.json,
progress.jsonl, result.json or error.json, task.json, stdout.txt and stderr.txt (see
docs/engines.md).  Nothing is deleted: every attempt stays on disk.

How an attempt ends (first rule that applies):

1. valid result.json -> that Outcome, whatever the exit code (recorded in
   ``details["worker"]``);
2. cancelled on request -> ``Outcome(status=cancelled)``;
3. time limit reached -> ``Outcome(status=timeout)``;
4. error.json -> a simulation failure: ``Outcome(status=failed, error=message)``, told to the
   agent, not retried;
5. anything else (killed by a signal, exited without a result, never started, engine or
   broker lost) -> an infrastructure failure: retried in a fresh attempt directory up to
   ``max_retries`` times, then ``Outcome(status=failed, error="infrastructure: ...")``.

Resume: submitting a key that already has attempts on disk returns the latest attempt's
valid result without running anything, re-attaches to it when it still runs (local/mpi: pid
on this host; flux: job id), concludes it by the rules above when it ended unseen, and
otherwise starts a fresh attempt.
"""

from __future__ import annotations

import json
import logging
import re
import signal as signal_module
import sys
import threading
import time
import uuid
from collections.abc import Mapping
from concurrent.futures import CancelledError, Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vdwgym.backends.base import Backend
from vdwgym.engines import Engine, Resources, Task, TaskResult, make_engine
from vdwgym.engines.runfiles import (
    read_json,
    read_task_record,
    update_task_record,
    write_json_atomic,
)
from vdwgym.errors import EngineError, ValidationError
from vdwgym.outcome import Outcome, Status
from vdwgym.seeding import check_seed
from vdwgym.space import PAPER_SPACE, ParameterSpace, Recipe
from vdwgym.worker.protocol import (
    PARAMS_FILE,
    PROGRESS_FILE,
    check_task_options,
    make_params,
    read_error,
    read_result,
    tail_progress,
)
from vdwgym.worker.tasks import TASKS_ENV, current_path, installed

__all__ = ["EvaluationFuture", "WorkerBackend"]

log = logging.getLogger(__name__)

ATTEMPT_PATTERN = re.compile(r"attempt-(\d+)")


@dataclass(eq=False)
class _Evaluation:
    key: str
    recipe: Recipe
    seed: int
    future: Future
    attempt: int = 0
    run_dir: Path | None = None
    task: Task | None = None
    offset: int = 0
    unread: list[dict] = field(default_factory=list)
    cancel_requested: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


class EvaluationFuture(Future):
    """The future of one evaluation.  :meth:`cancel` asks the engine to stop the task; the
    future then resolves to an Outcome with status ``cancelled`` (it never raises
    :class:`~concurrent.futures.CancelledError`), so a cancelled evaluation is recorded
    like any other."""

    def __init__(self, backend: WorkerBackend, key: str) -> None:
        super().__init__()
        self._backend = backend
        self._key = key
        self.set_running_or_notify_cancel()

    def cancel(self) -> bool:
        """Request a stop; True when one was sent (the outcome will say ``cancelled``
        unless the task finished first)."""
        return self._backend.cancel(self._key)


def _check_creatable_folder(path: Path, field: str) -> None:
    """``path`` is a folder, or can be made as one; a folder made to find out is removed
    again (the first launch makes it for good), so a refused campaign leaves nothing."""
    if path.exists():
        if not path.is_dir():
            raise ValidationError(field, "a folder (this path exists and is not one)", str(path))
        return
    made = []
    probe = path
    while not probe.exists() and probe.parent != probe:
        made.append(probe)
        probe = probe.parent
    try:
        path.mkdir(parents=True)
    except OSError as exc:
        raise ValidationError(field, "a folder that exists or can be created", str(path),
                              exc.strerror or str(exc)) from exc
    for folder in made:
        folder.rmdir()


def _describe_exit(result: TaskResult | None) -> str:
    if result is None:
        return "no exit status"
    if result.signal is not None:
        try:
            name = signal_module.Signals(result.signal).name
        except ValueError:
            name = str(result.signal)
        return f"killed by signal {name}"
    if result.returncode is None:
        return "ended while no controller watched it"
    return f"exit code {result.returncode}"


class WorkerBackend(Backend):
    """Evaluations as worker processes launched through an engine.

    Parameters
    ----------
    space:
        The parameter space recipes are validated against (written to params.json).
    root:
        Folder of the run directories (created).
    kind:
        Worker task kind: ``"surrogate"``, ``"lammps"``, one registered with
        :func:`vdwgym.worker.tasks.register_task` or a ``vdwgym.tasks`` entry point.
    options:
        The task's options (validated now by the task module's ``check_options``).
    engine:
        ``"local"``, ``"mpi"``, ``"flux"`` or an :class:`~vdwgym.engines.Engine` (then the
        caller owns it and :meth:`close` leaves it alone).
    engine_options:
        Constructor arguments of a named engine (``{"slots": 4}``).
    ranks, cores_per_rank, gpus_per_rank, time_limit_s, env:
        Resources of every task (see :class:`~vdwgym.engines.Resources`; seconds).
    max_retries:
        Fresh attempts after an infrastructure failure (default 2).
    python:
        Interpreter that runs the worker (default: this one).
    """

    name = "worker"
    keeps_run_directories = True

    def __init__(self, space: ParameterSpace = PAPER_SPACE, *, root: str | Path,
                 kind: str = "surrogate", options: Mapping[str, Any] | None = None,
                 engine: str | Engine = "local", engine_options: Mapping[str, Any] | None = None,
                 ranks: int = 1, cores_per_rank: int = 1, gpus_per_rank: int = 0,
                 time_limit_s: float | None = None, env: Mapping[str, str] | None = None,
                 max_retries: int = 2, python: str | None = None) -> None:
        super().__init__(space)
        tasks = {name: plugin.target for name, plugin in installed().items()}
        if not isinstance(kind, str) or kind not in tasks:
            raise ValidationError("kind", f"one of {sorted(tasks)}", kind)
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise ValidationError("max_retries", "an integer >= 0", max_retries)
        self.kind = kind
        self.task_path = tasks[kind]
        self.options = check_task_options(self.task_path, options)
        self.resources = Resources(ranks=ranks, cores_per_rank=cores_per_rank,
                                   gpus_per_rank=gpus_per_rank, time_limit_s=time_limit_s,
                                   env=dict(env or {}))
        self.max_retries = max_retries
        self.python = python or sys.executable
        self.root = Path(root).absolute()
        _check_creatable_folder(self.root, "root")
        if isinstance(engine, Engine):
            self.engine, self._owns_engine = engine, False
        else:
            self.engine, self._owns_engine = make_engine(engine, **dict(engine_options or {})), True
        self._lock = threading.Lock()
        self._active: dict[str, _Evaluation] = {}

    # ------------------------------------------------------------------ Backend
    def submit(self, recipe: Recipe, seed: int, key: str | None = None) -> Future:
        """Start (or resume, see module docstring) the evaluation named ``key``."""
        valid = self.space.validate(recipe)
        seed = check_seed(seed)
        key = f"k{uuid.uuid4().hex[:12]}" if key is None else key
        make_params(self.kind, key, 1, valid, seed, self.space, self.options, self.task_path)
        fut = EvaluationFuture(self, key)
        ev = _Evaluation(key, valid, seed, fut)
        with self._lock:
            if key in self._active and not self._active[key].future.done():
                raise ValidationError("key", "a key not already running in this backend", key)
            self._active[key] = ev
        try:
            self._start_or_resume(ev)
        except BaseException:
            with self._lock:
                self._active.pop(key, None)
            raise
        return fut

    def cancel(self, key: str) -> bool:
        """Stop the evaluation ``key``; its future resolves to a cancelled Outcome."""
        with self._lock:
            ev = self._active.get(key)
        if ev is None or ev.future.done() or ev.task is None:
            return False
        ev.cancel_requested = True
        return self.engine.cancel(ev.task) or not ev.future.done()

    def poll_progress(self) -> dict[str, list[dict]]:
        """Progress lines written since the last call, per key (running evaluations, and
        those finished since the last call; after a re-attach, from the attempt's start)."""
        with self._lock:
            evaluations = list(self._active.values())
        new: dict[str, list[dict]] = {}
        for ev in evaluations:
            finished = ev.future.done()
            with ev.lock:
                lines = ev.unread
                ev.unread = []
                if ev.run_dir is not None:
                    more, ev.offset = tail_progress(ev.run_dir / PROGRESS_FILE, ev.offset)
                    lines += more
            if lines:
                new[ev.key] = lines
            if finished:
                with self._lock:
                    if self._active.get(ev.key) is ev:
                        del self._active[ev.key]
        return new

    def recorded_keys(self) -> list[str]:
        """Keys with at least one attempt directory under ``root``."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and self._attempts(p.name))

    def config(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "task": self.task_path,
                "options": self.options, "root": str(self.root), "engine": self.engine.config(),
                "resources": self.resources.to_dict(), "max_retries": self.max_retries,
                "python": self.python}

    def close(self, cancel: bool = False) -> None:
        """Shut the engine down (if this backend made it).  Running tasks keep running
        unless ``cancel`` (a later backend on the same root re-attaches to them)."""
        if self._owns_engine:
            self.engine.shutdown(wait=cancel, cancel_futures=cancel)

    # ------------------------------------------------------------------ attempts
    def _task(self, run_dir: Path) -> Task:
        # -P: the run directory (the task's working directory) is not put on sys.path, so
        # nothing planted there can shadow vdwgym; --wait-launch: the worker computes only
        # once the engine has recorded the launch in task.json (see _start_or_resume).
        env = {**self.resources.env, TASKS_ENV: json.dumps({self.kind: self.task_path})}
        resources = Resources(ranks=self.resources.ranks, cores_per_rank=self.resources.cores_per_rank,
                              gpus_per_rank=self.resources.gpus_per_rank,
                              time_limit_s=self.resources.time_limit_s, env=env)
        return Task((self.python, "-P", "-m", "vdwgym.worker", "--wait-launch", str(run_dir)),
                    run_dir, resources)

    def _attempts(self, key: str) -> list[int]:
        key_dir = self.root / key
        if not key_dir.is_dir():
            return []
        found = (ATTEMPT_PATTERN.fullmatch(p.name) for p in key_dir.iterdir())
        return sorted(int(m.group(1)) for m in found if m)

    def _start_or_resume(self, ev: _Evaluation) -> None:
        attempts = self._attempts(ev.key)
        if not attempts:
            self._launch(ev, 1)
            return
        n = attempts[-1]
        run_dir = self.root / ev.key / f"attempt-{n}"
        if not (run_dir / PARAMS_FILE).exists():
            log.info("%s: attempt %d has no params.json (never launched); launching it", ev.key, n)
            self._launch(ev, n)
            return
        stored = read_json(run_dir / PARAMS_FILE)
        if not isinstance(stored, dict):
            log.warning("%s: unreadable params.json in attempt %d; leaving it, starting attempt %d",
                        ev.key, n, n + 1)
            self._launch(ev, n + 1)
            return
        self._check_same_evaluation(ev, run_dir, stored)
        ev.attempt, ev.run_dir, ev.task = n, run_dir, self._task(run_dir)
        if read_result(run_dir) is not None:
            log.info("%s: attempt %d already has a result; not running it again", ev.key, n)
            self._conclude(ev, None, None, resumed=True)
            return
        record = read_task_record(run_dir)
        if record is None:
            log.info("%s: attempt %d was never launched; launching it", ev.key, n)
            self._launch(ev, n)
            return
        if "job_id" not in record and "ended" not in record:
            # Claimed, but the launch was never recorded (the controller stopped in between):
            # a process that did start waits for a launch record that never comes and exits
            # without computing, so the evaluation moves to a fresh attempt, run once.
            log.info("%s: attempt %d was claimed but its launch never recorded; starting attempt %d",
                     ev.key, n, n + 1)
            update_task_record(run_dir, ended=time.time(), returncode=None, signal=None,
                               timed_out=False, cancelled=False, ended_unseen=True, abandoned=True)
            self._launch(ev, n + 1)
            return
        if "ended" not in record:
            engine_future = self.engine.attach(ev.task)
            if engine_future is not None:
                log.info("%s: re-attached to attempt %d (%s)", ev.key, n, record.get("job_id"))
                engine_future.add_done_callback(lambda f: self._on_done(ev, f))
                return
            record = update_task_record(run_dir, ended=time.time(), returncode=None, signal=None,
                                        timed_out=False, cancelled=False, ended_unseen=True)
        result = TaskResult(
            returncode=record.get("returncode"), signal=record.get("signal"),
            timed_out=bool(record.get("timed_out")), cancelled=bool(record.get("cancelled")),
            job_id=str(record.get("job_id", "")), started=record.get("started"),
            ended=float(record.get("ended", time.time())),
            stdout=run_dir / "stdout.txt", stderr=run_dir / "stderr.txt")
        self._conclude(ev, result, None, resumed=True)

    def _check_same_evaluation(self, ev: _Evaluation, run_dir: Path, stored: dict) -> None:
        """Refuse to re-use an attempt whose params.json defines another evaluation (kind,
        task, recipe, seed, space or options differ): a clear error, never a silent re-use."""
        want = make_params(self.kind, ev.key, 1, ev.recipe, ev.seed, self.space, self.options,
                           self.task_path).to_dict()
        stored = {**stored, "task": current_path(stored.get("task"))}
        for name in ("kind", "task", "key", "recipe", "seed", "space", "options"):
            if stored.get(name) != want[name]:
                raise ValidationError(
                    f"{run_dir / PARAMS_FILE}:{name}",
                    f"{want[name]!r} (this evaluation's; the run directory belongs to another "
                    "campaign or configuration: give this campaign its own root)", stored.get(name))

    def _launch(self, ev: _Evaluation, attempt: int) -> None:
        params = make_params(self.kind, ev.key, attempt, ev.recipe, ev.seed, self.space,
                             self.options, self.task_path)
        run_dir = self.root / ev.key / f"attempt-{attempt}"
        run_dir.mkdir(parents=True, exist_ok=True)
        write_json_atomic(run_dir / PARAMS_FILE, params.to_dict())
        task = self._task(run_dir)
        with ev.lock:
            if ev.run_dir is not None and ev.run_dir != run_dir:
                lines, _ = tail_progress(ev.run_dir / PROGRESS_FILE, ev.offset)
                ev.unread.extend(lines)
            ev.attempt, ev.run_dir, ev.task, ev.offset = attempt, run_dir, task, 0
        try:
            engine_future = self.engine.submit(task)
        except EngineError as exc:
            self._conclude(ev, None, f"never started: {exc}")
            return
        engine_future.add_done_callback(lambda f: self._on_done(ev, f))
        if ev.cancel_requested:  # asked while this attempt was being launched
            self.engine.cancel(task)

    def _on_done(self, ev: _Evaluation, engine_future: Future) -> None:
        try:
            try:
                result, infra = engine_future.result(), None
            except CancelledError:
                ev.cancel_requested = True
                result, infra = None, None
            except Exception as exc:  # the engine's infrastructure failures
                result, infra = None, f"{type(exc).__name__}: {exc}"
            self._conclude(ev, result, infra)
        except Exception as exc:  # never leave an evaluation unresolved
            log.exception("%s: failed to conclude attempt %d", ev.key, ev.attempt)
            if not ev.future.done():
                ev.future.set_result(self._outcome(ev, Status.FAILED, None,
                                                   f"infrastructure: controller error: {exc}"))

    def _outcome(self, ev: _Evaluation, status: Status, result: TaskResult | None,
                 error: str = "") -> Outcome:
        wall = (result.ended - result.started) if result and result.started else 0.0
        return Outcome(status=status, recipe=ev.recipe, seed=ev.seed, error=error,
                       wall_time_s=wall, details={"backend": self.name, "kind": self.kind,
                                                  "worker": self._worker_details(ev, result)},
                       history=self._history(ev),
                       run_dir=None if ev.run_dir is None else str(ev.run_dir))

    def _worker_details(self, ev: _Evaluation, result: TaskResult | None) -> dict[str, Any]:
        d: dict[str, Any] = {"key": ev.key, "attempts": ev.attempt, "engine": self.engine.name}
        if result is not None:
            d.update(exit_code=result.returncode, signal=result.signal, job_id=result.job_id,
                     timed_out=result.timed_out,
                     wall_s=None if result.started is None else result.ended - result.started)
        return d

    def _history(self, ev: _Evaluation) -> list[dict]:
        if ev.run_dir is None:
            return []
        lines, _ = tail_progress(ev.run_dir / PROGRESS_FILE, 0)
        return lines

    def _conclude(self, ev: _Evaluation, result: TaskResult | None, infra: str | None,
                  resumed: bool = False) -> None:
        run_dir = ev.run_dir
        outcome = read_result(run_dir) if run_dir is not None else None
        if outcome is not None:
            outcome.details = {**outcome.details, "worker": {**self._worker_details(ev, result),
                                                              "resumed": resumed}}
            if not outcome.history:
                outcome.history = self._history(ev)
        elif ev.cancel_requested or (result is not None and result.cancelled):
            outcome = self._outcome(ev, Status.CANCELLED, result, "cancelled")
        elif result is not None and result.timed_out:
            outcome = self._outcome(ev, Status.TIMEOUT, result,
                                    f"time limit of {self.resources.time_limit_s} s reached")
        elif run_dir is not None and (error := read_error(run_dir)) is not None:
            outcome = self._outcome(ev, Status.FAILED, result,
                                    f"{error.get('type', 'Error')}: {error['message']}")
        else:
            reason = infra or _describe_exit(result)
            if ev.attempt < 1 + self.max_retries:
                log.warning("%s: attempt %d failed (%s); retrying in attempt %d",
                            ev.key, ev.attempt, reason, ev.attempt + 1)
                self._launch(ev, ev.attempt + 1)
                return
            outcome = self._outcome(ev, Status.FAILED, result,
                                    f"infrastructure: {reason} (after {ev.attempt} attempts)")
        log.info("%s: %s after %d attempt(s)", ev.key, outcome.status.value, ev.attempt)
        ev.future.set_result(outcome)
