"""The lab as a gest-api evaluator: points in, points with outputs merged out, through the
lab's budget and seeds."""

from __future__ import annotations

import math

import pytest

from vdwgym.backends.surrogate import SurrogateBackend
from vdwgym.gest import LabEvaluator
from vdwgym.lab import Lab
from vdwgym.seeding import evaluation_seed

POINTS = [{"temperature_K": 2000.0, "lattice_strain": 0.02, "shear_strain": 0.056, "_id": 7},
          {"temperature_K": 2600.0, "lattice_strain": 0.01, "shear_strain": 0.057, "_id": 8}]


def test_lab_evaluator_merges_outputs_and_keeps_ids():
    lab = Lab(SurrogateBackend(), target_deg=8.5, budget=3, seed=5)
    results = LabEvaluator(lab).evaluate(POINTS)
    local = Lab(SurrogateBackend(), target_deg=8.5, budget=3, seed=5).evaluate(
        [{k: p[k] for k in ("temperature_K", "lattice_strain", "shear_strain")} for p in POINTS])
    for p, r, o in zip(POINTS, results, local, strict=True):
        assert {k: r[k] for k in p} == p
        assert r["failed"] == (0.0 if o.ok else 1.0)
        if o.ok:
            assert r["twist_deg"] == o.twist_deg and r["regret_deg"] == pytest.approx(abs(o.twist_deg - 8.5))
        else:
            assert math.isnan(r["twist_deg"])
    assert [e.seed for e in lab.evaluations] == [evaluation_seed(5, i) for i in range(2)]
    one = LabEvaluator(lab)(POINTS[0])
    assert set(one) == {"regret_deg", "twist_deg", "order", "failed"}
    from vdwgym.errors import BudgetExhausted

    with pytest.raises(BudgetExhausted):
        LabEvaluator(lab).evaluate(POINTS)
