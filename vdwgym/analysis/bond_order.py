"""Bond-orientational order of one layer's Mo atoms: psi6 and per-atom orientations.

For Mo atom j with Mo neighbours k of the same layer within ``cutoff`` (default 4.3 A,
between the first, a = 3.16 A, and second, sqrt(3) a = 5.47 A, Mo-Mo shells; in-plane
minimum-image vectors), ``psi6_j = mean_k exp(6 i theta_jk)``; atoms without neighbours
get ``psi6 = 0``.

* ``mean_abs_psi6``: mean ``|psi6_j|`` over the layer (1 for a perfect lattice, about 0.4
  for an amorphous layer): the per-layer bond-orientational order.
* layer orientation (cross-check of the structure factor): ``arg(sum_j psi6_j) / 6`` in
  degrees modulo 60 (0 when a Mo-Mo bond lies along x).
* per-atom orientation ``arg(psi6_j) / 6`` of the atoms with ``|psi6_j| > PSI6_CRYSTALLINE``:
  the histogram method (the paper's Supplementary Figure 7) takes the mode of its histogram
  (circular, period 60 degrees) as the layer orientation and flags a polycrystal when a
  second peak, at least ``POLY_MIN_SEPARATION`` degrees from the mode, holds at least
  ``POLY_MIN_FRACTION`` of the crystalline atoms.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from vdwgym.analysis.neighbors import periodic_pairs

__all__ = [
    "POLY_MIN_FRACTION",
    "POLY_MIN_SEPARATION",
    "PSI6_CRYSTALLINE",
    "OrientationHistogram",
    "orientation_histogram",
    "psi6",
    "psi6_orientation",
]

PSI6_CRYSTALLINE = 0.7
POLY_MIN_FRACTION = 0.15
POLY_MIN_SEPARATION = 3.0


def psi6(xy: np.ndarray, cell: np.ndarray, cutoff: float = 4.3,
         neighbours: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Per-atom complex ``psi6`` (``(N,)``) of in-plane positions ``xy`` (``(N, 2)``,
    Angstrom) in the periodic box ``cell`` (LAMMPS rows).  ``neighbours``: the pairs
    ``(i, vec)`` of ``periodic_pairs(xy, cell, cutoff)`` when already found (the analyzer
    takes them from its :class:`~vdwgym.analysis.neighbors.PairSet`)."""
    xy = np.asarray(xy, dtype=np.float64)[:, :2]
    n = len(xy)
    if n == 0:
        return np.zeros(0, dtype=complex)
    if neighbours is None:
        i, _, vec = periodic_pairs(xy, cell, cutoff)
    else:
        i, vec = neighbours
    z = np.exp(6j * np.arctan2(vec[:, 1], vec[:, 0]))
    re = np.bincount(i, weights=z.real, minlength=n)
    im = np.bincount(i, weights=z.imag, minlength=n)
    cnt = np.bincount(i, minlength=n)
    out = np.zeros(n, dtype=complex)
    has = cnt > 0
    out[has] = (re[has] + 1j * im[has]) / cnt[has]
    return out


def psi6_orientation(p6: np.ndarray) -> float:
    """Layer orientation ``arg(sum psi6) / 6``, degrees in ``[0, 60)``."""
    s = np.sum(p6)
    return math.degrees(math.atan2(s.imag, s.real)) / 6.0 % 60.0


@dataclass
class OrientationHistogram:
    """Histogram of per-atom orientations (degrees, period 60).

    Attributes
    ----------
    edges, counts:
        Bin edges ``(B+1,)`` and counts ``(B,)`` over ``[0, 60)``.
    mode_deg:
        Orientation of the most populated (smoothed) bin, refined by the circular mean of
        the atoms within ``POLY_MIN_SEPARATION / 2`` of it; None without crystalline atoms.
    mode_fraction:
        Fraction of crystalline atoms within ``POLY_MIN_SEPARATION`` of the mode.
    polycrystal:
        Second peak criterion of the module docstring.
    second_deg:
        Orientation of the second peak, if any.
    n_crystalline:
        Atoms with ``|psi6| > PSI6_CRYSTALLINE``.
    """

    edges: np.ndarray
    counts: np.ndarray
    mode_deg: float | None
    mode_fraction: float
    polycrystal: bool
    second_deg: float | None
    n_crystalline: int


def _circ_dist(a: np.ndarray, b: float) -> np.ndarray:
    d = (a - b) % 60.0
    return np.minimum(d, 60.0 - d)


def _circ_mean(angles: np.ndarray) -> float:
    z = np.exp(1j * np.radians(angles) * 6.0).mean()
    return math.degrees(math.atan2(z.imag, z.real)) / 6.0 % 60.0


def orientation_histogram(p6: np.ndarray, bin_deg: float = 0.5) -> OrientationHistogram:
    """Per-atom orientation histogram and its mode (module docstring)."""
    nb = int(round(60.0 / bin_deg))
    edges = np.linspace(0.0, 60.0, nb + 1)
    good = np.abs(p6) > PSI6_CRYSTALLINE
    ang = np.degrees(np.angle(p6[good])) / 6.0 % 60.0
    counts = np.histogram(ang, bins=edges)[0]
    if len(ang) == 0:
        return OrientationHistogram(edges, counts, None, 0.0, False, None, 0)
    w = max(1, int(round(1.0 / bin_deg)))
    # circular moving sum over 2 w + 1 bins (the sum of the rolled histograms)
    c = np.concatenate([[0], np.cumsum(np.concatenate([counts[-w:], counts, counts[:w]]))])
    smooth = c[2 * w + 1:] - c[:-(2 * w + 1)]
    centers = 0.5 * (edges[1:] + edges[:-1])
    m0 = float(centers[int(np.argmax(smooth))])
    mode = _circ_mean(ang[_circ_dist(ang, m0) <= POLY_MIN_SEPARATION / 2])
    near = _circ_dist(ang, mode) <= POLY_MIN_SEPARATION
    frac = float(near.mean())
    second = None
    poly = False
    rest = ang[~near]
    if len(rest):
        far = _circ_dist(centers, mode) > POLY_MIN_SEPARATION
        sm = np.where(far, smooth, -1)
        s0 = float(centers[int(np.argmax(sm))])
        sel = _circ_dist(rest, s0) <= POLY_MIN_SEPARATION
        if sel.any():
            second = _circ_mean(rest[sel])
            poly = bool(sel.sum() / len(ang) >= POLY_MIN_FRACTION)
    return OrientationHistogram(edges, counts, mode, frac, poly, second, int(len(ang)))
