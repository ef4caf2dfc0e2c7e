"""Pictures of bilayer structures: a top view and the simulated electron-diffraction pattern.

:func:`plot_structure` draws the Mo atoms of both layers seen along the normal, each atom
coloured by its local orientation (the phase of its bond-orientational order ``psi6`` divided
by 6, degrees modulo 60) with one marker per layer and faded where ``|psi6|`` is low
(amorphous), so the layers, the grains and the moire of their overlay are visible.

:func:`plot_diffraction` draws the kinematic electron-diffraction pattern along the normal,
``I(k) = |sum_j f_j w_j exp(-i k . r_j)|^2`` on a continuous ``(kx, ky)`` grid (1/Angstrom),
for every atom of the box tiled ``tiles x tiles`` times (default: at least 3 and about 120 A
across) under a Gaussian window ``w_j`` (a finite coherence length instead of sinc side lobes:
spot width about ``5 / extent``); ``f_j``
is the atomic number (a rough scattering weight: Mo 42, S 16).  The amplitudes on the grid are
one matrix product, ``A = E_x W E_y^T`` with ``E_x[a, j] = exp(-i kx_a x_j)``.  The expected
first-order Bragg spots of each layer (``|G| = 4 pi / (sqrt(3) a)``, at the structure-factor
orientation + 30 + 60 n degrees, see :mod:`vdwgym.analysis.structure_factor`) are circled, one
colour per layer, and the measured twist is written on the pattern.

Both functions take and return a matplotlib ``Axes`` (``ax=None``: a new figure) and never
select a backend; :func:`write_structure_pictures` renders ``structure.png`` and
``diffraction.png`` beside a ``final.dump`` with matplotlib's object API (no pyplot).
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

import numpy as np

from vdwgym.analysis.bond_order import psi6
from vdwgym.analysis.layers import split_layers
from vdwgym.analysis.twist import TwistAnalyzer, resolve_elements
from vdwgym.errors import ValidationError

__all__ = ["PICTURE_NAMES", "diffraction_pattern", "plot_diffraction", "plot_structure",
           "try_write_structure_pictures", "write_frame_pictures", "write_structure_pictures"]

log = logging.getLogger(__name__)

PICTURE_NAMES = ("structure.png", "diffraction.png")
ATOMIC_NUMBER = {"Mo": 42.0, "S": 16.0, "W": 74.0, "Se": 34.0, "Te": 52.0}
LAYER_STYLE = ({"marker": "o", "label": "bottom", "colour": "tab:cyan"},
               {"marker": "^", "label": "top", "colour": "tab:orange"})


def _new_axes(ax, figsize=(5.6, 5.0)):
    if ax is not None:
        return ax
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, dpi=120, constrained_layout=True).subplots()


def _elements(types, type_names, elements) -> np.ndarray:
    return resolve_elements(None if types is None else np.asarray(types), type_names, elements)


def plot_structure(positions: np.ndarray, types: np.ndarray | None, cell: np.ndarray, *,
                   ax=None, type_names: dict[int, str] | None = None,
                   elements: np.ndarray | None = None, metal: str = "Mo", title: str | None = None,
                   tiles: int | None = None):
    """Top view of a bilayer (module docstring).

    ``positions``: ``(N, 3)`` Angstrom; ``types``: ``(N,)`` (1 = Mo, 2 = S by default) or
    ``elements``; ``cell``: LAMMPS box rows (drawn); ``tiles``: periodic images drawn along
    each box vector (default: enough for about 40 A, so that a moire shows).  Returns the Axes."""
    ax = _new_axes(ax)
    pos = np.asarray(positions, dtype=np.float64)
    cell = np.asarray(cell, dtype=np.float64)
    is_metal = _elements(types, type_names, elements) == metal
    split = split_layers(pos[:, 2], is_metal)
    reps = tiles if tiles is not None else max(1, math.ceil(40.0 / math.sqrt(abs(np.linalg.det(cell[:2, :2])))))
    mappable = None
    for k in range(split.n_layers):
        sel = (split.labels == k) & is_metal
        xy = pos[sel, :2]
        p6 = psi6(xy, cell)
        orient = np.degrees(np.angle(p6)) / 6.0 % 60.0
        style = LAYER_STYLE[min(k, 1)]
        alpha = np.clip(np.abs(p6), 0.15, 1.0)
        shifts = np.array([i * cell[0, :2] + j * cell[1, :2] for i in range(reps) for j in range(reps)])
        xy = (xy[None] + shifts[:, None]).reshape(-1, 2)
        orient, alpha = np.tile(orient, reps * reps), np.tile(alpha, reps * reps)
        mappable = ax.scatter(xy[:, 0], xy[:, 1], c=orient, cmap="hsv", vmin=0.0, vmax=60.0,
                              s=34 if k == 0 else 22, marker=style["marker"], alpha=alpha,
                              linewidths=0, label=f"{style['label']} layer {metal}")
    corners = np.array([[0, 0], cell[0, :2], cell[0, :2] + cell[1, :2], cell[1, :2], [0, 0]])
    ax.plot(corners[:, 0], corners[:, 1], color="0.3", lw=0.8)
    if mappable is not None:
        ax.figure.colorbar(mappable, ax=ax, label="local orientation arg(psi6)/6 (deg)", shrink=0.8)
        ax.legend(loc="upper left", fontsize=7, markerscale=1.2, framealpha=0.8)
    ax.set_aspect("equal")
    ax.set_xlabel("x (A)")
    ax.set_ylabel("y (A)")
    ax.set_title(title or f"top view: {split.n_layers} layer(s), {int(is_metal.sum())} {metal}")
    return ax


def diffraction_pattern(positions: np.ndarray, types: np.ndarray | None, cell: np.ndarray, *,
                        kmax: float = 3.2, n: int = 321, tiles: int | None = None,
                        type_names: dict[int, str] | None = None,
                        elements: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Kinematic diffraction intensity along the normal (module docstring).

    Returns ``(k, I)``: the grid ``k`` ``(n,)`` in 1/Angstrom (the same for kx and ky) and
    ``I`` ``(n, n)`` indexed ``[ky, kx]``, normalized to 1 at its largest value outside the
    central beam (``|k| < 0.5`` 1/A)."""
    if not (isinstance(n, int) and n >= 8):
        raise ValidationError("n", "an integer >= 8", n)
    cell2 = np.asarray(cell, dtype=np.float64)[:2, :2]
    if tiles is None:
        tiles = min(max(3, math.ceil(120.0 / math.sqrt(abs(np.linalg.det(cell2))))), 12)
    if not (isinstance(tiles, int) and tiles >= 1):
        raise ValidationError("tiles", "an integer >= 1", tiles)
    if not kmax > 0:
        raise ValidationError("kmax", "> 0 1/A", kmax)
    pos = np.asarray(positions, dtype=np.float64)[:, :2]
    names = _elements(types, type_names, elements)
    f = np.array([ATOMIC_NUMBER.get(str(e), 10.0) for e in names])
    shifts = np.array([i * cell2[0] + j * cell2[1] for i in range(tiles) for j in range(tiles)])
    xy = (pos[None, :, :] + shifts[:, None, :]).reshape(-1, 2)
    fw = np.tile(f, len(shifts))
    centre = xy.mean(axis=0)
    extent = math.sqrt(abs(np.linalg.det(cell2))) * tiles
    fw = fw * np.exp(-np.sum((xy - centre) ** 2, axis=1) / (2 * (extent / 5.0) ** 2))
    xy = xy - centre
    k = np.linspace(-kmax, kmax, n)
    ex = np.exp(-1j * np.outer(k, xy[:, 0]))
    ey = np.exp(-1j * np.outer(k, xy[:, 1]))
    amp = (ey * fw) @ ex.T                      # [ky, kx]
    inten = amp.real ** 2 + amp.imag ** 2
    kx, ky = np.meshgrid(k, k)
    outside = np.hypot(kx, ky) >= 0.5
    peak = inten[outside].max() if outside.any() else inten.max()
    return k, inten / max(peak, 1e-300)


