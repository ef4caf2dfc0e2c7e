"""Layer orientation from the Mo structure factor on the box's reciprocal lattice.

For the in-plane Mo positions ``r_j`` (``N`` atoms) of one layer,
``s(G) = |sum_j exp(-i G . r_j)|^2 / N^2`` (1 for a perfect crystal at a Bragg peak, about
``1/N`` for random positions).  A layer periodic in the box has Bragg peaks only at
``G = h b1 + k b2`` (``b1, b2``: the box's in-plane reciprocal vectors), so the candidates are
the box reciprocal lattice points with ``|G|`` within ``window`` of
``G0 = 4 pi / (sqrt(3) a)``.  The strongest candidate ``Ga``, the strongest one 40-80 degrees
counter-clockwise from it ``Gb``, and ``Gb - Ga`` are three of the six first-order peaks
(the other three are their negatives).

Orientation.  With the peaks as reciprocal basis (``Ga`` at 30 degrees, ``Gb`` at 90 degrees
for an unrotated hexagonal layer whose ``a1`` lies along x), the layer's real-space lattice
is ``a_i = F a0_i``; the orientation is the rotation angle ``omega`` of the polar
decomposition ``F = R(omega) U`` (degrees, modulo 60).  For an undeformed hexagonal layer it
is the angle of a nearest-neighbour Mo-Mo bond; for a strained or sheared layer it is the
rotation with the stretch removed.

Crystallinity: ``peak_sn`` = mean of ``s`` over the three independent peaks.  The layer
counts as crystalline when ``peak_sn >= max(PEAK_SN_THRESHOLD, PEAK_SN_NOISE / N)`` and the
third peak is at least half as strong as the mean: a perfect crystal gives 1, the test
structures with 0.15 A noise, 8 % vacancies and an 8 A amorphous patch 0.51-0.92, fully
amorphous layers 0.001-0.019 (see docs/analysis.md).

``refine``: a layer that is not periodic in the box (an incommensurate grain) has its peaks
between grid points.  The peak positions are refined by a shrinking local search of the
continuous ``s(G)``.  With ``"auto"`` this search runs only when a grid neighbour of a peak
holds more than ``REFINE_MIN_RATIO`` (0.05) of the peak's intensity (median 0.007 for the
periodic test layers, so it is skipped for most of them), and the refined peaks are used
only if they are ``REFINE_GAIN`` (1.1) times stronger than the grid peaks, or if a grid
neighbour holds more than ``NEIGHBOUR_RATIO`` (0.3) of the peak's intensity (a layer
periodic in the box has only diffuse intensity there: at most 0.13, and refinement gains of
at most 1.02, were measured on the test bilayers with noise, vacancies and an amorphous
patch), so a periodic layer keeps its exact grid peaks.  ``commensurate`` in the result says which was used, and ``lattice_matrix`` (integer ``M``
with ``box_rows = M @ layer_rows``, in-plane) is given only for commensurate layers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from vdwgym.errors import ValidationError

__all__ = [
    "PEAK_SN_NOISE",
    "PEAK_SN_THRESHOLD",
    "NEIGHBOUR_RATIO",
    "REFINE_GAIN",
    "REFINE_MIN_RATIO",
    "SFOrientation",
    "polar_angle_deg",
    "sf_orientation",
    "structure_factor",
]

PEAK_SN_THRESHOLD = 0.2
PEAK_SN_NOISE = 8.0
REFINE_GAIN = 1.1
NEIGHBOUR_RATIO = 0.3
REFINE_MIN_RATIO = 0.05
_REF_RECIP = np.array([[math.cos(math.pi / 6), math.sin(math.pi / 6)], [0.0, 1.0]])


@dataclass
class SFOrientation:
    """Orientation of one layer from its structure factor.

    Attributes
    ----------
    orientation_deg:
        Polar rotation angle of the layer lattice, degrees in ``[0, 60)``.
    peak_sn:
        Mean normalized peak intensity ``s`` (0..1) of the three independent peaks.
    crystalline:
        Gate described in the module docstring.
    peaks:
        ``(3, 2)`` reciprocal vectors ``Ga, Gb, Gb - Ga`` (1/Angstrom).
    peak_s:
        ``(3,)`` their ``s`` values.
    hk:
        ``(2, 2)`` integer box-reciprocal indices of ``Ga, Gb`` (None if refined off-grid).
    lattice_matrix:
        ``(2, 2)`` integer ``M`` with ``box_rows = M @ layer_rows`` (None if off-grid).
    n_sites:
        ``|det M|``: lattice sites of the layer in the box (None if off-grid).
    commensurate:
        True when the peaks are on the box's reciprocal lattice.
    lattice_constant:
        Mean lattice constant implied by the peaks, Angstrom.
    """

    orientation_deg: float
    peak_sn: float
    crystalline: bool
    peaks: np.ndarray
    peak_s: np.ndarray
    hk: np.ndarray | None
    lattice_matrix: np.ndarray | None
    n_sites: int | None
    commensurate: bool
    lattice_constant: float


def structure_factor(xy: np.ndarray, G: np.ndarray) -> np.ndarray:
    """Normalized structure factor ``|sum_j exp(-i G . r_j)|^2 / N^2``.

    ``xy``: ``(N, 2)`` Angstrom; ``G``: ``(M, 2)`` 1/Angstrom.  Returns ``(M,)``."""
    phase = G @ xy.T
    n = max(len(xy), 1)
    c = np.cos(phase).sum(axis=1)
    s = np.sin(phase).sum(axis=1)
    return (c * c + s * s) / (n * n)


def polar_angle_deg(F: np.ndarray) -> float:
    """Rotation angle (degrees) of the polar decomposition ``F = R U`` of a ``2 x 2`` matrix
    with positive determinant."""
    return math.degrees(math.atan2(F[1, 0] - F[0, 1], F[0, 0] + F[1, 1]))


def _powers(u: np.ndarray, kmax: int) -> np.ndarray:
    """``(kmax + 1, N)`` array of ``u ** k`` for ``k = 0..kmax`` by repeated products
    (``|u| = 1``; rounding grows like ``k * 1e-16``)."""
    out = np.empty((kmax + 1, len(u)), dtype=np.complex128)
    out[0] = 1.0
    for k in range(1, kmax + 1):
        np.multiply(out[k - 1], u, out=out[k])
    return out


#: Most reciprocal points :func:`_annulus_sf` searches (sets the smallest usable ``a`` for a
#: box: about ``L / 700`` in a square box of side ``L``).
MAX_GRID = 1e6


def _annulus_sf(xy: np.ndarray, cell2: np.ndarray, g0: float,
                window: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``s(G)`` on the box reciprocal points ``G = h b1 + k b2`` of one half plane
    (``h > 0``, or ``h = 0`` and ``k > 0``) with ``|G|`` within ``window`` of ``g0``.

    With ``u_j = exp(-i b1 . r_j)`` and ``v_j = exp(-i b2 . r_j)``, the amplitudes of the
    whole ``(h, k)`` grid are one complex matrix product ``sum_j u_j^h v_j^k``.
    Returns ``hk`` ``(M, 2)`` int, ``G`` ``(M, 2)`` and ``s`` ``(M,)``."""
    B = 2 * np.pi * np.linalg.inv(cell2).T  # rows b1, b2
    gmax = g0 * (1 + window)
    area = float(abs(np.linalg.det(B)))
    lengths = "x".join(f"{v:g}" for v in np.linalg.norm(cell2, axis=1))
    nb0, nb1 = float(np.linalg.norm(B[0])), float(np.linalg.norm(B[1]))
    n_grid = (float(gmax) * nb1 / area + 2) * (2 * float(gmax) * nb0 / area + 5)
    if not n_grid <= MAX_GRID:
        a = float(f"{4 * math.pi / (math.sqrt(3) * g0):.12g}")
        raise ValidationError("a", f"a lattice constant whose reflections in this {lengths} A box "
                              f"number at most {MAX_GRID:g} (|G| up to 4 pi / (sqrt(3) a))", a,
                              f"{n_grid:.3g} reciprocal points")
    hmax = int(np.ceil(gmax * np.linalg.norm(B[1]) / area)) + 1
    kmax = int(np.ceil(gmax * np.linalg.norm(B[0]) / area)) + 1
    hs = np.arange(0, hmax + 1)
    ks = np.arange(-kmax, kmax + 1)
    h, k = np.meshgrid(hs, ks, indexing="ij")
    hk = np.column_stack([h.ravel(), k.ravel()])
    G = hk @ B
    r = np.hypot(G[:, 0], G[:, 1])
    half = (hk[:, 0] > 0) | ((hk[:, 0] == 0) & (hk[:, 1] > 0))
    keep = (r >= g0 * (1 - window)) & (r <= gmax) & half
    if not keep.any():
        a = float(f"{4 * math.pi / (math.sqrt(3) * g0):.12g}")
        raise ValidationError("a", f"a lattice constant with a reflection of this {lengths} A box "
                              f"within {window:g} of |G0| = 4 pi / (sqrt(3) a)", a,
                              "the box is too small for it")
    n = max(len(xy), 1)
    p1 = xy @ B[0]
    p2 = xy @ B[1]
    U = _powers(np.exp(-1j * p1), hmax)                  # rows h = 0..hmax
    Vp = _powers(np.exp(-1j * p2), kmax)                 # rows k = 0..kmax
    V = np.concatenate([np.conj(Vp[:0:-1]), Vp])         # rows k = -kmax..kmax
    amp = (U @ V.T).ravel()[keep]
    return hk[keep], G[keep], (amp.real ** 2 + amp.imag ** 2) / (n * n)


