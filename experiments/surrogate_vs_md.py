"""The commensurate surrogate tested against an MD dataset, calibrated by likelihood, and a
shadow campaign (the dataset's recipes and seeds replayed on the surrogates).

    python experiments/surrogate_vs_md.py --dataset reaxff-ws-v1 [--write-calibration]

Prints markdown (docs/md.md, "The surrogate against MD"): the plain surrogate at the
dataset's box size and geometry (held-out log-likelihood per observation, share of MD twists
within 1 deg of a state given at least 10 %), the calibrated one (K-fold, nested: every
fold's constants chosen on the other folds), the grid's best point, and the shadow campaign's
per-evaluation gap.  ``--write-calibration`` stores the calibrated constants as the dataset's
``calibration.json`` (with the grid's axes and its best :data:`GRID_KEPT` points), so
``make_backend("surrogate", calibration="reaxff-ws-v1")`` is the calibrated lab.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, field

import numpy as np

from vdwgym.datasets import load_md
from vdwgym.surrogate import CommensurateSurrogate, SurrogateConfig
from vdwgym.surrogate.calibration import (
    Observations,
    calibrate,
    coverage,
    log_likelihood,
    twist_law,
)

#: Grid points (best first) kept in calibration.json.
GRID_KEPT = 20


@dataclass(frozen=True)
class Config:
    dataset: str = "reaxff-ws-v1"
    folds: int = 5
    width_deg: float = 1.0
    grid: dict = field(default_factory=lambda: {
        "selection_temperature_scale": [1.0, 2.5, 5.0, 10.0, 20.0],
        "site_cost_eV": [0.02, 0.1, 0.5],
        "incommensurate_weight": [0.0, 0.25, 0.5, 0.75, 0.9],
        "substrate_melt_K": [None, 2500.0, 2600.0, 2700.0, 2800.0],
        "amorphous_probability_floor": [0.0, 0.1, 0.2, 0.3],
    })


def base_config(ds) -> SurrogateConfig:
    """The surrogate at the dataset's box size and geometry: box cells from the atom count,
    the layer's relaxed lattice constant, the box's measured lattice constant before the
    recipe."""
    nx = ds.meta["protocol"]["system"]["nx"]
    ny = ds.meta["protocol"]["system"]["ny"]
    boxes = [r.box_before_recipe for r in ds.records if r.box_before_recipe]
    box_a = float(np.mean([b[0][0] / nx for b in boxes])) if boxes else None
    n = nx * ny
    return SurrogateConfig(nx=nx, ny=ny, n_sites_min=int(0.75 * n), n_sites_max=int(1.3 * n),
                           a0_A=float(ds.meta["geometry"]["a"]), box_a_A=box_a,
                           shear_convention=ds.meta["protocol"]["shear_convention"])


def shadow(ds, model: CommensurateSurrogate) -> list[dict]:
    """Each MD evaluation beside the surrogate's answer for the same recipe and seed."""
    rows = [r for r in ds.records if r.ok]
    X = np.array([[r.recipe["temperature_K"], r.recipe["lattice_strain"],
                   r.recipe["shear_strain"]] for r in rows])
    res = model.evaluate(X, np.array([r.seed % 2**63 for r in rows], dtype=np.uint64))
    out = []
    for i, r in enumerate(rows):
        s = float(res.twist_deg[i]) if res.crystalline[i] else None
        gap = None if (s is None or r.twist_deg is None) else abs(s - r.twist_deg)
        out.append({"idx": r.idx, "recipe": dict(r.recipe), "md": r.twist_deg, "surrogate": s,
                    "gap_deg": gap})
    return out


def _fmt(x, nd=2):
    return "-" if x is None else f"{x:.{nd}f}"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dataset", default=Config.dataset)
    p.add_argument("--folds", type=int, default=Config.folds)
    p.add_argument("--write-calibration", action="store_true")
    args = p.parse_args()
    cfg = Config(dataset=args.dataset, folds=args.folds)
    ds = load_md(cfg.dataset)
    obs = Observations.from_dataset(ds)
    base = base_config(ds)
    plain = CommensurateSurrogate(base)
    ll0 = log_likelihood(plain, obs, cfg.width_deg)
    cal = calibrate(obs, base, cfg.grid, folds=cfg.folds, width_deg=cfg.width_deg)
    tuned = CommensurateSurrogate(cal.config)
    print(f"## {ds.name}: {len(obs)} finished evaluations, "
          f"{int(np.isfinite(obs.twist).sum())} crystalline\n")
    print("| model | log-likelihood per observation | twists within 1 deg of a state "
          "given >= 10 % |")
    print("|---|---|---|")
    print(f"| plain surrogate (8 x 8 box, a0 and box from the dataset) | {ll0.mean():.3f} | "
          f"{_fmt(coverage(plain, obs))} |")
    print(f"| calibrated ({cal.folds}-fold held-out) | {cal.heldout_ll:.3f} | "
          f"{_fmt(cal.heldout_coverage)} |")
    print(f"\nbest point on all data: {json.dumps(cal.best)}\n")
    ok = np.isfinite(obs.twist)
    for name, m in (("plain", plain), ("calibrated (all data)", tuned)):
        p_c = twist_law(m, obs.X)["p_crystalline"]
        p_obs = np.where(ok, p_c, 1.0 - p_c)
        print(f"crystallinity, {name}: mean probability of the observed outcome "
              f"{p_obs.mean():.2f} (crystalline {p_obs[ok].mean():.2f}, not crystalline "
              f"{p_obs[~ok].mean() if (~ok).any() else float('nan'):.2f})")
    print()
    rows = shadow(ds, tuned)
    print("| evaluation | recipe (T, lattice, shear) | MD twist | calibrated surrogate | gap |")
    print("|---|---|---|---|---|")
    for r in rows:
        rc = r["recipe"]
        print(f"| e{r['idx']:06d} | {rc['temperature_K']:.0f} K, {rc['lattice_strain']:.4f}, "
              f"{rc['shear_strain']:.4f} | {_fmt(r['md'])} | {_fmt(r['surrogate'])} | "
              f"{_fmt(r['gap_deg'])} |")
    gaps = [r["gap_deg"] for r in rows if r["gap_deg"] is not None]
    both = sum((r["md"] is None) == (r["surrogate"] is None) for r in rows)
    print(f"\nmedian gap {_fmt(float(np.median(gaps)) if gaps else None)} deg over "
          f"{len(gaps)} evaluations where both are crystalline; crystallinity agrees in "
          f"{both} of {len(rows)}")
    if args.write_calibration:
        path = ds.path / "calibration.json"
        record = {"dataset": ds.name, **cal.to_dict()}
        # The grid's axes and its best points; the whole grid is recomputed in seconds.
        record["grid"] = sorted(record["grid"], key=lambda g: -g["mean_ll"])[:GRID_KEPT]
        record.update(grid_axes=cfg.grid, grid_points=len(cal.grid))
        path.write_text(json.dumps(record, indent=1))
        print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
