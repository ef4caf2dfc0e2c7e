"""Counter-based random numbers: one independent stream per evaluation seed, vectorized.

Every random number the surrogate draws for an evaluation is ``SplitMix64(seed)``'s
``k``-th output for a fixed stream index ``k``: a pure function of ``(seed, k)``, so an
evaluation's randomness does not depend on the batch it is in, its position in the batch,
or on any global state.  SplitMix64 (Steele, Lea and Flood, OOPSLA 2014) is the generator
that seeds numpy's and Java's; its outputs pass BigCrush.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from vdwgym.errors import ValidationError

__all__ = ["as_seeds", "uniform", "normal"]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_2POW53 = float(2**53)


def as_seeds(seeds: Sequence[int] | np.ndarray, n: int) -> np.ndarray:
    """Validate ``seeds`` as ``n`` integers in ``[0, 2**64)``; returns a uint64 array.

    Accepts an integer numpy array or a sequence of Python/numpy integers (bools, floats
    and out-of-range values are refused with a :class:`ValidationError`)."""
    if isinstance(seeds, np.ndarray):
        if seeds.shape != (n,):
            raise ValidationError("seeds", f"shape ({n},), one seed per recipe", seeds.shape)
        if seeds.dtype.kind == "u":
            return seeds.astype(np.uint64)
        if seeds.dtype.kind == "i":
            if (seeds < 0).any():
                raise ValidationError("seeds", "integers in [0, 2**64)", int(seeds[seeds < 0][0]))
            return seeds.astype(np.uint64)
        if seeds.dtype != object:
            raise ValidationError("seeds", "integers in [0, 2**64)", seeds.dtype.name)
    values = list(seeds)
    if len(values) != n:
        raise ValidationError("seeds", f"{n} seeds, one per recipe", len(values))
    for s in values:
        if isinstance(s, (bool, np.bool_)) or not isinstance(s, (int, np.integer)) \
                or not 0 <= int(s) < 2**64:
            raise ValidationError("seeds", "integers in [0, 2**64)", s)
    return np.array([int(s) for s in values], dtype=np.uint64)


def _splitmix64(seeds: np.ndarray, stream: int) -> np.ndarray:
    """The ``stream``-th (1-based) SplitMix64 output for each seed; uint64 array."""
    with np.errstate(over="ignore"):
        z = seeds + _GOLDEN * np.uint64(stream)
        z = (z ^ (z >> np.uint64(30))) * _MIX1
        z = (z ^ (z >> np.uint64(27))) * _MIX2
        return z ^ (z >> np.uint64(31))


def uniform(seeds: np.ndarray, stream: int) -> np.ndarray:
    """One uniform number in ``[0, 1)`` per seed (53-bit resolution) from stream ``stream``
    (a positive integer naming what the number is for)."""
    bits = _splitmix64(seeds, stream) >> np.uint64(11)
    return bits.astype(np.float64) / _2POW53


def normal(seeds: np.ndarray, stream: int) -> np.ndarray:
    """One standard normal number per seed (Box-Muller on streams ``stream`` and
    ``stream + 1``; reserve both)."""
    u1 = uniform(seeds, stream)
    u2 = uniform(seeds, stream + 1)
    return np.sqrt(-2.0 * np.log1p(-u1)) * np.cos(2.0 * np.pi * u2)
