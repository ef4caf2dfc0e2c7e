"""The ReaxFF MD dataset campaign: an ordinary vdwgym campaign with the lammps backend.

    python experiments/md_dataset.py --ffield PATH/TO/ffield.MoS.ponomarev2022 \
        --out ../campaigns/reaxff-ws-v1            # start (runs for many hours)
    vdwgym campaign --out ../campaigns/reaxff-ws-v1 --resume   # continue after a stop
    python -m vdwgym.data.export ../campaigns/reaxff-ws-v1 data/md/reaxff-ws-v1   # ship it

The design (agent ``design``): the four recipes of the science check (docs/md.md), each on
three lab seeds, interleaved so that every round of four covers all of them; then
space-filling Sobol points over the paper's window (T 1300-3200 K, lattice strain 0-5 %,
engineering shear 5.5-5.75 %).  The campaign's space is the paper's widened to shear 0-5.75 %
so that the unsheared science-check recipes fit.  Protocol: the ``workstation`` preset
(8 x 8 bilayer, 1 fs, 3 ps at 5000 K, 5 ps NPT, 10 ps anneal, 25 ps quench), one shared
amorphous start, ``slots`` evaluations at a time on one core each.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from vdwgym.campaign import Campaign, CampaignConfig
from vdwgym.space import PAPER_SPACE, ParameterSpace

#: The science check's recipes: (T K, lattice strain, engineering shear strain).
SCIENCE_CHECK = [(2500.0, 0.0, 0.0), (2500.0, 0.015, 0.015), (2500.0, 0.01, 0.056),
                 (2000.0, 0.03, 0.056)]


@dataclass(frozen=True)
class DatasetConfig:
    ffield: str
    out: str
    budget: int = 48
    repeats: int = 3
    slots: int = 2
    seed: int = 2026
    design_seed: int = 11
    preset: str = "workstation"
    target_deg: float = 8.5
    space: ParameterSpace = field(default_factory=lambda: PAPER_SPACE.with_bounds(
        shear_strain=(0.0, 0.0575)))


def design(cfg: DatasetConfig) -> list[dict[str, float]]:
    """The recipes in order: ``repeats`` rounds of the science check, then Sobol points in
    the paper's window."""
    names = cfg.space.names
    rows = [dict(zip(names, r, strict=True)) for _ in range(cfg.repeats) for r in SCIENCE_CHECK]
    from scipy.stats import qmc

    n_sobol = max(cfg.budget - len(rows), 0)
    m = max(int(np.ceil(np.log2(max(n_sobol, 1)))), 0)
    unit = qmc.Sobol(PAPER_SPACE.d, scramble=True, seed=cfg.design_seed).random_base2(m)[:n_sobol]
    for x in PAPER_SPACE.from_unit(unit):
        rows.append({n: float(np.round(v, 6)) for n, v in zip(names, x, strict=True)})
    return rows


def campaign_config(cfg: DatasetConfig) -> CampaignConfig:
    out = Path(cfg.out).absolute()
    return CampaignConfig(
        target_deg=cfg.target_deg, budget=cfg.budget, batch=cfg.slots, n_init=0, mode="async",
        agent="design", agent_options={"recipes": design(cfg), "then": "stop"},
        backend="lammps",
        backend_options={"preset": cfg.preset, "potential": "reaxff",
                         "potential_options": {"ffield": str(Path(cfg.ffield).absolute())},
                         "root": str(out / "runs"), "engine": "local",
                         "engine_options": {"slots": cfg.slots}},
        seed=cfg.seed, tolerance_deg=0.5, stop_at_target=False, space=cfg.space.to_dict())


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ffield", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--budget", type=int, default=48)
    p.add_argument("--slots", type=int, default=2)
    args = p.parse_args()
    cfg = DatasetConfig(ffield=args.ffield, out=args.out, budget=args.budget, slots=args.slots)
    Path(cfg.out).mkdir(parents=True, exist_ok=True)
    result = Campaign(campaign_config(cfg), Path(cfg.out) / "campaign.sqlite").run()
    print(f"{len(result.evaluations)} evaluations; stopped: {result.stop_reason}")


if __name__ == "__main__":
    main()
