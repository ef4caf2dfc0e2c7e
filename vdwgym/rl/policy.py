"""Trained policies on disk and actions drawn from them with an explicit generator.

A saved policy is two files side by side: ``NAME.zip`` (stable-baselines3) and ``NAME.json``
(its training record, :func:`vdwgym.rl.training.train`).  :func:`load_policy` reads both.

:meth:`Policy.act` returns actions in the environment's action space ``[-1, 1]^d``
(mapped onto recipes by :meth:`vdwgym.space.ParameterSpace.from_action`) from scaled
observations (:func:`vdwgym.rl.observation.scale_observation`).  Stochastic actions are
drawn from the policy's Gaussian with standard normals from a ``numpy.random.Generator``,
never from torch's global generator, so the same generator state gives the same actions:

* PPO / A2C: ``clip(mean + std * z, -1, 1)`` (what stable-baselines3 does on a Box);
* SAC: ``tanh(mean + std * z)`` (the squashed Gaussian).

``deterministic=True`` gives the mode (``clip(mean)`` or ``tanh(mean)``), as
``model.predict(obs, deterministic=True)``.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from vdwgym.errors import ValidationError

__all__ = ["Policy", "load_policy", "ALGORITHMS", "SQUASHED"]

ALGORITHMS = ("ppo", "a2c", "sac")
SQUASHED = ("sac",)


def algorithm_class(algo: str):
    """The stable-baselines3 class of ``algo`` (imports stable-baselines3)."""
    if algo not in ALGORITHMS:
        raise ValidationError("algo", f"one of {ALGORITHMS}", algo)
    import stable_baselines3

    return getattr(stable_baselines3, algo.upper())


@dataclass
class Policy:
    """A trained policy: the stable-baselines3 model and its training record (``meta``)."""

    model: Any
    meta: dict[str, Any]

    @property
    def algo(self) -> str:
        return self.meta["algo"]

    def gaussian(self, obs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and standard deviation (``n x d``, before clipping or squashing) of the
        policy's Gaussian at scaled observations ``obs`` (``n x 5`` or ``5``)."""
        x = torch.as_tensor(np.asarray(obs, dtype=np.float32).reshape(-1, 5))
        with torch.no_grad():
            if self.algo in SQUASHED:
                mean, log_std, _ = self.model.policy.actor.get_action_dist_params(x)
                std = log_std.exp()
            else:
                dist = self.model.policy.get_distribution(x).distribution
                mean, std = dist.mean, dist.stddev
        return mean.double().numpy(), std.double().numpy()

    def act(self, obs: np.ndarray, rng: np.random.Generator, n: int = 1,
            deterministic: bool = False) -> np.ndarray:
        """``n x d`` actions in ``[-1, 1]`` for one scaled observation ``obs`` (shape 5)."""
        mean, std = self.gaussian(obs)
        mean, std = np.repeat(mean, n, axis=0), np.repeat(std, n, axis=0)
        pre = mean if deterministic else mean + std * rng.standard_normal(mean.shape)
        return np.tanh(pre) if self.algo in SQUASHED else np.clip(pre, -1.0, 1.0)


def policy_paths(path: str | Path) -> tuple[Path, Path]:
    """``(zip, json)`` of a policy given either file or the stem."""
    p = Path(path)
    if not p.name:
        raise ValidationError("policy", "the path of a saved policy (policy.zip)", str(path))
    stem = p.with_suffix("") if p.suffix in (".zip", ".json") else p
    return stem.with_suffix(".zip"), stem.with_suffix(".json")


def load_policy(path: str | Path) -> Policy:
    """Load ``policy.zip`` and its ``policy.json`` (either path, or the stem), on the CPU.

    Loads are cached per file and modification time: a benchmark's many campaigns share one
    model (the model is only read, never trained, after loading).
    """
    zip_path, json_path = policy_paths(path)
    for p in (zip_path, json_path):
        if not p.is_file():
            raise ValidationError("policy", "a saved policy (.zip with its .json beside it)", str(p))
    return _load(str(zip_path.resolve()), zip_path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=8)
def _load(zip_path: str, mtime_ns: int) -> Policy:
    meta = json.loads(Path(zip_path).with_suffix(".json").read_text())
    model = algorithm_class(meta["algo"]).load(zip_path, device="cpu")
    return Policy(model, meta)
