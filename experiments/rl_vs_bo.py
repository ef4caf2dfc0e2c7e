"""Figures and tables of docs/rl.md from a finished ``rl_vs_bo`` benchmark and its policies.

    OMP_NUM_THREADS=1 python experiments/rl_vs_bo.py --bench runs/bench/rl_vs_bo \
        --policies runs/rl/ppo runs/rl/sac [--config experiments/rl_vs_bo.toml] [--img docs/img]

Writes ``IMG/rl_training.png`` (best regret of each training episode against environment
steps, running median over 50 episodes) and ``IMG/rl_vs_bo.png`` (mean over seeds of the best
regret so far per evaluation, one panel per target), and prints markdown tables: the
training cost of each policy, and per agent and target the success rate, the median
evaluations to the tolerance and the final best regret.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from vdwgym.bench import load_config, load_runs  # noqa: E402
from vdwgym.bench.report import group_summaries  # noqa: E402

WINDOW = 50


def training_figure(policies: list[Path], path: Path) -> None:
    fig, ax = plt.subplots(figsize=(6.4, 3.6), constrained_layout=True)
    for pdir in policies:
        meta = json.loads((pdir / "policy.json").read_text())
        with open(pdir / "episodes.csv") as fh:
            rows = list(csv.DictReader(fh))
        steps = np.array([int(r["env_steps"]) for r in rows])
        best = np.array([float(r["best_regret_deg"]) for r in rows])
        best = np.where(np.isfinite(best), best, 30.0)
        med = np.array([np.median(best[max(0, i - WINDOW + 1):i + 1]) for i in range(len(best))])
        ax.plot(steps, med, label=f"{meta['algo'].upper()} ({meta['wall_time_s']:.0f} s)")
    ax.set_yscale("log")
    ax.set_xlabel("environment steps (surrogate evaluations)")
    ax.set_ylabel(f"best regret per episode (deg)\nrunning median of {WINDOW}")
    ax.set_title(f"training episodes: {meta['env_kwargs']['budget']} evaluations, "
                 f"target ~ U{tuple(meta['env_kwargs']['target_range_deg'])} deg", fontsize=10)
    ax.legend()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def comparison_figure(config, summ, path: Path) -> None:
    targets = config.targets
    ncol = 4
    nrow = int(np.ceil(len(targets) / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(3.4 * ncol, 2.8 * nrow), squeeze=False,
                             sharey=True, constrained_layout=True)
    q = config.batch_sizes[0]
    for k, t in enumerate(targets):
        ax = axes[k // ncol][k % ncol]
        for a in config.agents:
            s = summ.get((a.label, t, q))
            if s is not None:
                ax.plot(np.arange(1, len(s["mean_trace"]) + 1), s["mean_trace"], label=a.label)
        ax.axvline(config.n_init, color="grey", lw=0.6, ls=":")
        ax.axhline(config.tolerance_deg, color="k", lw=0.6, ls="--")
        ax.set_yscale("log")
        ax.set_title(f"target {t:g} deg", fontsize=10)
        ax.set_xlabel("evaluation")
    for k in range(len(targets), nrow * ncol):
        axes[k // ncol][k % ncol].axis("off")
    axes[0][0].set_ylabel("best regret so far (deg)")
    handles, labels = axes[0][0].get_legend_handles_labels()
    axes[-1][-1].legend(handles, labels, loc="center", fontsize=8)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def fmt(v, spec=".0f") -> str:
    return "-" if v is None else format(v, spec)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bench", type=Path, required=True, help="output folder of vdwgym bench")
    ap.add_argument("--policies", type=Path, nargs="+", required=True, help="train-rl output folders")
    ap.add_argument("--config", type=Path, default=Path("experiments/rl_vs_bo.toml"))
    ap.add_argument("--img", type=Path, default=Path("docs/img"))
    args = ap.parse_args()

    config = load_config(args.config)
    summ = group_summaries(config, load_runs(args.bench))
    args.img.mkdir(parents=True, exist_ok=True)
    training_figure(args.policies, args.img / "rl_training.png")
    comparison_figure(config, summ, args.img / "rl_vs_bo.png")

    print("| policy | env steps | episodes | training wall (s) | last-tenth median best regret (deg) |")
    print("|---|---|---|---|---|")
    for pdir in args.policies:
        m = json.loads((pdir / "policy.json").read_text())
        last = m["episode_summary"]["last_tenth"]
        print(f"| {m['algo'].upper()} | {m['env_steps']} | {m['episodes']} | {m['wall_time_s']:.0f} | "
              f"{last['median_best_regret_deg']:.3f} |")
    q = config.batch_sizes[0]
    print("\nsuccess rate / median evaluations to tolerance / final best regret mean (deg):\n")
    print("| agent | " + " | ".join(f"{t:g} deg" for t in config.targets) + " | ask s / campaign |")
    print("|---|" + "---|" * (len(config.targets) + 1))
    for a in config.agents:
        cells, ask = [], []
        for t in config.targets:
            s = summ.get((a.label, t, q))
            if s is None:
                cells.append("n/a")
                continue
            cells.append(f"{s['success_rate']:.2f} / {fmt(s['evals_to_target_median'])} / "
                         f"{s['final_best_regret_mean']:.3f}")
            ask.append(s["agent_s_mean"])
        print(f"| {a.label} | " + " | ".join(cells) + f" | {np.mean(ask) if ask else float('nan'):.2f} |")


if __name__ == "__main__":
    main()
