"""Neighbour search in a box periodic in x and y (LAMMPS triclinic rows), open in z.

scipy's ``cKDTree(boxsize=...)`` handles only orthogonal boxes, so the in-plane box is first
Lagrange-Gauss reduced (same lattice, angle between 60 and 120 degrees), atoms are wrapped
into it, and the atoms within ``cutoff`` of a face are replicated into the 8 neighbouring
images.  Valid for ``cutoff`` below the reduced box's smallest in-plane height.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from vdwgym.errors import AnalysisError
from vdwgym.geometry import reduce_cell2

__all__ = ["PairSet", "periodic_pair_count", "periodic_pairs"]


#: The 8 neighbouring in-plane cells, as (i, j) multiples of the reduced box vectors.
_SHIFTS = np.array([(si, sj) for si in (-1, 0, 1) for sj in (-1, 0, 1) if (si, sj) != (0, 0)])


def _with_images(positions: np.ndarray, cell: np.ndarray,
                 cutoff: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Wrapped positions, plus the images (in the 8 neighbouring in-plane cells of the reduced
    box) of the atoms within ``cutoff`` of a face.  Returns ``wrapped`` ``(N, D)``,
    ``ext_pos`` ``(M, D)`` (originals first) and ``ext_idx`` ``(M,)`` (original index)."""
    pos = np.asarray(positions, dtype=np.float64)
    cell2 = reduce_cell2(np.asarray(cell, dtype=np.float64)[:2, :2])
    area = abs(np.linalg.det(cell2))
    heights = area / np.linalg.norm(cell2, axis=1)[::-1]
    if cutoff >= heights.min():
        raise AnalysisError(f"cutoff {cutoff} A is not below the box's smallest in-plane "
                            f"height {heights.min():.3f} A")
    inv = np.linalg.inv(cell2)
    f = pos[:, :2] @ inv
    f -= np.floor(f)
    wrapped = pos.copy()
    wrapped[:, :2] = f @ cell2
    skin = cutoff / heights  # fractional skin along each box vector
    # per axis: which atoms have an image shifted by -1, 0, +1 box vectors
    side = [(f[:, a] > 1.0 - skin[a], np.ones(len(pos), dtype=bool), f[:, a] < skin[a])
            for a in (0, 1)]
    inside = np.array([side[0][si + 1] & side[1][sj + 1] for si, sj in _SHIFTS])
    which, sel = np.nonzero(inside)      # shift-major, atoms ascending within a shift
    shifted = wrapped[sel]
    shift_vectors = np.array([si * cell2[0] + sj * cell2[1] for si, sj in _SHIFTS])
    shifted[:, :2] += shift_vectors[which]
    return wrapped, np.vstack([wrapped, shifted]), np.concatenate([np.arange(len(pos)), sel])


