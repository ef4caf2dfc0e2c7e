"""Markdown summary of an MD dataset: every evaluation, and the repeated recipes grouped.

    python experiments/md_dataset_summary.py [--dataset reaxff-ws-v1] [--plot PNG]

The tables of docs/md.md ("The science check with ReaxFF" and "The MD dataset") are this
script's output.  Twists, crystallinity and stacking are those of the final structures as
re-analysed at export; "top S/N" and "top |<psi6>|" the top layer's structure-factor
crystallinity and global orientational order; "first crystalline" the first on-the-fly
frame after the recipe at which both layers passed the gate (ps from the recipe).  The last
two tables count crystalline layers by anneal temperature, then, below :data:`MELT_K` (where
the substrate stays crystalline), aligned and twisted bilayers by lattice strain: the paper's
"aligned without strain, twisted with strain" as counts.  ``--plot`` draws twist against
anneal temperature, coloured by lattice strain (docs/img/md-dataset-twists.png).
"""

from __future__ import annotations

import argparse

from vdwgym.analysis.stacking import STACKING_MAX_TWIST
from vdwgym.datasets import load_md

#: Anneal-temperature bands (K) of the last table: the paper's window in three.
BANDS = [(1300.0, 1900.0), (1900.0, 2600.0), (2600.0, 3200.0)]
#: Above this anneal temperature (K) the ReaxFF substrate melts on the workstation box
#: (docs/md.md); the strain table keeps the runs below it.
MELT_K = 2600.0
#: Lattice-strain bands (fraction) of the strain table: none, small, large.
STRAIN_BANDS = [(0.0, 0.005), (0.005, 0.025), (0.025, 0.05)]


def _in_band(x: float, bands: list[tuple[float, float]], i: int) -> bool:
    lo, hi = bands[i]
    return lo <= x < hi or (i == len(bands) - 1 and x == hi)


def _f(x, nd=2):
    return "-" if x is None else f"{x:.{nd}f}"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dataset", default="reaxff-ws-v1")
    p.add_argument("--plot", default=None, help="also draw twist against temperature to this PNG")
    args = p.parse_args()
    ds = load_md(args.dataset)
    finished = [r for r in ds.records if r.ok]
    n_cryst = sum(r.twist_deg is not None for r in finished)
    print(f"{ds.name}: {len(ds)} evaluations of {ds.meta.get('budget', '?')} planned, "
          f"{len(finished)} finished, {n_cryst} crystalline\n")
    print("| evaluation | T (K) | lattice strain | shear strain | seed | twist (deg) | stacking "
          "| top S/N | top \\|<psi6>\\| | top-layer a (A) | first crystalline (ps) | wall (min) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in ds.records:
        top = r.analysis["layers"][1] if r.analysis and len(r.analysis["layers"]) > 1 else {}
        first = next((h["time_ps"] for h in r.history
                      if h["stage"] in ("anneal", "quench") and h.get("crystalline")), None)
        rc = r.recipe
        wall = (r.timings or {}).get("total_s")
        wall = None if wall is None else wall / 60.0
        print(f"| {r.key} | {rc['temperature_K']:.0f} | {rc['lattice_strain']:.4f} | "
              f"{rc['shear_strain']:.4f} | {r.seed} | "
              f"{_f(r.twist_deg) if r.ok else r.status} | {r.stacking or '-'} | "
              f"{_f(top.get('peak_sn'))} | {_f(top.get('psi6_global'))} | "
              f"{_f(top.get('lattice_constant'), 3)} | {_f(first, 1)} | {_f(wall, 0)} |")
    print("\n| recipe (T K, lattice, shear) | evaluations | twists (deg) |")
    print("|---|---|---|")
    for key, rows in ds.by_recipe().items():
        if len(rows) < 2:
            continue
        twists = ", ".join(_f(r.twist_deg, 1) if r.twist_deg is not None else "amorphous"
                           for r in rows)
        print(f"| {key[0]:.0f}, {key[1]:.4f}, {key[2]:.4f} | {len(rows)} | {twists} |")
    print("\n| anneal T (K) | evaluations | crystalline | twists (deg) |")
    print("|---|---|---|---|")
    for i, (lo, hi) in enumerate(BANDS):
        rows = [r for r in finished if _in_band(r.recipe["temperature_K"], BANDS, i)]
        cryst = [r for r in rows if r.twist_deg is not None]
        twists = ", ".join(f"{t:.1f}" for t in sorted(r.twist_deg for r in cryst)) or "-"
        print(f"| {lo:.0f}-{hi:.0f} | {len(rows)} | {len(cryst)} | {twists} |")
    print(f"\n| lattice strain (%), T < {MELT_K:.0f} K | evaluations | crystalline | aligned "
          f"(<= {STACKING_MAX_TWIST:g} deg) | twisted | twists (deg) |")
    print("|---|---|---|---|---|---|")
    solid = [r for r in finished if r.recipe["temperature_K"] < MELT_K]
    for i, (lo, hi) in enumerate(STRAIN_BANDS):
        rows = [r for r in solid if _in_band(r.recipe["lattice_strain"], STRAIN_BANDS, i)]
        cryst = sorted(r.twist_deg for r in rows if r.twist_deg is not None)
        aligned = sum(t <= STACKING_MAX_TWIST for t in cryst)
        twists = ", ".join(f"{t:.1f}" for t in cryst) or "-"
        print(f"| {100 * lo:g}-{100 * hi:g} | {len(rows)} | {len(cryst)} | {aligned} | "
              f"{len(cryst) - aligned} | {twists} |")
    if args.plot:
        from vdwgym.plotting import draw_twist_vs_temperature

        ax = draw_twist_vs_temperature([r.recipe["temperature_K"] for r in finished],
                                       [r.twist_deg for r in finished],
                                       color=[100 * r.recipe["lattice_strain"] for r in finished],
                                       color_label="lattice strain (%)")
        ax.set_title(f"{ds.name}: {len(finished)} evaluations", fontsize=9)
        ax.figure.savefig(args.plot)


if __name__ == "__main__":
    main()
