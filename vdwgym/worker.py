"""The worker: ``python -m vdwgym.worker RUN_DIR`` runs one evaluation from files.

File protocol of a run directory (see docs/engines.md):

``params.json`` (input, written atomically by the controller before launch)::

    {"schema": 1, "kind": "surrogate", "task": "vdwgym.surrogate_task:run",
     "key": "e000017", "attempt": 1, "recipe": {...}, "seed": 42,
     "space": ParameterSpace.to_dict(), "options": {...kind-specific...}}

    ``task`` (optional) is the import path of the task function; it must be the registered
    path of ``kind`` (see :func:`allowed_tasks`).

``progress.jsonl`` (output): one JSON object per line, appended and flushed as the task
    reports progress (rank 0 only), so a killed worker leaves every complete line.
``result.json`` (output): ``{"schema": 1, "outcome": Outcome.to_dict()}``, written
    atomically as the worker's last act.  A task succeeded if and only if result.json is
    valid; exit codes are recorded but not trusted.
``error.json`` (output): ``{"type", "message", "traceback"}`` when the task raised (a
    simulation failure); the worker then exits 1 without result.json.

Exit codes: 0 done (result.json written, or a non-zero MPI rank that had nothing to write),
1 the task raised (error.json), 2 bad params.json or command line, whatever is wrong in it
(nothing run, nothing written; the error, naming field, bound and value, is on stderr), 3 started with ``--wait-launch`` and the launch was never
recorded in task.json (the controller stopped while launching: nothing run, see
:mod:`vdwgym.engines.runfiles`).

Only registered tasks run (:func:`allowed_tasks`: built-in kinds, ``vdwgym.tasks`` entry
points, and the kinds the controller passes in ``VDWGYM_TASKS``); the ``task`` of a
params.json must be its kind's registered path.  Engines start the worker with ``python -P``
so nothing in the run directory (its working directory) is importable.  SIGTERM keeps its default
action: the worker dies at once (status -15), progress.jsonl keeps what was written and no
result.json appears.

A task is ``run(recipe, seed, options, run_dir, progress) -> Outcome | None`` (``None`` on MPI
ranks other than 0, which write nothing).  A task's module may define
``check_options(options: dict) -> dict`` raising :class:`~vdwgym.errors.ValidationError`;
it is called before params.json is written (:func:`make_params`) and again by the worker.
"""

from __future__ import annotations

import importlib
import json
import logging
import math
import os
import re
import signal
import sys
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vdwgym.backends import check_seed
from vdwgym.engines.runfiles import read_json, write_json_atomic
from vdwgym.errors import ValidationError
from vdwgym.outcome import Outcome
from vdwgym.space import ParameterSpace, Recipe

__all__ = ["ERROR_FILE", "PARAMS_FILE", "PROGRESS_FILE", "RESULT_FILE", "TASKS", "TASKS_ENV",
           "Params", "allowed_tasks", "wait_for_launch_record",
           "ProgressWriter", "check_task_options", "launcher_rank", "load_params", "main",
           "make_params", "parse_params", "plain_json", "read_error", "read_result",
           "register_task", "resolve_task", "tail_progress", "write_result"]

log = logging.getLogger(__name__)

SCHEMA = 1
PARAMS_FILE = "params.json"
PROGRESS_FILE = "progress.jsonl"
RESULT_FILE = "result.json"
ERROR_FILE = "error.json"

#: kind -> import path ``"package.module:function"`` of the task function.
TASKS: dict[str, str] = {
    "surrogate": "vdwgym.surrogate_task:run",
    "lammps": "vdwgym.md.task:run",
}
#: Environment variable through which a controller passes its registered kinds
#: (JSON ``{kind: import path}``) to the workers it starts.
TASKS_ENV = "VDWGYM_TASKS"
#: Entry-point group under which installed packages declare task kinds.
ENTRY_POINT_GROUP = "vdwgym.tasks"
#: Seconds a ``--wait-launch`` worker waits for its launch record before giving up.
LAUNCH_WAIT_S = 120.0

KEY_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
TASK_PATH_PATTERN = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*")

TaskFunction = Callable[[Recipe, int, dict, Path, Callable[[dict], None]], "Outcome | None"]


def register_task(kind: str, import_path: str) -> None:
    """Register a task function under ``kind`` (``"package.module:function"``).

    The registry lives in the controller: :func:`make_params` writes the import path into
    params.json, so the worker process finds the function without registering it again.
    """
    if not isinstance(kind, str) or not KEY_PATTERN.fullmatch(kind):
        raise ValidationError("kind", "a name of letters, digits, '_', '.', '-'", kind)
    if not isinstance(import_path, str) or not TASK_PATH_PATTERN.fullmatch(import_path):
        raise ValidationError("task", "an import path 'package.module:function'", import_path)
    TASKS[kind] = import_path


