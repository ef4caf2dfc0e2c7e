"""Agent registry: ``make(name, space=..., target_deg=..., seed=...)``.

An agent name is one of:

* a registered name (``register(name, "package.module:ClassName")``; the built-in agents
  below), imported only when made, so heavy dependencies (botorch, stable-baselines3) load
  only when their agent is used;
* an entry point of the group ``vdwgym.agents`` in an installed distribution
  (``[project.entry-points."vdwgym.agents"] myagent = "mypkg.agents:MyAgent"``, see
  :mod:`vdwgym.plugins`);
* an import path ``"package.module:ClassName"`` itself.

Entry points and import paths resolve in every process (benchmark workers are spawned
fresh), which a ``register`` call made at run time in the parent does not.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

from vdwgym.errors import ValidationError
from vdwgym.plugins import BUILT_IN, GROUPS, Plugin, entry_points

__all__ = ["register", "make", "names", "resolve", "check", "installed", "ENTRY_POINT_GROUP"]

ENTRY_POINT_GROUP = GROUPS["agents"]

_REGISTRY: dict[str, str] = {}
#: The names this module registers itself (the rest were registered at run time).
_BUILT_IN: dict[str, str] = {}


def register(name: str, entry_point: str) -> None:
    """Register ``name`` -> ``"package.module:ClassName"`` (re-registering replaces)."""
    if ":" not in entry_point:
        raise ValidationError("entry_point", "'module:attribute'", entry_point)
    _REGISTRY[name] = entry_point


def _entry_points() -> dict[str, str]:
    return {name: plugin.target for name, plugin in entry_points("agents").items()}


def installed() -> dict[str, Plugin]:
    """Every agent name with its class path and where it comes from (registered names
    first, then entry points, sorted)."""
    found = {n: Plugin(n, "agents", t, BUILT_IN if _BUILT_IN.get(n) == t else "registered")
             for n, t in _REGISTRY.items()}
    eps = entry_points("agents")
    found.update({n: eps[n] for n in sorted(eps) if n not in found})
    return found


def names() -> list[str]:
    """Registered names and entry-point names (import paths are accepted beyond these)."""
    return sorted(set(_REGISTRY) | set(_entry_points()))


def resolve(name: str) -> str:
    """The ``"module:attribute"`` path of agent ``name`` (registered, entry point or path)."""
    if name in _REGISTRY:
        return _REGISTRY[name]
    eps = _entry_points()
    if name in eps:
        return eps[name]
    if isinstance(name, str) and ":" in name:
        return name
    raise ValidationError("agent", f"one of {names()} or an import path 'module:Class'", name)


def _load(name: str):
    module, _, attr = resolve(name).partition(":")
    try:
        obj = importlib.import_module(module)
        for part in attr.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as exc:
        raise ValidationError("agent", "an importable 'module:Class'", name, str(exc)) from None
    return obj


def check(name: str) -> str:
    """Raise :class:`ValidationError` unless ``name`` is registered or resolves to an
    importable class (registered names are not imported here: their dependencies load when
    the agent is made)."""
    if name in _REGISTRY:
        return name
    if not isinstance(_load(name), type):
        raise ValidationError("agent", "a class implementing vdwgym.agents.Agent", name)
    return name


def make(name: str, defaults: dict[str, Any] | None = None, **kwargs: Any):
    """Build the agent ``name`` (see the module docstring) with keyword arguments; the
    options other than ``space``, ``target_deg`` and ``seed`` are checked against its
    constructor first (unknown names and wrong types raise ValidationError).

    ``defaults`` are offered, not imposed: each is passed only when the constructor takes a
    parameter of that name and ``kwargs`` does not set it (a campaign offers its
    ``tolerance_deg``, so an agent that aims at the target window aims at the campaign's)."""
    from vdwgym.validation import check_kwargs

    cls = _load(name)
    fixed = ("space", "target_deg", "seed")
    options = {k: v for k, v in kwargs.items() if k not in fixed}
    check_kwargs(cls, options, "agent_options", skip=fixed)
    if defaults:
        accepted = inspect.signature(cls).parameters
        kwargs = {**{k: v for k, v in defaults.items() if k in accepted and k not in kwargs}, **kwargs}
    return cls(**kwargs)


register("random", "vdwgym.agents.random:RandomAgent")
register("design", "vdwgym.agents.design:DesignAgent")
register("qei", "vdwgym.agents.qei:QEIAgent")
register("qlogei", "vdwgym.agents.qei:QLogEIAgent")
register("ts", "vdwgym.agents.thompson:ThompsonAgent")
register("hit", "vdwgym.agents.hit:HitAgent")
register("optuna-tpe", "vdwgym.agents.peers:OptunaTPEAgent")  # the 'peers' extra
register("optuna-gp", "vdwgym.agents.peers:OptunaGPAgent")
register("ax", "vdwgym.agents.peers:AxAgent")
register("rl", "vdwgym.agents.rl:RLAgent")
register("external", "vdwgym.agents.external:ExternalAgent")
register("gest", "vdwgym.agents.gest:GestAgent")
_BUILT_IN.update(_REGISTRY)
