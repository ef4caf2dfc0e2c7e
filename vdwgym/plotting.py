"""Plots of campaigns (matplotlib's object API: functions take and return Axes, ``ax=None``
draws on a new :class:`~matplotlib.figure.Figure`; no pyplot, no backend is selected;
matplotlib is imported only where a figure is drawn)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from vdwgym.errors import ValidationError
from vdwgym.lab import Evaluation
from vdwgym.space import ParameterSpace

__all__ = ["draw_recipes", "draw_regret", "draw_twist_vs_temperature", "plot_recipes", "plot_regret"]

#: Where :func:`draw_twist_vs_temperature` puts evaluations without a twist (deg, below 0).
NO_TWIST_Y = -3.0


def regret_trace(evaluations: Sequence[Evaluation], target_deg: float) -> np.ndarray:
    """Regret per evaluation in index order (NaN where no usable twist)."""
    out = []
    for e in sorted(evaluations, key=lambda e: e.idx):
        r = e.outcome.regret(target_deg) if e.outcome is not None else None
        out.append(np.nan if r is None else r)
    return np.array(out, dtype=np.float64)


def cumulative_min(x: np.ndarray) -> np.ndarray:
    """Running minimum ignoring NaN (NaN until the first finite value)."""
    filled = np.where(np.isfinite(x), x, np.inf)
    out = np.minimum.accumulate(filled)
    return np.where(np.isfinite(out), out, np.nan)


def draw_regret(evaluations: Sequence[Evaluation], target_deg: float, *, ax=None, title: str = "",
                tolerance_deg: float | None = None):
    """Regret per evaluation (dots, coloured by source) with its cumulative minimum (line),
    on a log scale, in the style of the paper's Figures 3a and 5a; takes and returns an Axes
    (``ax=None``: a new figure, no pyplot)."""
    if ax is None:
        from matplotlib.figure import Figure

        ax = Figure(figsize=(8.0, 3.8), dpi=120).subplots()
    reg = regret_trace(evaluations, target_deg)
    idx = np.arange(1, len(reg) + 1)
    src = np.array([e.source for e in sorted(evaluations, key=lambda e: e.idx)])
    floor = 1e-3
    for s, colour in (("init", "0.6"), ("agent", "tab:blue"), ("user", "tab:green")):
        m = (src == s) & np.isfinite(reg)
        if m.any():
            ax.scatter(idx[m], np.maximum(reg[m], floor), s=14, color=colour,
                       label="initial design" if s == "init" else s)
    failed = ~np.isfinite(reg)
    if failed.any():
        ax.scatter(idx[failed], np.full(failed.sum(), 30.0), marker="x", color="tab:red",
                   s=18, label="no twist (failed / amorphous)")
    if len(reg):
        ax.step(idx, np.maximum(cumulative_min(reg), floor), where="post", color="k", lw=1.5,
                label="cumulative minimum")
    if tolerance_deg:
        ax.axhline(tolerance_deg, ls="--", color="tab:green", lw=1, label=f"tolerance {tolerance_deg:g} deg")
    ax.set_yscale("log")
    ax.set_xlabel("evaluation")
    ax.set_ylabel("regret |twist - target| (deg)")
    ax.set_title(title or f"target {target_deg:g} deg")
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    return ax


def plot_regret(evaluations: Sequence[Evaluation], target_deg: float, path: str | Path,
                title: str = "", tolerance_deg: float | None = None) -> Path:
    """:func:`draw_regret` saved as a PNG file at ``path``."""
    ax = draw_regret(evaluations, target_deg, title=title, tolerance_deg=tolerance_deg)
    ax.figure.tight_layout()
    path = Path(path)
    ax.figure.savefig(path)
    return path


def draw_recipes(evaluations: Sequence[Evaluation], space: ParameterSpace, *, axes=None,
                 target_deg: float | None = None):
    """The sampled recipes in pairwise projections, coloured by measured twist (deg);
    evaluations without a twist are grey crosses; the best one is circled.  ``axes``: one
    Axes per pair of dimensions (``d (d - 1) / 2``, on one figure), or None for a new figure.
    Returns the Axes (a 1-D array)."""
    pairs = [(i, j) for i in range(space.d) for j in range(i + 1, space.d)]
    if axes is None:
        from matplotlib.figure import Figure

        fig = Figure(figsize=(3.6 * len(pairs) + 1.0, 3.4), dpi=110, constrained_layout=True)
        axes = fig.subplots(1, len(pairs), squeeze=False)[0]
    axes = np.asarray(axes, dtype=object).ravel()
    evs = [e for e in evaluations if e.outcome is not None]
    X = space.to_array([e.recipe for e in evs]) if evs else np.zeros((0, space.d))
    tw = np.array([e.outcome.twist_deg if e.outcome.ok else np.nan for e in evs], dtype=float)
    scale = [1.0 if d.unit == "K" else 100.0 for d in space.dimensions]
    labels = [f"{d.name.removesuffix('_K').replace('_', ' ')} ({'K' if d.unit == 'K' else '%'})"
              for d in space.dimensions]
    best = None
    if target_deg is not None and np.isfinite(tw).any():
        best = int(np.nanargmin(np.abs(tw - target_deg)))
    sc = None
    for ax, (i, j) in zip(axes, pairs, strict=True):
        ok = np.isfinite(tw)
        sc = ax.scatter(X[ok, i] * scale[i], X[ok, j] * scale[j], c=tw[ok], cmap="viridis",
                        vmin=0, vmax=30, s=16)
        ax.scatter(X[~ok, i] * scale[i], X[~ok, j] * scale[j], marker="x", color="0.5", s=16)
        if best is not None:
            ax.scatter([X[best, i] * scale[i]], [X[best, j] * scale[j]], s=120, facecolors="none",
                       edgecolors="tab:red", lw=1.5)
        ax.set_xlabel(labels[i])
        ax.set_ylabel(labels[j])
    if sc is not None:
        axes[0].figure.colorbar(sc, ax=axes.tolist(), label="twist (deg)")
    return axes


def plot_recipes(evaluations: Sequence[Evaluation], space: ParameterSpace, path: str | Path,
                 target_deg: float | None = None) -> Path:
    """:func:`draw_recipes` saved as a PNG file at ``path``."""
    axes = draw_recipes(evaluations, space, target_deg=target_deg)
    path = Path(path)
    axes[0].figure.savefig(path)
    return path


def draw_twist_vs_temperature(temperature_K, twist_deg, *, color=None, color_label: str = "",
                              ax=None):
    """Measured twist (deg, folded to [0, 30]) against anneal temperature (K), one dot per
    evaluation, coloured by ``color`` (for example the lattice strain in %) when given;
    evaluations without a twist (NaN or None: failed, or a layer that is not crystalline) are
    grey crosses on a strip below 0 deg at :data:`NO_TWIST_Y`.  Arrays of equal length ``n``.
    Returns the Axes."""
    T = np.asarray(temperature_K, dtype=float)
    tw = np.array([np.nan if t is None else t for t in twist_deg], dtype=float)
    if T.shape != tw.shape:
        raise ValidationError("twist_deg", f"{T.size} values, one per temperature", tw.size)
    if ax is None:
        from matplotlib.figure import Figure

        ax = Figure(figsize=(5.2, 3.6), dpi=110, constrained_layout=True).subplots()
    ok = np.isfinite(tw)
    if color is None:
        ax.scatter(T[ok], tw[ok], s=24, color="C0")
    else:
        c = np.asarray(color, dtype=float)
        sc = ax.scatter(T[ok], tw[ok], s=24, c=c[ok], cmap="viridis",
                        vmin=float(np.nanmin(c)), vmax=float(np.nanmax(c)))
        ax.figure.colorbar(sc, ax=ax, label=color_label)
    ax.scatter(T[~ok], np.full(int((~ok).sum()), NO_TWIST_Y), marker="x", color="0.45", s=24)
    ax.axhline(NO_TWIST_Y / 2, color="0.8", lw=0.8)
    ax.set_ylim(NO_TWIST_Y - 2.0, 31.0)
    ax.set_yticks([NO_TWIST_Y, 0, 5, 10, 15, 20, 25, 30], ["no twist", "0", "5", "10", "15", "20", "25", "30"])
    ax.set_xlabel("anneal temperature (K)")
    ax.set_ylabel("twist (deg)")
    return ax
