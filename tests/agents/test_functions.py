"""The known-optimum twist landscape used to test agents."""

import numpy as np
import pytest

from vdwgym.space import PAPER_SPACE
from vdwgym.testing import TwistLandscape


def test_twist_in_range_and_increasing_in_first_dimension():
    L = TwistLandscape(PAPER_SPACE)
    rng = np.random.default_rng(0)
    U = rng.random((2000, 3))
    tw = L.twist(U)
    assert np.all((tw > 0) & (tw < 30))
    U2 = U.copy()
    U2[:, 0] = np.minimum(U[:, 0] + 0.01, 1.0)
    assert np.all(L.twist(U2)[U2[:, 0] > U[:, 0]] > tw[U2[:, 0] > U[:, 0]])


@pytest.mark.parametrize("target", [3.0, 8.5, 15.0, 25.0])
def test_solve_reaches_target(target):
    L = TwistLandscape(PAPER_SPACE)
    u = L.solve(target, [0.5, 0.75])
    assert 0 <= u[0] <= 1
    assert abs(float(L.twist(u)) - target) < 1e-8


def test_fail_corner_gives_non_crystalline_outcomes():
    L = TwistLandscape(PAPER_SPACE, fail_corner=True)
    recipes = PAPER_SPACE.to_recipes(PAPER_SPACE.from_unit(np.array([[0.95, 0.9, 0.5], [0.2, 0.9, 0.5]])))
    bad, good = L.evaluate(recipes)
    assert not bad.ok and bad.twist_deg is None
    assert good.ok and good.twist_deg == pytest.approx(float(L.twist(np.array([0.2, 0.9, 0.5]))))


def test_noise_depends_on_seed_and_evaluation_index():
    recipes = PAPER_SPACE.to_recipes(PAPER_SPACE.from_unit(np.full((3, 3), 0.5)))
    a = [o.twist_deg for o in TwistLandscape(PAPER_SPACE, noise_deg=0.5, seed=1).evaluate(recipes)]
    b = [o.twist_deg for o in TwistLandscape(PAPER_SPACE, noise_deg=0.5, seed=1).evaluate(recipes)]
    c = [o.twist_deg for o in TwistLandscape(PAPER_SPACE, noise_deg=0.5, seed=2).evaluate(recipes)]
    assert a == b
    assert a != c
    assert len(set(a)) == 3
