"""Benchmark metrics on campaign records (pure numpy).

For one campaign with regrets ``r_i`` (degrees; NaN where an evaluation gave no twist):

``cummin``
    the cumulative minimum of the regret per evaluation (the solid lines of the paper's
    Figures 3a and 5a);
``best per cycle``
    the best regret found up to the end of each cycle (cycle 0 = initial design);
``evaluations / cycles to tolerance``
    the first evaluation (1-based) or cycle whose regret is within the tolerance;
``sampling efficiency``
    the paper's per-cycle efficiency: the drop of the seed-averaged best regret per cycle,
    averaged over 4 cycles after the initial design, ``(B(0) - B(4)) / 4`` in degrees per
    cycle (larger is better);
``agent success``
    a campaign succeeds when an evaluation the *agent* proposed lands within tolerance
    (hits of the shared initial design are counted apart, never credited); counts come with
    Wilson 95 % intervals, and two agents are compared on identical seeds by the exact
    McNemar test (a sign test on the campaigns where exactly one of them succeeded);
``time to target``
    the fraction of campaigns with an agent hit by evaluation ``n``, a curve that keeps the
    campaigns that never succeed (a median over successes alone hides them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from vdwgym.outcome import fold_twist

__all__ = ["regrets", "cummin", "best_per_cycle", "first_within", "summarize", "EFFICIENCY_CYCLES",
           "agent_hit", "design_hit", "wilson", "exact_mcnemar", "paired", "time_to_target"]

EFFICIENCY_CYCLES = 4


def regrets(record: dict[str, Any]) -> np.ndarray:
    return np.array([np.nan if e["regret_deg"] is None else e["regret_deg"]
                     for e in record["evaluations"]], dtype=np.float64)


def cummin(r: np.ndarray) -> np.ndarray:
    """Cumulative minimum ignoring NaN (``inf`` until the first usable regret)."""
    return np.minimum.accumulate(np.where(np.isfinite(r), r, np.inf))


def best_per_cycle(record: dict[str, Any]) -> np.ndarray:
    """Best regret found by the end of each cycle, ``n_cycles`` values."""
    cycles = np.array([e["cycle"] for e in record["evaluations"]])
    cm = cummin(regrets(record))
    return np.array([cm[np.nonzero(cycles <= c)[0][-1]] for c in range(int(cycles.max()) + 1)])


def first_within(record: dict[str, Any], tol: float) -> tuple[int | None, int | None, float | None]:
    """(evaluation, cycle, virtual time) at which the regret first came within ``tol``."""
    for e in record["evaluations"]:
        if e["regret_deg"] is not None and e["regret_deg"] <= tol:
            return e["index"], e["cycle"], e.get("vend")
    return None, None, None


def _mean_std(rows: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    n = min(len(r) for r in rows)
    a = np.array([r[:n] for r in rows], dtype=np.float64)
    a = np.where(np.isfinite(a), a, 30.0)  # no usable twist yet counts as the worst regret
    return a.mean(axis=0), a.std(axis=0)


def summarize(records: list[dict[str, Any]], tol: float) -> dict[str, Any]:
    """Aggregate one (agent, target, batch) group of campaigns (one per seed)."""
    traces = [cummin(regrets(r)) for r in records]
    per_cycle = [best_per_cycle(r) for r in records]
    hits = [first_within(r, tol) for r in records]
    evals_to = [h[0] for h in hits if h[0] is not None]
    cycles_to = [h[1] for h in hits if h[1] is not None]
    vtimes = [h[2] for h in hits if h[2] is not None]
    mean_trace, std_trace = _mean_std(traces)
    mean_cycle, std_cycle = _mean_std(per_cycle)
    k = min(EFFICIENCY_CYCLES, len(mean_cycle) - 1)
    efficiency = float((mean_cycle[0] - mean_cycle[k]) / k) if k > 0 else float("nan")
    final = np.array([t[-1] for t in traces])
    return {
        "n_seeds": len(records),
        "success_rate": len(evals_to) / len(records),
        "evals_to_target_median": float(np.median(evals_to)) if evals_to else None,
        "cycles_to_target_median": float(np.median(cycles_to)) if cycles_to else None,
        "virtual_time_to_target_median": float(np.median(vtimes)) if vtimes else None,
        "final_best_regret_mean": float(np.mean(np.where(np.isfinite(final), final, 30.0))),
        "final_best_regret_std": float(np.std(np.where(np.isfinite(final), final, 30.0))),
        "efficiency_deg_per_cycle": efficiency,
        "mean_trace": mean_trace, "std_trace": std_trace,
        "mean_cycle": mean_cycle, "std_cycle": std_cycle,
        "agent_s_mean": float(np.mean([r["agent_s"] for r in records])),
        "wall_s_mean": float(np.mean([r["wall_s"] for r in records])),
    }


# ---------------------------------------------------------------------- success statistics
def _regret(e: dict[str, Any], target_deg: float, noise_free: bool) -> float | None:
    if not noise_free:
        return e["regret_deg"]
    if e["twist_deg"] is None or e.get("lattice_twist_deg") is None:
        return None
    return abs(e["lattice_twist_deg"] - fold_twist(target_deg))


def agent_hit(record: dict[str, Any], tol: float, noise_free: bool = False) -> int | None:
    """First evaluation (1-based) proposed by the agent (``source == "agent"``) whose regret
    is within ``tol``; hits of the shared initial design are not the agent's.  With
    ``noise_free`` the noise-free twist of the selected state (``lattice_twist_deg``, where
    the backend reports it; crystalline outcomes only) is judged instead."""
    for e in record["evaluations"]:
        r = _regret(e, record["target_deg"], noise_free)
        if e["source"] == "agent" and r is not None and r <= tol:
            return e["index"]
    return None


def design_hit(record: dict[str, Any], tol: float) -> bool:
    """Whether the shared initial design itself landed within ``tol`` (reported apart)."""
    return any(e["source"] == "init" and e["regret_deg"] is not None and e["regret_deg"] <= tol
               for e in record["evaluations"])


def wilson(k: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion ``k / n`` (95 % for the default z)."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


def exact_mcnemar(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value (sign test on the ``b + c`` discordant pairs:
    ``b`` pairs where only the agent succeeded, ``c`` where only the baseline did)."""
    from scipy.stats import binomtest

    n = b + c
    return 1.0 if n == 0 else float(binomtest(b, n, 0.5, alternative="two-sided").pvalue)


