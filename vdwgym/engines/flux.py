"""The ``flux`` engine: tasks as Flux jobs through :class:`flux.job.FluxExecutor`.

Run the controller inside a Flux instance (``flux alloc -N 2 python campaign.py``, or a
``flux batch`` script; see docs/engines.md).  Each task becomes one job built with
``JobspecV1.from_command(command, num_tasks=ranks, cores_per_task, gpus_per_task)``, with
the run directory as cwd, the task's environment, stdout/stderr files and the time limit as
the job's duration.  Flux launches the ranks itself (no mpiexec).

Facts this engine relies on (flux-python 0.88):

* a job's exit status is the highest over its ranks; a job killed by a signal reports
  ``-signal``;
* an exception event of severity 0 ends the job: ``timeout`` (duration reached) and
  ``cancel`` are mapped to timed out / cancelled results, any other type (``exec``: the
  command could not start, node lost, ...) to an infrastructure failure;
* ``FluxExecutor.shutdown(cancel_futures=True)`` does not cancel running jobs: the engine
  cancels each job itself with ``flux.job.cancel``;
* when the broker goes away every future fails with ``RuntimeError("reactor start
  failed")``: mapped to an infrastructure failure (:class:`~vdwgym.errors.EngineError`).

The job id (decimal) is written to task.json as soon as Flux assigns it, so a restarted controller
re-attaches with ``FluxExecutor.attach(jobid)`` (it works for running and finished jobs
still known to the instance).  ``flux`` is imported only when the engine is built; the
functions before :class:`FluxEngine` are pure and tested without Flux.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from concurrent.futures import CancelledError, Future
from pathlib import Path
from typing import Any

from vdwgym.engines.base import Engine, Task, TaskResult
from vdwgym.engines.process import STDERR_FILE, STDOUT_FILE, task_environment
from vdwgym.engines.runfiles import claim_attempt, read_task_record, update_task_record
from vdwgym.errors import EngineError

__all__ = ["FluxEngine", "build_jobspec", "classify_exception", "jobspec_arguments",
           "reattach_job_id", "result_from_exception", "result_from_status"]

log = logging.getLogger(__name__)


# ---------------------------------------------------------------------- pure functions
def jobspec_arguments(task: Task) -> dict[str, Any]:
    """Keyword arguments of ``JobspecV1.from_command`` for ``task``."""
    res = task.resources
    return {"command": list(task.command), "num_tasks": res.ranks,
            "cores_per_task": res.cores_per_rank,
            "gpus_per_task": res.gpus_per_rank or None, "num_nodes": None}


def build_jobspec(task: Task, jobspec_class: Any, environment: dict[str, str] | None = None) -> Any:
    """A jobspec for ``task`` (``jobspec_class`` is ``flux.job.JobspecV1``): run directory as
    cwd, environment (default: :func:`~vdwgym.engines.process.task_environment`), output
    files, and the time limit (s) as duration."""
    spec = jobspec_class.from_command(**jobspec_arguments(task))
    spec.cwd = str(task.run_dir)
    spec.environment = task_environment(task) if environment is None else environment
    spec.stdout = str(task.run_dir / STDOUT_FILE)
    spec.stderr = str(task.run_dir / STDERR_FILE)
    if task.resources.time_limit_s is not None:
        spec.duration = float(task.resources.time_limit_s)
    return spec


def classify_exception(exc: BaseException) -> tuple[str, str]:
    """Map an exception from a Flux future to ``(kind, text)``, kind one of ``"timeout"``,
    ``"cancelled"``, ``"infrastructure"``."""
    if isinstance(exc, CancelledError):
        return "cancelled", "cancelled before submission"
    job_type = getattr(exc, "type", None)
    if not isinstance(job_type, str):
        m = re.search(r"type=(\w+)", str(exc))
        job_type = m.group(1) if m else None
    if job_type == "timeout":
        return "timeout", str(exc)
    if job_type == "cancel":
        return "cancelled", str(exc)
    if job_type is not None:
        return "infrastructure", f"flux job exception {job_type}: {exc}"
    if isinstance(exc, RuntimeError) and "reactor start failed" in str(exc):
        return "infrastructure", "flux broker lost (reactor start failed)"
    return "infrastructure", f"flux: {type(exc).__name__}: {exc}"


def result_from_status(task: Task, job_id: str, status: int, started: float | None,
                       ended: float) -> TaskResult:
    """TaskResult of a finished job from the executor's status (exit code, or ``-signal``)."""
    sig = -status if status < 0 else None
    return TaskResult(returncode=status, signal=sig, timed_out=False, cancelled=False,
                      job_id=job_id, started=started, ended=ended,
                      stdout=task.run_dir / STDOUT_FILE, stderr=task.run_dir / STDERR_FILE)


