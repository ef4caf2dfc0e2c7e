"""experiments/md_dataset_summary.py on a small dataset whose counts are known."""

import subprocess
import sys
from pathlib import Path

from vdwgym.datasets import write_dataset
from vdwgym.space import PAPER_SPACE

ROOT = Path(__file__).resolve().parents[2]

#: (T K, lattice strain, twist deg or None): the strain table keeps T < 2600 K only.
ROWS = [(1500, 0.0, 12.0), (2000, 0.0, None), (2500, 0.001, 1.5),
        (1800, 0.01, 5.8), (2200, 0.02, 0.3), (2400, 0.02, 22.0),
        (2300, 0.04, 9.0), (2700, 0.0, 1.0), (3100, 0.04, None)]


def _table(out: str, header: str) -> list[list[str]]:
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in line.strip("|").split("|")])
    return rows


def test_band_tables_count_crystalline_aligned_and_twisted(tmp_path):
    recs = [{"idx": i, "key": f"e{i:06d}", "seed": i,
             "recipe": dict(zip(PAPER_SPACE.names, (float(t), s, 0.056), strict=True)),
             "twist_deg": twist, "crystalline": twist is not None}
            for i, (t, s, twist) in enumerate(ROWS)]
    path = write_dataset(tmp_path / "toy-v1", {"name": "toy-v1", "budget": 12}, recs)
    png = tmp_path / "twists.png"
    out = subprocess.run([sys.executable, str(ROOT / "experiments" / "md_dataset_summary.py"),
                          "--dataset", str(path), "--plot", str(png)],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    assert out.startswith("toy-v1: 9 evaluations of 12 planned, 9 finished, 7 crystalline")
    by_t = _table(out, "| anneal T (K)")
    assert [r[1:3] for r in by_t] == [["2", "2"], ["5", "4"], ["2", "1"]]
    by_strain = _table(out, "| lattice strain (%)")
    # evaluations, crystalline, aligned (<= 2 deg), twisted; the 2700 K aligned run is left out
    assert [r[1:5] for r in by_strain] == [["3", "2", "1", "1"], ["3", "3", "1", "2"],
                                           ["1", "1", "0", "1"]]
    assert by_strain[1][5] == "0.3, 5.8, 22.0"
    assert png.stat().st_size > 10_000
