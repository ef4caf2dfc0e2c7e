"""The input-validation layer: keyword options checked against the signature they feed.

Every entry point that turns outside text into keyword arguments (``--agent-option``,
``--backend-option``, a backend's ``options``/``engine_options``, the surrogate ``model``
table of a worker's params.json, bench TOML fields, HTTP bodies) calls :func:`check_kwargs`
before building anything.  It validates with pydantic in strict mode against the callee's
type hints: unknown names, wrong types (``"abc"`` or ``2.7`` for an int, ``true`` for an
int), and non-finite floats are refused, and the first problem becomes one
:class:`~vdwgym.errors.ValidationError` naming the field, the bound and the value (the CLI
turns it into exit code 2).  Ranges stay with the classes that define them
(``__post_init__`` checks raise the same error).
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import Any

from vdwgym.errors import ValidationError

__all__ = ["check_kwargs", "check_value", "from_pydantic"]


def from_pydantic(exc: Any, prefix: str, known: Iterable[str] = ()) -> ValidationError:
    """The first error of a ``pydantic.ValidationError`` as a vdwgym ValidationError."""
    err = exc.errors()[0]
    loc = ".".join(str(x) for x in err.get("loc", ()))
    field = f"{prefix}.{loc}" if prefix and loc else (prefix or loc)
    if err.get("type") == "extra_forbidden":
        return ValidationError(field, f"one of {sorted(known)}", err.get("input"), "unknown option")
    msg = str(err.get("msg", "a valid value"))
    for prefix_text in ("Input should be ", "Value error, "):
        msg = msg.removeprefix(prefix_text)
    return ValidationError(field, msg, err.get("input"))


@lru_cache(maxsize=256)
def _model(target: Callable, skip: tuple[str, ...]):
    import pydantic

    func = target.__init__ if inspect.isclass(target) else target
    try:
        hints = typing.get_type_hints(func)
    except Exception:  # noqa: BLE001 - unresolvable hints: check the names only
        hints = {}
    fields: dict[str, Any] = {}
    extra = "forbid"
    for name, p in inspect.signature(func).parameters.items():
        if name in ("self", *skip) or p.kind is p.VAR_POSITIONAL:
            continue
        if p.kind is p.VAR_KEYWORD:
            extra = "allow"
            continue
        default = ... if p.default is p.empty else p.default
        fields[name] = (hints.get(name, Any), default)
    config = pydantic.ConfigDict(strict=True, allow_inf_nan=False, extra=extra,
                                 arbitrary_types_allowed=True)
    return pydantic.create_model(f"{getattr(target, '__name__', 'call')}Options", __config__=config,
                                 **fields), tuple(fields)


def check_kwargs(target: Callable, options: Mapping[str, Any] | None, field: str,
                 skip: Iterable[str] = ()) -> dict[str, Any]:
    """Check ``options`` as keyword arguments of ``target`` (a class or function); returns
    them unchanged as a dict.  Parameters in ``skip`` are supplied by the caller and must
    not appear in ``options``."""
    import pydantic

    if options is None:
        return {}
    if not isinstance(options, Mapping):
        raise ValidationError(field, "an object of named options", options)
    skip = tuple(skip)
    bad = next((k for k in options if not isinstance(k, str) or k in skip), None)
    if bad is not None:
        raise ValidationError(f"{field}.{bad}", "an option the caller does not set itself",
                              options[bad])
    model, known = _model(target, skip)
    try:
        model.model_validate(dict(options))
    except pydantic.ValidationError as exc:
        raise from_pydantic(exc, field, known) from None
    return dict(options)


def check_value(value: Any, kind: Any, field: str) -> Any:
    """``value`` checked (strictly, finite) as ``kind`` (e.g. ``list[int]``); returned as is."""
    import pydantic

    try:
        pydantic.TypeAdapter(kind, config=pydantic.ConfigDict(strict=True, allow_inf_nan=False)
                             ).validate_python(value)
    except pydantic.ValidationError as exc:
        raise from_pydantic(exc, field) from None
    return value
