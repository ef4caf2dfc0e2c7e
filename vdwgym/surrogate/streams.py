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
    """Validate ``seeds`` as a length-``n`` array of integers in ``[0, 2**64)``; uint64."""
    try:
        raw = np.asarray(seeds)
    except (TypeError, ValueError) as exc:
        raise ValidationError("seeds", f"{n} integers in [0, 2**64)", seeds) from exc
    if raw.shape != (n,):
        raise ValidationError("seeds", f"shape ({n},), one seed per recipe", raw.shape)
    if raw.dtype == object:
        values = [int(s) for s in raw.tolist()]
        bad = [s for s in values if not 0 <= s < 2**64]
        if bad:
            raise ValidationError("seeds", "integers in [0, 2**64)", bad[0])
        return np.array(values, dtype=np.uint64)
    if raw.dtype.kind == "u":
        return raw.astype(np.uint64)
    if raw.dtype.kind == "i":
        if (raw < 0).any():
            raise ValidationError("seeds", "integers in [0, 2**64)", int(raw[raw < 0][0]))
        return raw.astype(np.uint64)
    if n == 0 and raw.dtype.kind == "f":
        return np.zeros(0, dtype=np.uint64)
    raise ValidationError("seeds", "integers in [0, 2**64)", raw.dtype.name)


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