def allowed_tasks() -> dict[str, str]:
    """The task kinds this process may run: :data:`TASKS` (built in, or registered here),
    the ``vdwgym.tasks`` entry points of installed packages, and the kinds a controller
    passed in :data:`TASKS_ENV`.  Nothing read from a run directory adds to it."""
    from importlib.metadata import entry_points

    allowed = {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}
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
    import paths of :func:`allowed_tasks` are imported: a params.json cannot name any
    other function (``os:system`` is refused before anything is imported)."""
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


# ---------------------------------------------------------------------- params.json
@dataclass(frozen=True)
class Params:
    """The validated content of params.json."""

    kind: str
    task: str
    key: str
    attempt: int
    recipe: Recipe
    seed: int
    space: ParameterSpace
    options: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"schema": SCHEMA, "kind": self.kind, "task": self.task, "key": self.key,
                "attempt": self.attempt, "recipe": self.recipe.to_dict(), "seed": self.seed,
                "space": self.space.to_dict(), "options": self.options}


def _field(name: str, exc: ValidationError) -> ValidationError:
    """``exc`` with its field prefixed by ``name`` (the hint, if any, kept)."""
    plain = f"{exc.field}: expected {exc.bound}, got {exc.value!r}"
    hint = str(exc)[len(plain):].strip()[1:-1]
    return ValidationError(f"{name}.{exc.field}", exc.bound, exc.value, hint)


def make_params(kind: str, key: str, attempt: int, recipe: Mapping[str, float], seed: int,
                space: ParameterSpace, options: Mapping[str, Any] | None = None,
                task: str | None = None) -> Params:
    """Validate everything a worker will read; raises :class:`ValidationError` naming the
    field, bound and value.  ``task`` defaults to the registered path of ``kind``."""
    tasks = allowed_tasks()
    if not isinstance(kind, str) or kind not in tasks:
        raise ValidationError("params.json:kind", f"one of {sorted(tasks)}", kind)
    if task is not None and task != tasks[kind]:
        raise ValidationError("params.json:task", f"{tasks[kind]!r} (the task of kind {kind!r})",
                              task)
    task = tasks[kind]
    if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
        raise ValidationError("params.json:key",
                              "1-128 characters of letters, digits, '_', '.', '-' (not first)", key)
    if isinstance(attempt, bool) or not isinstance(attempt, int) or attempt < 1:
        raise ValidationError("params.json:attempt", "an integer >= 1", attempt)
    if not isinstance(space, ParameterSpace):
        raise ValidationError("params.json:space", "a ParameterSpace", space)
    try:
        valid_recipe = space.validate(recipe)
    except ValidationError as exc:
        raise _field("params.json:recipe", exc) from exc
    try:
        valid_seed = check_seed(seed)
    except ValidationError as exc:
        raise ValidationError("params.json:seed", exc.bound, exc.value) from exc
    opts = check_task_options(task, options)
    return Params(kind, task, key, attempt, valid_recipe, valid_seed, space, opts)


def check_task_options(task: str, options: Mapping[str, Any] | None) -> dict[str, Any]:
    """``options`` as plain JSON data, checked by the task module's ``check_options``."""
    if options is None:
        options = {}
    if not isinstance(options, Mapping):
        raise ValidationError("params.json:options", "a JSON object", options)
    try:
        opts = json.loads(json.dumps(dict(options), allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise ValidationError("params.json:options", "JSON-serializable values", options,
                              str(exc)) from exc
    _, check = resolve_task(task)
    if check is not None:
        try:
            opts = check(opts)
        except ValidationError as exc:
            raise _field("params.json:options", exc) from exc
    return opts


def parse_params(data: Any) -> Params:
    """Validate the decoded content of params.json (see :func:`make_params`)."""
    if not isinstance(data, dict):
        raise ValidationError("params.json", "a JSON object", type(data).__name__)
    if data.get("schema") != SCHEMA:
        raise ValidationError("params.json:schema", f"{SCHEMA}", data.get("schema"))
    for name in ("kind", "key", "attempt", "recipe", "seed", "space"):
        if name not in data:
            raise ValidationError(f"params.json:{name}", "present", None, "missing field")
    try:
        space = ParameterSpace.from_dict(data["space"])
    except ValidationError as exc:
        raise _field("params.json:space", exc) from exc
    if not isinstance(data["recipe"], Mapping):
        raise ValidationError("params.json:recipe", "a JSON object", data["recipe"])
    return make_params(data["kind"], data["key"], data["attempt"], data["recipe"], data["seed"],
                       space, data.get("options"), data.get("task"))


def load_params(run_dir: Path) -> Params:
    path = Path(run_dir) / PARAMS_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValidationError("params.json", "a readable file", str(path), str(exc)) from exc
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ValidationError("params.json", "valid JSON", text[:80], str(exc)) from exc
    return parse_params(data)


# ---------------------------------------------------------------------- outputs
def launcher_rank() -> int:
    """This process's rank as set by the launcher (mpiexec/hydra, Open MPI, PMIx, Flux,
    Slurm); 0 when not launched as part of a parallel job."""
    for var in ("PMI_RANK", "OMPI_COMM_WORLD_RANK", "PMIX_RANK", "FLUX_TASK_RANK", "SLURM_PROCID"):
        value = os.environ.get(var)
        if value is not None and value.isdigit():
            return int(value)
    return 0


def plain_json(value: Any) -> Any:
    """``value`` as strict JSON data: numpy scalars and arrays as Python numbers and lists,
    NaN and infinities as None, tuples as lists, other objects as their ``str``."""
    if isinstance(value, dict):
        return {str(k): plain_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_json(v) for v in value]
    if hasattr(value, "tolist") and callable(value.tolist):  # numpy scalars and arrays
        return plain_json(value.tolist())
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return str(value)


class ProgressWriter:
    """``progress(line)``: append one JSON line to progress.jsonl and flush it at once.

    The line is converted with :func:`plain_json` (so a NaN or a numpy number in an
    analysis never stops a simulation); only rank 0 writes (``enabled``)."""

    def __init__(self, path: Path, enabled: bool = True) -> None:
        self.path = Path(path)
        self.enabled = enabled

    def __call__(self, line: dict) -> None:
        if not self.enabled:
            return
        text = json.dumps(plain_json(dict(line)), allow_nan=False, separators=(",", ":"))
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(text + "\n")
            fh.flush()


def write_result(run_dir: Path, outcome: Outcome) -> None:
    """Write result.json atomically (the worker's last act)."""
    write_json_atomic(Path(run_dir) / RESULT_FILE, {"schema": SCHEMA, "outcome": outcome.to_dict()})


def read_result(run_dir: Path) -> Outcome | None:
    """The Outcome in ``run_dir/result.json`` if that file is valid, else ``None``."""
    data = read_json(Path(run_dir) / RESULT_FILE)
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        return None
    try:
        return Outcome.from_dict(data["outcome"])
    except (KeyError, TypeError, ValueError) as exc:
        log.warning("invalid result.json in %s: %s", run_dir, exc)
        return None


def read_error(run_dir: Path) -> dict | None:
    """``run_dir/error.json`` (``{"type", "message", "traceback"}``) or ``None``."""
    data = read_json(Path(run_dir) / ERROR_FILE)
    return data if isinstance(data, dict) and "message" in data else None


def tail_progress(path: Path, offset: int = 0) -> tuple[list[dict], int]:
    """New progress lines of ``path`` after byte ``offset``: ``(lines, new_offset)``.

    Only complete lines (ending in a newline) are returned; a partial last line (a writer
    in the middle of a write, or killed in it) is left for the next call.  A complete line
    that is not a JSON object is skipped with a warning.  A missing file gives no lines.
    """
    try:
        with open(path, "rb") as fh:
            fh.seek(offset)
            chunk = fh.read()
    except FileNotFoundError:
        return [], offset
    end = chunk.rfind(b"\n")
    if end < 0:
        return [], offset
    lines = []
    for raw in chunk[:end].split(b"\n"):
        try:
            line = json.loads(raw)
        except ValueError:
            line = None
        if isinstance(line, dict):
            lines.append(line)
        elif raw.strip():
            log.warning("skipping a malformed progress line in %s: %r", path, raw[:80])
    return lines, offset + end + 1


# ---------------------------------------------------------------------- entry point
def run(run_dir: Path) -> int:
    """Run the evaluation of ``run_dir``; returns the exit code (see module docstring)."""
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
        return 2
    rank = launcher_rank()
    progress = ProgressWriter(run_dir / PROGRESS_FILE, enabled=rank == 0)
    log.info("rank %d: %s %s attempt %d", rank, params.kind, params.key, params.attempt)
    try:
        outcome = func(params.recipe, params.seed, params.options, run_dir, progress)
        if outcome is None:
            return 0
        if not isinstance(outcome, Outcome):
            raise TypeError(f"task {params.task} returned {type(outcome).__name__}, not Outcome")
        if outcome.run_dir is None:
            outcome.run_dir = str(run_dir)
        write_result(run_dir, outcome)
    except Exception as exc:
        log.error("task %s failed: %s: %s", params.task, type(exc).__name__, exc)
        write_json_atomic(run_dir / ERROR_FILE, {
            "type": type(exc).__name__, "message": str(exc), "rank": rank,
            "traceback": traceback.format_exc()})
        return 1
    return 0


def wait_for_launch_record(run_dir: Path, timeout_s: float = LAUNCH_WAIT_S,
                           poll_s: float = 0.02) -> bool:
    """Wait until ``run_dir/task.json`` holds the engine's launch record (``job_id``);
    ``False`` when it does not within ``timeout_s`` or the attempt was abandoned (the
    controller stopped between claiming the attempt and recording its launch)."""
    from vdwgym.engines.runfiles import read_task_record

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


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    wait_launch = "--wait-launch" in args
    if wait_launch:
        args.remove("--wait-launch")
    if len(args) != 1 or not Path(args[0]).is_dir():
        log.error("usage: python -m vdwgym.worker [--wait-launch] RUN_DIR (an existing "
                  "directory); got %s", args)
        return 2
    if wait_launch and not wait_for_launch_record(Path(args[0])):
        log.error("%s: the launch of this attempt was never recorded; nothing run", args[0])
        return 3
    return run(Path(args[0]))


if __name__ == "__main__":
    sys.exit(main())
