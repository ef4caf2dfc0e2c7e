"""Train goal-conditioned stable-baselines3 policies on ``vdwgym/Recrystallization-v0``.

Each training episode is one search campaign of ``budget`` evaluations (one evaluation per
environment step) for a target twist drawn uniformly from ``target_range_deg`` (the env's
``target_deg=None``); the observation carries the target, so one policy serves every
target.  Reward per step (:mod:`vdwgym.rl.reward`): ``"improvement"``, the drop of the
episode's best regret in degrees (default), or ``"regret"``, the env's ``-|twist - target|``.
Observations are scaled to ``[-1, 1]`` (:mod:`vdwgym.rl.observation`).

:func:`train` writes into ``out_dir``:

``policy.zip``
    the stable-baselines3 model (load with :func:`vdwgym.rl.policy.load_policy`);
``policy.json``
    the training record: algorithm, requested and done environment steps, seed, the env's
    keyword arguments, the parameter space, the backend's full configuration (surrogate
    constants), hyperparameters, vdwgym and library versions, wall time, episode summary;
``episodes.csv``
    one row per finished training episode: ``env_steps, length, best_regret_deg, reached``.

stable-baselines3 is imported inside the functions that need it.
"""

from __future__ import annotations

import csv
import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch

from vdwgym import __version__
from vdwgym.envs import ENV_ID
from vdwgym.errors import ValidationError
from vdwgym.rl.observation import SCALING, ScaledObservation
from vdwgym.rl.policy import ALGORITHMS, algorithm_class
from vdwgym.rl.reward import REWARDS, ImprovementReward

__all__ = ["TrainConfig", "TrainResult", "make_env", "train", "POLICY_NAME"]

log = logging.getLogger(__name__)

POLICY_NAME = "policy"