def paired(agent: list[dict[str, Any]], baseline: list[dict[str, Any]], tol: float) -> dict[str, Any]:
    """Success of ``agent`` against ``baseline`` on identical (seed, target, batch) campaigns.

    Returns ``n`` pairs, ``both``, ``agent_only`` (b), ``baseline_only`` (c), ``neither`` and
    the exact McNemar ``p``; campaigns without a partner are left out.
    """
    key = lambda r: (r["seed"], r["target_deg"], r["batch"])  # noqa: E731
    base = {key(r): agent_hit(r, tol) is not None for r in baseline}
    pairs = [(agent_hit(r, tol) is not None, base[key(r)]) for r in agent if key(r) in base]
    b = sum(a and not o for a, o in pairs)
    c = sum(o and not a for a, o in pairs)
    both = sum(a and o for a, o in pairs)
    return {"n": len(pairs), "both": both, "agent_only": b, "baseline_only": c,
            "neither": len(pairs) - both - b - c, "p": exact_mcnemar(b, c)}


def time_to_target(records: list[dict[str, Any]], tol: float, budget: int) -> np.ndarray:
    """Fraction of campaigns with an agent hit by evaluation ``n`` (``budget`` values, n = 1
    ... budget); zero over the initial design, whose hits are not credited."""
    first = np.array([agent_hit(r, tol) or budget + 1 for r in records])
    n = np.arange(1, budget + 1)
    return (first[None, :] <= n[:, None]).mean(axis=1)
