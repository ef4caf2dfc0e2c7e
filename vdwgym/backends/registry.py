"""The backend registry: ``make_backend(name, space, **options)``.

A backend name is a built-in one (:data:`BUILT_IN`: the names stored campaigns record, so
they stay valid), one registered at run time (:func:`register_backend`) or an entry point of
the group ``vdwgym.backends`` (:mod:`vdwgym.plugins`).  Classes are imported only when
made, so LAMMPS or a plugin's dependencies load only when their backend is used.
"""

from __future__ import annotations

import re
from typing import Any

from vdwgym.backends.base import Backend
from vdwgym.errors import ValidationError
from vdwgym.plugins import BUILT_IN as BUILT_IN_SOURCE
from vdwgym.plugins import Plugin, entry_points, load_plugin
from vdwgym.space import PAPER_SPACE, ParameterSpace

__all__ = ["BUILT_IN", "backend_class", "backend_names", "installed", "make_backend",
           "register_backend"]

#: Built-in backend name -> class import path (names recorded in campaign stores).
BUILT_IN = {
    "surrogate": "vdwgym.backends.surrogate:SurrogateBackend",
    "worker": "vdwgym.backends.worker:WorkerBackend",
    "lammps": "vdwgym.backends.lammps:LammpsBackend",
    "emulator": "vdwgym.surrogate.emulator:EmulatorBackend",
}
_REGISTERED: dict[str, str] = {}
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_TARGET = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_][\w.]*")


def register_backend(name: str, target: str) -> None:
    """Register ``name`` -> ``"package.module:BackendClass"`` in this process (a built-in
    name cannot be replaced)."""
    if not isinstance(name, str) or not _NAME.fullmatch(name) or name in BUILT_IN:
        raise ValidationError("backend", "a new name of letters, digits, '_', '.', '-' "
                              f"(not one of {list(BUILT_IN)})", name)
    if not isinstance(target, str) or not _TARGET.fullmatch(target):
        raise ValidationError("target", "an import path 'package.module:Class'", target)
    _REGISTERED[name] = target


def installed() -> dict[str, Plugin]:
    """Every backend name this process can make, with where it comes from (built-in names
    first, then the others sorted)."""
    found = {n: Plugin(n, "backends", t, BUILT_IN_SOURCE) for n, t in BUILT_IN.items()}
    others = {**entry_points("backends"),
              **{n: Plugin(n, "backends", t, "registered") for n, t in _REGISTERED.items()}}
    found.update({n: others[n] for n in sorted(others) if n not in found})
    return found


def backend_names() -> list[str]:
    """The names :func:`make_backend` accepts (built-in ones first)."""
    return list(installed())


def backend_class(name: str) -> type[Backend]:
    """The class of backend ``name`` (imported now); ValidationError naming the backend."""
    plugin = installed().get(name) if isinstance(name, str) else None
    if plugin is None:
        raise ValidationError("backend", f"one of {backend_names()}", name)
    cls = load_plugin(plugin, "backend", "backend class")
    if not (isinstance(cls, type) and issubclass(cls, Backend)):
        raise ValidationError("backend", "a subclass of vdwgym.backends.Backend", plugin.target)
    return cls


def make_backend(name: str, space: ParameterSpace = PAPER_SPACE, **options: Any) -> Backend:
    """Build a backend by name; ``options`` are checked against its constructor first
    (:func:`vdwgym.validation.check_kwargs`: unknown names and wrong types are refused).

    ``"surrogate"`` (default): the in-process surrogate.  ``"worker"``: the same surrogate run
    as one ``python -m vdwgym.worker`` task per evaluation through an execution engine
    (options of :class:`~vdwgym.backends.worker.WorkerBackend`: ``root``, ``engine``, ...),
    for exercising engines and schedulers without LAMMPS; without ``root`` its run
    directories go to a fresh temporary folder (a :class:`~vdwgym.campaign.Campaign` passes
    its own folder's ``runs/``), never to a shared default.  ``"lammps"``: molecular dynamics
    (the ``md`` extra; options of :class:`~vdwgym.backends.lammps.LammpsBackend`).
    ``"emulator"``: a kernel emulator of a recorded MD dataset
    (:class:`~vdwgym.surrogate.emulator.EmulatorBackend`, option ``dataset``).  Any other
    name: a registered or entry-point backend class, built as ``cls(space, **options)``.
    """
    from vdwgym.validation import check_kwargs

    cls = backend_class(name)
    fixed: tuple[str, ...] = ("space",)
    extra: dict[str, Any] = {}
    if name == "worker":
        if "kind" in options:
            raise ValidationError("backend_options.kind", "absent (the worker backend runs the "
                                  "surrogate task)", options["kind"])
        if "root" not in options:
            import tempfile

            options["root"] = tempfile.mkdtemp(prefix="vdwgym-worker-")
        fixed, extra = ("space", "kind"), {"kind": "surrogate"}
    return cls(space, **extra, **check_kwargs(cls, options, "backend_options", fixed))
