import csv
import json
import subprocess
import sys

import numpy as np
import pytest

from vdwgym.errors import ValidationError
from vdwgym.rl.policy import algorithm_class, load_policy
from vdwgym.rl.training import TrainConfig, make_env, train


def test_cli_training_writes_policy_and_record(ppo_policy):
    meta = json.loads(ppo_policy.with_suffix(".json").read_text())
    assert meta["algo"] == "ppo" and meta["seed"] == 1 and meta["steps"] == 256
    assert meta["reward"] == "improvement"
    assert meta["env_steps"] >= 256 and meta["wall_time_s"] > 0
    assert meta["env_kwargs"]["target_deg"] is None and meta["env_kwargs"]["budget"] == 20
    assert meta["backend"]["name"] == "surrogate" and "nx" in meta["backend"]
    assert meta["algo_kwargs"]["n_steps"] == 128 and meta["vdwgym_version"]
    with open(ppo_policy.parent / "episodes.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == meta["episodes"] > 0
    assert all(1 <= int(r["length"]) <= 20 for r in rows)
    # an episode that did not reach the tolerance used the whole budget
    assert all(int(r["length"]) == 20 for r in rows if r["reached"] == "False")


def test_sac_short_training_is_reproducible(tmp_path):
    kw = {"learning_starts": 50, "batch_size": 32, "policy_kwargs": {"net_arch": [32, 32]}}
    cfg = TrainConfig(algo="sac", steps=150, seed=4, budget=15, algo_kwargs=kw)
    a = train(cfg, tmp_path / "a")
    b = train(cfg, tmp_path / "b")
    assert a.env_steps == b.env_steps == 150
    pa, pb = load_policy(a.policy_path), load_policy(b.policy_path)
    for (ka, va), (kb, vb) in zip(pa.model.policy.state_dict().items(),
                                  pb.model.policy.state_dict().items(), strict=True):
        assert ka == kb
        assert np.array_equal(va.numpy(), vb.numpy()), ka


def test_reloaded_policy_acts_like_the_sb3_model(ppo_policy):
    policy = load_policy(ppo_policy)
    fresh = algorithm_class("ppo").load(ppo_policy, device="cpu")
    env = make_env(TrainConfig(algo="ppo", budget=20))
    obs, _ = env.reset(seed=0)
    for _ in range(5):
        mode = policy.act(obs, np.random.default_rng(0), deterministic=True)[0]
        expected, _ = fresh.predict(obs, deterministic=True)
        np.testing.assert_allclose(mode, expected, rtol=0, atol=1e-6)
        obs, *_ = env.step(policy.act(obs, np.random.default_rng(1))[0].astype(np.float32))


def test_stochastic_actions_come_from_the_generator(ppo_policy):
    policy = load_policy(ppo_policy)
    obs = make_env(TrainConfig(algo="ppo", budget=20)).reset(seed=0)[0]
    a1 = policy.act(obs, np.random.default_rng(7), n=6)
    a2 = policy.act(obs, np.random.default_rng(7), n=6)
    a3 = policy.act(obs, np.random.default_rng(8), n=6)
    assert a1.shape == (6, 3) and np.all(np.abs(a1) <= 1)
    assert np.array_equal(a1, a2) and not np.array_equal(a1, a3)
    assert len(np.unique(a1, axis=0)) == 6


@pytest.mark.parametrize("field, kw", [
    ("algo", {"algo": "dqn"}),
    ("steps", {"steps": 0}),
    ("target_range_deg", {"target_range_deg": (20.0, 10.0)}),
    ("target_range_deg", {"target_range_deg": (0.0, 31.0)}),
    ("algo_kwargs", {"algo_kwargs": {"seed": 3}}),
])
def test_config_refuses_bad_values(field, kw):
    with pytest.raises(ValidationError) as err:
        TrainConfig(**kw)
    assert err.value.field == field


@pytest.mark.parametrize("name", ["nothing.zip", ""])
def test_missing_policy_is_a_validation_error(tmp_path, name):
    with pytest.raises(ValidationError) as err:
        load_policy(tmp_path / name if name else name)
    assert err.value.field == "policy"


def test_importing_agents_and_rl_does_not_import_stable_baselines3():
    code = ("import sys, vdwgym.agents, vdwgym.rl, vdwgym.rl.training, vdwgym.cli.train_rl; "
            "sys.exit('stable_baselines3' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
