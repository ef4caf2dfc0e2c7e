"""The hexagonal twist fold: one function for scalars and arrays.

Units: degrees.  A bilayer of hexagonal layers looks the same after a 60 degree rotation of
one layer and after a mirror, so twists are reported in ``[0, 30]``.
"""

from __future__ import annotations

import math
from typing import overload

import numpy as np

__all__ = ["fold_twist"]


@overload
def fold_twist(theta_deg: float) -> float: ...
@overload
def fold_twist(theta_deg: np.ndarray) -> np.ndarray: ...


def fold_twist(theta_deg):
    """Fold angles in degrees to the hexagonal fundamental range ``[0, 30]``.

    A Python or numpy scalar gives a ``float`` (``inf`` raises ``ValueError``, as
    :func:`math.fmod` does); an array of any shape gives a float64 array of that shape.
    """
    if isinstance(theta_deg, np.ndarray):
        t = np.mod(theta_deg.astype(np.float64, copy=False), 60.0)
        return np.minimum(t, 60.0 - t)
    t = math.fmod(float(theta_deg), 60.0)
    if t < 0:
        t += 60.0
    return min(t, 60.0 - t)
