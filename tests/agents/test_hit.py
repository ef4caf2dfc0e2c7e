"""hit: state grouping, the hit-probability model, repeats, pending points, resumption."""

import json

import numpy as np
import pytest

from vdwgym.agents import make
from vdwgym.agents.hit import boundary_points, hit_labels
from vdwgym.errors import ValidationError
from vdwgym.outcome import Outcome, Status
from vdwgym.space import PAPER_SPACE

TARGET = 8.5


def unit(recipes):
    return PAPER_SPACE.to_unit(PAPER_SPACE.to_array(recipes))


class RareStateLab:
    """Discrete stochastic twists: for temperature (unit) > 0.8 one of 2.0 / 11.0 / 18.0 /
    8.4 deg with probabilities 0.4 / 0.3 / 0.2 / 0.1 (8.4 is the rare target state); below,
    always 11.0 deg.  Seeded per evaluation, like the real labs."""

    def __init__(self, seed=0):
        self.rng = np.random.default_rng(seed)

    def evaluate(self, recipes):
        out = []
        for r, u in zip(recipes, unit(recipes), strict=True):
            t = self.rng.choice([2.0, 11.0, 18.0, 8.4], p=[0.4, 0.3, 0.2, 0.1]) if u[0] > 0.8 else 11.0
            out.append(Outcome(Status.OK, r, seed=0, twist_deg=float(t), crystalline=True))
        return out


def run(agent, lab, n_batches, q):
    proposals = []
    for _ in range(n_batches):
        recipes = agent.ask(q)
        agent.tell(recipes, lab.evaluate(recipes))
        proposals.append(unit(recipes))
    return proposals


def test_hit_labels_are_the_target_window_and_failures_miss():
    h = hit_labels(np.array([8.0, 10.6, np.nan, 6.5, 8.5]), 8.5, 2.0)
    np.testing.assert_array_equal(h, [1.0, 0.0, 0.0, 1.0, 1.0])


def test_boundary_points_lie_on_the_boundary_and_keep_the_other_coordinates():
    rng = np.random.default_rng(0)
    U = np.random.default_rng(1).uniform(0.1, 0.9, (500, 3))
    B = boundary_points(U, rng)
    on = (B == 0.0) | (B == 1.0)
    assert on.any(axis=1).all()
    np.testing.assert_array_equal(B[~on], U[~on])
    assert 0.3 < on.mean() < 0.7  # each coordinate snapped with probability ~1/2 (at least one)


def test_hit_probability_is_high_where_hits_were_seen_and_low_on_a_plateau():
    """The plateau trap of a regret model: a near-miss state everywhere (10.9 deg, 2.4 deg
    from the target) and hits only in one corner; the hit model ranks the corner first."""
    a = make("hit", space=PAPER_SPACE, target_deg=TARGET, seed=0, tolerance_deg=2.0)
    rng = np.random.default_rng(1)
    U = rng.random((60, 3))
    corner = (U[:, 0] < 0.25) & (U[:, 1] > 0.75)
    twist = np.where(corner & (rng.random(60) < 0.6), 6.6, 10.9)
    recipes = PAPER_SPACE.to_recipes(PAPER_SPACE.from_unit(U))
    a.tell(recipes, [Outcome(Status.OK, r, seed=0, twist_deg=float(t), crystalline=True)
                     for r, t in zip(recipes, twist, strict=True)])
    p = a.hit_probability(np.array([[0.1, 0.9, 0.5], [0.6, 0.4, 0.5]]))
    assert p[0] > 0.3 and p[1] < 0.1


def test_finds_the_rare_state_region_and_repeats_recipes_there():
    a = make("hit", space=PAPER_SPACE, target_deg=TARGET, seed=4)
    props = run(a, RareStateLab(0), 6, 10)
    late = np.vstack(props[3:])
    assert (late[:, 0] > 0.8).mean() > 0.5  # the region is 20 % of the cube
    hits = np.abs(a.obs.twist - TARGET) <= 0.5
    assert hits.sum() >= 3
    assert len(np.unique(late, axis=0)) < len(late)  # exact repeats of a recipe


def test_state_dict_round_trip_continues_identically():
    a = make("hit", space=PAPER_SPACE, target_deg=TARGET, seed=2)
    run(a, RareStateLab(1), 2, 5)
    state = json.loads(json.dumps(a.state_dict()))
    b = make("hit", space=PAPER_SPACE, target_deg=TARGET, seed=99)
    b.load_state_dict(state)
    np.testing.assert_array_equal(unit(a.ask(7)), unit(b.ask(7)))


def test_running_copies_of_the_best_recipe_do_not_push_the_batch_away():
    """Pending points are fantasies at the model's mean: they shrink the samples' spread
    there without lowering the mean, so the batch stays in the region that hits."""
    a = make("hit", space=PAPER_SPACE, target_deg=TARGET, seed=4)
    run(a, RareStateLab(0), 6, 10)
    state = json.loads(json.dumps(a.state_dict()))
    free = unit(a.ask(5))
    top = free[np.argmax([np.sum(np.all(free == f, axis=1)) for f in free])]
    a.load_state_dict(state)
    busy = unit(a.ask(5, pending=PAPER_SPACE.to_recipes(PAPER_SPACE.from_unit(np.tile(top, (4, 1))))))
    assert np.mean(busy[:, 0] > 0.8) >= 0.8


def test_failed_outcomes_are_misses():
    a = make("hit", space=PAPER_SPACE, target_deg=TARGET, seed=0)
    recipes = PAPER_SPACE.to_recipes(PAPER_SPACE.from_unit(np.full((4, 3), 0.5)))
    a.tell(recipes, [Outcome(Status.FAILED, r, seed=0) for r in recipes])
    assert len(a.ask(3)) == 3
    np.testing.assert_array_equal(a.labels(), np.zeros(4))


def test_a_campaign_offers_its_tolerance_and_options_override_it():
    from vdwgym.campaign import Campaign, CampaignConfig

    cfg = CampaignConfig(agent="hit", target_deg=TARGET, budget=4, n_init=4, batch=4,
                         tolerance_deg=1.25, seed=0)
    assert Campaign(cfg).agent.tolerance_deg == 1.25
    cfg = CampaignConfig(agent="hit", target_deg=TARGET, budget=4, n_init=4, batch=4,
                         tolerance_deg=1.25, seed=0, agent_options={"tolerance_deg": 0.5})
    assert Campaign(cfg).agent.tolerance_deg == 0.5


@pytest.mark.parametrize("opt", [{"tolerance_deg": 0.0}, {"n_sobol": 0}, {"local_sd": 0.0},
                                 {"min_ok": 1}, {"boundary": 1}])
def test_bad_options_are_refused(opt):
    with pytest.raises(ValidationError) as info:
        make("hit", space=PAPER_SPACE, target_deg=TARGET, seed=0, **opt)
    assert info.value.field.split(".")[-1] == next(iter(opt))
