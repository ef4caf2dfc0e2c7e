"""``vdwgym bench CONFIG.toml``: agents x seeds x targets x batch sizes, with a report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from vdwgym.backends.registry import backend_names


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x]


def add_parser(sub) -> None:
    p = sub.add_parser(
        "bench", help="benchmark agents on identical seeds",
        description="Run every (agent, seed, target, batch size) campaign of a TOML config in "
                    "parallel processes and write report.md, evaluations.csv and plots to --out. "
                    "Finished campaigns are kept in --out/runs; rerunning skips them.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("config", type=Path, help="benchmark TOML file (see experiments/)")
    p.add_argument("--out", type=Path, default=None, help="output folder (default runs/bench/<name>)")
    p.add_argument("--workers", type=int, default=None, help="processes (overrides the config)")
    p.add_argument("--seeds", type=_ints, default=None, help="comma-separated seeds (overrides the config)")
    p.add_argument("--budget", type=int, default=None, help="evaluations per campaign (overrides)")
    p.add_argument("--backend", choices=backend_names(), default=None,
                   help="run the same grid on another backend (overrides the config)")
    p.add_argument("--backend-option", action="append", metavar="KEY=VALUE",
                   help="backend option (repeatable; replaces the config's backend_options)")


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from vdwgym.bench import load_config, run_benchmark, write_bench_report
    from vdwgym.cli.options import parse_options

    config = load_config(args.config, workers=args.workers, seeds=args.seeds, budget=args.budget,
                         backend=args.backend,
                         backend_options=parse_options(args.backend_option, "--backend-option") or None)
    out = args.out or Path("runs/bench") / config.name
    total = len(config.runs())
    done_before = len(list((out / "runs").glob("*.json"))) if (out / "runs").exists() else 0
    bar = tqdm(total=total, initial=min(done_before, total), desc=config.name, unit="campaign",
               file=sys.stderr, dynamic_ncols=True)

    def on_done(record) -> None:
        bar.update(1)
        best = min((e["regret_deg"] for e in record["evaluations"] if e["regret_deg"] is not None),
                   default=None)
        bar.set_postfix_str(f"{record['agent']} t={record['target_deg']:g} q={record['batch']} "
                            f"s={record['seed']}: best {best if best is None else round(best, 3)}")

    try:
        records = run_benchmark(config, out, on_done)
    finally:
        bar.close()
    report = write_bench_report(config, records, out)
    print(report.read_text().split("![")[0].rstrip())
    print(f"\nreport: {report}")
    return 0
