"""The engine contract: a :class:`Task` in, a ``Future[TaskResult]`` out.

An engine runs one command line in one run directory with some resources, and reports how
the process ended.  It knows nothing about recipes or result files: deciding whether a task
*succeeded* is the caller's business (for workers: result.json is valid).  Infrastructure
trouble (the command never started, the scheduler or broker went away, the MPI pool broke)
sets the future's exception to :class:`~vdwgym.errors.EngineError`; a process that ran, however
it ended, gives a :class:`TaskResult`.

Every engine records the task it launched in ``RUN_DIR/task.json`` (see :mod:`.runfiles`)
so that a restarted controller can re-attach to it with :meth:`Engine.attach` instead of
launching it twice.
"""

from __future__ import annotations

import abc
import math
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from vdwgym.errors import ValidationError

__all__ = ["Engine", "Resources", "Task", "TaskResult"]


@dataclass(frozen=True)
class Resources:
    """What one task needs.

    Attributes
    ----------
    ranks:
        MPI ranks (processes) of the task; ``ranks > 1`` launches it under ``mpiexec -n ranks``
        (local, mpi engines) or as ``num_tasks`` (flux).
    cores_per_rank:
        CPU cores per rank; also the default ``OMP_NUM_THREADS`` of the task.
    gpus_per_rank:
        GPUs per rank (flux schedules them; local and mpi engines only pass the count on).
    time_limit_s:
        Wall-clock limit in seconds from the start of the process, or ``None`` for none.  On
        expiry the task's process group gets SIGTERM, then SIGKILL after the engine's grace
        period (flux: the job's duration).
    env:
        Extra environment variables for the task (added to the controller's environment).
    """

    ranks: int = 1
    cores_per_rank: int = 1
    gpus_per_rank: int = 0
    time_limit_s: float | None = None
    env: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, low in (("ranks", 1), ("cores_per_rank", 1), ("gpus_per_rank", 0)):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < low:
                raise ValidationError(f"resources.{name}", f"an integer >= {low}", v)
        t = self.time_limit_s
        if t is not None and (isinstance(t, bool) or not isinstance(t, (int, float))
                              or not math.isfinite(t) or t <= 0):
            raise ValidationError("resources.time_limit_s", "None or a finite number > 0 (s)", t)
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in dict(self.env).items()):
            raise ValidationError("resources.env", "a mapping of str to str", dict(self.env))
        object.__setattr__(self, "env", dict(self.env))

    def to_dict(self) -> dict[str, Any]:
        return {"ranks": self.ranks, "cores_per_rank": self.cores_per_rank,
                "gpus_per_rank": self.gpus_per_rank, "time_limit_s": self.time_limit_s,
                "env": dict(self.env)}


@dataclass(frozen=True)
class Task:
    """One command line to run in one run directory (created if missing) with resources."""

    command: tuple[str, ...]
    run_dir: Path
    resources: Resources = field(default_factory=Resources)

    def __post_init__(self) -> None:
        cmd = self.command
        if isinstance(cmd, str) or not isinstance(cmd, Sequence) or not cmd:
            raise ValidationError("task.command", "a non-empty list of strings", cmd)
        cmd = tuple(str(c) for c in cmd)
        object.__setattr__(self, "command", cmd)
        object.__setattr__(self, "run_dir", Path(self.run_dir))

    def to_dict(self) -> dict[str, Any]:
        return {"command": list(self.command), "run_dir": str(self.run_dir),
                "resources": self.resources.to_dict()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Task:
        return cls(tuple(data["command"]), Path(data["run_dir"]), Resources(**data["resources"]))


@dataclass(frozen=True)
class TaskResult:
    """How a task's process ended.

    Attributes
    ----------
    returncode:
        Exit status (the highest over ranks under flux; mpiexec's own status under mpiexec);
        negative ``-N`` when killed by signal N (as in :mod:`subprocess`); ``None`` when it
        could not be known (a re-attached process that is not the controller's child).
    signal:
        The signal that killed the process, if any.
    timed_out, cancelled:
        Whether the engine stopped the task for its time limit or on request.
    job_id:
        The engine's id (local and mpi: ``host:pid``; flux: the job id).
    started, ended:
        Epoch seconds.
    stdout, stderr:
        Files holding the task's output streams.
    """

    returncode: int | None
    signal: int | None
    timed_out: bool
    cancelled: bool
    job_id: str
    started: float | None
    ended: float
    stdout: Path
    stderr: Path

    def to_dict(self) -> dict[str, Any]:
        return {"returncode": self.returncode, "signal": self.signal, "timed_out": self.timed_out,
                "cancelled": self.cancelled, "job_id": self.job_id, "started": self.started,
                "ended": self.ended, "stdout": str(self.stdout), "stderr": str(self.stderr)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TaskResult:
        d = dict(data)
        d["stdout"], d["stderr"] = Path(d["stdout"]), Path(d["stderr"])
        return cls(**d)


class Engine(abc.ABC):
    """Runs tasks, ``concurrent.futures`` style."""

    name: ClassVar[str] = "engine"

    @abc.abstractmethod
    def submit(self, task: Task) -> Future:
        """Start (or queue) ``task``; the future resolves to a :class:`TaskResult` or fails
        with :class:`~vdwgym.errors.EngineError` for an infrastructure failure."""

    @abc.abstractmethod
    def attach(self, task: Task) -> Future | None:
        """Re-attach to ``task`` if ``task.json`` in its run directory names a job of this
        engine that is still running; ``None`` otherwise (finished, unknown or unreachable)."""

    @abc.abstractmethod
    def cancel(self, task: Task) -> bool:
        """Stop ``task`` (queued: never starts; running: SIGTERM, then SIGKILL).  Returns
        whether the engine knew the task and acted."""

    @abc.abstractmethod
    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        """Stop accepting tasks.  ``cancel_futures`` cancels queued tasks and stops running
        ones; otherwise running tasks are left alone (a later controller can re-attach)."""

    @abc.abstractmethod
    def config(self) -> dict[str, Any]:
        """JSON-serializable description (``{"name": ...}``)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()
