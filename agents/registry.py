"""Agent registry: ``make(name, space=..., target_deg=..., seed=...)``.

Entries are import paths, so heavy dependencies (botorch, stable-baselines3) load only when
their agent is made.
"""

from __future__ import annotations

import importlib
from typing import Any

from vdwgym.errors import ValidationError

__all__ = ["register", "make", "names"]

_REGISTRY: dict[str, str] = {}


def register(name: str, entry_point: str) -> None:
    """Register ``name`` -> ``"package.module:ClassName"`` (re-registering replaces)."""
    if ":" not in entry_point:
        raise ValidationError("entry_point", "'module:attribute'", entry_point)
    _REGISTRY[name] = entry_point


def names() -> list[str]:
    return sorted(_REGISTRY)


def make(name: str, **kwargs: Any):
    """Build the agent registered under ``name`` with keyword arguments; the options other
    than ``space``, ``target_deg`` and ``seed`` are checked against its constructor first
    (unknown names and wrong types raise ValidationError)."""
    try:
        entry = _REGISTRY[name]
    except KeyError:
        raise ValidationError("agent", f"one of {names()}", name) from None
    from vdwgym.validation import check_kwargs

    module, attr = entry.split(":")
    cls = getattr(importlib.import_module(module), attr)
    fixed = ("space", "target_deg", "seed")
    options = {k: v for k, v in kwargs.items() if k not in fixed}
    check_kwargs(cls, options, "agent_options", skip=fixed)
    return cls(**kwargs)


register("random", "vdwgym.agents.random:RandomAgent")
register("qei", "vdwgym.agents.qei:QEIAgent")
register("qlogei", "vdwgym.agents.qei:QLogEIAgent")
register("ts", "vdwgym.agents.thompson:ThompsonAgent")
register("rl", "vdwgym.agents.rl:RLAgent")
register("external", "vdwgym.agents.external:ExternalAgent")
