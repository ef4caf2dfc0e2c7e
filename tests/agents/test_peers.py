"""Peer agents (the 'peers' extra): a resumed campaign continues with the proposals an
uninterrupted one makes; the batch is spread by the constant liar (Optuna) or by pending
trials (Ax); design and told trials attached, failures as failed trials."""

import importlib.util

import numpy as np
import pytest

optuna = pytest.importorskip("optuna", reason="the 'peers' extra (optuna) is not installed")

from vdwgym.agents import make  # noqa: E402
from vdwgym.campaign import Campaign, CampaignConfig  # noqa: E402
from vdwgym.space import PAPER_SPACE  # noqa: E402
from vdwgym.testing import TwistLandscape, run_batches  # noqa: E402
from vdwgym.testing.backends import FunctionBackend  # noqa: E402

# optuna-gp refits its GP for every trial of a batch (about a minute here): marked slow.
# n_startup_trials=4 < n_init: both agent cycles use the sampler's model, not its random start.
# ax: a design of 6 >= Ax's initialization budget of 5, so every agent cycle uses its model.
SIZES = {"optuna-tpe": dict(budget=40, batch=6, n_init=6),
         "optuna-gp": dict(budget=14, batch=4, n_init=6),
         "ax": dict(budget=18, batch=4, n_init=6)}
OPTIONS = {"optuna-tpe": {"n_startup_trials": 4}, "optuna-gp": {"n_startup_trials": 4}, "ax": {}}
needs_ax = pytest.mark.skipif(importlib.util.find_spec("ax") is None,
                              reason="the 'peers' extra (ax-platform) is not installed")
ax_param = pytest.param("ax", marks=needs_ax)


@pytest.mark.parametrize("name", ["optuna-tpe", pytest.param("optuna-gp", marks=pytest.mark.slow), ax_param])
def test_resumed_campaign_continues_like_an_uninterrupted_one(tmp_path, name):
    cfg = CampaignConfig(agent=name, stop_at_target=False, seed=4, agent_options=OPTIONS[name],
                         **SIZES[name])
    ref = Campaign(cfg, None, backend=FunctionBackend()).run()
    part = Campaign(cfg, tmp_path / "c.sqlite", backend=FunctionBackend())
    part.config.max_wall_s = 1e-9  # stops after the first agent cycle
    assert len(part.run().evaluations) < cfg.budget
    resumed = Campaign.resume(tmp_path / "c.sqlite", backend=FunctionBackend())
    resumed.config.max_wall_s = None
    res = resumed.run()
    assert [(e.recipe, e.seed) for e in res.evaluations] == [(e.recipe, e.seed) for e in ref.evaluations]
    agent_recipes = [e.recipe for e in ref.evaluations if e.source == "agent"]
    assert len(set(map(tuple, (r.values() for r in agent_recipes)))) > 1


def test_tpe_batch_is_spread_by_the_constant_liar_and_sees_told_design():
    a = make("optuna-tpe", space=PAPER_SPACE, target_deg=8.5, seed=0, n_startup_trials=5)
    run_batches(a, TwistLandscape(PAPER_SPACE), 2, 8)  # told recipes become completed trials
    study = a._study(0, PAPER_SPACE.to_unit(PAPER_SPACE.to_array(a.ask(3))))
    states = [t.state for t in study.trials]
    assert states.count(optuna.trial.TrialState.COMPLETE) == 16
    assert states.count(optuna.trial.TrialState.RUNNING) == 3
    batch = PAPER_SPACE.to_unit(PAPER_SPACE.to_array(a.ask(10)))
    assert len({tuple(x) for x in batch.round(6)}) == 10


@needs_ax
def test_ax_attaches_told_failed_and_pending_trials_and_fills_the_batch():
    a = make("ax", space=PAPER_SPACE, target_deg=8.5, seed=0)
    landscape = TwistLandscape(PAPER_SPACE, fail_corner=True)
    run_batches(a, landscape, 2, 4)  # 8 told recipes, then 2 in the non-crystalline corner
    corner = PAPER_SPACE.to_recipes(PAPER_SPACE.from_unit(np.array([[0.9, 0.9, 0.5], [0.95, 0.85, 0.1]])))
    a.tell(corner, landscape.evaluate(corner))
    n_failed = int((~a.obs.ok).sum())
    assert n_failed >= 2
    pending = PAPER_SPACE.to_unit(PAPER_SPACE.to_array(a.ask(3)))
    status = list(a._client(0, pending).summarize()["trial_status"])
    assert status.count("COMPLETED") == 10 - n_failed
    assert status.count("FAILED") == n_failed
    assert status.count("RUNNING") == 3
    batch = PAPER_SPACE.to_unit(PAPER_SPACE.to_array(a.ask(7, pending=PAPER_SPACE.to_recipes(
        PAPER_SPACE.from_unit(pending)))))
    assert batch.shape == (7, 3)
    assert len({tuple(x) for x in np.round(np.vstack([batch, pending]), 6)}) == 10
