"""Strict JSON data out of whatever an analysis, a backend or the store hands over: the one
sanitiser used by the worker's progress lines, the HTTP service and the controller server.

Strict JSON (``json.dumps(..., allow_nan=False)``) has no NaN or infinity and knows no numpy
type; :func:`plain_json` maps them to what it has.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["plain_json"]


def plain_json(value: Any) -> Any:
    """``value`` as strict JSON data: numpy scalars and arrays as Python numbers and lists,
    NaN and infinities as None, tuples as lists, mapping keys as ``str``, other objects as
    their ``str``."""
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