def result_from_exception(task: Task, job_id: str, exc: BaseException, started: float | None,
                          ended: float) -> TaskResult:
    """TaskResult for a timed out or cancelled job; raises :class:`EngineError` for an
    infrastructure failure."""
    kind, text = classify_exception(exc)
    if kind == "infrastructure":
        raise EngineError(text) from exc
    return TaskResult(returncode=None, signal=None, timed_out=kind == "timeout",
                      cancelled=kind == "cancelled", job_id=job_id, started=started,
                      ended=ended, stdout=task.run_dir / STDOUT_FILE,
                      stderr=task.run_dir / STDERR_FILE)


def reattach_job_id(run_dir: Path) -> int | None:
    """The Flux job id recorded in ``run_dir/task.json`` for a job not seen to end."""
    record = read_task_record(run_dir)
    if record is None or record.get("engine") != "flux" or "ended" in record:
        return None
    job_id = record.get("job_id")
    return int(job_id) if isinstance(job_id, (int, str)) and str(job_id).isdigit() else None


# ---------------------------------------------------------------------- the engine
class FluxEngine(Engine):
    """Tasks as Flux jobs (module docstring).

    Parameters
    ----------
    handle_args, handle_kwargs:
        Arguments of ``flux.Flux`` for the executor's and the engine's handles (default:
        the enclosing instance, from ``FLUX_URI``).
    """

    name = "flux"

    def __init__(self, handle_args: tuple = (), handle_kwargs: dict | None = None) -> None:
        import flux
        import flux.job

        self._flux = flux
        self._handle_args = tuple(handle_args)
        self._handle_kwargs = dict(handle_kwargs or {})
        self._handle = flux.Flux(*self._handle_args, **self._handle_kwargs)
        self._executor = flux.job.FluxExecutor(handle_args=self._handle_args,
                                               handle_kwargs=self._handle_kwargs)
        self._lock = threading.Lock()
        self._jobs: dict[Path, Any] = {}  # run_dir -> FluxExecutorFuture

    def submit(self, task: Task) -> Future:
        task.run_dir.mkdir(parents=True, exist_ok=True)
        spec = build_jobspec(task, self._flux.job.JobspecV1)
        claim_attempt(task.run_dir)
        try:
            source = self._executor.submit(spec)
        except RuntimeError as exc:
            raise EngineError(f"flux executor refused the task: {exc}") from exc
        return self._follow(task, source, submitted=True)

    def attach(self, task: Task) -> Future | None:
        job_id = reattach_job_id(task.run_dir)
        if job_id is None:
            return None
        log.info("re-attaching to flux job %s in %s", job_id, task.run_dir)
        return self._follow(task, self._executor.attach(job_id), submitted=False)

    def _follow(self, task: Task, source: Any, submitted: bool) -> Future:
        target: Future = Future()
        times: dict[str, float] = {}
        record = read_task_record(task.run_dir) or {}
        if record.get("started") is not None:
            times["started"] = float(record["started"])
        with self._lock:
            self._jobs[task.run_dir] = source
        limit = task.resources.time_limit_s

        def on_jobid(fut: Any) -> None:
            if submitted:
                update_task_record(task.run_dir, engine="flux", job_id=str(int(fut.jobid())),
                                   time_limit_s=limit, command=list(task.command))

        def on_start(fut: Any, event: Any) -> None:
            times["started"] = float(getattr(event, "timestamp", time.time()))
            update_task_record(task.run_dir, started=times["started"])

        def on_done(fut: Any) -> None:
            with self._lock:
                if self._jobs.get(task.run_dir) is fut:
                    del self._jobs[task.run_dir]
            try:
                job_id = str(int(fut.jobid(0)))
            except Exception:  # never submitted: no job id
                job_id = ""
            ended = time.time()
            try:
                exc = fut.exception()
                if exc is None:
                    result = result_from_status(task, job_id, int(fut.result()),
                                                times.get("started"), ended)
                else:
                    result = result_from_exception(task, job_id, exc, times.get("started"), ended)
            except CancelledError:
                target.cancel()
                return
            except EngineError as err:
                target.set_exception(err)
                return
            update_task_record(task.run_dir, ended=ended, returncode=result.returncode,
                               signal=result.signal, timed_out=result.timed_out,
                               cancelled=result.cancelled)
            target.set_result(result)

        source.add_jobid_callback(on_jobid)
        source.add_event_callback("start", on_start)
        source.add_done_callback(on_done)
        return target

    def cancel(self, task: Task) -> bool:
        with self._lock:
            source = self._jobs.get(task.run_dir)
        if source is None:
            return False
        if source.cancel():
            return True
        try:
            job_id = source.jobid(0)
        except Exception:
            return False
        self._flux.job.cancel(self._handle, job_id, "cancelled by vdwgym")
        return True

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        if cancel_futures:
            with self._lock:
                run_dirs = list(self._jobs)
            for run_dir in run_dirs:
                try:
                    self.cancel(Task(("true",), run_dir))
                except OSError as exc:
                    log.warning("could not cancel the flux job of %s: %s", run_dir, exc)
        self._executor.shutdown(wait=wait)

    def config(self) -> dict[str, Any]:
        return {"name": self.name, "handle_args": list(self._handle_args),
                "handle_kwargs": self._handle_kwargs}