def plot_diffraction(positions: np.ndarray, types: np.ndarray | None, cell: np.ndarray, *,
                     ax=None, a: float = 3.16, kmax: float = 3.2, n: int = 321,
                     tiles: int | None = None,
                     type_names: dict[int, str] | None = None, elements: np.ndarray | None = None,
                     analysis: Any = None, title: str | None = None):
    """The diffraction pattern with each layer's first-order Bragg spots circled and the
    measured twist written (module docstring).  ``analysis``: a
    :class:`~vdwgym.analysis.twist.FrameAnalysis` (computed with method ``sf`` when None).
    The image (``ax.images[0]``) holds ``log10`` of the normalized intensity on the grid,
    clipped at ``1e-4``, with ``extent`` in 1/Angstrom.  Returns the Axes."""
    ax = _new_axes(ax)
    k, inten = diffraction_pattern(positions, types, cell, kmax=kmax, n=n, tiles=tiles,
                                   type_names=type_names, elements=elements)
    if analysis is None:
        analysis = TwistAnalyzer(method="sf", a=a, type_names=type_names).compute(
            np.asarray(positions), types, np.asarray(cell), elements).result
    half = (k[1] - k[0]) / 2
    img = ax.imshow(np.log10(np.clip(inten, 1e-4, None)), origin="lower", cmap="magma",
                    extent=(k[0] - half, k[-1] + half, k[0] - half, k[-1] + half),
                    vmin=-4, vmax=0, interpolation="nearest")
    ax.figure.colorbar(img, ax=ax, label="log10 intensity (normalized)", shrink=0.8)
    for layer in analysis.layers:
        omega = layer.sf_orientation_deg
        if omega is None:
            continue
        g0 = 4 * math.pi / (math.sqrt(3) * (layer.lattice_constant or a))
        ang = np.radians(omega + 30.0 + 60.0 * np.arange(6))
        style = LAYER_STYLE[min(layer.index, 1)]
        ax.scatter(g0 * np.cos(ang), g0 * np.sin(ang), s=160, facecolors="none",
                   edgecolors=style["colour"], linewidths=1.2,
                   label=f"{style['label']} layer spots ({omega:.2f} deg"
                         + ("" if layer.crystalline else ", not crystalline") + ")")
    tw = analysis.twist_deg
    ax.text(0.02, 0.02, "twist: " + ("none (not both layers crystalline)" if tw is None
                                     else f"{tw:.2f} deg (measured, {analysis.method})"),
            transform=ax.transAxes, color="w", fontsize=8)
    if analysis.layers:
        ax.legend(loc="upper left", fontsize=7, framealpha=0.7)
    ax.set_xlabel("kx (1/A)")
    ax.set_ylabel("ky (1/A)")
    ax.set_title(title or "electron diffraction along the normal (kinematic)")
    return ax


