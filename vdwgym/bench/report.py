"""Benchmark report: ``report.md`` (tables + provenance), ``evaluations.csv`` and plots in
the style of the paper's Figures 3 to 6."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from vdwgym.bench.config import BenchConfig
from vdwgym.bench.metrics import (
    EFFICIENCY_CYCLES,
    agent_hit,
    cummin,
    design_hit,
    paired,
    regrets,
    summarize,
    time_to_target,
    wilson,
)
from vdwgym.provenance import provenance

__all__ = ["draw_efficiency", "write_bench_report", "group_summaries", "plot_time_to_target",
           "success_lines"]

BASELINE = "random"  # registry name of the agent others are paired against


def group_summaries(config: BenchConfig, records: list[dict[str, Any]]) -> dict[tuple, dict[str, Any]]:
    """``(agent label, target, batch) -> summarize(...)`` over seeds."""
    groups: dict[tuple, list] = defaultdict(list)
    for r in records:
        groups[(r["agent"], r["target_deg"], r["batch"])].append(r)
    return {k: summarize(v, config.tolerance_deg) for k, v in groups.items()}


def _figure(**kw):
    """A new matplotlib Figure (object API: no pyplot, no backend selected)."""
    from matplotlib.figure import Figure

    return Figure(**kw)


def _cmap(name: str):
    import matplotlib

    return matplotlib.colormaps[name]


def _colours(labels: list[str]) -> dict[str, Any]:
    cmap = _cmap("tab10")
    return {lab: cmap(i % 10) for i, lab in enumerate(labels)}


def plot_cummin(config: BenchConfig, summ: dict, path: Path, key: str = "trace") -> None:
    """Mean (line) and std (band) over seeds of the best regret so far, per evaluation
    (``key="trace"``) or per cycle (``key="cycle"``); one panel per (target, batch)."""
    labels = [a.label for a in config.agents]
    col = _colours(labels)
    nt, nq = len(config.targets), len(config.batch_sizes)
    fig = _figure(figsize=(4.2 * nq + 0.6, 3.2 * nt + 0.4), constrained_layout=True)
    axes = fig.subplots(nt, nq, squeeze=False, sharey=True)
    for i, t in enumerate(config.targets):
        for j, q in enumerate(config.batch_sizes):
            ax = axes[i][j]
            for lab in labels:
                s = summ.get((lab, t, q))
                if s is None:
                    continue
                m, sd = s[f"mean_{key}"], s[f"std_{key}"]
                x = np.arange(1, len(m) + 1) if key == "trace" else np.arange(len(m))
                ax.plot(x, np.maximum(m, 1e-3), color=col[lab], label=lab, lw=1.6)
                ax.fill_between(x, np.maximum(m - sd, 1e-3), np.maximum(m + sd, 1e-3), color=col[lab], alpha=0.18)
            ax.axhline(config.tolerance_deg, ls="--", color="0.4", lw=0.8)
            ax.set_yscale("log")
            ax.set_title(f"target {t:g} deg, q = {q}", fontsize=9)
            ax.set_xlabel("evaluation" if key == "trace" else "cycle (0 = initial design)")
            if j == 0:
                ax.set_ylabel("best regret so far (deg)")
    axes[0][-1].legend(fontsize=7, loc="upper right")
    fig.suptitle(f"{config.name}: mean and std over {len(config.seeds)} seeds", fontsize=10)
    fig.savefig(path, dpi=110)


def plot_samples(config: BenchConfig, records: list[dict[str, Any]], path: Path) -> None:
    """Regret of every evaluation (dots) and cumulative minima (lines), one panel per agent,
    first target and batch size (paper's Figures 3a / 5a)."""
    t, q = config.targets[0], config.batch_sizes[0]
    labels = [a.label for a in config.agents]
    fig = _figure(figsize=(3.6 * len(labels) + 0.4, 3.2), constrained_layout=True)
    axes = fig.subplots(1, len(labels), squeeze=False, sharey=True)
    seed_cmap = _cmap("viridis")
    for ax, lab in zip(axes[0], labels, strict=True):
        rs = [r for r in records if r["agent"] == lab and r["target_deg"] == t and r["batch"] == q]
        for k, r in enumerate(sorted(rs, key=lambda r: r["seed"])):
            reg = regrets(r)
            x = np.arange(1, len(reg) + 1)
            c = seed_cmap(k / max(len(rs) - 1, 1))
            ok = np.isfinite(reg)
            ax.scatter(x[ok], np.maximum(reg[ok], 1e-3), s=6, color=c, alpha=0.5)
            ax.step(x, np.maximum(cummin(reg), 1e-3), where="post", color=c, lw=1.2, label=f"seed {r['seed']}")
        ax.axvline(config.n_init + 0.5, color="0.6", lw=0.8, ls=":")
        ax.axhline(config.tolerance_deg, ls="--", color="0.4", lw=0.8)
        ax.set_yscale("log")
        ax.set_title(f"{lab}: target {t:g} deg, q = {q}", fontsize=9)
        ax.set_xlabel("evaluation")
    axes[0][0].set_ylabel("regret |twist - target| (deg)")
    axes[0][-1].legend(fontsize=6)
    fig.savefig(path, dpi=110)


def draw_efficiency(config: BenchConfig, summ: dict, ax=None):
    """Per-cycle sampling efficiency against batch size, one line per agent (Figure 4b);
    takes and returns a matplotlib Axes (``ax=None``: a new figure)."""
    labels = [a.label for a in config.agents]
    col = _colours(labels)
    if ax is None:
        ax = _figure(figsize=(4.6, 3.4), constrained_layout=True).subplots()
    for lab in labels:
        for t in config.targets:
            ys = [summ[(lab, t, q)]["efficiency_deg_per_cycle"] for q in config.batch_sizes]
            ax.plot(config.batch_sizes, ys, "o-", color=col[lab],
                    label=lab if len(config.targets) == 1 else f"{lab}, {t:g} deg")
    ax.set_xlabel("batch size q")
    ax.set_ylabel(f"efficiency (deg / cycle, {EFFICIENCY_CYCLES} cycles)")
    ax.legend(fontsize=7)
    return ax


def plot_efficiency(config: BenchConfig, summ: dict, path: Path) -> None:
    """:func:`draw_efficiency` saved to ``path``."""
    draw_efficiency(config, summ).figure.savefig(path, dpi=110)


def plot_time_to_target(curves: dict[str, np.ndarray], n_init: int,
                        references: dict[str, np.ndarray] | None = None, ax=None,
                        colours: dict[str, Any] | None = None, title: str = ""):
    """Fraction of campaigns with an agent hit by evaluation ``n`` (one line per label,
    ``budget`` values each), the initial design shaded, optional dashed reference curves
    (oracle, random's expectation); takes and returns a matplotlib Axes."""
    if ax is None:
        from matplotlib.figure import Figure

        ax = Figure(figsize=(4.6, 3.4), constrained_layout=True).subplots()
    for i, (label, y) in enumerate(curves.items()):
        x = np.arange(1, len(y) + 1)
        c = colours[label] if colours else f"C{i % 10}"
        ax.step(x, y, where="post", color=c, lw=1.6, label=label)
    for j, (label, y) in enumerate((references or {}).items()):
        ax.plot(np.arange(1, len(y) + 1), y, ls=("--", ":", "-.")[j % 3], color="0.3", lw=1.0, label=label)
    ax.axvspan(0.5, n_init + 0.5, color="0.85", zorder=0, label="initial design")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("evaluation n")
    ax.set_ylabel("fraction of campaigns with an agent hit")
    if title:
        ax.set_title(title, fontsize=9)
    ax.legend(fontsize=6, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, frameon=False)
    return ax


def _references(config: BenchConfig, t: float) -> tuple[dict[str, np.ndarray], dict[str, Any] | None]:
    """Oracle and random-expectation curves on the surrogate (none on other backends)."""
    if config.backend != "surrogate":
        return {}, None
    from vdwgym.bench.oracle import hit_ceiling, reference_curve

    ceil = hit_ceiling(t, config.tolerance_deg, config.backend_options)
    return ({f"oracle: repeat best recipe (p* = {ceil['best']:.3g})":
             reference_curve(ceil["best"], config.n_init, config.budget),
             f"uniform recipes, expected (p = {ceil['uniform']:.3g})":
             reference_curve(ceil["uniform"], config.n_init, config.budget)}, ceil)


def success_lines(config: BenchConfig, records: list[dict[str, Any]],
                  ceilings: dict[float, dict[str, Any] | None]) -> list[str]:
    """Markdown: agent success (Wilson 95 % interval), design hits, noise-free success and the
    paired exact McNemar test against random, per target and pooled."""
    tol = config.tolerance_deg
    base_label = next((a.label for a in config.agents if a.name == BASELINE), None)
    by: dict[tuple, list] = defaultdict(list)
    for r in records:
        by[(r["agent"], r["target_deg"])].append(r)
    lines = ["## Success (agent hits only)", "",
             f"A campaign succeeds when an evaluation proposed by the agent lands within {tol:g} deg of "
             "the target; hits of the shared initial design are counted apart (`design hits`, identical for "
             "every agent on a seed) and not credited.  95 % Wilson intervals.  `noise-free` judges the "
             "selected state's noise-free twist instead of the measured one (`-`: the backend reports "
             "none).  `vs random`: campaigns on "
             "identical seeds where only this agent / only random succeeded, and the two-sided exact "
             "McNemar p.  `hits / campaign`: mean number of agent evaluations within tolerance.", ""]
    head = ("| agent | success | 95 % CI | design hits | noise-free | vs random (only agent / only random) | p "
            "| hits / campaign | median evals to hit |")
    for t in config.targets:
        ceil = ceilings.get(t)
        lines += [f"### Target {t:g} deg", ""]
        if ceil:
            lines += [f"Oracle (surrogate's selection law, report only): best recipe {ceil['best_recipe']} hits "
                      f"with p* = {ceil['best']:.4f} per evaluation; uniform recipes {ceil['uniform']:.4f}.", ""]
        lines += [head, "|---|---|---|---|---|---|---|---|---|"]
        for a in config.agents:
            rs = by.get((a.label, t), [])
            if rs:
                lines.append(_success_row(a.label, rs, by.get((base_label, t), []), a.label == base_label, tol))
        lines.append("")
    lines += ["### Pooled over targets", "", head, "|---|---|---|---|---|---|---|---|---|"]
    for a in config.agents:
        rs = [r for r in records if r["agent"] == a.label]
        base = [r for r in records if r["agent"] == base_label]
        if rs:
            lines.append(_success_row(a.label, rs, base, a.label == base_label, tol))
    return lines + [""]


def _success_row(label: str, rs: list, base: list, is_base: bool, tol: float) -> str:
    n = len(rs)
    firsts = [agent_hit(r, tol) for r in rs]
    k = sum(f is not None for f in firsts)
    lo, hi = wilson(k, n)
    # the backend reports a noise-free twist (the surrogate does; MD and the emulator do not)
    reported = any(e.get("lattice_twist_deg") is not None for r in rs for e in r["evaluations"])
    nf = f"{sum(agent_hit(r, tol, noise_free=True) is not None for r in rs)}/{n}" if reported else "-"
    hits = np.mean([sum(1 for e in r["evaluations"] if e["source"] == "agent" and e["regret_deg"] is not None
                        and e["regret_deg"] <= tol) for r in rs])
    med = np.median([f for f in firsts if f is not None]) if k else None
    if is_base or not base:
        vs, pv = "-", "-"
    else:
        pr = paired(rs, base, tol)
        vs, pv = f"{pr['agent_only']} / {pr['baseline_only']} of {pr['n']}", f"{pr['p']:.3g}"
    return (f"| {label} | {k}/{n} | [{lo:.2f}, {hi:.2f}] | {sum(design_hit(r, tol) for r in rs)} | {nf} "
            f"| {vs} | {pv} | {hits:.2f} | {_fmt(med, '.0f')} |")


def plot_time_to_target_grid(config: BenchConfig, records: list[dict[str, Any]], path: Path,
                             references: dict[float, dict[str, np.ndarray]]) -> None:
    """One time-to-target panel per target (first batch size), saved to ``path``."""
    labels = [a.label for a in config.agents]
    col = _colours(labels)
    q = config.batch_sizes[0]
    fig = _figure(figsize=(4.4 * len(config.targets) + 0.4, 4.8), constrained_layout=True)
    axes = np.atleast_1d(fig.subplots(1, len(config.targets), sharey=True))
    for ax, t in zip(axes, config.targets, strict=True):
        curves = {}
        for lab in labels:
            rs = [r for r in records if r["agent"] == lab and r["target_deg"] == t and r["batch"] == q]
            if rs:
                curves[f"{lab} ({len(rs)})"] = time_to_target(rs, config.tolerance_deg, config.budget)
        colours = {f"{lab} ({n})": col[lab] for lab in labels for n in range(10000)
                   if f"{lab} ({n})" in curves}
        plot_time_to_target(curves, config.n_init, references.get(t), ax=ax, colours=colours,
                            title=f"target {t:g} deg, q = {q}, tol {config.tolerance_deg:g} deg")
    fig.savefig(path, dpi=110)


def _fmt(v: Any, spec: str = ".3g") -> str:
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "-"
    return format(v, spec)


def write_bench_report(config: BenchConfig, records: list[dict[str, Any]], out: str | Path) -> Path:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "evaluations.csv", "w", newline="") as fh:
        fields = ["agent", "agent_name", "target_deg", "batch", "seed_root"]
        first = records[0]["evaluations"][0] if records and records[0]["evaluations"] else {}
        writer = csv.DictWriter(fh, fieldnames=fields + list(first))
        writer.writeheader()
        for r in records:
            for e in r["evaluations"]:
                writer.writerow({"agent": r["agent"], "agent_name": r["agent_name"], "target_deg": r["target_deg"],
                                 "batch": r["batch"], "seed_root": r["seed"], **e})
    summ = group_summaries(config, records)
    plot_cummin(config, summ, out / "cummin.png", "trace")
    plot_cummin(config, summ, out / "per_cycle.png", "cycle")
    plot_samples(config, records, out / "samples.png")
    plot_efficiency(config, summ, out / "efficiency.png")
    refs, ceilings = {}, {}
    for t in config.targets:
        refs[t], ceilings[t] = _references(config, t)
    plot_time_to_target_grid(config, records, out / "time_to_target.png", refs)
    lines = [f"# Benchmark `{config.name}`", "",
             f"{len(config.agents)} agents x {len(config.seeds)} seeds x {len(config.targets)} targets x "
             f"{len(config.batch_sizes)} batch sizes on the `{config.backend}` backend; budget "
             f"{config.budget} evaluations per campaign ({config.n_init} initial, identical for every agent "
             f"on a seed; identical lab randomness per evaluation index); mode `{config.mode}`; tolerance "
             f"{config.tolerance_deg:g} deg.", "",
             "Columns: success = fraction of seeds within tolerance by the end (initial-design hits "
             "included; the Success section below credits agent hits only); evals / cycles = median "
             "over the successful seeds; final best = mean +- std over seeds of the best regret at the "
             f"end (deg); efficiency = drop of the mean best regret per cycle over {EFFICIENCY_CYCLES} "
             "cycles after the initial design (deg / cycle, the paper's Figure 4b); agent s = mean time "
             "spent in `ask` per campaign.", ""]
    for t in config.targets:
        for q in config.batch_sizes:
            lines += [f"## Target {t:g} deg, batch size {q}", "",
                      "| agent | success | evals to target | cycles to target | final best (deg) | "
                      "efficiency | agent s |", "|---|---|---|---|---|---|---|"]
            for a in config.agents:
                s = summ.get((a.label, t, q))
                if s is None:
                    continue
                lines.append(
                    f"| {a.label} | {s['success_rate']:.2f} | {_fmt(s['evals_to_target_median'], '.0f')} | "
                    f"{_fmt(s['cycles_to_target_median'], '.0f')} | {s['final_best_regret_mean']:.3f} +- "
                    f"{s['final_best_regret_std']:.3f} | {_fmt(s['efficiency_deg_per_cycle'])} | "
                    f"{s['agent_s_mean']:.1f} |")
            lines.append("")
    lines += success_lines(config, records, ceilings)
    lines += ["![time to target](time_to_target.png)", "",
              "![best regret per evaluation](cummin.png)", "", "![best regret per cycle](per_cycle.png)", "",
              "![every evaluation](samples.png)", "", "![efficiency](efficiency.png)", "",
              "## Provenance", "", "```json", json.dumps({"config": config.to_dict(), **provenance()}, indent=2),
              "```", ""]
    path = out / "report.md"
    path.write_text("\n".join(lines))
    return path
