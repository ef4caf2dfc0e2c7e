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


def hrec(regs, sources, seed=0, target=8.5):
    return {"seed": seed, "target_deg": target, "batch": 2, "evaluations": [
        {"index": i + 1, "source": src, "regret_deg": r, "twist_deg": None if r is None else target + r,
         "lattice_twist_deg": None if r is None else target + r / 2}
        for i, (r, src) in enumerate(zip(regs, sources, strict=True))]}


def test_agent_hit_ignores_design_hits_and_judges_noise_free_on_request():
    from vdwgym.bench.metrics import agent_hit, design_hit

    r = hrec([0.1, 2.0, 0.8, 0.3], ["init", "agent", "agent", "agent"])
    assert agent_hit(r, 0.5) == 4 and design_hit(r, 0.5)
    assert agent_hit(r, 0.5, noise_free=True) == 3  # noise-free regret 0.4 at evaluation 3
    assert agent_hit(hrec([0.1, None], ["init", "agent"]), 0.5) is None


def test_noise_free_success_is_blank_where_the_backend_reports_no_noise_free_twist():
    from vdwgym.bench.report import _success_row

    with_nf = [hrec([2.0, 0.8], ["init", "agent"], seed=s) for s in range(2)]
    cells = _success_row("a", with_nf, [], True, 0.5).split(" | ")
    assert cells[1] == "0/2" and cells[4] == "2/2"  # noise-free regret 0.4 <= 0.5; measured 0.8 is not
    without = [hrec([2.0, 0.8], ["init", "agent"], seed=s) for s in range(2)]
    for r in without:
        for e in r["evaluations"]:
            e["lattice_twist_deg"] = None
    assert _success_row("a", without, [], True, 0.5).split(" | ")[4] == "-"


def test_wilson_interval_known_values():
    from vdwgym.bench.metrics import wilson

    lo, hi = wilson(10, 20)
    assert (round(lo, 4), round(hi, 4)) == (0.2993, 0.7007)  # textbook Wilson 95 % for 10/20
    assert wilson(0, 20)[0] == 0.0 and wilson(20, 20)[1] == 1.0
    assert wilson(0, 20)[1] == pytest.approx(0.1611, abs=1e-4)


def test_exact_mcnemar_and_pairing_on_identical_seeds():
    from vdwgym.bench.metrics import exact_mcnemar, paired

    assert exact_mcnemar(0, 0) == 1.0
    assert exact_mcnemar(6, 0) == pytest.approx(2 * 0.5**6)
    assert exact_mcnemar(9, 6) == pytest.approx(0.6072387695)
    src = ["init", "agent"]
    agent = [hrec([9, 0.1], src, s) for s in range(6)] + [hrec([9, 9], src, 6)]
    base = [hrec([9, 9], src, s) for s in range(6)] + [hrec([9, 0.1], src, 6), hrec([9, 0.1], src, 99)]
    pr = paired(agent, base, 0.5)
    assert (pr["n"], pr["agent_only"], pr["baseline_only"], pr["both"]) == (7, 6, 1, 0)
    assert pr["p"] == pytest.approx(exact_mcnemar(6, 1))


def test_time_to_target_curve_counts_campaigns_that_never_succeed():
    from vdwgym.bench.metrics import time_to_target

    src = ["init", "agent", "agent", "agent"]
    recs = [hrec([0.1, 9, 0.2, 9], src), hrec([9, 0.1, 9, 9], src), hrec([9, 9, 9, 9], src)]
    np.testing.assert_allclose(time_to_target(recs, 0.5, 4), [0, 1 / 3, 2 / 3, 2 / 3])
