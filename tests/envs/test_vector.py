import gymnasium as gym
import numpy as np

import vdwgym  # noqa: F401
from vdwgym.envs import ENV_ID, RecrystallizationVectorEnv
from vdwgym.testing.backends import FunctionBackend


def test_make_vec_evaluates_q_recipes_per_step():
    envs = gym.make_vec(ENV_ID, num_envs=4, budget=20)
    assert isinstance(envs.unwrapped, RecrystallizationVectorEnv)
    obs, _ = envs.reset(seed=0)
    assert obs.shape == (4, 5)
    envs.action_space.seed(0)
    obs, rewards, term, trunc, info = envs.step(envs.action_space.sample())
    assert envs.unwrapped.lab.n_submitted == 4
    assert rewards.shape == (4,) and info["evaluated"].all()
    assert np.all(obs[:, 4] == np.float32(4 / 20))
    assert len({tuple(r.items()) for r in info["recipe"]}) == 4


def test_step_async_wait_and_same_step_autoreset():
    envs = RecrystallizationVectorEnv(num_envs=3, backend=FunctionBackend(), budget=7)
    envs.reset(seed=1)
    a = np.full((3, 3), -0.9, dtype=np.float32)
    for _ in range(2):
        envs.step_async(a)
        _, _, term, trunc, info = envs.step_wait()
        assert not trunc.any()
    _, _, term, trunc, info = envs.step(a)
    assert trunc.all() and not term.any()
    assert info["evaluated"].tolist() == [True, False, False]
    assert info["final_obs"][0, 4] == np.float32(1.0)
    assert envs.unwrapped.lab.n_submitted == 0


def test_same_seed_same_batches():
    def trace(seed):
        envs = RecrystallizationVectorEnv(num_envs=3, budget=30)
        envs.reset(seed=seed)
        rng = np.random.default_rng(0)
        return [envs.step(rng.uniform(-1, 1, (3, 3)))[1].tolist() for _ in range(4)]

    assert trace(5) == trace(5)
