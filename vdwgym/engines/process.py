"""Running one task as a process group on this host (shared by the local and mpi engines).

A task runs in its own session (``start_new_session``), so its process group holds the
task, its ``mpiexec`` and every rank; stopping it signals the whole group: SIGTERM, then
SIGKILL after a grace period.  Whatever is left of the group once its leader has exited is
killed too.  stdout and stderr go to ``RUN_DIR/stdout.txt`` and ``RUN_DIR/stderr.txt``.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from vdwgym.engines.base import Task, TaskResult
from vdwgym.engines.runfiles import claim_attempt, read_task_record, update_task_record
from vdwgym.errors import EngineError

__all__ = ["attachable_record", "find_mpiexec", "full_command", "pid_alive", "process_start_ticks", "supervise",
           "task_environment", "watch_detached"]

log = logging.getLogger(__name__)

STDOUT_FILE = "stdout.txt"
STDERR_FILE = "stderr.txt"

#: Environment variables set by an MPI launcher for its own ranks; a task is a job of its
#: own, so they are removed from its environment (a nested mpiexec or MPI_Init would
#: otherwise try to join the controller's MPI job).
LAUNCHER_VARIABLE_PREFIXES = ("PMI_", "PMIX_", "HYDI_", "HYDRA_", "OMPI_", "MPI_LOCALNRANKS",
                              "MPI_LOCALRANKID")


def find_mpiexec() -> str | None:
    """``mpiexec`` from PATH, else next to the running interpreter (a venv's bin/)."""
    found = shutil.which("mpiexec")
    if found:
        return found
    beside = Path(sys.executable).parent / "mpiexec"
    return str(beside) if beside.exists() else None


def full_command(task: Task, mpiexec: str | None) -> list[str]:
    """The command line to exec: ``mpiexec -n ranks ...`` for more than one rank."""
    if task.resources.ranks == 1:
        return list(task.command)
    if mpiexec is None:
        raise EngineError(f"never started: {task.resources.ranks} ranks need mpiexec, "
                          "which is neither on PATH nor beside the interpreter")
    return [mpiexec, "-n", str(task.resources.ranks), *task.command]


def task_environment(task: Task, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The task's environment: ``base`` (default: this process's) without MPI launcher
    variables, ``OMP_NUM_THREADS = cores_per_rank`` unless set, then ``resources.env``."""
    env = {k: v for k, v in (os.environ if base is None else base).items()
           if not k.startswith(LAUNCHER_VARIABLE_PREFIXES)}
    env.setdefault("OMP_NUM_THREADS", str(task.resources.cores_per_rank))
    env.update(task.resources.env)
    return env


def process_start_ticks(pid: int) -> int | None:
    """Start time of ``pid`` in clock ticks since boot (``/proc/PID/stat`` field 22), or
    ``None`` when the process is gone, a zombie, or ``/proc`` is unavailable."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2:].split()
    if fields[0] == "Z":
        return None
    return int(fields[19])


def pid_alive(pid: int, start_ticks: int | None = None) -> bool:
    """Whether ``pid`` runs (not a zombie) and, when ``start_ticks`` is given, is the same
    process that was recorded (pid reuse check)."""
    if Path("/proc").is_dir():
        ticks = process_start_ticks(pid)
        return ticks is not None and (start_ticks is None or ticks == start_ticks)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _wait(finished: Callable[[], bool], pgid: int, deadline: float | None,
          should_cancel: Callable[[], bool], grace_s: float, poll_s: float) -> tuple[bool, bool]:
    """Poll until ``finished()``; enforce the deadline (epoch s) and cancellation by
    signalling the group.  Returns ``(timed_out, cancelled)``."""
    timed_out = cancelled = False
    term_at: float | None = None
    while not finished():
        now = time.time()
        if term_at is None:
            if deadline is not None and now >= deadline:
                timed_out = True
            elif should_cancel():
                cancelled = True
            if timed_out or cancelled:
                log.info("stopping process group %d (%s)", pgid,
                         "time limit" if timed_out else "cancelled")
                _signal_group(pgid, signal.SIGTERM)
                term_at = now
        elif now - term_at >= grace_s:
            _signal_group(pgid, signal.SIGKILL)
        time.sleep(poll_s)
    _signal_group(pgid, signal.SIGKILL)  # whatever the leader left behind
    return timed_out, cancelled


def supervise(task: Task, *, engine: str, should_cancel: Callable[[], bool],
              grace_s: float = 10.0, poll_s: float = 0.1,
              mpiexec: str | None = None) -> TaskResult:
    """Launch ``task`` as a new session, record it in task.json, wait for it.

    Raises :class:`EngineError` when the command cannot be started (never started).
    """
    run_dir = task.run_dir
    run_dir.mkdir(parents=True, exist_ok=True)
    cmd = full_command(task, mpiexec)
    out_path, err_path = run_dir / STDOUT_FILE, run_dir / STDERR_FILE
    claim_attempt(run_dir)
    with open(out_path, "ab") as out, open(err_path, "ab") as err:
        try:
            proc = subprocess.Popen(cmd, cwd=run_dir, stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=err, env=task_environment(task),
                                    start_new_session=True)
        except OSError as exc:
            raise EngineError(f"never started: {cmd[0]!r}: {exc}") from exc
    started = time.time()
    host = socket.gethostname()
    limit = task.resources.time_limit_s
    try:
        update_task_record(run_dir, engine=engine, job_id=f"{host}:{proc.pid}", host=host,
                           pid=proc.pid, pgid=proc.pid, proc_start=process_start_ticks(proc.pid),
                           started=started, time_limit_s=limit, command=cmd,
                           supervisor=f"{host}:{os.getpid()}")
    except OSError as exc:  # an unrecorded task could not be re-attached: do not leave it running
        _signal_group(proc.pid, signal.SIGKILL)
        proc.wait()
        raise EngineError(f"could not record the task in {run_dir}: {exc}") from exc
    log.debug("started %s as pid %d in %s", cmd, proc.pid, run_dir)
    timed_out, cancelled = _wait(lambda: proc.poll() is not None, proc.pid,
                                 None if limit is None else started + limit,
                                 should_cancel, grace_s, poll_s)
    return _finish(run_dir, proc.returncode, timed_out, cancelled, f"{host}:{proc.pid}", started)


def watch_detached(task: Task, record: Mapping, *, should_cancel: Callable[[], bool],
                   grace_s: float = 10.0, poll_s: float = 0.1) -> TaskResult:
    """Wait for a process recorded in task.json that is not this process's child (a task
    launched by an earlier controller).  Its exit status cannot be known: ``returncode``
    is ``None``; the time limit still runs from the recorded start."""
    pid, start_ticks = int(record["pid"]), record.get("proc_start")
    limit = record.get("time_limit_s")
    started = float(record["started"])
    timed_out, cancelled = _wait(lambda: not pid_alive(pid, start_ticks), int(record["pgid"]),
                                 None if limit is None else started + float(limit),
                                 should_cancel, grace_s, poll_s)
    return _finish(task.run_dir, None, timed_out, cancelled, str(record["job_id"]), started)


def attachable_record(task: Task, engines: tuple[str, ...]) -> dict | None:
    """task.json of ``task`` when it names a still-running process of one of ``engines`` on
    this host; ``None`` otherwise."""
    record = read_task_record(task.run_dir)
    if (record is None or record.get("engine") not in engines or "ended" in record
            or record.get("host") != socket.gethostname() or "pid" not in record):
        return None
    return record if pid_alive(int(record["pid"]), record.get("proc_start")) else None


def _finish(run_dir: Path, returncode: int | None, timed_out: bool, cancelled: bool,
            job_id: str, started: float) -> TaskResult:
    sig = -returncode if returncode is not None and returncode < 0 else None
    result = TaskResult(returncode=returncode, signal=sig, timed_out=timed_out,
                        cancelled=cancelled, job_id=job_id, started=started, ended=time.time(),
                        stdout=run_dir / STDOUT_FILE, stderr=run_dir / STDERR_FILE)
    update_task_record(run_dir, ended=result.ended, returncode=returncode, signal=sig,
                       timed_out=timed_out, cancelled=cancelled)
    return result
