"""Slot utilization and time to target: sync (the paper's batch cycles) against async
(refill each slot as soon as its evaluation ends), measured side by side in one run.

The surrogate lab reports a seeded lognormal run time per evaluation; campaigns run on the
virtual clock, so hours of simulated MD take seconds.  For each seed and mode:

* busy fraction = (sum of evaluation run times) / (slots x makespan), over the whole budget;
* time to target = simulated time at which the regret first came within the tolerance.

Both modes see the same initial design and the same lab randomness per evaluation index.

    python benchmarks/bench_async.py [--agent random] [--seeds 30] [--slots 5] [--budget 100]
"""

from __future__ import annotations

import argparse
import os
import statistics

os.environ.setdefault("OMP_NUM_THREADS", "1")

from vdwgym.campaign import Campaign, CampaignConfig  # noqa: E402


def measure(mode: str, seed: int, args: argparse.Namespace) -> tuple[float, float | None, int | None]:
    cfg = CampaignConfig(target_deg=args.target, budget=args.budget, batch=args.slots, n_init=args.n_init,
                         mode=mode, agent=args.agent, seed=seed, tolerance_deg=args.tolerance,
                         stop_at_target=False, clock="virtual",
                         backend_options={"runtime_median_s": args.median_s, "runtime_sigma": args.sigma})
    res = Campaign(cfg, None).run()
    busy = sum(e.vend - e.vstart for e in res.evaluations)
    makespan = max(e.vend for e in res.evaluations)
    hit = sorted((e for e in res.evaluations if (r := e.outcome.regret(args.target)) is not None
                  and r <= args.tolerance), key=lambda e: e.vend)
    return busy / (args.slots * makespan), (hit[0].vend if hit else None), (hit[0].idx + 1 if hit else None)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--agent", default="random")
    p.add_argument("--seeds", type=int, default=30)
    p.add_argument("--slots", type=int, default=5)
    p.add_argument("--budget", type=int, default=100)
    p.add_argument("--n-init", type=int, default=10)
    p.add_argument("--target", type=float, default=15.0)
    p.add_argument("--tolerance", type=float, default=0.5)
    p.add_argument("--median-s", type=float, default=3600.0, help="median simulated run time (s)")
    p.add_argument("--sigma", type=float, default=0.5, help="lognormal sigma of run times")
    args = p.parse_args()
    rows = {m: [measure(m, s, args) for s in range(args.seeds)] for m in ("sync", "async")}
    print(f"agent {args.agent}, {args.slots} slots, budget {args.budget}, {args.seeds} seeds, run times "
          f"lognormal(median {args.median_s:g} s, sigma {args.sigma:g}), target {args.target:g} +- "
          f"{args.tolerance:g} deg")
    print(f"{'mode':6} {'busy (median)':>14} {'busy (min)':>11} {'time to target h (median)':>26} "
          f"{'reached':>8} {'evals to target (median)':>25}")
    med_t = {}
    for m, r in rows.items():
        busy = [x[0] for x in r]
        times = [x[1] for x in r if x[1] is not None]
        evals = [x[2] for x in r if x[2] is not None]
        med_t[m] = statistics.median(times) if times else None
        print(f"{m:6} {statistics.median(busy):14.3f} {min(busy):11.3f} "
              f"{(med_t[m] / 3600 if med_t[m] else float('nan')):26.2f} {len(times):>4}/{len(r):<3} "
              f"{(statistics.median(evals) if evals else float('nan')):25.1f}")
    paired = [a[1] / s[1] for s, a in zip(rows["sync"], rows["async"], strict=True) if s[1] and a[1]]
    if paired:
        print(f"async / sync time to target, per seed (median of {len(paired)} paired seeds): "
              f"{statistics.median(paired):.3f}  (speed-up {1 - statistics.median(paired):.1%})")


if __name__ == "__main__":
    main()