def write_frame_pictures(frame, directory: str | Path, names: tuple[str, str] = PICTURE_NAMES, *,
                         a: float = 3.16, analysis: Any = None) -> list[Path]:
    """Render the top view and the diffraction pattern of one
    :class:`~vdwgym.structures.Structure` as PNG files ``directory / names``."""
    from matplotlib.figure import Figure

    tn = frame.type_names
    if analysis is None:
        analysis = TwistAnalyzer(method="sf", a=a, type_names=tn).compute(
            frame.positions, frame.types, frame.cell, frame.symbols).result
    out = []
    for name, draw in zip(names, (plot_structure, plot_diffraction), strict=True):
        fig = Figure(figsize=(5.6, 5.0), dpi=120, constrained_layout=True)
        kw = {"analysis": analysis, "a": a} if draw is plot_diffraction else {}
        draw(frame.positions, frame.types, frame.cell, ax=fig.subplots(), type_names=tn,
             elements=frame.symbols, **kw)
        target = Path(directory) / name
        fig.savefig(target)
        out.append(target)
    return out


def write_structure_pictures(run_dir_or_dump: str | Path, *, a: float = 3.16) -> list[Path]:
    """Write ``structure.png`` and ``diffraction.png`` of the last frame of ``final.dump``
    (a run directory holding one, or the dump itself) beside the dump; returns their paths."""
    from vdwgym.analysis.readers import read_frames

    path = Path(run_dir_or_dump)
    dump = path / "final.dump" if path.is_dir() else path
    return write_frame_pictures(read_frames(dump)[-1], dump.parent, a=a)


def try_write_structure_pictures(run_dir_or_dump: str | Path, *, a: float = 3.16) -> list[Path]:
    """:func:`write_structure_pictures`, logging any failure instead of raising (the MD task
    calls it after a run: a picture must never fail an evaluation).  Returns what was written."""
    try:
        return write_structure_pictures(run_dir_or_dump, a=a)
    except Exception as exc:  # noqa: BLE001 - pictures are a by-product; the run's result stands
        log.warning("no structure pictures for %s: %s: %s", run_dir_or_dump, type(exc).__name__, exc)
        return []
