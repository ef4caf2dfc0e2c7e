import json

import numpy as np
import pytest

from vdwgym import agents
from vdwgym.campaign import Campaign, CampaignConfig
from vdwgym.envs.recrystallization import RecrystallizationEnv
from vdwgym.errors import ValidationError
from vdwgym.rl import policy as policy_module
from vdwgym.rl.observation import scale_observation
from vdwgym.space import PAPER_SPACE


def make_agent(policy, seed=0, **kw):
    return agents.make("rl", space=PAPER_SPACE, target_deg=12.0, seed=seed, policy=str(policy), **kw)


def test_registered_and_budget_defaults_to_training_budget(ppo_policy):
    assert "rl" in agents.names()
    assert make_agent(ppo_policy).budget == 20
    assert make_agent(ppo_policy, budget=60).budget == 60


def test_observation_matches_the_environment(ppo_policy):
    """Told the env's outcomes, the agent rebuilds the env's observation, step by step."""
    env = RecrystallizationEnv(target_deg=12.0, budget=20)
    obs, _ = env.reset(seed=3)
    agent = make_agent(ppo_policy)
    np.testing.assert_array_equal(agent.observation(), obs)
    rng = np.random.default_rng(0)
    n_ok = 0
    for _ in range(20):
        obs, *_ = env.step(rng.uniform(-1, 1, 3).astype(np.float32))
        e = env.lab.evaluations[-1]
        agent.tell([e.recipe], [e.outcome])
        n_ok += e.outcome.ok
        np.testing.assert_allclose(agent.observation(), obs, rtol=0, atol=1e-6)
    assert 0 < n_ok  # the comparison covered evaluations with a twist


def test_same_seed_same_recipes_after_reload(ppo_policy):
    a = make_agent(ppo_policy, seed=5).ask(5)
    policy_module._load.cache_clear()  # the second agent loads the files again
    b = make_agent(ppo_policy, seed=5).ask(5)
    c = make_agent(ppo_policy, seed=6).ask(5)
    assert a == b and a != c
    assert len(set(a)) == 5


def test_deterministic_agent_proposes_the_mode(ppo_policy):
    agent = make_agent(ppo_policy, deterministic=True)
    recipes = agent.ask(3)
    assert recipes[0] == recipes[1] == recipes[2]
    mode = agent.policy.model.predict(scale_observation(agent.observation()), deterministic=True)[0]
    np.testing.assert_allclose(PAPER_SPACE.to_action(PAPER_SPACE.to_array(recipes[:1]))[0], mode,
                               atol=1e-6)


def test_state_dict_roundtrip_continues_identically(ppo_policy):
    camp = Campaign(CampaignConfig(agent="rl", agent_options={"policy": str(ppo_policy)},
                                   target_deg=12.0, budget=15, batch=5, n_init=5, seed=2,
                                   stop_at_target=False))
    camp.run()
    state = json.loads(json.dumps(camp.agent.state_dict()))
    other = make_agent(ppo_policy, seed=99)
    other.load_state_dict(state)
    assert other.ask(4) == camp.agent.ask(4)


def test_campaign_with_rl_agent_is_reproducible(ppo_policy):
    def run():
        cfg = CampaignConfig(agent="rl", agent_options={"policy": str(ppo_policy), "budget": 20},
                             target_deg=15.0, budget=20, batch=5, n_init=5, seed=1,
                             stop_at_target=False)
        return Campaign(cfg).run()

    r1, r2 = run(), run()
    assert len(r1.evaluations) == 20
    assert [e.recipe for e in r1.evaluations] == [e.recipe for e in r2.evaluations]
    assert [e.source for e in r1.evaluations].count("agent") == 15


def test_space_mismatch_is_refused(ppo_policy):
    other = PAPER_SPACE.with_bounds(temperature_K=(1500.0, 3000.0))
    with pytest.raises(ValidationError) as err:
        agents.make("rl", space=other, target_deg=8.5, seed=0, policy=str(ppo_policy))
    assert err.value.field == "space"


def test_async_campaign_counts_pending_in_budget_used(ppo_policy):
    cfg = CampaignConfig(agent="rl", agent_options={"policy": str(ppo_policy)}, target_deg=20.0,
                         budget=18, batch=3, n_init=3, mode="async", seed=4, stop_at_target=False)
    camp = Campaign(cfg)
    result = camp.run()
    assert len(result.evaluations) == 18
    agent = camp.agent
    assert len(agent.obs) == 18 and len(agent.orders) == 18
    assert agent.observation(n_pending=2)[4] == pytest.approx(1.0)
    assert agent.observation()[4] == pytest.approx(18 / 20)  # the policy's training budget
