"""Disorder generators for test structures: thermal noise, vacancies, an amorphous patch, a
melted layer, debris.  Each takes a :class:`~vdwgym.structures.Structure` and an explicit
``numpy.random.Generator`` and returns a new structure; atoms that belong to no layer
(debris, adatoms, the replaced atoms of a patch) carry layer label ``-1``.

Units: Angstrom.  Used by the analysis tests and benchmarks/bench_analysis.py.
"""

from __future__ import annotations

import math

import numpy as np

from vdwgym.errors import ValidationError
from vdwgym.geometry import minimum_image
from vdwgym.structures import Structure

__all__ = ["add_amorphous_patch", "add_debris", "add_noise", "add_vacancies", "amorphize_layer"]


def _generator(rng: np.random.Generator) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise ValidationError("rng", "a numpy.random.Generator", type(rng).__name__)
    return rng


def add_noise(structure: Structure, sigma: float, rng: np.random.Generator,
              in_plane_only: bool = False) -> Structure:
    """Copy with Gaussian displacements of standard deviation ``sigma`` (Angstrom) per
    Cartesian component (z too unless ``in_plane_only``)."""
    rng = _generator(rng)
    if not (math.isfinite(sigma) and sigma >= 0):
        raise ValidationError("sigma", "a finite number >= 0 (Angstrom)", sigma)
    out = structure.copy()
    d = rng.normal(0.0, sigma, size=out.positions.shape)
    if in_plane_only:
        d[:, 2] = 0.0
    out.positions = out.positions + d
    return out


def add_vacancies(structure: Structure, fraction: float, rng: np.random.Generator,
                  layers: tuple[int, ...] | None = None,
                  types: tuple[int, ...] | None = None) -> Structure:
    """Copy with ``round(fraction * M)`` atoms removed at random among the ``M`` atoms of the
    selected layers and types (all when ``None``)."""
    rng = _generator(rng)
    if not (0.0 <= fraction <= 1.0):
        raise ValidationError("fraction", "[0, 1]", fraction)
    sel = np.ones(len(structure), dtype=bool)
    if layers is not None:
        sel &= np.isin(structure.layer, layers)
    if types is not None:
        sel &= np.isin(structure.types, types)
    cand = np.flatnonzero(sel)
    k = int(round(fraction * len(cand)))
    drop = rng.choice(cand, size=k, replace=False)
    keep = np.ones(len(structure), dtype=bool)
    keep[drop] = False
    return structure.subset(keep)


def _layer_slab(structure: Structure, layer: int) -> tuple[float, float]:
    z = structure.positions[structure.layer == layer, 2]
    if len(z) == 0:
        raise ValidationError("layer", "a layer label present in the structure", layer)
    return float(z.min()), float(z.max())


def add_amorphous_patch(structure: Structure, rng: np.random.Generator, radius: float = 8.0,
                        center: tuple[float, float] | None = None, layer: int = 1) -> Structure:
    """Copy in which the atoms of ``layer`` within in-plane distance ``radius`` (Angstrom,
    minimum image) of ``center`` (Cartesian x, y; random when ``None``) are replaced by the
    same number of atoms at uniformly random positions in that disk and in the layer's
    z range.  Replaced atoms get layer label ``-1``."""
    rng = _generator(rng)
    if not (math.isfinite(radius) and radius > 0):
        raise ValidationError("radius", "a finite number > 0 (Angstrom)", radius)
    out = structure.wrapped()
    cell2 = out.cell[:2, :2]
    if center is None:
        center = tuple(rng.random(2) @ cell2)
    dist = np.linalg.norm(minimum_image(out.positions[:, :2] - np.asarray(center), cell2), axis=1)
    hit = (out.layer == layer) & (dist < radius)
    k = int(hit.sum())
    zlo, zhi = _layer_slab(out, layer)
    r = radius * np.sqrt(rng.random(k))
    ang = 2 * math.pi * rng.random(k)
    new = np.column_stack([center[0] + r * np.cos(ang), center[1] + r * np.sin(ang),
                           rng.uniform(zlo, zhi, k)])
    out.positions[hit] = new
    out.layer[hit] = -1
    return out.wrapped()


def amorphize_layer(structure: Structure, rng: np.random.Generator, layer: int = 1,
                    min_distance: float = 1.8) -> Structure:
    """Copy in which every atom of ``layer`` sits at a random position, uniform in-plane and
    in the layer's z range, keeping at least ``min_distance`` (Angstrom, minimum image in
    plane) between the new atoms where random sequential placement manages it (up to 200
    tries per atom).  The layer keeps its label: it is the same layer, melted."""
    rng = _generator(rng)
    out = structure.copy()
    idx = np.flatnonzero(out.layer == layer)
    zlo, zhi = _layer_slab(out, layer)
    cell2 = out.cell[:2, :2]
    placed = np.empty((0, 3))
    for i in idx:
        for _ in range(200):
            p = np.concatenate([rng.random(2) @ cell2, [rng.uniform(zlo, zhi)]])
            if len(placed) == 0:
                break
            d = placed - p
            dxy = minimum_image(d[:, :2], cell2)
            if np.min(np.hypot(np.hypot(dxy[:, 0], dxy[:, 1]), d[:, 2])) >= min_distance:
                break
        placed = np.vstack([placed, p])
        out.positions[i] = p
    return out


def add_debris(structure: Structure, count: int, rng: np.random.Generator,
               z_range: tuple[float, float] | None = None,
               types: tuple[int, ...] = (1, 2)) -> Structure:
    """Copy with ``count`` extra atoms (layer label ``-1``) at uniformly random in-plane
    positions and z in ``z_range`` (Angstrom; default: between the two layers' Mo planes),
    types drawn uniformly from ``types``."""
    rng = _generator(rng)
    if count < 0:
        raise ValidationError("count", ">= 0", count)
    if z_range is None:
        z0 = structure.positions[(structure.layer == 0) & (structure.types == 1), 2].mean()
        z1 = structure.positions[(structure.layer == 1) & (structure.types == 1), 2].mean()
        z_range = (float(z0), float(z1))
    xy = rng.random((count, 2)) @ structure.cell[:2, :2]
    z = rng.uniform(z_range[0], z_range[1], count)
    out = structure.copy()
    out.positions = np.vstack([out.positions, np.column_stack([xy, z])])
    out.types = np.concatenate([out.types, rng.choice(np.asarray(types), size=count)])
    out.layer = np.concatenate([out.layer, np.full(count, -1)])
    return out
