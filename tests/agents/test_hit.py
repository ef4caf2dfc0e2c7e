"""hit: state grouping, the hit-probability model, repeats, pending points, resumption."""

import json

import numpy as np
import pytest

from vdwgym.agents import make
from vdwgym.agents.hit import group_states
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


def test_group_states_splits_at_gaps_and_labels_failures():
    labels = group_states(np.array([10.9, 5.5, np.nan, 5.52, 10.95, 25.3]), 0.3)
    assert labels[2] == -1
    assert labels[1] == labels[3] and labels[0] == labels[4]
    assert len({labels[1], labels[0], labels[5]}) == 3


def test_diverse_region_scores_above_a_dominated_one_before_any_hit():
    a = make("hit", space=PAPER_SPACE, target_deg=TARGET, seed=0)
    rng = np.random.default_rng(1)
    U = rng.random((60, 3))
    recipes = PAPER_SPACE.to_recipes(PAPER_SPACE.from_unit(U))
    twists = np.where(U[:, 0] > 0.8, rng.choice([2.0, 11.0, 18.0], size=60), 11.0)
    a.tell(recipes, [Outcome(Status.OK, r, seed=0, twist_deg=float(t), crystalline=True)
                     for r, t in zip(recipes, twists, strict=True)])
    p = a.hit_probability(np.array([[0.9, 0.5, 0.5], [0.3, 0.5, 0.5]]))
    assert p[0] > 2 * p[1]


def test_finds_the_rare_state_region_and_repeats_recipes_there():
    a = make("hit", space=PAPER_SPACE, target_deg=TARGET, seed=4)
    props = run(a, RareStateLab(0), 6, 10)
    late = np.vstack(props[3:])
    assert (late[:, 0] > 0.8).mean() > 0.8  # the region is 20 % of the cube
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
    """Pending points are fantasies at the model's mean: repeats stay the best bet."""
    a = make("hit", space=PAPER_SPACE, target_deg=TARGET, seed=4)
    run(a, RareStateLab(0), 6, 10)
    state = json.loads(json.dumps(a.state_dict()))
    free = unit(a.ask(5))
    top = free[np.argmax([np.sum(np.all(free == f, axis=1)) for f in free])]
    a.load_state_dict(state)
    busy = unit(a.ask(5, pending=PAPER_SPACE.to_recipes(PAPER_SPACE.from_unit(np.tile(top, (4, 1))))))
    assert np.mean(busy[:, 0] > 0.8) >= 0.8
    assert np.any(np.all(np.isclose(busy, top), axis=1))


def test_failed_outcomes_are_misses():
    a = make("hit", space=PAPER_SPACE, target_deg=TARGET, seed=0)
    recipes = PAPER_SPACE.to_recipes(PAPER_SPACE.from_unit(np.full((4, 3), 0.5)))
    a.tell(recipes, [Outcome(Status.FAILED, r, seed=0) for r in recipes])
    assert a.ask(3) and a.hit_probability(np.full((1, 3), 0.5))[0] < a.g0


@pytest.mark.parametrize("opt", [{"tolerance_deg": 0.0}, {"lengthscale": -1.0}, {"n_sobol": 0},
                                 {"concentration": 0.0}, {"state_width_deg": 0.0}])
def test_bad_options_are_refused(opt):
    with pytest.raises(ValidationError) as info:
        make("hit", space=PAPER_SPACE, target_deg=TARGET, seed=0, **opt)
    assert info.value.field == next(iter(opt))
