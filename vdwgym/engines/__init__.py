"""Execution engines: run a :class:`Task` (command line + run directory + resources) and
return a ``Future[TaskResult]``.

``local`` (default: subprocesses on this host), ``mpi`` (an mpi4py.futures pool under
mpiexec) and ``flux`` (flux.job.FluxExecutor inside a Flux instance).  The mpi and flux
engines import their heavy dependencies only when built.  See docs/engines.md.
"""

from __future__ import annotations

from typing import Any

from vdwgym.engines.base import Engine, Resources, Task, TaskResult
from vdwgym.errors import EngineError, ValidationError

__all__ = ["ENGINES", "Engine", "Resources", "Task", "TaskResult", "make_engine"]

ENGINES = ("local", "mpi", "flux")


def make_engine(name: str = "local", **options: Any) -> Engine:
    """Build an engine by name; ``options`` go to its constructor (checked first by
    :func:`vdwgym.validation.check_kwargs`: unknown names and wrong types are refused)."""
    from vdwgym.validation import check_kwargs

    if name == "local":
        from vdwgym.engines.local import LocalEngine

        return LocalEngine(**check_kwargs(LocalEngine, options, "engine_options"))
    if name == "mpi":
        from vdwgym.engines.mpi import MpiEngine

        try:
            return MpiEngine(**check_kwargs(MpiEngine, options, "engine_options"))
        except ImportError as exc:
            raise EngineError(f"the mpi engine needs mpi4py (pip install 'vdwgym[md]'): {exc}") from exc
    if name == "flux":
        from vdwgym.engines.flux import FluxEngine

        try:
            return FluxEngine(**check_kwargs(FluxEngine, options, "engine_options"))
        except ImportError as exc:
            raise EngineError("the flux engine needs flux-python and the libflux-core of a "
                              f"Flux installation (pip install 'vdwgym[flux]'): {exc}") from exc
    raise ValidationError("engine", f"one of {list(ENGINES)}", name)
