"""Split a bilayer into layers from the z coordinates of its metal (Mo) atoms.

Method (no median split): a Gaussian kernel density of the Mo z values (bandwidth
``bandwidth``, Angstrom) is evaluated on a 0.05 A grid; its local maxima holding at least
``min_population`` Mo atoms (within ``max_offset`` of the maximum) are layer candidates, and
the two most populated candidates at least ``min_separation`` apart are the two layers,
ordered by z.  The boundary between them is the density minimum between the two maxima, so
an uneven number of atoms per layer, debris between the layers or adatoms cannot move it.

Each Mo atom is then assigned to the layer on its side of the boundary if it lies within
``max(max_offset, 3 sigma)`` of that layer's Mo plane (``sigma`` = 1.4826 x the median
absolute deviation of the layer's Mo z: a melted layer is thicker) (the median z of the Mo atoms on that side near
the density maximum, iterated: within ``2 max_offset``, then twice within ``max_offset``,
so that the broad density of a melted layer still gives its middle); any other atom (S, ...) is assigned to the nearest
layer plane if it lies within ``s_height + s_tolerance`` of it.  Everything else is unassigned
(label ``-1``): debris, adatoms, atoms that left the layers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["LayerSplit", "split_layers"]


@dataclass
class LayerSplit:
    """Result of :func:`split_layers`.

    Attributes
    ----------
    labels:
        ``(N,)`` int: 0 bottom, 1 top, -1 unassigned.
    z_planes:
        Mo plane z of each layer found (Angstrom), bottom first; length 0, 1 or 2.
    boundary:
        z of the density minimum between the layers (Angstrom), or None with fewer than 2.
    """

    labels: np.ndarray
    z_planes: list[float]
    boundary: float | None

    @property
    def n_layers(self) -> int:
        return len(self.z_planes)

    @property
    def n_unassigned(self) -> int:
        return int(np.sum(self.labels < 0))


def split_layers(z: np.ndarray, is_metal: np.ndarray, bandwidth: float = 0.3,
                 min_separation: float = 3.0, max_offset: float = 1.6, s_height: float = 1.56,
                 s_tolerance: float = 1.0, min_population: int | None = None) -> LayerSplit:
    """Assign atoms to layers.

    Parameters
    ----------
    z:
        ``(N,)`` z coordinates, Angstrom.
    is_metal:
        ``(N,)`` bool, True for the atoms that define the layers (Mo).
    min_population:
        Minimum number of Mo atoms for a layer; default ``max(3, 10 %`` of the Mo atoms``)``.
    """
    z = np.asarray(z, dtype=np.float64)
    is_metal = np.asarray(is_metal, dtype=bool)
    labels = np.full(len(z), -1, dtype=np.int64)
    zm = z[is_metal]
    if len(zm) == 0:
        return LayerSplit(labels, [], None)
    if min_population is None:
        min_population = max(3, int(0.1 * len(zm)))
    grid = np.arange(zm.min() - 3 * bandwidth, zm.max() + 3 * bandwidth + 0.05, 0.05)
    # binned KDE: histogram on the grid, then Gaussian smoothing (O(grid) not O(N grid))
    counts = np.bincount(np.clip(np.round((zm - grid[0]) / 0.05).astype(int), 0, len(grid) - 1),
                         minlength=len(grid)).astype(float)
    half = int(np.ceil(4 * bandwidth / 0.05))
    kern = np.exp(-0.5 * (np.arange(-half, half + 1) * 0.05 / bandwidth) ** 2)
    dens = np.convolve(counts, kern, mode="same") if len(grid) >= len(kern) else \
        np.array([np.sum(counts * np.exp(-0.5 * ((grid - g) / bandwidth) ** 2)) for g in grid])
    inner = (dens[1:-1] >= dens[:-2]) & (dens[1:-1] > dens[2:])
    peaks = np.flatnonzero(inner) + 1
    if len(dens) > 1:
        if dens[0] > dens[1]:
            peaks = np.concatenate([[0], peaks])
        if dens[-1] > dens[-2]:
            peaks = np.concatenate([peaks, [len(dens) - 1]])
    else:
        peaks = np.array([0])
    pops = np.sum(np.abs(zm[None, :] - grid[peaks][:, None]) <= max_offset, axis=1)
    order = np.argsort(-pops, kind="stable")
    chosen: list[int] = []
    for o in order:
        if pops[o] < min_population:
            break
        if all(abs(grid[peaks[o]] - grid[peaks[c]]) >= min_separation for c in chosen):
            chosen.append(o)
        if len(chosen) == 2:
            break
    centers = sorted(float(grid[peaks[c]]) for c in chosen)
    if not centers:
        return LayerSplit(labels, [], None)
    if len(centers) == 2:
        lo, hi = np.searchsorted(grid, centers[0]), np.searchsorted(grid, centers[1])
        boundary = float(grid[lo + int(np.argmin(dens[lo:hi + 1]))])
    else:
        boundary = None
    planes: list[float] = []
    widths: list[float] = []
    for k, c in enumerate(centers):
        side = (zm < boundary) if (boundary is not None and k == 0) else \
            (zm >= boundary) if boundary is not None else np.ones(len(zm), bool)
        for width in (2 * max_offset, max_offset, max_offset):
            near = side & (np.abs(zm - c) <= width)
            c = float(np.median(zm[near]))
        planes.append(c)
        mad = float(np.median(np.abs(zm[near] - c)))
        widths.append(max(max_offset, 3.0 * 1.4826 * mad))
    zp = np.array(planes)
    metal_idx = np.flatnonzero(is_metal)
    if boundary is None:
        side_label = np.zeros(len(zm), dtype=np.int64)
    else:
        side_label = (zm >= boundary).astype(np.int64)
    ok = np.abs(zm - zp[side_label]) <= np.asarray(widths)[side_label]
    labels[metal_idx[ok]] = side_label[ok]
    other = np.flatnonzero(~is_metal)
    if len(other):
        dz = np.abs(z[other, None] - zp[None, :])
        nearest = np.argmin(dz, axis=1)
        ok = dz[np.arange(len(other)), nearest] <= s_height + s_tolerance
        labels[other[ok]] = nearest[ok]
    return LayerSplit(labels, planes, boundary)
