"""Throughput of the commensurate surrogate: evaluations per second for batch sizes
1, 15, 256 and 4096 (median of repeats, one process).

    OMP_NUM_THREADS=1 python benchmarks/bench_surrogate.py [--repeats 7] [--evals 8192]

Recipes are uniform in the paper's space, seeds from a fixed SeedSequence.  Each timing
evaluates about ``--evals`` recipes in batches of the given size; the printed figure is the
median over ``--repeats`` timings.  Run it on a quiet machine: timings on a shared one vary.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from vdwgym.space import PAPER_SPACE
from vdwgym.surrogate import CommensurateSurrogate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--evals", type=int, default=8192, help="evaluations per timing")
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 15, 256, 4096])
    args = parser.parse_args()

    t0 = time.perf_counter()
    model = CommensurateSurrogate()
    setup = time.perf_counter() - t0
    rng = np.random.default_rng(np.random.SeedSequence(2026))
    X = PAPER_SPACE.from_unit(PAPER_SPACE.sample_unit(max(args.evals, max(args.batches)), rng))
    seeds = rng.integers(0, 2**63, size=len(X))
    print(f"candidates per recipe: {model.n_candidates}; construction {setup * 1e3:.1f} ms")
    print(f"{'batch':>6} {'evals/s (median)':>18} {'min':>10} {'max':>10}")
    for batch in args.batches:
        n_batches = max(1, args.evals // batch)
        rates = []
        for _ in range(args.repeats):
            t = time.perf_counter()
            for b in range(n_batches):
                lo = (b * batch) % (len(X) - batch + 1)
                model.evaluate(X[lo:lo + batch], seeds[lo:lo + batch])
            rates.append(n_batches * batch / (time.perf_counter() - t))
        print(f"{batch:>6} {statistics.median(rates):>18,.0f} {min(rates):>10,.0f} {max(rates):>10,.0f}")


if __name__ == "__main__":
    main()