_OFFSETS = np.array([[i, j] for i in (-1, 0, 1) for j in (-1, 0, 1)], dtype=float)


def _refine_peaks(xy: np.ndarray, G: np.ndarray, step: float, rounds: int = 10) -> np.ndarray:
    """Shrinking 3 x 3 local search of the maximum of the continuous ``s(G)`` around each
    row of ``G`` (``(P, 2)``); returns the refined ``(P, 2)``."""
    g = np.array(G, dtype=np.float64)
    for _ in range(rounds):
        cand = (g[:, None, :] + step * _OFFSETS[None]).reshape(-1, 2)
        sv = structure_factor(xy, cand).reshape(len(g), len(_OFFSETS))
        g = cand.reshape(len(g), len(_OFFSETS), 2)[np.arange(len(g)), np.argmax(sv, axis=1)]
        step *= 0.6
    return g


def _neighbour_ratio(xy: np.ndarray, peaks: np.ndarray, B: np.ndarray) -> float:
    """Largest ``s`` on the 8 box reciprocal points around each peak, relative to the peak:
    about ``1 / (N s_peak)`` for a layer periodic in the box, large for a grain whose peak
    falls between grid points."""
    offs = _OFFSETS[np.any(_OFFSETS != 0, axis=1)] @ B
    points = np.concatenate([peaks[:, None, :], peaks[:, None, :] + offs[None]], axis=1)
    s = structure_factor(xy, points.reshape(-1, 2)).reshape(len(peaks), 1 + len(offs))
    return float(np.max(s[:, 1:].max(axis=1) / np.maximum(s[:, 0], 1e-300)))


