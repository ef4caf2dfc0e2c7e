"""Figures and tables of docs/rl.md from a finished ``rl_vs_bo`` benchmark and its policies.

    OMP_NUM_THREADS=1 python experiments/rl_vs_bo.py --bench runs/bench/rl_vs_bo \
        --policies runs/rl/ppo runs/rl/sac [--config experiments/rl_vs_bo.toml] [--img docs/img]

Writes ``IMG/rl_training.png`` (best regret of each training episode against environment
steps, running median over 50 episodes) and ``IMG/rl_vs_bo.png`` (mean over seeds of the best
regret so far per evaluation, one panel per target), and prints markdown tables: the
training cost of each policy; per target, an estimate of the surrogate's floor (best regret
among 200,000 random evaluations), and per agent the final best regret and, for tolerances of
0.1, 0.5 and 1 deg, how many seeds got within it and the median evaluation at which they did;
the mean final best regret over targets; a paired win / tie / loss table.
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
from scipy.stats import binomtest  # noqa: E402

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
        med = np.array([np.median(best[i - WINDOW + 1:i + 1]) for i in range(WINDOW - 1, len(best))])
        ax.plot(steps[WINDOW - 1:], med, label=f"{meta['algo'].upper()}, {meta['reward']} reward, "
                f"seed {meta['seed']} ({meta['wall_time_s']:.0f} s)")
    ax.set_yscale("log")
    ax.set_xlabel("environment steps (surrogate evaluations)")
    ax.set_ylabel(f"best regret per episode (deg)\nrunning median of {WINDOW}")
    ax.set_title(f"training episodes: {meta['env_kwargs']['budget']} evaluations, "
                 f"target ~ U{tuple(meta['env_kwargs']['target_range_deg'])} deg", fontsize=10)
    ax.legend(fontsize=8)
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


TOLERANCES = (0.1, 0.5, 1.0)


def evals_within(record: dict, tol: float) -> int | None:
    """First evaluation (1-based) with regret <= tol, or None."""
    return next((e["index"] for e in record["evaluations"]
                 if e["regret_deg"] is not None and e["regret_deg"] <= tol), None)


def reachable(targets: list[float], n: int = 200_000, seed: int = 0) -> dict[float, tuple[float, float]]:
    """Per target: the best regret among ``n`` uniformly random evaluations (an estimate of the
    surrogate's floor) and the share of them within 0.5 deg."""
    from vdwgym.backends.surrogate import SurrogateBackend
    from vdwgym.space import PAPER_SPACE

    rng = np.random.default_rng(seed)
    model = SurrogateBackend().model
    res = model.evaluate(PAPER_SPACE.from_unit(rng.random((n, PAPER_SPACE.d))),
                         rng.integers(2**63, size=n, dtype=np.uint64))
    tw = np.where(res.crystalline, res.twist_deg, np.nan)
    out = {}
    for t in targets:
        r = np.abs(tw - t)
        out[t] = (float(np.nanmin(r)), float(np.mean(r <= 0.5)))
    return out


def cell(records: list[dict], tol: float) -> str:
    hits = [evals_within(r, tol) for r in records]
    ok = [h for h in hits if h is not None]
    med = f"{np.median(ok):.0f}" if ok else "-"
    return f"{len(ok)}/{len(records)}, {med}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bench", type=Path, required=True, help="output folder of vdwgym bench")
    ap.add_argument("--policies", type=Path, nargs="+", required=True, help="train-rl output folders")
    ap.add_argument("--config", type=Path, default=Path("experiments/rl_vs_bo.toml"))
    ap.add_argument("--img", type=Path, default=Path("docs/img"))
    args = ap.parse_args()

    config = load_config(args.config)
    records = load_runs(args.bench)
    summ = group_summaries(config, records)
    args.img.mkdir(parents=True, exist_ok=True)
    training_figure(args.policies, args.img / "rl_training.png")
    comparison_figure(config, summ, args.img / "rl_vs_bo.png")

    print("| policy | reward | seed | env steps | episodes | training wall (s) | "
          "median best regret, first / last tenth of episodes (deg) |")
    print("|---|---|---|---|---|---|---|")
    for pdir in args.policies:
        m = json.loads((pdir / "policy.json").read_text())
        es = m["episode_summary"]
        print(f"| {pdir} | {m['reward']} | {m['seed']} | {m['env_steps']} | {m['episodes']} | "
              f"{m['wall_time_s']:.0f} | {es['first_tenth']['median_best_regret_deg']:.3f} / "
              f"{es['last_tenth']['median_best_regret_deg']:.3f} |")
    floor = reachable(config.targets)
    q = config.batch_sizes[0]
    for t in config.targets:
        lo, share = floor[t]
        print(f"\n### Target {t:g} deg\n\nBest regret among 200,000 random evaluations: {lo:.3f} deg; "
              f"share of them within 0.5 deg: {share:.4f}.\n")
        print("| agent | final best regret (deg), mean +- sd | "
              + " | ".join(f"<= {tol:g} deg: seeds, median evals" for tol in TOLERANCES)
              + " | ask s / campaign |")
        print("|---|---|" + "---|" * len(TOLERANCES) + "---|")
        for a in config.agents:
            group = [r for r in records if r["agent"] == a.label and r["target_deg"] == t and r["batch"] == q]
            if not group:
                continue
            s = summ[(a.label, t, q)]
            print(f"| {a.label} | {s['final_best_regret_mean']:.3f} +- {s['final_best_regret_std']:.3f} | "
                  + " | ".join(cell(group, tol) for tol in TOLERANCES) + f" | {s['agent_s_mean']:.2f} |")
    print("\n### Mean final best regret over targets (deg)\n")
    print("| agent | " + " | ".join(f"{t:g}" for t in config.targets) + " | mean |")
    print("|---|" + "---|" * (len(config.targets) + 1))
    for a in config.agents:
        vals = [summ[(a.label, t, q)]["final_best_regret_mean"] for t in config.targets
                if (a.label, t, q) in summ]
        if len(vals) == len(config.targets):
            print(f"| {a.label} | " + " | ".join(f"{v:.3f}" for v in vals) + f" | {np.mean(vals):.3f} |")
    paired_table(config, records)


def final_best(record: dict) -> float:
    r = [e["regret_deg"] for e in record["evaluations"] if e["regret_deg"] is not None]
    return min(r) if r else 30.0


def paired_table(config, records: list[dict], tie_deg: float = 1e-3) -> None:
    """Row agent against column agent over identical (seed, target) campaigns: how often the
    row's final best regret is lower / within ``tie_deg`` / higher, with the two-sided sign
    test's p-value over the untied ones."""
    best = {(r["agent"], r["seed"], r["target_deg"]): final_best(r) for r in records}
    labels = [a.label for a in config.agents]
    keys = sorted({(s, t) for (_, s, t) in best})
    print(f"\n### Paired: row better / tied (within {tie_deg:g} deg) / worse than column, "
          f"(sign-test p-value), over {len(keys)} (seed, target) campaigns\n")
    print("| | " + " | ".join(labels) + " |")
    print("|---|" + "---|" * len(labels))
    for a in labels:
        cells = []
        for b in labels:
            d = np.array([best[(a, *k)] - best[(b, *k)] for k in keys
                          if (a, *k) in best and (b, *k) in best])
            win, tie, loss = int(np.sum(d < -tie_deg)), int(np.sum(np.abs(d) <= tie_deg)), int(np.sum(d > tie_deg))
            p = binomtest(win, win + loss).pvalue if win + loss else 1.0
            cells.append("" if a == b else f"{win} / {tie} / {loss} (p {p:.2f})")
        print(f"| {a} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
