"""Instrumented write points for the crash-consistency suite (tests/test_crash.py).

Every durable write of the campaign loop calls :func:`write_point` just before and just
after it takes effect: each store transaction (before and after its ``COMMIT``) and each
atomic run-directory file (params.json, the task.json claim and launch record, result
files: before and after the ``os.replace``).  Outside the suite the call costs one ``is
None`` test.

Environment (read once, at import, then removed from this process's environment so
worker processes started from it are not instrumented):

``VDWGYM_CRASH_AT="k"`` or ``"k:TERM"``
    Kill this process with SIGKILL (default) or SIGTERM at write point ``k`` (1-based).
``VDWGYM_CRASH_TRACE=path``
    Append the name of every write point reached to ``path``, one per line (how the suite
    counts the points of an uninterrupted run).
"""

from __future__ import annotations

import os
import signal
import threading
import time

__all__ = ["CRASH_AT_ENV", "CRASH_TRACE_ENV", "configure", "write_point"]

CRASH_AT_ENV = "VDWGYM_CRASH_AT"
CRASH_TRACE_ENV = "VDWGYM_CRASH_TRACE"

_lock = threading.Lock()
_state: dict = {"at": None, "sig": signal.SIGKILL, "trace": None, "count": 0}


def configure(at: str | None = None, trace: str | None = None) -> None:
    """Set the crash point and trace file (``at`` as in ``VDWGYM_CRASH_AT``); the counter
    restarts at 0.  Called at import from the environment; the suite calls it in forked
    children."""
    with _lock:
        _state["count"] = 0
        _state["trace"] = trace
        _state["at"] = None
        _state["sig"] = signal.SIGKILL
        if at:
            k, _, sig = at.partition(":")
            _state["at"] = int(k)
            _state["sig"] = signal.SIGTERM if sig.upper() in ("TERM", "SIGTERM") else signal.SIGKILL


def write_point(name: str) -> None:
    """Count one write point; trace it and kill this process there when configured."""
    if _state["at"] is None and _state["trace"] is None:
        return
    with _lock:
        _state["count"] += 1
        n = _state["count"]
        if _state["trace"] is not None:
            with open(_state["trace"], "a", encoding="utf-8") as fh:
                fh.write(f"{name}\n")
        if n == _state["at"]:
            os.kill(os.getpid(), _state["sig"])
            time.sleep(60)  # the signal's default action ends the process meanwhile


configure(os.environ.pop(CRASH_AT_ENV, None), os.environ.pop(CRASH_TRACE_ENV, None))
