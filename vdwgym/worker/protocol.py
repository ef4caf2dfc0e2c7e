"""The worker's run-directory file protocol (see docs/engines.md).

``params.json`` (input, written atomically by the controller before launch)::

    {"schema": 1, "kind": "surrogate", "task": "vdwgym.surrogate.task:run",
     "key": "e000017", "attempt": 1, "recipe": {...}, "seed": 42,
     "space": ParameterSpace.to_dict(), "options": {...kind-specific...}}

    ``task`` (optional) is the import path of the task function; it must be the registered
    path of ``kind`` (see :func:`vdwgym.worker.tasks.allowed_tasks`).

``task.json`` (the engine's launch record, :mod:`vdwgym.engines.runfiles`): a worker started
    with ``--wait-launch`` computes only once it holds the launch.
``progress.jsonl`` (output): one JSON object per line, appended and flushed as the task
    reports progress (rank 0 only), so a killed worker leaves every complete line.
``result.json`` (output): ``{"schema": 1, "outcome": Outcome.to_dict()}``, written
    atomically as the worker's last act.  A task succeeded if and only if result.json is
    valid; exit codes are recorded but not trusted.
``error.json`` (output): ``{"type", "message", "traceback"}`` when the task raised (a
    simulation failure); the worker then exits 1 without result.json.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vdwgym.engines.runfiles import TASK_FILE, read_json, write_json_atomic
from vdwgym.errors import ValidationError
from vdwgym.json_data import plain_json
from vdwgym.outcome import Outcome
from vdwgym.seeding import check_seed
from vdwgym.space import ParameterSpace, Recipe
from vdwgym.worker.tasks import KEY_PATTERN, allowed_tasks, current_path, resolve_task

__all__ = ["ERROR_FILE", "PARAMS_FILE", "PROGRESS_FILE", "RESULT_FILE", "SCHEMA", "TASK_FILE",
           "Params", "ProgressWriter", "check_task_options", "launcher_rank", "load_params",
           "make_params", "parse_params", "plain_json", "read_error", "read_result",
           "tail_progress", "write_error", "write_result"]

log = logging.getLogger(__name__)

SCHEMA = 1
PARAMS_FILE = "params.json"
PROGRESS_FILE = "progress.jsonl"
RESULT_FILE = "result.json"
ERROR_FILE = "error.json"


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
    task = current_path(task)
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


def write_error(run_dir: Path, exc: BaseException, rank: int, traceback_text: str) -> None:
    """Write error.json atomically (the task raised ``exc``)."""
    write_json_atomic(Path(run_dir) / ERROR_FILE, {
        "type": type(exc).__name__, "message": str(exc), "rank": rank,
        "traceback": traceback_text})


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
