import pytest

pytest.importorskip("stable_baselines3")


@pytest.fixture(scope="session")
def ppo_policy(tmp_path_factory):
    """A tiny PPO policy trained through the CLI (a few hundred steps, budget 20)."""
    from vdwgym.cli import main

    out = tmp_path_factory.mktemp("ppo")
    rc = main(["train-rl", "--algo", "ppo", "--steps", "256", "--seed", "1", "--budget", "20",
               "--algo-option", "n_steps=128", "--algo-option", "batch_size=64",
               "--algo-option", 'policy_kwargs={"net_arch": [32, 32]}', "--out", str(out)])
    assert rc == 0
    return out / "policy.zip"
