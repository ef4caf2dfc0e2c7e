"""Stacking of an aligned bilayer: 2H (antiparallel layers) or 3R (parallel layers).

The hexagonal twist is folded modulo 60 degrees, so it cannot tell a 2H bilayer (the top layer
rotated by 60 degrees: each S triangle points the other way) from a 3R one (both layers
parallel): both read "0 deg".  A MoS2 layer's own symmetry is trigonal: the in-plane vectors
from each Mo to its six S neighbours (three projected directions, 120 degrees apart) give the
layer's trigonal orientation ``arg(<exp(3 i phi)>) / 3`` modulo 120 degrees.  The offset
between the two layers' trigonal orientations, folded to [0, 60], is 0 for parallel layers
(3R, or AA) and 60 for antiparallel ones (2H).

Units: Angstrom, degrees.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from vdwgym.analysis.neighbors import PairSet, periodic_pairs

__all__ = ["BOND_CUTOFF", "STACKING_MAX_TWIST", "Stacking", "stacking", "trigonal_orientation"]

#: Mo-S bond search radius, Angstrom (the bond is 2.41 A; Mo-Mo is 3.1-3.2 A).
BOND_CUTOFF = 2.8
#: Stacking is reported only for bilayers twisted by at most this much, degrees.
STACKING_MAX_TWIST = 2.0


@dataclass(frozen=True)
class Stacking:
    """``label``: ``"2H"`` or ``"3R"``; ``trigonal_offset_deg``: the layers' trigonal
    orientation offset folded to [0, 60] (0 parallel, 60 antiparallel); ``coherence``: the
    smaller of the two layers' ``|<exp(3 i phi)>|`` (1 for perfect layers)."""

    label: str
    trigonal_offset_deg: float
    coherence: float


def trigonal_orientation(mo: np.ndarray, s: np.ndarray, cell: np.ndarray,
                         cutoff: float = BOND_CUTOFF,
                         pairs: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
                         ) -> tuple[float | None, float]:
    """Trigonal orientation of one layer (degrees modulo 120, None without Mo-S bonds) and
    its coherence ``|<exp(3 i phi)>|`` over the Mo-S bonds.  ``mo`` ``(M, 3)``, ``s``
    ``(S, 3)`` Angstrom; ``cell`` LAMMPS rows; ``pairs``: ``(i, j, vec)`` of
    ``periodic_pairs(vstack([mo, s]), cell, cutoff)`` (at least its Mo-S pairs) when already
    found."""
    pos = np.vstack([np.asarray(mo, float).reshape(-1, 3), np.asarray(s, float).reshape(-1, 3)])
    n_mo = len(mo)
    if n_mo == 0 or len(pos) == n_mo:
        return None, 0.0
    i, j, vec = periodic_pairs(pos, cell, cutoff) if pairs is None else pairs
    bond = (i < n_mo) & (j >= n_mo)
    if not np.any(bond):
        return None, 0.0
    z = np.exp(3j * np.arctan2(vec[bond, 1], vec[bond, 0])).mean()
    return math.degrees(math.atan2(z.imag, z.real)) / 3.0 % 120.0, float(abs(z))


def stacking(positions: np.ndarray, is_metal: np.ndarray, labels: np.ndarray,
             cell: np.ndarray, pairs: PairSet | None = None) -> Stacking | None:
    """The stacking of a two-layer frame (None when a layer has no Mo-S bonds).

    ``positions`` ``(N, 3)`` Angstrom; ``is_metal`` ``(N,)`` bool (Mo); ``labels`` ``(N,)``
    layer of each atom (0 bottom, 1 top, -1 none; :func:`vdwgym.analysis.split_layers`);
    ``pairs``: the frame's 3-D pairs (search radius >= :data:`BOND_CUTOFF`) when already
    found."""
    orient, coh = [], []
    for k in (0, 1):
        mo, s = np.flatnonzero((labels == k) & is_metal), np.flatnonzero((labels == k) & ~is_metal)
        bonds = None if pairs is None else pairs.among(mo, BOND_CUTOFF, partners=s)
        o, c = trigonal_orientation(positions[mo], positions[s], cell, pairs=bonds)
        if o is None:
            return None
        orient.append(o)
        coh.append(c)
    d = (orient[1] - orient[0]) % 120.0
    offset = min(d, 120.0 - d)
    return Stacking("2H" if offset > 30.0 else "3R", offset, min(coh))
