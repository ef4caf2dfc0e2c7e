import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import vdwgym  # noqa: F401  (registers the environment)
from vdwgym.envs import ENV_ID
from vdwgym.errors import ValidationError
from vdwgym.testing.backends import FunctionBackend


def make(**kw):
    return gym.make(ENV_ID, **{"budget": 12, **kw})


def test_gymnasium_check_env_without_warnings():
    env = make()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env.unwrapped, skip_render_check=False)


def test_stable_baselines3_check_env_without_warnings():
    sb3_checker = pytest.importorskip("stable_baselines3.common.env_checker")
    env = make().unwrapped
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sb3_checker.check_env(env, warn=True)


def test_spaces_and_units():
    env = make()
    assert env.action_space.shape == (3,) and env.action_space.dtype == np.float32
    obs, info = env.reset(seed=0)
    assert obs.dtype == np.float32 and obs.shape == (5,)
    assert obs[0] == pytest.approx(8.5) and obs[1] == -1 and obs[3] == 30 and obs[4] == 0
    obs, reward, term, trunc, info = env.step(np.zeros(3, dtype=np.float32))
    rec = info["recipe"]
    assert rec["temperature_K"] == pytest.approx(2250.0) and rec["lattice_strain"] == pytest.approx(0.025)
    assert isinstance(reward, float) and isinstance(term, bool) and isinstance(trunc, bool)
    if info["twist_deg"] is not None:
        assert reward == pytest.approx(-abs(info["twist_deg"] - 8.5), abs=1e-6)
        assert obs[1] == pytest.approx(info["twist_deg"], abs=1e-4)


def test_same_seed_same_observations_different_seed_differs():
    def trace(seed):
        env = make()
        env.reset(seed=seed)
        env.action_space.seed(123)
        out = []
        for _ in range(8):
            obs, r, *_ = env.step(env.action_space.sample())
            out.append((obs.tolist(), r))
        return out

    assert trace(1) == trace(1)
    assert trace(1) != trace(2)


def test_goal_conditioned_targets():
    env = make(target_deg=None)
    targets = {round(float(env.reset(seed=s)[0][0]), 6) for s in range(5)}
    assert len(targets) == 5 and all(1.0 <= t <= 29.0 for t in targets)
    obs, _ = env.reset(seed=0, options={"target_deg": 25.0})
    assert obs[0] == 25.0


def test_truncation_at_budget_and_termination_at_tolerance():
    env = gym.make(ENV_ID, backend=FunctionBackend(), budget=3, tolerance_deg=0.1)
    env.reset(seed=0)
    flags = [env.step(np.full(3, -0.9, dtype=np.float32))[2:4] for _ in range(3)]
    assert flags == [(False, False), (False, False), (False, True)]
    # linear_twist: 30 * mean(unit) = 8.5 deg at unit 8.5/30 everywhere.
    env = gym.make(ENV_ID, backend=FunctionBackend(), budget=5, tolerance_deg=0.1)
    env.reset(seed=0)
    a = np.full(3, 2 * 8.5 / 30 - 1, dtype=np.float32)
    _, reward, term, trunc, info = env.step(a)
    assert term and not trunc and reward > -0.1


def test_bad_actions_are_refused():
    env = make()
    env.reset(seed=0)
    with pytest.raises(ValidationError, match="action"):
        env.unwrapped.step(np.array([np.nan, 0, 0]))
    with pytest.raises(ValidationError, match="shape"):
        env.unwrapped.step(np.zeros(4))
    with pytest.raises(ValidationError, match="target_deg"):
        gym.make(ENV_ID, target_deg=40.0)


def test_rgb_array_renders_the_regret_plot_of_a_surrogate_episode():
    from vdwgym.envs.recrystallization import RecrystallizationEnv

    env = RecrystallizationEnv(budget=6, render_mode="rgb_array")
    env.reset(seed=1)
    first = env.render()
    for _ in range(4):
        env.step(env.action_space.sample())
    later = env.render()
    env.close()
    assert first.dtype == np.uint8 and first.shape == later.shape and first.shape[2] == 3
    assert np.abs(later.astype(int) - first.astype(int)).sum() > 0  # the dots were drawn
    assert (later < 100).all(axis=2).mean() > 0.002  # dark marks on white: not blank
