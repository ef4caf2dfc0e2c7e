"""Neighbour search in a box periodic in x and y (LAMMPS triclinic rows), open in z.

scipy's ``cKDTree(boxsize=...)`` handles only orthogonal boxes, so the in-plane box is first
Lagrange-Gauss reduced (same lattice, angle between 60 and 120 degrees), atoms are wrapped
into it, and the atoms within ``cutoff`` of a face are replicated into the 8 neighbouring
images.  Valid for ``cutoff`` below the reduced box's smallest in-plane height.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from vdwgym.errors import AnalysisError
from vdwgym.geometry import reduce_cell2

__all__ = ["periodic_pair_count", "periodic_pairs"]


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
    ext = [wrapped]
    idx = [np.arange(len(pos))]
    for si in (-1, 0, 1):
        for sj in (-1, 0, 1):
            if si == 0 and sj == 0:
                continue
            m = np.ones(len(pos), dtype=bool)
            if si == 1:
                m &= f[:, 0] < skin[0]
            elif si == -1:
                m &= f[:, 0] > 1.0 - skin[0]
            if sj == 1:
                m &= f[:, 1] < skin[1]
            elif sj == -1:
                m &= f[:, 1] > 1.0 - skin[1]
            sel = np.flatnonzero(m)
            if len(sel):
                shifted = wrapped[sel].copy()
                shifted[:, :2] += si * cell2[0] + sj * cell2[1]
                ext.append(shifted)
                idx.append(sel)
    return wrapped, np.vstack(ext), np.concatenate(idx)


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
    wrapped, ext_pos, ext_idx = _with_images(positions, cell, cutoff)
    dm = cKDTree(wrapped).sparse_distance_matrix(cKDTree(ext_pos), cutoff,
                                                 output_type="ndarray")
    i = dm["i"].astype(np.int64)
    k = dm["j"].astype(np.int64)
    d = dm["v"]
    keep = (d > 1e-12) & (d >= rmin)
    i, k = i[keep], k[keep]
    vec = ext_pos[k] - wrapped[i]
    return i, ext_idx[k], vec


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
