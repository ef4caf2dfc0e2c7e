import numpy as np
import pytest

from vdwgym.rl.training import TrainConfig, make_env


@pytest.mark.parametrize("target", [None, 15.0])
def test_improvement_return_is_start_minus_final_best_regret(target):
    env = make_env(TrainConfig(budget=25, reward="improvement"))
    env.reset(seed=2, options=None if target is None else {"target_deg": target})
    rng = np.random.default_rng(2)
    rewards, regrets, done = [], [], False
    while not done:
        _, reward, terminated, truncated, info = env.step(rng.uniform(-1, 1, 3).astype(np.float32))
        assert reward >= 0.0
        rewards.append(reward)
        if info["regret_deg"] is not None:
            regrets.append(info["regret_deg"])
        done = terminated or truncated
    assert regrets
    assert sum(rewards) == pytest.approx(30.0 - min(regrets), abs=1e-9)
    assert sum(r > 0 for r in rewards) >= 1


def test_regret_reward_is_the_environments():
    env = make_env(TrainConfig(budget=10, reward="regret"))
    env.reset(seed=0)
    _, reward, _, _, info = env.step(np.zeros(3, dtype=np.float32))
    expected = -info["regret_deg"] if info["regret_deg"] is not None else -30.0
    assert reward == pytest.approx(expected)
