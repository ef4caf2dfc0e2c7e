import numpy as np
import pytest

from vdwgym.errors import BudgetExhausted, ValidationError
from vdwgym.lab import ALL_COMPLETED, FIRST_COMPLETED, Lab
from vdwgym.seeding import evaluation_seed
from vdwgym.store import Store
from vdwgym.testing.backends import FunctionBackend

GOOD = {"temperature_K": 2000.0, "lattice_strain": 0.01, "shear_strain": 0.056}


def test_seeds_indices_and_budget(tmp_path):
    lab = Lab(FunctionBackend(), target_deg=8.5, budget=3, seed=42, store=Store(tmp_path / "s.sqlite"))
    outs = lab.evaluate([GOOD, GOOD])
    assert [o.seed for o in outs] == [evaluation_seed(42, 0), evaluation_seed(42, 1)]
    with pytest.raises(BudgetExhausted, match="2 recipes requested, 1 of 3 left"):
        lab.launch([GOOD, GOOD])
    assert lab.n_submitted == 2 and lab.store.n_evaluations() == 2


def test_bad_recipe_in_batch_writes_nothing(tmp_path):
    st = Store(tmp_path / "s.sqlite")
    lab = Lab(FunctionBackend(), target_deg=8.5, budget=10, seed=0, store=st)
    with pytest.raises(ValidationError, match="shear_strain"):
        lab.launch([GOOD, dict(GOOD, shear_strain=0.2)])
    assert st.n_evaluations() == 0 and lab.n_submitted == 0


def test_submit_future_is_recorded(tmp_path):
    st = Store(tmp_path / "s.sqlite")
    lab = Lab(FunctionBackend(), target_deg=8.5, budget=5, seed=0, store=st)
    out = lab.submit(GOOD).result(timeout=10)
    assert out.ok and st.evaluations()[0].status == "done"
    assert lab.best_regret == pytest.approx(abs(out.twist_deg - 8.5))


def test_virtual_clock_orders_by_simulated_finish():
    lab = Lab(FunctionBackend(runtime_median_s=100.0, runtime_sigma=1.0), target_deg=8.5, budget=20,
              seed=3, clock="virtual")
    evals = lab.launch([GOOD] * 6)
    order = []
    while lab.running:
        order += lab.wait(return_when=FIRST_COMPLETED)
    ends = [e.vend for e in order]
    assert ends == sorted(ends) and len(order) == 6
    assert {e.idx for e in order} == {e.idx for e in evals}
    runtimes = [e.outcome.details["runtime_s"] for e in order]
    assert lab.vnow == pytest.approx(max(runtimes))
    assert len(set(runtimes)) == 6
    lab.launch([GOOD])
    (last,) = lab.wait(return_when=ALL_COMPLETED)
    assert last.vstart == pytest.approx(max(runtimes))


def test_constructor_checks():
    with pytest.raises(ValidationError, match="budget"):
        Lab(FunctionBackend(), target_deg=8.5, budget=0, seed=0)
    with pytest.raises(ValidationError, match="target_deg"):
        Lab(FunctionBackend(), target_deg=np.nan, budget=1, seed=0)
    with pytest.raises(ValidationError, match="clock"):
        Lab(FunctionBackend(), target_deg=8.5, budget=1, seed=0, clock="wall")


class RaisingBackend(FunctionBackend):
    """A backend whose futures fail (an infrastructure error) or are cancelled."""

    def submit(self, recipe, seed, key=None):
        import concurrent.futures as cf

        fut = cf.Future()
        if seed % 2:
            fut.cancel()
            fut.set_running_or_notify_cancel()  # what an executor does for a cancelled task
        else:
            fut.set_exception(RuntimeError("node lost"))
        return fut


def test_raising_and_cancelled_futures_are_recorded_as_outcomes(tmp_path):
    st = Store(tmp_path / "s.sqlite")
    lab = Lab(RaisingBackend(), target_deg=8.5, budget=8, seed=0, store=st)
    outs = lab.evaluate([GOOD] * 8)
    statuses = {o.status.value for o in outs}
    assert statuses <= {"failed", "cancelled"} and len(statuses) == 2
    assert all(o.error for o in outs) and any("node lost" in o.error for o in outs)
    assert [r.status for r in st.evaluations()] == ["done"] * 8
