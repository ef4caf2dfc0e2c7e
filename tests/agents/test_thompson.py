"""ts specifics: chunked pathwise evaluation, pending fantasies, no duplicate candidates."""

import json

import numpy as np

from vdwgym.agents import make
from vdwgym.space import PAPER_SPACE
from vdwgym.testing import TwistLandscape, run_batches

TARGET = 8.5


def unit(recipes):
    return PAPER_SPACE.to_unit(PAPER_SPACE.to_array(recipes))


def warm(seed=3, **options):
    a = make("ts", space=PAPER_SPACE, target_deg=TARGET, seed=seed, **options)
    run_batches(a, TwistLandscape(PAPER_SPACE), 2, 4)
    return a


def test_chunking_does_not_change_proposals():
    a = warm(n_candidates=3000, chunk=3000)
    b = warm(n_candidates=3000, chunk=257)
    np.testing.assert_allclose(unit(a.ask(5)), unit(b.ask(5)), atol=0)


def test_batch_has_no_duplicate_candidates():
    U = unit(warm(n_candidates=200).ask(20))
    assert len(np.unique(U, axis=0)) == 20


def test_pending_fantasies_move_samples_away_from_running_recipes():
    """With the running recipes conditioned on, the new batch lies farther from them."""
    a = warm()
    state = json.loads(json.dumps(a.state_dict()))
    first = unit(a.ask(6))
    b = make("ts", space=PAPER_SPACE, target_deg=TARGET, seed=0)
    b.load_state_dict(state)
    again = unit(b.ask(6, pending=PAPER_SPACE.to_recipes(PAPER_SPACE.from_unit(first))))
    # same seed, same candidates: without pending b would return `first` exactly
    c = make("ts", space=PAPER_SPACE, target_deg=TARGET, seed=0)
    c.load_state_dict(state)
    np.testing.assert_array_equal(unit(c.ask(6)), first)
    dist = np.linalg.norm(again[:, None] - first[None], axis=-1).min(axis=1)
    assert np.median(dist) > 0.01
