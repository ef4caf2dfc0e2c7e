"""Vector view: ``gymnasium.make_vec("vdwgym/Recrystallization-v0", num_envs=q)``.

The ``q`` sub-environments are ``q`` parallel slots of *one* campaign: one lab, one target,
one budget.  ``step(actions)`` (or ``step_async`` then ``step_wait``) launches the ``q``
recipes of ``actions`` (``q x d`` in ``[-1, 1]``) concurrently on the backend and waits for
all of them, like one batch cycle of the paper.  Observations (``q x 5``) follow
:mod:`vdwgym.envs.recrystallization`, each sub-environment seeing its own last twist and the
shared best regret.  All sub-environments terminate together (target within tolerance) or
are truncated together (budget spent); autoreset is ``SAME_STEP``: the step that ends an
episode returns the new episode's first observation, with ``info["final_obs"]`` and
``info["final_info"]``.  If fewer than ``q`` evaluations are left in the budget, only the
first actions are evaluated and ``info["evaluated"]`` is False for the others.

For asynchronous refills use the lab directly (``envs.lab.submit``) or
:class:`~vdwgym.campaign.Campaign` in ``async`` mode: ``VectorEnv.step`` is lockstep by
contract.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv

from vdwgym.backends.base import Backend
from vdwgym.envs.recrystallization import (
    EpisodeSettings,
    EpisodeTracker,
    build_backend,
    info_of,
    observation_space,
)
from vdwgym.errors import ValidationError
from vdwgym.lab import ALL_COMPLETED, Evaluation, Lab
from vdwgym.space import ParameterSpace

__all__ = ["RecrystallizationVectorEnv"]


class RecrystallizationVectorEnv(VectorEnv):
    """``num_envs`` concurrent slots of one campaign (see module docstring)."""

    metadata = {"autoreset_mode": AutoresetMode.SAME_STEP, "render_modes": []}

    def __init__(self, num_envs: int = 5, backend: str | Backend = "surrogate",
                 target_deg: float | None = 8.5, budget: int = 50, tolerance_deg: float = 0.1,
                 target_range_deg: tuple[float, float] = (1.0, 29.0),
                 failure_penalty_deg: float = 30.0, backend_options: dict[str, Any] | None = None,
                 space: ParameterSpace | None = None, max_episode_steps: int | None = None,
                 render_mode: str | None = None) -> None:
        if int(num_envs) != num_envs or num_envs < 1:
            raise ValidationError("num_envs", "an integer >= 1", num_envs)
        self.num_envs = int(num_envs)
        self.settings = EpisodeSettings(target_deg, budget, tolerance_deg, tuple(target_range_deg),
                                        float(failure_penalty_deg))
        self.backend = build_backend(backend, space, backend_options)
        self.space = self.backend.space
        self.budget = int(budget)
        self.render_mode = render_mode
        self.single_action_space = gym.spaces.Box(-1.0, 1.0, (self.space.d,), dtype=np.float32)
        self.single_observation_space = observation_space()
        self.action_space = gym.vector.utils.batch_space(self.single_action_space, self.num_envs)
        self.observation_space = gym.vector.utils.batch_space(self.single_observation_space, self.num_envs)
        self.lab: Lab | None = None
        self._trackers: list[EpisodeTracker] = []
        self._launched: list[Evaluation] = []
        self._np_random = None

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        if seed is not None:
            self._np_random, self._np_random_seed = gym.utils.seeding.np_random(seed)
        elif self._np_random is None:
            self._np_random, self._np_random_seed = gym.utils.seeding.np_random()
        return self._new_episode(options), {}

    def _new_episode(self, options: dict[str, Any] | None = None) -> np.ndarray:
        target = self.settings.draw_target(options, self._np_random)
        self.lab = self.settings.new_lab(self.backend, target, self._np_random)
        self._trackers = [EpisodeTracker(target, self.budget) for _ in range(self.num_envs)]
        return self._observations()

    def _observations(self) -> np.ndarray:
        return np.stack([t.observation(self.lab) for t in self._trackers])

    def step(self, actions):
        """Evaluate ``actions`` (``q x d`` in [-1, 1]) concurrently; ``step_async`` + ``step_wait``."""
        self.step_async(actions)
        return self.step_wait()

    def step_async(self, actions) -> None:
        if self.lab is None:
            raise gym.error.ResetNeeded("call reset() before step()")
        a = np.asarray(actions, dtype=np.float64)
        if a.shape != (self.num_envs, self.space.d):
            raise ValidationError("actions", f"shape ({self.num_envs}, {self.space.d})", a.shape)
        if not np.all(np.isfinite(a)):
            raise ValidationError("actions", "finite values in [-1, 1]", a.tolist())
        n = min(self.num_envs, self.lab.budget_left)
        self._launched = self.lab.launch(self.space.to_recipes(self.space.from_action(a[:n])))

    def step_wait(self):
        self.lab.wait(self._launched, return_when=ALL_COMPLETED)
        rewards = np.zeros(self.num_envs)
        evaluated = np.zeros(self.num_envs, dtype=bool)
        infos: list[dict[str, Any]] = [{} for _ in range(self.num_envs)]
        for i, e in enumerate(self._launched):
            self._trackers[i].update(e.outcome)
            regret = e.outcome.regret(self.lab.target_deg)
            rewards[i] = -regret if regret is not None else -self.settings.failure_penalty_deg
            evaluated[i] = True
            infos[i] = info_of(e.outcome, self.lab, e.idx)
        self._launched = []
        done_target = self.lab.target_reached
        terminated = np.full(self.num_envs, done_target)
        truncated = np.full(self.num_envs, (not done_target) and self.lab.budget_left <= 0)
        obs = self._observations()
        info = self._batch_infos(infos, evaluated)
        if done_target or truncated[0]:
            info["final_obs"] = obs
            info["final_info"] = dict(info)
            info["_final_obs"] = np.ones(self.num_envs, dtype=bool)
            info["_final_info"] = np.ones(self.num_envs, dtype=bool)
            obs = self._new_episode()
        return obs, rewards, terminated, truncated, info

    def _batch_infos(self, infos: list[dict[str, Any]], evaluated: np.ndarray) -> dict[str, Any]:
        out: dict[str, Any] = {"evaluated": evaluated, "_evaluated": np.ones(self.num_envs, dtype=bool)}
        for key in ("twist_deg", "regret_deg", "order"):
            vals = np.array([np.nan if inf.get(key) is None else inf[key] for inf in infos])
            out[key] = vals
            out["_" + key] = evaluated.copy()
        out["recipe"] = np.array([inf.get("recipe") for inf in infos], dtype=object)
        out["_recipe"] = evaluated.copy()
        return out

    def close_extras(self, **kwargs: Any) -> None:
        self.backend.close()
