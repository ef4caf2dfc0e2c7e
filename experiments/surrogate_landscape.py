"""Landscape of the commensurate surrogate: a figure and the reachable-targets table.

    OMP_NUM_THREADS=1 python experiments/surrogate_landscape.py [--out docs/img/surrogate_landscape.png]

Top row: the lowest-energy (ground-state) twist over lattice strain x temperature without
shear, with the default engineering shear and with the "tilt" convention.  Bottom row: the
twists actually drawn (40 seeds per recipe) along lattice strain at 1500 K and 3000 K, and
the largest chance one evaluation has of landing on each target-like state, by temperature.  Prints a markdown table: for each twisted state of interest, the
share of the paper's space where it is the ground state and the largest probability a
single evaluation has of landing on it (and where).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from scipy import ndimage  # noqa: E402

from vdwgym.space import PAPER_SPACE  # noqa: E402
from vdwgym.surrogate import CommensurateSurrogate, SurrogateConfig  # noqa: E402

log = logging.getLogger("surrogate_landscape")

STATES = (8.21, 30.0, 13.55, 15.46, 16.10, 20.63, 25.29, 2.76, 10.91)
T_GRID = np.linspace(1300.0, 3200.0, 96)
EPS_GRID = np.linspace(0.0, 0.05, 201)


def _map_panel(ax, model, shear, title):
    land = model.landscape(T_GRID[:, None], EPS_GRID[None, :], shear)
    tw = land["lattice_twist_deg"]
    extent = (EPS_GRID[0] * 100, EPS_GRID[-1] * 100, T_GRID[0], T_GRID[-1])
    im = ax.imshow(tw, origin="lower", aspect="auto", extent=extent, cmap="turbo",
                   vmin=0, vmax=30, interpolation="nearest")
    codes = np.unique(np.round(tw, 2), return_inverse=True)[1].reshape(tw.shape)
    for value_code in np.unique(codes):
        regions, n = ndimage.label(codes == value_code)
        for r in range(1, n + 1):
            mask = regions == r
            if mask.sum() < 120:
                continue
            iy, ix = ndimage.center_of_mass(mask)
            label = f"{tw[mask][0]:.2f}°\nN={land['n_sites'][mask][0]}"
            ax.text(np.interp(ix, np.arange(len(EPS_GRID)), EPS_GRID * 100),
                    np.interp(iy, np.arange(len(T_GRID)), T_GRID), label, ha="center",
                    va="center", fontsize=7.5, color="white", weight="bold",
                    bbox={"boxstyle": "round,pad=0.15", "fc": "black", "alpha": 0.45, "lw": 0})
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("lattice strain (%)")
    ax.set_ylabel("temperature (K)")
    return im


def _draw_panel(ax, model, temperature, shear, seeds=40):
    eps = np.linspace(0.0, 0.05, 101)
    X = np.repeat(np.column_stack([np.full_like(eps, temperature), eps, np.full_like(eps, shear)]),
                  seeds, axis=0)
    r = model.evaluate(X, np.tile(np.arange(seeds), len(eps)))
    ok = r.crystalline
    ax.scatter(X[ok, 1] * 100, r.twist_deg[ok], s=9, alpha=0.2, color="C0", lw=0)
    ground = model.ground_state(X[::seeds])["lattice_twist_deg"]
    ax.plot(eps * 100, ground, color="k", lw=1.2, drawstyle="steps-mid", label="ground state")
    for t, c in ((8.5, "C3"), (15.0, "C2"), (25.0, "C1")):
        ax.axhline(t, color=c, ls="--", lw=0.8, label=f"target {t:g}°")
    ax.set_ylim(-0.5, 30.5)
    ax.set_xlabel("lattice strain (%)")
    ax.set_ylabel("drawn twist (deg)")
    ax.set_title(f"draws, {seeds} seeds/recipe: {temperature:.0f} K, shear {shear * 100:.2f} %",
                 fontsize=10)
    ax.legend(fontsize=7, loc="upper right")


def _reach_panel(ax, model, shear):
    T = np.linspace(1300.0, 3200.0, 39)
    eps = np.linspace(0.0, 0.05, 101)
    X = np.column_stack([np.repeat(T, len(eps)), np.tile(eps, len(T)), np.full(len(T) * len(eps), shear)])
    law = model.selection_probabilities(X)
    for state, c in ((8.21, "C3"), (13.55, "C2"), (15.46, "C4"), (16.10, "C5"), (25.29, "C1")):
        p = (law["probability"] * (np.abs(law["lattice_twist_deg"] - state) < 0.05)).sum(axis=1)
        ax.semilogy(T, p.reshape(len(T), len(eps)).max(axis=1), color=c, label=f"{state:.2f}°")
    ax.set_ylim(1e-4, 1.5)
    ax.set_xlabel("temperature (K)")
    ax.set_ylabel("max over lattice strain of P(state)")
    ax.set_title(f"one evaluation's chance of a state, shear {shear * 100:.2f} %", fontsize=10)
    ax.legend(fontsize=8, loc="lower right", title="state", title_fontsize=8)


def figure(model, tilt, out: Path) -> None:
    fig, axes = plt.subplots(2, 3, figsize=(15, 9.5), constrained_layout=True)
    im = _map_panel(axes[0, 0], model, 0.0, "ground state, no shear (physics.md table)")
    _map_panel(axes[0, 1], model, 0.05625, "ground state, engineering shear 5.625 % (default)")
    _map_panel(axes[0, 2], tilt, 0.05625, "ground state, 'tilt' convention, shear 5.625 %")
    _draw_panel(axes[1, 0], model, 1500.0, 0.05625)
    _draw_panel(axes[1, 1], model, 3000.0, 0.05625)
    _reach_panel(axes[1, 2], model, 0.055)
    fig.colorbar(im, ax=axes[0], label="twist (deg)", shrink=0.9)
    fig.suptitle("Commensurate surrogate, 12x12 box: twist plateaus over temperature and lattice strain"
                 " (shear 5.5-5.75 % is the paper's window)", fontsize=12)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)


def targets_table(model) -> str:
    T, e, s = np.meshgrid(np.linspace(1300, 3200, 20), np.linspace(0, 0.05, 101),
                          np.linspace(0.055, 0.0575, 6), indexing="ij")
    X = np.column_stack([T.ravel(), e.ravel(), s.ravel()])
    PAPER_SPACE.validate_array(X)
    ground = model.ground_state(X)["lattice_twist_deg"]
    law = model.selection_probabilities(X)
    rows = ["| state (deg) | ground state in % of the space | max P(one evaluation) | at (T K, lattice %, shear %) |",
            "|---|---|---|---|"]
    for state in STATES:
        share = 100 * np.mean(np.abs(ground - state) < 0.05)
        p = (law["probability"] * (np.abs(law["lattice_twist_deg"] - state) < 0.05)).sum(axis=1)
        i = int(np.argmax(p))
        rows.append(f"| {state:.2f} | {share:.1f} | {p[i]:.3f} | "
                    f"{X[i, 0]:.0f}, {X[i, 1] * 100:.2f}, {X[i, 2] * 100:.2f} |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/img/surrogate_landscape.png"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    model = CommensurateSurrogate()
    tilt = CommensurateSurrogate(SurrogateConfig(shear_convention="tilt"))
    figure(model, tilt, args.out)
    log.info("wrote %s", args.out)
    print("engineering shear (default):")
    print(targets_table(model))
    print("\ntilt convention:")
    print(targets_table(tilt))


if __name__ == "__main__":
    main()
