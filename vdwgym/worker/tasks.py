"""The worker's task registry: which task functions a worker may run, by kind.

A task is ``run(recipe, seed, options, run_dir, progress) -> Outcome | None`` (``None`` on
MPI ranks other than 0, which write nothing).  A task's module may define
``check_options(options: dict) -> dict`` raising :class:`~vdwgym.errors.ValidationError`;
it is called before params.json is written (:func:`vdwgym.worker.protocol.make_params`)
and again by the worker.

Only registered tasks run (:func:`allowed_tasks`: the built-in kinds, ``vdwgym.tasks`` entry
points, and the kinds the controller passes in :data:`TASKS_ENV`): a params.json cannot
name any other function (``os:system`` is refused before anything is imported).  The kind
names (``"surrogate"``, ``"lammps"``) are recorded in campaign stores and run directories
and stay valid; an import path a kind had before a module moved is kept in
:data:`FORMER_PATHS`, so run directories written then are still recognised on resume.
"""

from __future__ import annotations

import importlib
import json
import os
import re
from collections.abc import Callable
from pathlib import Path

from vdwgym.errors import ValidationError
from vdwgym.outcome import Outcome
from vdwgym.plugins import BUILT_IN, Plugin, entry_points
from vdwgym.space import Recipe

__all__ = ["FORMER_PATHS", "TASKS", "TASKS_ENV", "TaskFunction", "allowed_tasks",
           "current_path", "installed", "register_task", "resolve_task"]

#: kind -> import path ``"package.module:function"`` of the task function (built in, and
#: those registered in this process with :func:`register_task`).
TASKS: dict[str, str] = {
    "surrogate": "vdwgym.surrogate.task:run",
    "lammps": "vdwgym.md.task:run",
}
_BUILT_IN = dict(TASKS)
#: Former import path of a built-in task -> its path now (params.json files written before
#: the move name the former one).
FORMER_PATHS = {"vdwgym.surrogate_task:run": "vdwgym.surrogate.task:run"}
#: Environment variable through which a controller passes its registered kinds
#: (JSON ``{kind: import path}``) to the workers it starts.
TASKS_ENV = "VDWGYM_TASKS"

KEY_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
TASK_PATH_PATTERN = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*")

TaskFunction = Callable[[Recipe, int, dict, Path, Callable[[dict], None]], "Outcome | None"]


def register_task(kind: str, import_path: str) -> None:
    """Register a task function under ``kind`` (``"package.module:function"``).

    The registry lives in the controller: ``make_params`` writes the import path into
    params.json and the worker backend passes its kind in :data:`TASKS_ENV`, so the worker
    process finds the function without registering it again.
    """
    if not isinstance(kind, str) or not KEY_PATTERN.fullmatch(kind):
        raise ValidationError("kind", "a name of letters, digits, '_', '.', '-'", kind)
    if not isinstance(import_path, str) or not TASK_PATH_PATTERN.fullmatch(import_path):
        raise ValidationError("task", "an import path 'package.module:function'", import_path)
    TASKS[kind] = import_path


def current_path(import_path: object) -> object:
    """``import_path`` with a former path of a built-in task replaced by its path now."""
    return FORMER_PATHS.get(import_path, import_path) if isinstance(import_path, str) else import_path


def installed() -> dict[str, Plugin]:
    """The task kinds of this process with where they come from (built in, registered,
    or an entry point); what a controller passed in :data:`TASKS_ENV` is not listed."""
    found = {k: Plugin(k, "tasks", v, BUILT_IN if _BUILT_IN.get(k) == v else "registered")
             for k, v in TASKS.items()}
    others = entry_points("tasks")
    found.update({k: others[k] for k in sorted(others) if k not in found})
    return found


def allowed_tasks() -> dict[str, str]:
    """The task kinds this process may run: :data:`TASKS` (built in, or registered here),
    the ``vdwgym.tasks`` entry points of installed packages, and the kinds a controller
    passed in :data:`TASKS_ENV`.  Nothing read from a run directory adds to it."""
    allowed = {name: p.target for name, p in entry_points("tasks").items()}
    try:
        passed = json.loads(os.environ.get(TASKS_ENV, "{}"))
    except ValueError:
        passed = {}
    if isinstance(passed, dict):
        allowed.update({k: v for k, v in passed.items() if isinstance(k, str) and isinstance(v, str)})
    allowed.update(TASKS)
    return allowed


def resolve_task(import_path: str) -> tuple[TaskFunction, Callable[[dict], dict] | None]:
    """Import a task function and its module's ``check_options`` (or ``None``).  Only the
    import paths of :func:`allowed_tasks` are imported."""
    if not isinstance(import_path, str) or not TASK_PATH_PATTERN.fullmatch(import_path):
        raise ValidationError("params.json:task", "an import path 'package.module:function'",
                              import_path)
    allowed = sorted(set(allowed_tasks().values()))
    if import_path not in allowed:
        raise ValidationError("params.json:task", f"one of the registered tasks {allowed}",
                              import_path)
    module_name, func_name = import_path.split(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValidationError("params.json:task", "an importable module", import_path,
                              str(exc)) from exc
    func = getattr(module, func_name, None)
    if not callable(func):
        raise ValidationError("params.json:task", f"a function {func_name} in {module_name}",
                              import_path)
    check = getattr(module, "check_options", None)
    return func, check if callable(check) else None
