"""Running one evaluation from its run directory: :func:`run` (what ``python -m
vdwgym.worker RUN_DIR`` does, and what ``vdwgym md`` calls in process).

Exit codes: 0 done (result.json written, or a non-zero MPI rank that had nothing to write),
1 the task raised (error.json), 2 bad params.json or command line, whatever is wrong in it
(nothing run, nothing written; the error, naming field, bound and value, is logged), 3
started with ``--wait-launch`` and the launch was never recorded in task.json (the
controller stopped while launching: nothing run, see :mod:`vdwgym.engines.runfiles`).

SIGTERM keeps its default action in a worker process: it dies at once (status -15),
progress.jsonl keeps what was written and no result.json appears.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from vdwgym.engines.runfiles import read_task_record
from vdwgym.errors import ValidationError
from vdwgym.outcome import Outcome
from vdwgym.worker.protocol import (
    PROGRESS_FILE,
    ProgressWriter,
    launcher_rank,
    load_params,
    write_error,
    write_result,
)
from vdwgym.worker.tasks import resolve_task

__all__ = ["EXIT_ABANDONED", "EXIT_BAD_INPUT", "EXIT_FAILED", "EXIT_OK", "LAUNCH_WAIT_S", "run",
           "wait_for_launch_record"]

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_ABANDONED = 0, 1, 2, 3
#: Seconds a ``--wait-launch`` worker waits for its launch record before giving up.
LAUNCH_WAIT_S = 120.0


def run(run_dir: Path, on_progress: Callable[[dict], None] | None = None) -> int:
    """Run the evaluation of ``run_dir``; returns the exit code (see module docstring).

    ``on_progress`` (optional) is called with every progress line after it is written to
    progress.jsonl (rank 0 only), for a caller that shows progress live."""
    run_dir = Path(run_dir)
    try:
        try:
            params = load_params(run_dir)
        except (TypeError, ValueError, KeyError, AttributeError, RecursionError,
                OverflowError) as exc:
            if isinstance(exc, ValidationError):
                raise
            raise ValidationError("params.json", "a valid params file", type(exc).__name__,
                                  str(exc)) from exc
        func, _ = resolve_task(params.task)
    except ValidationError as exc:
        log.error("invalid params.json in %s: %s", run_dir, exc)
        return EXIT_BAD_INPUT
    rank = launcher_rank()
    writer = ProgressWriter(run_dir / PROGRESS_FILE, enabled=rank == 0)
    progress = writer
    if on_progress is not None and rank == 0:
        def progress(line: dict) -> None:
            writer(line)
            on_progress(line)
    log.info("rank %d: %s %s attempt %d", rank, params.kind, params.key, params.attempt)
    try:
        outcome = func(params.recipe, params.seed, params.options, run_dir, progress)
        if outcome is None:
            return EXIT_OK
        if not isinstance(outcome, Outcome):
            raise TypeError(f"task {params.task} returned {type(outcome).__name__}, not Outcome")
        if outcome.run_dir is None:
            outcome.run_dir = str(run_dir)
        write_result(run_dir, outcome)
    except Exception as exc:
        log.error("task %s failed: %s: %s", params.task, type(exc).__name__, exc)
        write_error(run_dir, exc, rank, traceback.format_exc())
        return EXIT_FAILED
    return EXIT_OK


def wait_for_launch_record(run_dir: Path, timeout_s: float = LAUNCH_WAIT_S,
                           poll_s: float = 0.02) -> bool:
    """Wait until ``run_dir/task.json`` holds the engine's launch record (``job_id``);
    ``False`` when it does not within ``timeout_s`` or the attempt was abandoned (the
    controller stopped between claiming the attempt and recording its launch)."""
    deadline = time.monotonic() + timeout_s
    while True:
        record = read_task_record(run_dir) or {}
        if record.get("abandoned") or ("ended" in record and "job_id" not in record):
            return False
        if "job_id" in record:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(poll_s)
