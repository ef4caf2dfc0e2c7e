"""The paper's order parameter: the number of atom pairs at distance in ``[2.4, 2.6]`` A,
found with a 3 A neighbour cutoff.

Pairs: every unordered pair of distinct atoms, whatever their types (Mo-S, S-S, Mo-Mo; in
crystalline MoS2 only the Mo-S bonds, 2.40-2.42 A, fall in the window), counted once,
with 3-D distances, periodic in x and y and open in z (the walls).  ``per_atom`` divides by
the number of atoms considered.  Note that the ideal bond length of the builder's default
geometry (a = 3.16, S height 1.56) is 2.4004 A, at the window's lower edge: thermal
expansion and noise move bonds across it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from vdwgym.analysis.neighbors import PairSet, periodic_pair_count
from vdwgym.errors import ValidationError

__all__ = ["PairOrder", "pair_order"]


@dataclass
class PairOrder:
    """Result of :func:`pair_order`: ``pairs`` (unordered count), ``per_atom``
    (``pairs / n_atoms``), ``n_atoms``, ``window`` (Angstrom), ``cutoff`` (Angstrom)."""

    pairs: int
    per_atom: float
    n_atoms: int
    window: tuple[float, float]
    cutoff: float

    def to_dict(self) -> dict:
        d = asdict(self)
        d["window"] = list(self.window)
        return d


def pair_order(positions: np.ndarray, cell: np.ndarray,
               window: tuple[float, float] = (2.4, 2.6), cutoff: float = 3.0,
               pairs: PairSet | None = None) -> PairOrder:
    """Count pairs with ``window[0] <= d <= window[1]``.

    ``positions``: ``(N, 3)`` Angstrom; ``cell``: LAMMPS rows.  The pairs are counted with
    ``cKDTree.count_neighbors`` (no pair list), or from ``pairs``, the frame's 3-D pairs of all atoms (search
    radius >= ``window[1]``), when already found; ``cutoff`` (the paper's neighbour cutoff,
    ``>= window[1]``) bounds the search and is recorded.
    """
    if not (0.0 < window[0] <= window[1] <= cutoff):
        raise ValidationError("window", f"0 < low <= high <= cutoff ({cutoff} A)", window)
    pos = np.asarray(positions, dtype=np.float64)
    n = len(pos)
    if n < 2:
        count = 0
    else:
        lo = np.nextafter(float(window[0]), -np.inf)  # count d >= window[0]
        radii = np.array([lo, float(window[1])])
        below, upto = (periodic_pair_count(pos, cell, radii) if pairs is None
                       else pairs.count_within(radii))
        count = int(upto - below)
    return PairOrder(count, count / n if n else 0.0, n, (float(window[0]), float(window[1])),
                     float(cutoff))
