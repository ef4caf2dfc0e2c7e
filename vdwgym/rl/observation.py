"""The observation a policy sees: the environment's 5 numbers scaled to ``[-1, 1]``.

``vdwgym/Recrystallization-v0`` observes ``[target_deg, last_twist_deg, last_order,
best_regret_deg, budget_used]`` in degrees / order units / fraction, with bounds
``OBS_LOW`` / ``OBS_HIGH`` (see :mod:`vdwgym.envs.recrystallization`).  Policies are trained
and queried on the affine image of that box on ``[-1, 1]^5``, so that no input dominates the
network by its unit; the same :func:`scale_observation` serves training (through
:class:`ScaledObservation`) and :class:`vdwgym.agents.rl.RLAgent`.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np

from vdwgym.envs.recrystallization import OBS_HIGH, OBS_LOW

__all__ = ["scale_observation", "ScaledObservation", "SCALING"]

SCALING = "affine env bounds -> [-1, 1]"


def scale_observation(obs: np.ndarray) -> np.ndarray:
    """Environment observation(s) ``... x 5`` -> float32 in ``[-1, 1]`` (clipped)."""
    unit = (np.asarray(obs, dtype=np.float64) - OBS_LOW) / (OBS_HIGH - OBS_LOW)
    return np.clip(2.0 * unit - 1.0, -1.0, 1.0).astype(np.float32)


class ScaledObservation(gym.ObservationWrapper):
    """Wraps a recrystallization env so that it observes :func:`scale_observation`."""

    def __init__(self, env: gym.Env) -> None:
        super().__init__(env)
        shape = env.observation_space.shape
        self.observation_space = gym.spaces.Box(-1.0, 1.0, shape, dtype=np.float32)

    def observation(self, observation: np.ndarray) -> np.ndarray:
        return scale_observation(observation)
