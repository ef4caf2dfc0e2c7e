"""Time per snapshot of the twist/order analysis, and its accuracy on test bilayers.

    OMP_NUM_THREADS=1 python benchmarks/bench_analysis.py            # timings
    OMP_NUM_THREADS=1 python benchmarks/bench_analysis.py --accuracy # accuracy table
    OMP_NUM_THREADS=1 python benchmarks/bench_analysis.py --against main  # this tree vs a rev

Timings: ``analyze_frame`` end to end (layer split, both layers' structure factor, psi6,
histogram, the pair order parameter, and the chain walk for ``chain``), median of repeats,
for an 864-atom (12 x 12) and a 10,086-atom (41 x 41) noisy MoS2 bilayer, plus the parts of
the primary method.  Ratios are measured in the same run.

Against: ``analyze_frame`` on the 864-atom (12 x 12) thermal bilayer (0.1 A noise), this
working tree against the previous implementation (the tree of git revision ``REV``, exported
with ``git archive``), each in its own interpreter, rounds interleaved so both see the same
machine load; prints both medians, wall-clock and CPU (process) time, and their ratios
(previous / this).

Accuracy: absolute error (degrees) of every method against the construction twist on
commensurate bilayers (2.0-29.4 deg) in hexagonal, strained and sheared boxes, with 0.15 A
noise, 8 % vacancies, an 8 A amorphous patch and debris, several seeds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from vdwgym.analysis import (  # noqa: E402
    analyze_frame,
    chain_walk,
    pair_order,
    psi6,
    sf_orientation,
)
from vdwgym.structures import mx2_bilayer, twisted_bilayer  # noqa: E402
from vdwgym.testing.disorder import (  # noqa: E402
    add_amorphous_patch,
    add_debris,
    add_noise,
    add_vacancies,
)


def _times_ms(fn, repeats: int) -> list[float]:
    fn()  # warm-up
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        ts.append(1e3 * (time.perf_counter() - t0))
    return ts


def _median_ms(fn, repeats: int) -> float:
    return statistics.median(_times_ms(fn, repeats))


def timings(repeats: int) -> None:
    rng = np.random.default_rng(0)
    print("time per snapshot, median of repeats (ms); OMP_NUM_THREADS="
          f"{os.environ.get('OMP_NUM_THREADS')}")
    print(f"{'atoms':>7} {'sf':>8} {'sf-best':>8} {'psi6':>8} {'hist':>8} {'chain':>8} {'chain/sf':>9} "
          f"| {'sf-only':>8} {'chain-only':>10} {'ratio':>6} {'psi6-only':>9} {'order':>8}")
    for n in (12, 41):
        s = add_noise(mx2_bilayer(n, n), 0.1, rng)
        reps = repeats if n == 12 else max(3, repeats // 6)
        runs = {m: _times_ms(lambda m=m, s=s: analyze_frame(s.positions, s.types, s.cell,
                                                            method=m), reps)
                for m in ("sf", "psi6", "histogram", "chain")}
        t = {m: statistics.median(v) for m, v in runs.items()}
        mo = s.positions[(s.types == 1) & (s.layer == 1), :2]
        sf_t = _median_ms(lambda mo=mo, s=s: sf_orientation(mo, s.cell), reps)
        p6_t = _median_ms(lambda mo=mo, s=s: psi6(mo, s.cell), reps)
        ch_t = _median_ms(lambda mo=mo, s=s: chain_walk(mo, s.cell, np.random.default_rng(0)),
                          reps)
        od_t = _median_ms(lambda s=s: pair_order(s.positions, s.cell), reps)
        print(f"{len(s):>7} {t['sf']:>8.2f} {min(runs['sf']):>8.2f} {t['psi6']:>8.2f} {t['histogram']:>8.2f} "
              f"{t['chain']:>8.2f} {t['chain'] / t['sf']:>9.2f} | {sf_t:>8.2f} {ch_t:>10.2f} "
              f"{ch_t / sf_t:>6.2f} {p6_t:>9.2f} {od_t:>8.2f}")
    print("(sf..chain: analyze_frame end to end, median; sf-best: its fastest repeat.\n"
          " Every method also computes the sf and psi6 figures and the order parameter.\n"
          " sf-only, chain-only, psi6-only: one layer's orientation alone, ratio =\n"
          " chain-only / sf-only; order: the pair count of the whole frame)")


ROOT = Path(__file__).resolve().parents[1]
_CHILD = """
import json, os, sys, time
sys.path.insert(0, sys.argv[1])
import numpy as np
from vdwgym.analysis import analyze_frame
from vdwgym.structures import mx2_bilayer
try:
    from vdwgym.testing.disorder import add_noise
