"""Parsing of ``--option key=value`` pairs shared by subcommands."""

from __future__ import annotations

import json
from typing import Any

from vdwgym.errors import ValidationError

__all__ = ["parse_options"]


def parse_options(pairs: list[str] | None, flag: str) -> dict[str, Any]:
    """``["a=1", "b=x"]`` -> ``{"a": 1, "b": "x"}``; values are JSON when they parse as JSON."""
    out: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.isidentifier():
            raise ValidationError(flag, "KEY=VALUE with KEY an identifier", pair)
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out