@dataclass
class TrainConfig:
    """What defines one training run (stored in ``policy.json``).

    Attributes
    ----------
    algo:
        ``"ppo"``, ``"sac"`` or ``"a2c"``.
    steps:
        Environment steps (= evaluations on the backend) to train for; PPO and A2C finish
        their last rollout, so slightly more may be done (``env_steps`` in the record).
    seed:
        Seeds the algorithm (``seed=``) and the environments (env ``i`` gets ``seed + i``).
    budget:
        Evaluations per episode (campaign).
    tolerance_deg:
        Regret (deg) at which an episode ends early.
    target_range_deg:
        Targets (deg, in [0, 30]) are drawn uniformly from this interval each episode.
    reward:
        ``"improvement"`` or ``"regret"`` (:mod:`vdwgym.rl.reward`).
    failure_penalty_deg:
        With ``reward="regret"``, the reward of an evaluation that gives no twist is
        ``-failure_penalty_deg``.
    backend, backend_options:
        The lab's backend (``"surrogate"`` by default) and its options.
    n_envs:
        Environments stepped in lockstep (stable-baselines3 ``DummyVecEnv``).
    algo_kwargs:
        Keyword arguments for the stable-baselines3 algorithm (``learning_rate``,
        ``n_steps``, ``policy_kwargs``, ...); ``seed``, ``device`` and ``verbose`` are set here.
    """

    algo: str = "sac"
    steps: int = 20_000
    seed: int = 0
    budget: int = 60
    tolerance_deg: float = 0.1
    target_range_deg: tuple[float, float] = (1.0, 29.0)
    reward: str = "improvement"
    failure_penalty_deg: float = 30.0
    backend: str = "surrogate"
    backend_options: dict[str, Any] = field(default_factory=dict)
    n_envs: int = 1
    algo_kwargs: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.target_range_deg = tuple(float(t) for t in self.target_range_deg)
        checks = [
            ("algo", self.algo in ALGORITHMS, f"one of {ALGORITHMS}"),
            ("steps", int(self.steps) == self.steps and self.steps >= 1, "an integer >= 1"),
            ("seed", int(self.seed) == self.seed and 0 <= self.seed < 2**32, "an integer in [0, 2**32)"),
            ("budget", int(self.budget) == self.budget and self.budget >= 1, "an integer >= 1"),
            ("tolerance_deg", math.isfinite(self.tolerance_deg) and self.tolerance_deg >= 0, ">= 0 deg"),
            ("target_range_deg", len(self.target_range_deg) == 2
             and 0.0 <= self.target_range_deg[0] < self.target_range_deg[1] <= 30.0,
             "(low, high) with 0 <= low < high <= 30 deg"),
            ("reward", self.reward in REWARDS, f"one of {REWARDS}"),
            ("n_envs", int(self.n_envs) == self.n_envs and self.n_envs >= 1, "an integer >= 1"),
        ]
        for name, ok, bound in checks:
            if not ok:
                raise ValidationError(name, bound, getattr(self, name))
        reserved = {"seed", "device", "verbose", "env", "policy"} & set(self.algo_kwargs)
        if reserved:
            raise ValidationError("algo_kwargs", "no seed, device, verbose, env or policy",
                                  sorted(reserved))

    def env_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of ``gymnasium.make(ENV_ID, ...)`` for training."""
        return {"backend": self.backend, "target_deg": None, "budget": int(self.budget),
                "tolerance_deg": float(self.tolerance_deg),
                "target_range_deg": list(self.target_range_deg),
                "failure_penalty_deg": float(self.failure_penalty_deg),
                "backend_options": dict(self.backend_options)}


@dataclass
class TrainResult:
    """Where the policy went and what the training cost."""

    policy_path: Path
    meta_path: Path
    env_steps: int
    episodes: int
    wall_s: float


def make_env(config: TrainConfig) -> gym.Env:
    """One training environment: ``vdwgym/Recrystallization-v0`` with ``target_deg=None``,
    observing scaled observations, rewarded as ``config.reward`` says."""
    kwargs = config.env_kwargs()
    kwargs["target_range_deg"] = tuple(kwargs["target_range_deg"])
    env = ScaledObservation(gym.make(ENV_ID, **kwargs))
    return ImprovementReward(env) if config.reward == "improvement" else env


def train(config: TrainConfig, out_dir: str | Path,
          progress: Callable[[int], None] | None = None) -> TrainResult:
    """Train ``config.algo`` for ``config.steps`` environment steps; save into ``out_dir``.

    ``progress(env_steps)`` is called after every environment step (for a progress bar).
    Runs on the CPU with one torch thread.
    """
    from stable_baselines3.common.callbacks import CallbackList
    from stable_baselines3.common.env_util import make_vec_env

    from vdwgym.provenance import provenance
    from vdwgym.rl.callbacks import EpisodeLog, ProgressCallback

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)
    venv = make_vec_env(lambda: make_env(config), n_envs=config.n_envs, seed=config.seed)
    backend_config = venv.envs[0].unwrapped.backend.config()
    space = venv.envs[0].unwrapped.space
    model = algorithm_class(config.algo)("MlpPolicy", venv, seed=config.seed, device="cpu",
                                         verbose=0, **config.algo_kwargs)
    episodes = EpisodeLog()
    callbacks = [episodes] + ([ProgressCallback(progress)] if progress is not None else [])
    log.info("training %s for %d steps (seed %d) into %s", config.algo, config.steps, config.seed, out)
    t0 = time.perf_counter()
    model.learn(total_timesteps=int(config.steps), callback=CallbackList(callbacks))
    wall = time.perf_counter() - t0
    venv.close()

    policy_path = out / f"{POLICY_NAME}.zip"
    meta_path = out / f"{POLICY_NAME}.json"
    model.save(policy_path)
    meta = {
        "algo": config.algo, "steps": int(config.steps), "env_steps": int(model.num_timesteps),
        "episodes": len(episodes.episodes), "seed": int(config.seed), "env_id": ENV_ID,
        "env_kwargs": config.env_kwargs(), "reward": config.reward, "n_envs": int(config.n_envs),
        "observation_scaling": SCALING, "space": space.to_dict(), "backend": backend_config,
        "algo_kwargs": config.algo_kwargs, "hyperparameters": hyperparameters(model),
        "wall_time_s": wall, "episode_summary": summarize(episodes.episodes),
        "config": asdict(config), "provenance": provenance(),
        "vdwgym_version": __version__,
    }
    meta_path.write_text(json.dumps(meta, indent=2, default=str) + "\n")
    with open(out / "episodes.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["env_steps", "length", "best_regret_deg", "reached"])
        writer.writerows(episodes.episodes)
    log.info("trained %s: %d env steps, %d episodes, %.1f s", config.algo, model.num_timesteps,
             len(episodes.episodes), wall)
    return TrainResult(policy_path, meta_path, int(model.num_timesteps), len(episodes.episodes), wall)


def hyperparameters(model) -> dict[str, Any]:
    """The algorithm's main hyperparameters, as JSON-able values."""
    names = ("learning_rate", "gamma", "batch_size", "n_steps", "n_epochs", "buffer_size",
             "learning_starts", "tau", "ent_coef", "train_freq", "gradient_steps", "gae_lambda",
             "clip_range")
    out = {n: getattr(model, n) for n in names if hasattr(model, n)}
    out["net_arch"] = getattr(model.policy, "net_arch", None)
    return json.loads(json.dumps(out, default=str))


def summarize(episodes: list[tuple[int, int, float, bool]]) -> dict[str, Any]:
    """Median best regret (deg) and the share reaching tolerance, in the first and last tenth
    of the finished training episodes."""
    if not episodes:
        return {"n": 0}
    k = max(len(episodes) // 10, 1)

    def part(rows):
        best = np.array([r[2] for r in rows], dtype=np.float64)
        return {"median_best_regret_deg": float(np.nanmedian(best)) if np.isfinite(best).any() else None,
                "reached_fraction": float(np.mean([r[3] for r in rows])),
                "mean_length": float(np.mean([r[1] for r in rows]))}

    return {"n": len(episodes), "first_tenth": part(episodes[:k]), "last_tenth": part(episodes[-k:])}