except ImportError:  # a tree from before the disorder generators moved to vdwgym.testing
    from vdwgym.structures import add_noise
s = add_noise(mx2_bilayer(12, 12), 0.1, np.random.default_rng(0))
res = analyze_frame(s.positions, s.types, s.cell)  # warm-up
ts, cpu = [], []
for _ in range(int(sys.argv[2])):
    t0, c0 = time.perf_counter(), time.process_time()
    analyze_frame(s.positions, s.types, s.cell)
    ts.append(1e3 * (time.perf_counter() - t0))
    cpu.append(1e3 * (time.process_time() - c0))
result = res.to_dict()
result.pop("elapsed_s", None)  # the only field that is not a function of the frame
print(json.dumps({"ms": ts, "cpu_ms": cpu, "result": result}))
"""


def _child_times(tree: Path, repeats: int) -> tuple[list[float], list[float], dict]:
    proc = subprocess.run([sys.executable, "-c", _CHILD, str(tree), str(repeats)],
                          capture_output=True, text=True, check=True, cwd=tree)
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    return out["ms"], out["cpu_ms"], out["result"]


def against(rev: str, repeats: int, rounds: int = 4) -> None:
    """Median ``analyze_frame`` time on the 864-atom snapshot, this tree vs ``rev``."""
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp)
        archive = subprocess.run(["git", "archive", rev], cwd=ROOT, capture_output=True,
                                 check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
        times: dict[str, list[float]] = {"this": [], rev: []}
        cpu: dict[str, list[float]] = {"this": [], rev: []}
        results = {}
        for _ in range(rounds):
            for name, tree in (("this", ROOT), (rev, old)):
                ts, cs, results[name] = _child_times(tree, max(1, repeats // rounds))
                times[name] += ts
                cpu[name] += cs
    med = {k: statistics.median(v) for k, v in times.items()}
    cmed = {k: statistics.median(v) for k, v in cpu.items()}
    print(f"analyze_frame, 864-atom 12 x 12 thermal bilayer, OMP_NUM_THREADS="
          f"{os.environ.get('OMP_NUM_THREADS')}, {len(times['this'])} repeats each "
          f"in {rounds} interleaved rounds")
    print(f"  previous ({rev}): median {med[rev]:.2f} ms wall, {cmed[rev]:.2f} ms CPU")
    print(f"  this tree       : median {med['this']:.2f} ms wall, {cmed['this']:.2f} ms CPU")
    print(f"  ratio previous / this: {med[rev] / med['this']:.2f} wall, "
          f"{cmed[rev] / cmed['this']:.2f} CPU; same result: {results['this'] == results[rev]}")
    print("  (CPU: process time, what the wall time is on an idle core; on a shared machine\n"
          "   the wall time also holds the waits for a core)")


CASES = [(16, 17), (6, 7), (1, 11), (5, 8), (4, 9), (3, 8)]
BOXES = {"hexagonal": None, "strain 5 % + eng. shear 5.75 %": (0.05, 0.0575, "engineering"),
         "eng. shear 5.5 %": (0.0, 0.055, "engineering"),
         "strain 3 % + tilt shear 5.75 %": (0.03, 0.0575, "tilt")}


def accuracy(seeds: int) -> None:
    from vdwgym.outcome import fold_twist

    methods = ("sf", "psi6", "histogram", "chain")
    errors: dict[str, dict[str, list[float]]] = {b: {m: [] for m in methods} for b in BOXES}
    flagged = 0
    for box, deform in BOXES.items():
        for mn in CASES:
            for seed in range(seeds):
                s, _ = twisted_bilayer(*mn)
                if deform is not None:
                    s = s.deformed(*deform)
                want = s.info["twist_deg"]
                rng = np.random.default_rng([seed, *mn])
                d = add_debris(add_amorphous_patch(add_vacancies(add_noise(s, 0.15, rng), 0.08,
                                                                 rng), rng, 8.0), 10, rng)
                for m in methods:
                    res = analyze_frame(d.positions, d.types, d.cell, method=m,
                                        rng=np.random.default_rng(seed))
                    if res.twist_deg is None:
                        flagged += 1
                        errors[box][m].append(float("inf"))
                    else:
                        errors[box][m].append(abs(fold_twist(res.twist_deg) - want))
    grain_err: dict[str, list[float]] = {m: [] for m in methods}
    for seed in range(6 * seeds):
        rng = np.random.default_rng(1000 + seed)
        theta = float(rng.uniform(1.0, 29.0))
        g = _grain_bilayer(theta, rng)
        for m in methods:
            res = analyze_frame(g.positions, g.types, g.cell, method=m,
                                rng=np.random.default_rng(seed))
            grain_err[m].append(float("inf") if res.twist_deg is None
                                else abs(res.twist_deg - theta))
    n = len(CASES) * seeds
    print(f"absolute twist error (deg): median / max over {n} structures per row "
          "(0.15 A noise, 8 % vacancies, 8 A amorphous patch, 10 debris atoms)")
    print(f"| box | {' | '.join(methods)} |")
    print("|---|" + "---|" * len(methods))
    for box in BOXES:
        cells = [f"{statistics.median(errors[box][m]):.4f} / {max(errors[box][m]):.4f}"
                 for m in methods]
        print(f"| {box} | {' | '.join(cells)} |")
    cells = [f"{statistics.median(grain_err[m]):.4f} / {max(grain_err[m]):.4f}" for m in methods]
    print(f"| incommensurate grain ({6 * seeds} structures) | {' | '.join(cells)} |")
    print(f"crystalline structures flagged amorphous: {flagged} "
          f"(grain rows: {sum(np.isinf(v).sum() for v in grain_err.values())})")


def _grain_bilayer(theta: float, rng: np.random.Generator):
    """20 x 20 box: periodic bottom layer; top layer = a disk grain (radius 25 A) rotated by
    ``theta`` degrees about its centre, not periodic in the box, in an amorphous remainder
    of random Mo positions; 0.1 A noise.  Only Mo atoms in the top layer."""
    import math

    from vdwgym.structures import Structure

    base = mx2_bilayer(20, 20)
    bottom = base.subset(base.layer == 0)
    a = 3.16
    i, j = np.meshgrid(np.arange(-30, 31), np.arange(-30, 31), indexing="ij")
    pts = np.column_stack([i.ravel(), j.ravel()]) @ np.array([[a, 0], [a / 2, a * math.sqrt(3) / 2]])
    pts = pts[np.linalg.norm(pts, axis=1) < 25.0]
    t = math.radians(theta)
    pts = pts @ np.array([[math.cos(t), math.sin(t)], [-math.sin(t), math.cos(t)]])
    centre = base.cell[:2, :2].sum(axis=0) / 2
    pts += centre
    n_rest = 400 - len(pts)
    rest = []
    while len(rest) < n_rest:
        p = rng.random(2) @ base.cell[:2, :2]
        if np.linalg.norm(p - centre) > 26.5:
            rest.append(p)
    top = np.vstack([pts, np.array(rest)])
    top = np.column_stack([top, np.full(len(top), 9.15)])
    pos = np.vstack([bottom.positions, top]) + rng.normal(0, 0.1, (len(bottom) + len(top), 3))
    types = np.concatenate([bottom.types, np.ones(len(top), dtype=int)])
    layer = np.concatenate([bottom.layer, np.ones(len(top), dtype=int)])
    return Structure(pos, types, base.cell, layer)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--accuracy", action="store_true", help="print the accuracy table")
    ap.add_argument("--repeats", type=int, default=30)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--against", metavar="REV", help="compare with the tree of git rev REV")
    args = ap.parse_args()
    if args.against:
        against(args.against, args.repeats)
    elif args.accuracy:
        accuracy(args.seeds)
    else:
        timings(args.repeats)


if __name__ == "__main__":
    main()
