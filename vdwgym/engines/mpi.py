"""The ``mpi`` engine: an :class:`mpi4py.futures.MPIPoolExecutor` whose workers run tasks.

Run the controller under an MPI launcher so the pool has ranks to use, for example::

    mpiexec -n 9 python -m mpi4py.futures my_campaign.py      # 1 controller + 8 pool workers

(without ``-m mpi4py.futures`` the pool spawns its workers with MPI_Comm_spawn, which needs
an MPI that supports it).  Each pool worker runs one task at a time as a subprocess in its
own process group on the worker's node, exactly as the local engine does
(:func:`vdwgym.engines.process.supervise`): ``mpiexec -n k`` for ``k`` ranks, the MPI
launcher's variables removed from the task's environment, time limit and cancellation by
signalling the group.  Cancellation of a running task goes through a file,
``RUN_DIR/cancel.request``, that the pool worker checks, so it also works when the worker
runs on another node with a shared file system.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import CancelledError, Future
from pathlib import Path
from typing import Any

from vdwgym.engines.base import Engine, Task, TaskResult
from vdwgym.engines.process import attachable_record, find_mpiexec, supervise, watch_detached
from vdwgym.errors import EngineError

__all__ = ["CANCEL_FILE", "MpiEngine", "run_pooled"]

log = logging.getLogger(__name__)

CANCEL_FILE = "cancel.request"


def run_pooled(task_data: dict, grace_s: float, poll_s: float, mpiexec: str | None) -> dict:
    """Run one task inside a pool worker; returns ``TaskResult.to_dict()``."""
    task = Task.from_dict(task_data)
    stop = task.run_dir / CANCEL_FILE
    result = supervise(task, engine="mpi", should_cancel=stop.exists, grace_s=grace_s,
                       poll_s=poll_s, mpiexec=mpiexec or find_mpiexec())
    return result.to_dict()


def _chain(source: Future, target: Future) -> None:
    """Complete ``target`` (a TaskResult future) from ``source`` (the pool's future)."""
    if target.done():
        return
    if source.cancelled():
        target.cancel()
        return
    try:
        data = source.result()
    except CancelledError:
        target.cancel()
    except EngineError as exc:
        target.set_exception(exc)
    except Exception as exc:  # a broken pool, a lost rank: infrastructure
        target.set_exception(EngineError(f"mpi pool failure: {type(exc).__name__}: {exc}"))
    else:
        target.set_result(TaskResult.from_dict(data))


class MpiEngine(Engine):
    """Tasks run by the workers of an MPI pool (module docstring).

    Parameters
    ----------
    max_workers:
        Pool workers (default: all ranks but the controller's under ``-m mpi4py.futures``).
    grace_s, poll_s:
        As for :class:`~vdwgym.engines.local.LocalEngine` (seconds).
    mpiexec:
        Launcher for multi-rank tasks on the pool workers' nodes (default: found there).
    **pool_options:
        Further arguments of :class:`mpi4py.futures.MPIPoolExecutor`.
    """

    name = "mpi"

    def __init__(self, max_workers: int | None = None, grace_s: float = 10.0,
                 poll_s: float = 0.1, mpiexec: str | None = None, **pool_options: Any) -> None:
        from mpi4py.futures import MPIPoolExecutor

        self.max_workers = max_workers
        self.grace_s = float(grace_s)
        self.poll_s = float(poll_s)
        self.mpiexec = mpiexec
        self._pool = MPIPoolExecutor(max_workers=max_workers, **pool_options)
        self._lock = threading.Lock()
        self._pooled: dict[Path, Future] = {}
        self._watchers: list[threading.Thread] = []

    def submit(self, task: Task) -> Future:
        (task.run_dir / CANCEL_FILE).unlink(missing_ok=True)
        target: Future = Future()
        try:
            source = self._pool.submit(run_pooled, task.to_dict(), self.grace_s, self.poll_s,
                                       self.mpiexec)
        except RuntimeError as exc:  # shut down or broken
            raise EngineError(f"mpi pool refused the task: {exc}") from exc
        with self._lock:
            self._pooled[task.run_dir] = source
        source.add_done_callback(lambda f: self._done(task, f, target))
        return target

    def _done(self, task: Task, source: Future, target: Future) -> None:
        with self._lock:
            if self._pooled.get(task.run_dir) is source:
                del self._pooled[task.run_dir]
        _chain(source, target)

    def attach(self, task: Task) -> Future | None:
        record = attachable_record(task, ("mpi", "local"))
        if record is None:
            return None
        target: Future = Future()
        target.set_running_or_notify_cancel()
        stop = task.run_dir / CANCEL_FILE

        def watch() -> None:
            try:
                target.set_result(watch_detached(task, record, should_cancel=stop.exists,
                                                 grace_s=self.grace_s, poll_s=self.poll_s))
            except Exception as exc:
                target.set_exception(EngineError(f"watching {task.run_dir}: {exc}"))

        t = threading.Thread(target=watch, name=f"vdwgym-mpi-watch-{task.run_dir.name}", daemon=True)
        with self._lock:
            self._watchers = [w for w in self._watchers if w.is_alive()] + [t]
        t.start()
        log.info("re-attached to pid %s in %s", record["pid"], task.run_dir)
        return target

    def cancel(self, task: Task) -> bool:
        with self._lock:
            source = self._pooled.get(task.run_dir)
        if source is not None and source.cancel():
            return True
        if source is None and not any(w.is_alive() for w in self._watchers):
            return False
        (task.run_dir / CANCEL_FILE).touch()
        return True

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        if cancel_futures:
            with self._lock:
                running = list(self._pooled)
            for run_dir in running:
                (run_dir / CANCEL_FILE).touch()
        self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)
        if wait:
            for t in list(self._watchers):
                t.join()

    def config(self) -> dict[str, Any]:
        return {"name": self.name, "max_workers": self.max_workers, "grace_s": self.grace_s,
                "poll_s": self.poll_s, "mpiexec": self.mpiexec}