def _image_pairs(positions: np.ndarray, cell: np.ndarray,
                 cutoff: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ordered pairs ``(i, k)`` of an original atom ``i`` and an extended point ``k``
    (originals and images, :func:`_with_images`), ``k != i``, with ``|ext_k - r_i| <= cutoff``
    (one ``cKDTree.query_pairs`` over the extended points).  Returns ``i``, ``ext_idx[k]``
    and ``vec = ext_k - r_i`` ``(P, D)``; pairs at distance 0 are kept."""
    wrapped, ext_pos, ext_idx = _with_images(positions, cell, cutoff)
    n = len(wrapped)
    ab = cKDTree(ext_pos).query_pairs(cutoff, output_type="ndarray").astype(np.int64)
    a, b = ab[:, 0], ab[:, 1]
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    both = hi < n                      # two originals: both directions
    one = (lo < n) & ~both             # an original and an image: original -> image
    # (an image -> original pair is found again as its original and the other's image)
    i = np.concatenate([lo[both], hi[both], lo[one]])
    k = np.concatenate([hi[both], lo[both], hi[one]])
    return i, ext_idx[k], ext_pos[k] - wrapped[i]


def periodic_pairs(positions: np.ndarray, cell: np.ndarray, cutoff: float,
                   rmin: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All ordered pairs ``(i, j)``, ``i != j`` (or periodic images of the same atom), with
    ``rmin <= |r_j - r_i| <= cutoff``, in-plane periodic, open in z.

    Parameters
    ----------
    positions:
        ``(N, 3)`` Cartesian Angstrom (or ``(N, 2)`` in-plane only).
    cell:
        ``3 x 3`` (or ``2 x 2``) LAMMPS box rows.
    cutoff:
        Angstrom.

    Returns
    -------
    i, j, vec:
        ``(P,)`` int arrays and ``(P, D)`` displacement vectors ``r_j - r_i`` (minimum image);
        each unordered pair appears twice.
    """
    i, j, vec = _image_pairs(positions, cell, cutoff)
    d = np.sqrt(np.einsum("pd,pd->p", vec, vec))
    keep = (d > 1e-12) & (d >= rmin)
    return i[keep], j[keep], vec[keep]


@dataclass(frozen=True)
class PairSet:
    """The ordered pairs of a frame's atoms (or of a subset of them) within ``cutoff``, found
    once and shared by the analyses of the frame: psi6 takes the in-plane Mo pairs, the
    stacking bonds and the pair order parameter the 3-D pairs of all atoms.

    Attributes
    ----------
    i, j:
        ``(P,)`` frame atom indices; ``vec``: ``(P, D)`` minimum-image ``r_j - r_i``
        (Angstrom; D = 2 in plane or 3 with z open); ``d``: ``(P,)`` their lengths.
    n_atoms:
        Atoms in the frame.  cutoff: search radius, Angstrom.
    """

    i: np.ndarray
    j: np.ndarray
    vec: np.ndarray
    d: np.ndarray
    n_atoms: int
    cutoff: float

    @classmethod
    def search(cls, positions: np.ndarray, cell: np.ndarray, cutoff: float,
               atoms: np.ndarray | None = None) -> PairSet:
        """Pairs of ``positions`` (``(N, D)`` Angstrom; the distance is in D dimensions)
        within ``cutoff``, among the atoms ``atoms`` (increasing indices; default all)."""
        pos = np.asarray(positions, dtype=np.float64)
        sub = pos if atoms is None else pos[atoms]
        i, j, vec = _image_pairs(sub, cell, cutoff)
        if atoms is not None:
            i, j = atoms[i], atoms[j]
        return cls(i, j, vec, np.sqrt(np.einsum("pd,pd->p", vec, vec)), len(pos),
                   float(cutoff))

    def among(self, atoms: np.ndarray, cutoff: float, partners: np.ndarray | None = None
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The pairs :func:`periodic_pairs` finds for the sub-frame ``atoms`` (``(M,)``
        increasing indices, searched here) and ``cutoff <= self.cutoff``; with ``partners``
        (increasing indices) only the pairs from ``atoms`` to ``partners``, indexed in
        ``atoms`` then ``partners`` stacked (as ``periodic_pairs`` of
        ``vstack([r[atoms], r[partners]])`` restricted to ``i < M <= j``).  Returns local
        ``i, j`` and ``vec``."""
        if cutoff > self.cutoff:
            raise ValueError(f"cutoff {cutoff} above the search radius {self.cutoff}")
        first = np.full(self.n_atoms, -1, dtype=np.int64)
        first[atoms] = np.arange(len(atoms))
        if partners is None:
            second = first
        else:
            second = np.full(self.n_atoms, -1, dtype=np.int64)
            second[partners] = len(atoms) + np.arange(len(partners))
        li, lj = first[self.i], second[self.j]
        keep = (li >= 0) & (lj >= 0) & (self.d > 1e-12) & (self.d <= cutoff)
        return li[keep], lj[keep], self.vec[keep]

    def count_within(self, radii: np.ndarray) -> np.ndarray:
        """As :func:`periodic_pair_count` (of a set searched over all atoms in 3-D):
        unordered pairs of distinct atoms at distance ``<= r`` for each ``r`` in ``radii``
        (``<= self.cutoff``)."""
        radii = np.asarray(radii, dtype=np.float64)
        if np.any(radii > self.cutoff):
            raise ValueError(f"radii {radii.tolist()} above the search radius {self.cutoff}")
        return np.searchsorted(np.sort(self.d), radii, side="right").astype(np.int64) // 2


def periodic_pair_count(positions: np.ndarray, cell: np.ndarray,
                        radii: np.ndarray) -> np.ndarray:
    """Number of unordered pairs of distinct atoms with distance ``<= r`` for each ``r`` in
    ``radii`` (Angstrom, ``> 0``, ascending), in-plane periodic, open in z; no pair list is
    built (``cKDTree.count_neighbors``).  Returns ``(len(radii),)`` int."""
    radii = np.asarray(radii, dtype=np.float64)
    wrapped, ext_pos, _ = _with_images(positions, cell, float(radii.max()))
    ordered = cKDTree(wrapped).count_neighbors(cKDTree(ext_pos), radii)
    # ordered pairs: each unordered pair twice, plus the N self pairs at distance 0
    return (np.asarray(ordered, dtype=np.int64) - len(wrapped)) // 2
