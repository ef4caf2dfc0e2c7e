"""Training rewards for search campaigns.

``"regret"``
    The environment's own reward: ``-|twist - target|`` in degrees per evaluation
    (``-failure_penalty_deg`` without a twist).  Its return rewards being close on *every*
    evaluation, so it favours repeating one good-on-average recipe.
``"improvement"``
    :class:`ImprovementReward`: the drop of the episode's best regret at each evaluation,
    ``best_before - best_after`` in degrees (best starts at ``start_deg``, 30 by default).
    Its return telescopes to ``start_deg - final best regret``: the campaign's own objective,
    the best recipe found, whatever the others were.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym

__all__ = ["ImprovementReward", "REWARDS"]

REWARDS = ("regret", "improvement")


class ImprovementReward(gym.Wrapper):
    """Reward = decrease of the best ``info["regret_deg"]`` so far in the episode (deg)."""

    def __init__(self, env: gym.Env, start_deg: float = 30.0) -> None:
        super().__init__(env)
        self.start_deg = float(start_deg)
        self.best = self.start_deg

    def reset(self, **kwargs: Any):
        self.best = self.start_deg
        return self.env.reset(**kwargs)

    def step(self, action):
        obs, _, terminated, truncated, info = self.env.step(action)
        regret = info.get("regret_deg")
        new_best = self.best if regret is None else min(self.best, float(regret))
        reward = self.best - new_best
        self.best = new_best
        return obs, float(reward), terminated, truncated, info
