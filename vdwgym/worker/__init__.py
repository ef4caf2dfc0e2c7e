"""The worker: ``python -m vdwgym.worker RUN_DIR`` runs one evaluation from files.

* :mod:`vdwgym.worker.protocol` - the run-directory files (params.json, task.json,
  progress.jsonl, result.json, error.json) and their readers and writers;
* :mod:`vdwgym.worker.tasks` - the allow-listed task registry (built-in kinds
  ``"surrogate"`` and ``"lammps"``, ``vdwgym.tasks`` entry points);
* :mod:`vdwgym.worker.runner` - :func:`run` one run directory, the exit codes;
* :mod:`vdwgym.worker.__main__` - the command line.

A worker process imports this package, the protocol and the task its params.json names,
nothing more (no gymnasium, no torch; tests/test_gym_registration.py measures it).
"""

from vdwgym.worker.protocol import (
    ERROR_FILE,
    PARAMS_FILE,
    PROGRESS_FILE,
    RESULT_FILE,
    Params,
    ProgressWriter,
    check_task_options,
    launcher_rank,
    load_params,
    make_params,
    parse_params,
    plain_json,
    read_error,
    read_result,
    tail_progress,
    write_result,
)
from vdwgym.worker.runner import run, wait_for_launch_record
from vdwgym.worker.tasks import TASKS, TASKS_ENV, allowed_tasks, register_task, resolve_task

__all__ = ["ERROR_FILE", "PARAMS_FILE", "PROGRESS_FILE", "RESULT_FILE", "TASKS", "TASKS_ENV",
           "Params", "ProgressWriter", "allowed_tasks", "check_task_options", "launcher_rank",
           "load_params", "make_params", "parse_params", "plain_json", "read_error",
           "read_result", "register_task", "resolve_task", "run", "tail_progress",
           "wait_for_launch_record", "write_result"]
