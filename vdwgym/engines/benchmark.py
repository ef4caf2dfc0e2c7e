"""Benchmark of the worker path: ``python -m vdwgym.engines.benchmark [--tasks N] [--sleep S]``.

Measured side by side on the same machine and recipes:

1. latency of one evaluation: the in-process surrogate vs one worker subprocess through the
   local engine (median over ``--repeats``);
2. slot utilization of the local engine: ``N`` worker tasks of ``S`` seconds of simulated
   run time with 1 and 2 slots; utilization = sum of task wall times / (slots x elapsed).

The report (JSON) goes to stdout.  Timings depend on the machine's load: report medians and
say whether the machine was shared.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from vdwgym.backends.surrogate import SurrogateBackend
from vdwgym.backends.worker import WorkerBackend
from vdwgym.space import PAPER_SPACE


def _recipes(n: int, seed: int) -> list:
    rng = np.random.default_rng(seed)
    return PAPER_SPACE.to_recipes(PAPER_SPACE.from_unit(PAPER_SPACE.sample_unit(n, rng)))


def latency(repeats: int, root: Path) -> dict:
    recipes = _recipes(repeats, 1)
    surrogate = SurrogateBackend(PAPER_SPACE)
    in_process, worker = [], []
    with WorkerBackend(PAPER_SPACE, root=root / "latency", engine_options={"poll_s": 0.01}) as wb:
        for i, r in enumerate(recipes):
            t0 = time.perf_counter()
            surrogate.submit(r, i).result()
            in_process.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            wb.submit(r, i, key=f"l{i:04d}").result()
            worker.append(time.perf_counter() - t0)
    a, b = statistics.median(in_process), statistics.median(worker)
    return {"in_process_median_s": a, "worker_median_s": b, "worker_overhead_s": b - a,
            "ratio_worker_to_in_process": b / a}


def utilization(tasks: int, sleep_s: float, slots: int, root: Path) -> dict:
    recipes = _recipes(tasks, 2)
    with WorkerBackend(PAPER_SPACE, root=root / f"slots{slots}", options={"sleep_s": sleep_s},
                       engine_options={"slots": slots, "poll_s": 0.01}) as wb:
        t0 = time.perf_counter()
        futures = [wb.submit(r, i, key=f"u{i:04d}") for i, r in enumerate(recipes)]
        outcomes = [f.result() for f in futures]
        elapsed = time.perf_counter() - t0
    busy = sum(o.details["worker"]["wall_s"] for o in outcomes)
    return {"slots": slots, "tasks": tasks, "elapsed_s": elapsed, "busy_s": busy,
            "utilization": busy / (slots * elapsed), "ideal_elapsed_s": tasks * sleep_s / slots}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=8)
    parser.add_argument("--sleep", type=float, default=1.0, help="simulated run time (s)")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        report = {"latency": latency(args.repeats, root),
                  "utilization": [utilization(args.tasks, args.sleep, k, root) for k in (1, 2)]}
    one, two = report["utilization"]
    report["speedup_2_slots"] = one["elapsed_s"] / two["elapsed_s"]
    sys.stdout.write(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
