"""experiments/surrogate_vs_md.py end to end on a small dataset drawn from a known surrogate."""

import subprocess
import sys
from pathlib import Path

import numpy as np

from vdwgym.datasets import calibration, write_dataset
from vdwgym.space import PAPER_SPACE
from vdwgym.surrogate import CommensurateSurrogate, SurrogateConfig

ROOT = Path(__file__).resolve().parents[2]


def test_script_reports_calibrates_and_writes(tmp_path):
    rng = np.random.default_rng(0)
    n = 40
    X = np.column_stack([rng.uniform(1300, 3200, n), rng.uniform(0, 0.05, n),
                         rng.uniform(0.055, 0.0575, n)])
    seeds = rng.integers(0, 2**62, n)
    truth = SurrogateConfig(nx=8, ny=8, n_sites_min=48, n_sites_max=83, a0_A=3.207,
                            box_a_A=3.24, selection_temperature_scale=5.0)
    res = CommensurateSurrogate(truth).evaluate(X, seeds.astype(np.uint64))
    box = [[8 * 3.24, 0, 0], [4 * 3.24, 4 * 3.24 * 3**0.5, 0], [0, 0, 12]]
    recs = [{"idx": i, "key": f"e{i:06d}", "seed": int(seeds[i]), "box_before_recipe": box,
             "recipe": dict(zip(PAPER_SPACE.names, map(float, X[i]), strict=True)),
             "twist_deg": float(res.twist_deg[i]) if res.crystalline[i] else None,
             "crystalline": bool(res.crystalline[i])} for i in range(n)]
    path = write_dataset(tmp_path / "toy-v1", {
        "name": "toy-v1", "campaign": {"space": PAPER_SPACE.to_dict()},
        "protocol": {"system": {"nx": 8, "ny": 8}, "shear_convention": "engineering"},
        "geometry": {"a": 3.207}}, recs)
    out = subprocess.run([sys.executable, str(ROOT / "experiments" / "surrogate_vs_md.py"),
                          "--dataset", str(path), "--folds", "4", "--write-calibration"],
                         capture_output=True, text=True, timeout=300, check=True).stdout
    assert "| calibrated (4-fold held-out) |" in out
    assert sum(line.startswith("| e0000") for line in out.splitlines()) == n
    cal = calibration(path)
    assert cal["n"] == n and cal["config"]["nx"] == 8
    assert abs(cal["config"]["box_a_A"] - 3.24) < 1e-9
