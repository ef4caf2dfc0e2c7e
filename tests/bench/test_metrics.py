import numpy as np
import pytest

from vdwgym.bench.metrics import best_per_cycle, cummin, first_within, summarize


def record(regs, cycles, seed=0):
    return {"seed": seed, "agent_s": 0.0, "wall_s": 0.0, "evaluations": [
        {"index": i + 1, "cycle": c, "regret_deg": r, "vend": 10.0 * (i + 1)}
        for i, (r, c) in enumerate(zip(regs, cycles, strict=True))]}


def test_cummin_ignores_missing():
    np.testing.assert_array_equal(cummin(np.array([np.nan, 3.0, np.nan, 1.0, 2.0])), [np.inf, 3, 3, 1, 1])


def test_per_cycle_first_within_and_efficiency():
    a = record([5, 4, 3, None, 2, 0.05, 1, 1, 1, 1, 1, 1], [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5])
    b = record([6, 6, 6, 6, 4, 4, 4, 4, 2, 2, 2, 2], [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5], seed=1)
    np.testing.assert_array_equal(best_per_cycle(a), [4, 3, 0.05, 0.05, 0.05, 0.05])
    assert first_within(a, 0.1) == (6, 2, 60.0)
    assert first_within(b, 0.1) == (None, None, None)
    s = summarize([a, b], 0.1)
    assert s["success_rate"] == 0.5 and s["evals_to_target_median"] == 6
    # mean best per cycle: c0 = (4 + 6) / 2 = 5, c4 = (0.05 + 2) / 2 = 1.025
    assert s["efficiency_deg_per_cycle"] == pytest.approx((5 - 1.025) / 4)
    assert s["final_best_regret_mean"] == pytest.approx((0.05 + 2) / 2)
