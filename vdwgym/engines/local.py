"""The ``local`` engine: one subprocess (process group) per task on this host.

At most ``slots`` tasks run at once; more wait in a FIFO queue (a queued future can be
cancelled).  Tasks with ``ranks > 1`` run under ``mpiexec -n ranks``.  Re-attached tasks
(launched by an earlier controller, see :meth:`LocalEngine.attach`) count against the slots
too, since they use the cores.

Across every local engine of one process, at most :data:`PROCESSES` ``.limit`` tasks run at
once (``None``: no cap; set with :func:`set_max_processes` or ``VDWGYM_MAX_PROCESSES``), so a
service holding many worker campaigns cannot start more processes than the host holds.
"""

from __future__ import annotations

import collections
import logging
import os
import threading
import weakref
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from vdwgym.engines.base import Engine, Task
from vdwgym.engines.process import attachable_record, find_mpiexec, supervise, watch_detached
from vdwgym.errors import EngineError, ValidationError

__all__ = ["LocalEngine", "PROCESSES", "set_max_processes"]

log = logging.getLogger(__name__)

MAX_PROCESSES_ENV = "VDWGYM_MAX_PROCESSES"


class _ProcessBudget:
    """The process-wide cap on running tasks, shared by every LocalEngine."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.running = 0
        self._lock = threading.Lock()
        self.engines: weakref.WeakSet = weakref.WeakSet()

    def take(self, force: bool = False) -> bool:
        with self._lock:
            if not force and self.limit is not None and self.running >= self.limit:
                return False
            self.running += 1
            return True

    def give_back_quietly(self) -> None:
        """Return a token without dispatching (the caller holds an engine lock)."""
        with self._lock:
            self.running -= 1

    def give_back(self) -> None:
        with self._lock:
            self.running -= 1
            engines = list(self.engines)
        for engine in engines:  # a freed process may let another engine's queue move
            engine._dispatch()


def _limit_from_env() -> int | None:
    value = os.environ.get(MAX_PROCESSES_ENV, "")
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise ValidationError(MAX_PROCESSES_ENV, "an integer >= 1", value)
    return int(value)


PROCESSES = _ProcessBudget(_limit_from_env())


def set_max_processes(limit: int | None) -> None:
    """Cap the tasks running at once over every local engine of this process (``None``:
    no cap)."""
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ValidationError("max_processes", "None or an integer >= 1", limit)
    PROCESSES.limit = limit
    for engine in list(PROCESSES.engines):
        engine._dispatch()


class _Running:
    """A task that holds a slot: its cancellation flag."""

    def __init__(self) -> None:
        self.cancel_requested = threading.Event()


class LocalEngine(Engine):
    """Subprocesses on this host.

    Parameters
    ----------
    slots:
        Tasks running at once (default 1).  A task with k ranks still takes one slot: size
        ``slots`` to the cores (``slots * ranks * cores_per_rank <= cores``).
    grace_s:
        Seconds between SIGTERM and SIGKILL when stopping a task.
    poll_s:
        Seconds between checks of a running task (exit, time limit, cancellation).
    mpiexec:
        Launcher for multi-rank tasks (default: found on PATH or beside the interpreter).
    """

    name = "local"

    def __init__(self, slots: int = 1, grace_s: float = 10.0, poll_s: float = 0.1,
                 mpiexec: str | None = None) -> None:
        if isinstance(slots, bool) or not isinstance(slots, int) or slots < 1:
            raise ValidationError("engine.slots", "an integer >= 1", slots)
        for name, v in (("grace_s", grace_s), ("poll_s", poll_s)):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not v > 0:
                raise ValidationError(f"engine.{name}", "a number > 0 (s)", v)
        self.slots = slots
        self.grace_s = float(grace_s)
        self.poll_s = float(poll_s)
        self.mpiexec = mpiexec or find_mpiexec()
        self._lock = threading.Lock()
        self._queue: collections.deque[tuple[Task, Future]] = collections.deque()
        self._running: dict[Path, _Running] = {}
        self._threads: list[threading.Thread] = []
        self._closed = False
        PROCESSES.engines.add(self)

    # ------------------------------------------------------------------ contract
    def submit(self, task: Task) -> Future:
        fut: Future = Future()
        with self._lock:
            if self._closed:
                raise EngineError("local engine: submit after shutdown")
            self._queue.append((task, fut))
        self._dispatch()
        return fut

    def attach(self, task: Task) -> Future | None:
        record = attachable_record(task, (self.name, "mpi"))
        if record is None:
            return None
        fut: Future = Future()
        fut.set_running_or_notify_cancel()
        with self._lock:
            if self._closed:
                raise EngineError("local engine: attach after shutdown")
            slot = self._running[task.run_dir] = _Running()
        PROCESSES.take(force=True)  # it runs already: it counts against the cap
        log.info("re-attached to pid %s in %s", record["pid"], task.run_dir)
        self._start(task, fut, slot, record)
        return fut

    def cancel(self, task: Task) -> bool:
        with self._lock:
            for queued_task, fut in self._queue:
                if queued_task.run_dir == task.run_dir:
                    return fut.cancel()
            slot = self._running.get(task.run_dir)
        if slot is None:
            return False
        slot.cancel_requested.set()
        return True

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        with self._lock:
            self._closed = True
            queued, self._queue = list(self._queue), collections.deque()
            running = list(self._running.values())
            threads = list(self._threads)
        if cancel_futures:
            for _, fut in queued:
                fut.cancel()
            for slot in running:
                slot.cancel_requested.set()
        else:
            for task, fut in queued:
                if fut.set_running_or_notify_cancel():
                    fut.set_exception(EngineError(f"never started: engine shut down ({task.run_dir})"))
        if wait:
            for t in threads:
                t.join()

    def config(self) -> dict[str, Any]:
        return {"name": self.name, "slots": self.slots, "grace_s": self.grace_s,
                "poll_s": self.poll_s, "mpiexec": self.mpiexec}

    # ------------------------------------------------------------------ scheduling
    def _dispatch(self) -> None:
        while True:
            with self._lock:
                if len(self._running) >= self.slots or not self._queue:
                    return
                if not PROCESSES.take():
                    return  # the process-wide cap: dispatched again when one ends
                task, fut = self._queue.popleft()
                if not fut.set_running_or_notify_cancel():
                    PROCESSES.give_back_quietly()
                    continue
                slot = self._running[task.run_dir] = _Running()
            self._start(task, fut, slot, None)

    def _start(self, task: Task, fut: Future, slot: _Running, record: dict | None) -> None:
        t = threading.Thread(target=self._run, args=(task, fut, slot, record),
                             name=f"vdwgym-local-{task.run_dir.name}", daemon=True)
        with self._lock:
            self._threads = [x for x in self._threads if x.is_alive()] + [t]
        t.start()

    def _run(self, task: Task, fut: Future, slot: _Running, record: dict | None) -> None:
        try:
            if record is None:
                result = supervise(task, engine=self.name, should_cancel=slot.cancel_requested.is_set,
                                   grace_s=self.grace_s, poll_s=self.poll_s, mpiexec=self.mpiexec)
            else:
                result = watch_detached(task, record, should_cancel=slot.cancel_requested.is_set,
                                        grace_s=self.grace_s, poll_s=self.poll_s)
        except EngineError as exc:
            outcome: tuple = (None, exc)
        except Exception as exc:  # any launch trouble is an infrastructure failure
            log.exception("local engine failed on %s", task.run_dir)
            outcome = (None, EngineError(f"engine failure: {type(exc).__name__}: {exc}"))
        else:
            outcome = (result, None)
        with self._lock:
            self._running.pop(task.run_dir, None)
        result, exc = outcome
        PROCESSES.give_back()
        if exc is None:
            fut.set_result(result)
        else:
            fut.set_exception(exc)
        self._dispatch()
