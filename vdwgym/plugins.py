"""Plugins by entry point: what installed distributions add to the registries.

Four entry-point groups extend vdwgym without changing it (``pyproject.toml`` of the
plugin: ``[project.entry-points."vdwgym.backends"] mylab = "mypkg.lab:MyBackend"``):

======================  ============================================================
``vdwgym.agents``       an agent class (:mod:`vdwgym.agents.registry`)
``vdwgym.backends``     a :class:`~vdwgym.backends.Backend` class (:mod:`vdwgym.backends.registry`)
``vdwgym.tasks``        a worker task function (:mod:`vdwgym.worker.tasks`)
``vdwgym.potentials``   a potential factory (:mod:`vdwgym.md.potentials`)
======================  ============================================================

Entry points resolve in every process (a worker or a benchmark process is started fresh),
which a ``register`` call made at run time in the parent does not.  A built-in name wins
over an entry point of the same name.  Nothing here imports a plugin: a registry imports
one when it is used.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from vdwgym.errors import ValidationError

__all__ = ["BUILT_IN", "GROUPS", "Plugin", "entry_points", "load", "load_plugin"]

#: kind -> entry-point group.
GROUPS = {"agents": "vdwgym.agents", "backends": "vdwgym.backends", "tasks": "vdwgym.tasks",
          "potentials": "vdwgym.potentials"}
#: The ``source`` of what vdwgym itself registers.
BUILT_IN = "built in"


@dataclass(frozen=True)
class Plugin:
    """One registered name: ``name`` of ``kind`` (a key of :data:`GROUPS`), the import
    path ``target`` (``"package.module:attribute"``) and where it comes from (``source``:
    :data:`BUILT_IN`, ``"registered"`` at run time, or ``"DIST VERSION (entry point)"``)."""

    name: str
    kind: str
    target: str
    source: str


def entry_points(kind: str) -> dict[str, Plugin]:
    """The entry points of ``kind``'s group in the installed distributions, by name."""
    import importlib.metadata  # here: a worker that needs no entry point never loads it

    found = {}
    for ep in importlib.metadata.entry_points(group=GROUPS[kind]):
        dist = getattr(ep, "dist", None)
        source = (f"{dist.metadata['Name']} {dist.version} (entry point)" if dist is not None
                  else "entry point")
        found[ep.name] = Plugin(ep.name, kind, ep.value, source)
    return found


def load(target: str):
    """The object named by ``"package.module:attribute"`` (ImportError, AttributeError)."""
    module, _, attr = target.partition(":")
    obj = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def load_plugin(plugin: Plugin, field: str, what: str):
    """The object ``plugin`` names; :class:`ValidationError` naming ``field``, ``what`` was
    expected and the plugin's name when it cannot be imported."""
    try:
        return load(plugin.target)
    except (ImportError, AttributeError) as exc:
        raise ValidationError(field, f"an importable {what} ({plugin.target})", plugin.name,
                              str(exc)) from exc