def _lattice_from_peaks(Ga: np.ndarray, Gb: np.ndarray) -> tuple[float, float]:
    Gm = np.array([Ga, Gb])
    F = np.linalg.solve(Gm, _REF_RECIP)  # Gm F = ref  =>  a_i = F a0_i
    omega = polar_angle_deg(F) % 60.0
    # lattice constant: |G| = 4 pi / (sqrt(3) a)
    gmean = (np.linalg.norm(Ga) + np.linalg.norm(Gb) + np.linalg.norm(Gb - Ga)) / 3
    return omega, 4 * math.pi / (math.sqrt(3) * gmean)


def sf_orientation(xy: np.ndarray, cell: np.ndarray, a: float = 3.16, window: float = 0.25,
                   refine: bool | str = "auto",
                   refine_mask: np.ndarray | None = None) -> SFOrientation:
    """Orientation of one layer (module docstring).

    Parameters
    ----------
    xy:
        ``(N, 2)`` in-plane Mo positions of the layer, Angstrom.
    cell:
        ``3 x 3`` or ``2 x 2`` LAMMPS box rows, Angstrom.
    a:
        Expected lattice constant, Angstrom (sets ``G0``).
    window:
        Relative half-width of the ``|G|`` annulus searched.
    refine:
        ``"auto"`` (default), True (always use the refined peaks) or False.
    refine_mask:
        ``(N,)`` bool: the atoms that locate off-grid peaks (the analyzer passes
        ``|psi6| > 0.7``, so that an amorphous remainder does not pull a grain's peak);
        default all.  Intensities and the decision always use all atoms.
    """
    xy = np.asarray(xy, dtype=np.float64)[:, :2]
    cell2 = np.asarray(cell, dtype=np.float64)[:2, :2]
    g0 = 4 * math.pi / (math.sqrt(3) * a)
    hk_half, G_half, s_half = _annulus_sf(xy, cell2, g0, window)
    # s(G) = s(-G): mirror the half annulus for the full one
    hk = np.concatenate([hk_half, -hk_half])
    G = np.concatenate([G_half, -G_half])
    s = np.concatenate([s_half, s_half])
    ia = int(np.argmax(s))
    ang = np.degrees(np.arctan2(G[:, 1], G[:, 0]))
    d = (ang - ang[ia] + 180.0) % 360.0 - 180.0
    sel = np.flatnonzero((d >= 40.0) & (d <= 80.0))
    if len(sel) == 0:
        sel = np.array([ia])
    ib = int(sel[np.argmax(s[sel])])
    Ga, Gb = G[ia], G[ib]
    hk_a, hk_b = hk[ia], hk[ib]
    peaks = np.array([Ga, Gb, Gb - Ga])
    peak_s = structure_factor(xy, peaks)
    commensurate = True
    B = 2 * np.pi * np.linalg.inv(cell2).T
    ratio = _neighbour_ratio(xy, peaks[:2], B) if refine else 0.0
    if refine is True or (refine and ratio > REFINE_MIN_RATIO):
        xy_ref = xy if refine_mask is None or np.sum(refine_mask) < 3 else xy[refine_mask]
        ra, rb = _refine_peaks(xy_ref, peaks[:2], 0.5 * min(np.linalg.norm(B, axis=1)))
        rpeaks = np.array([ra, rb, rb - ra])
        rs = structure_factor(xy, rpeaks)
        if refine is True or rs.mean() > REFINE_GAIN * peak_s.mean() or ratio > NEIGHBOUR_RATIO:
            peaks, peak_s, commensurate = rpeaks, rs, False
    omega, a_fit = _lattice_from_peaks(peaks[0], peaks[1])
    peak_sn = float(peak_s.mean())
    n = len(xy)
    crystalline = bool(n >= 3 and peak_sn >= max(PEAK_SN_THRESHOLD, PEAK_SN_NOISE / n)
                       and peak_s[2] >= 0.5 * peak_sn)
    M = nsites = None
    hk_out = None
    if commensurate:
        hk_out = np.array([hk_a, hk_b])
        # Gm = H B with H = hk_out;  layer rows A = 2 pi inv(Gm).T;  box = M A  =>  M = H.T
        M = hk_out.T.astype(np.int64)
        nsites = int(abs(round(np.linalg.det(M))))
    return SFOrientation(omega, peak_sn, crystalline, peaks, peak_s, hk_out, M, nsites,
                         commensurate, a_fit)
