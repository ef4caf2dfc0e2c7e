"""The paper's Algorithm 1 (Bagchi et al., Methods): chain walk along Mo neighbours and
line fit.  Kept as the paper's reference method; the structure factor is more accurate.

Per layer:

1. pick a Mo atom at random (explicit ``numpy.random.Generator``);
2. find its "second nearest neighbours": the Mo atoms of the layer at in-plane distance in
   ``[shell[0] a, shell[1] a]`` (the first Mo-Mo shell, the second shell overall after
   the Mo-S bonds; about 6 in a crystal);
3. sort them by polar angle ``theta`` in ``[0, 360)`` around the central atom; step to the
   one with the smallest ``theta``; its direction ``theta_0`` fixes the walk direction;
4. repeat from the new atom for ``max_iterations`` steps, taking the smallest-``theta``
   neighbour among those within ``max_turn`` degrees of ``theta_0``; when there is none
   (a vacancy or "other variations"), step to a ghost atom placed at the previous step
   vector from the central atom;
5. fit a straight line to the visited positions (unwrapped across the periodic box).

Twist: the paper's ``arctan(|m1 - m2| / |1 + m1 m2|)`` for slopes ``m1, m2``, i.e. the
acute angle between the two fitted lines; it is computed here from the lines' direction
angles (total least squares), which is the same number without the singularity of a
vertical line, then folded to ``[0, 30]``.  The walk follows the box shear as well as the
lattice, and one wrong step bends the line: the method's known weaknesses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from vdwgym.geometry import fold_twist, minimum_image, reduce_cell2

__all__ = ["ChainWalk", "chain_walk", "chain_twist"]


@dataclass
class ChainWalk:
    """One layer's walk.

    Attributes
    ----------
    path:
        ``(K+1, 2)`` unwrapped visited positions, Angstrom.
    direction_deg:
        Direction of the fitted line, degrees in ``[0, 180)``.
    orientation_deg:
        ``direction_deg`` modulo 60.
    n_ghosts:
        Ghost atoms inserted.
    """

    path: np.ndarray
    direction_deg: float
    orientation_deg: float
    n_ghosts: int


def chain_walk(xy: np.ndarray, cell: np.ndarray, rng: np.random.Generator, a: float = 3.16,
               max_iterations: int = 30, shell: tuple[float, float] = (0.8, 1.25),
               max_turn: float = 30.0, start: int | None = None) -> ChainWalk:
    """Walk one layer (module docstring).  ``xy``: ``(N, 2)`` Mo positions, Angstrom;
    ``start``: index of the first atom (default: drawn from ``rng``)."""
    xy = np.asarray(xy, dtype=np.float64)[:, :2]
    if len(xy) < 2:
        return ChainWalk(xy.copy(), float("nan"), float("nan"), 0)
    cell2 = reduce_cell2(np.asarray(cell, dtype=np.float64)[:2, :2])
    lo, hi = shell[0] * a, shell[1] * a
    if start is None:
        start = int(rng.integers(len(xy)))
    center = xy[start].copy()     # wrapped position used for neighbour search
    pos = xy[start].copy()        # unwrapped position
    path = [pos.copy()]
    theta0 = None
    step_vec = None
    ghosts = 0
    for _ in range(max_iterations):
        d = minimum_image(xy - center, cell2)
        r = np.hypot(d[:, 0], d[:, 1])
        sel = np.flatnonzero((r >= lo) & (r <= hi))
        theta = np.degrees(np.arctan2(d[sel, 1], d[sel, 0])) % 360.0
        if theta0 is not None and len(sel):
            turn = (theta - theta0 + 180.0) % 360.0 - 180.0
            ok = np.abs(turn) <= max_turn
            sel, theta = sel[ok], theta[ok]
        if len(sel):
            k = int(np.argmin(theta))
            step_vec = d[sel[k]]
            if theta0 is None:
                theta0 = float(theta[k])
            center = xy[sel[k]].copy()
        elif step_vec is not None:
            ghosts += 1
            center = center + step_vec
        else:
            break
        pos = pos + step_vec
        path.append(pos.copy())
    p = np.array(path)
    if len(p) < 2:
        return ChainWalk(p, float("nan"), float("nan"), ghosts)
    c = p - p.mean(axis=0)
    _, _, vt = np.linalg.svd(c, full_matrices=False)
    direction = math.degrees(math.atan2(vt[0, 1], vt[0, 0])) % 180.0
    return ChainWalk(p, direction, direction % 60.0, ghosts)


def chain_twist(walk_bottom: ChainWalk, walk_top: ChainWalk) -> float:
    """Acute angle between the two fitted lines (the paper's slope formula), folded to
    ``[0, 30]`` degrees."""
    d = abs(walk_top.direction_deg - walk_bottom.direction_deg) % 180.0
    return fold_twist(min(d, 180.0 - d))
