"""Atomic JSON files and the ``task.json`` launch record of a run directory.

``task.json`` (schema 1) is written by the engine right after launch and rewritten when the
engine sees the task end::

    {"schema": 1, "engine": "local", "job_id": "host:1234", "host": "host",
     "pid": 1234, "pgid": 1234, "proc_start": 56789, "started": 1732480000.1,
     "time_limit_s": 600.0, "command": [...], "supervisor": "host:1200",
     "ended": 1732480100.2, "returncode": 0, "signal": null, "timed_out": false,
     "cancelled": false}

``pid``/``pgid``/``proc_start`` (the process start time in clock ticks, from
``/proc/PID/stat``, guarding against pid reuse) are set by the process-based engines,
``job_id`` by every engine; ``supervisor`` is the process that launched and watches the
task (the controller, or an mpi pool worker); the fields from ``ended`` on are absent while
the task runs.  Before it starts a process an engine writes the *claim*
``{"schema": 1, "claimed": <epoch s>, "claimed_by": "host:pid"}`` (:func:`claim_attempt`):
a task.json with a claim and no ``job_id`` means the controller stopped between the two, and
the worker (started with ``--wait-launch``) computes only once ``job_id`` is there, so such an
attempt is abandoned, never run twice.  A worker backend that resumes and finds the process gone without an end
record writes ``ended`` with ``"ended_unseen": true`` and ``returncode: null``.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from vdwgym.crashpoints import write_point

__all__ = ["TASK_FILE", "claim_attempt", "read_json", "read_task_record", "update_task_record",
           "write_json_atomic"]

TASK_FILE = "task.json"


def write_json_atomic(path: Path, data: Any) -> None:
    """Write ``data`` as JSON to ``path`` atomically: a temporary file in the same folder,
    flushed and fsynced, then ``os.replace`` (readers see the old file or the whole new one)."""
    path = Path(path)
    text = json.dumps(data, indent=1, allow_nan=False)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        write_point(f"file:before-{path.name}")
        os.replace(tmp, path)
        write_point(f"file:after-{path.name}")
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_json(path: Path) -> Any | None:
    """The JSON content of ``path``, or ``None`` if it is missing or not valid JSON."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def read_task_record(run_dir: Path) -> dict[str, Any] | None:
    """``run_dir/task.json`` as a dict, or ``None`` when missing or unreadable."""
    data = read_json(Path(run_dir) / TASK_FILE)
    return data if isinstance(data, dict) and data.get("schema") == 1 else None


def update_task_record(run_dir: Path, **fields: Any) -> dict[str, Any]:
    """Merge ``fields`` into ``run_dir/task.json`` (created when missing), atomically."""
    record = read_task_record(run_dir) or {"schema": 1}
    record.update(fields)
    write_json_atomic(Path(run_dir) / TASK_FILE, record)
    return record


def claim_attempt(run_dir: Path) -> dict[str, Any]:
    """Write the claim of ``run_dir`` (see the module docstring) before starting its process."""
    import socket
    import time

    return update_task_record(run_dir, claimed=time.time(),
                              claimed_by=f"{socket.gethostname()}:{os.getpid()}")
