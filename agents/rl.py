"""A trained reinforcement-learning policy as an agent (registered as ``"rl"``).

The policy was trained by :func:`vdwgym.rl.training.train` on
``vdwgym/Recrystallization-v0``; this agent rebuilds, from what it has been told, the
observation that environment would show:

====  ===================  ================================================================
idx   name                 from the told history
====  ===================  ================================================================
0     target_deg           the agent's target (deg, folded to [0, 30])
1     last_twist_deg       twist of the last told evaluation; -1 if it gave none or none yet
2     last_order           its order parameter clipped to [-1, 10]; -1 if none
3     best_regret_deg      best ``|twist - target|`` told so far (deg, at most 30; 30 if none)
4     budget_used          (told + pending) / ``budget``, at most 1
====  ===================  ================================================================

``ask(n)`` draws ``n`` actions from the stochastic policy at that observation with
standard normals from the agent's own generator (:meth:`vdwgym.rl.policy.Policy.act`), or
returns the policy's mode ``n`` times with ``deterministic=True``.  "Last" is the last
outcome in the order told (a campaign tells a batch in evaluation order).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from vdwgym.agents.base import Agent, SeedLike
from vdwgym.errors import ValidationError
from vdwgym.outcome import Outcome
from vdwgym.rl.observation import scale_observation
from vdwgym.rl.policy import load_policy
from vdwgym.space import ParameterSpace, Recipe

__all__ = ["RLAgent"]


class RLAgent(Agent):
    """A saved stable-baselines3 policy proposing recipes.

    Parameters
    ----------
    space, target_deg, seed:
        As for every :class:`~vdwgym.agents.base.Agent`; ``space`` must be the space the
        policy was trained on.
    policy:
        Path of the saved policy (``policy.zip``, with ``policy.json`` beside it).
    budget:
        Evaluations of the campaign, for the ``budget_used`` input; defaults to the
        training episodes' budget recorded in ``policy.json``.
    deterministic:
        Propose the policy's mode instead of sampling it.
    """

    name = "rl"

    def __init__(self, space: ParameterSpace, target_deg: float, seed: SeedLike,
                 policy: str | Path = "", budget: int | None = None,
                 deterministic: bool = False) -> None:
        super().__init__(space, target_deg, seed)
        self.policy_path = str(policy)
        self.policy = load_policy(policy)
        trained_space = ParameterSpace.from_dict(self.policy.meta["space"])
        if trained_space != space:
            raise ValidationError("space", f"the policy's training space {trained_space}", space)
        budget = self.policy.meta["env_kwargs"]["budget"] if budget is None else budget
        if int(budget) != budget or budget < 1:
            raise ValidationError("budget", "an integer >= 1", budget)
        self.budget = int(budget)
        self.deterministic = bool(deterministic)
        self.orders: list[float | None] = []

    def tell(self, recipes: Sequence[Recipe], outcomes: Sequence[Outcome]) -> None:
        super().tell(recipes, outcomes)
        self.orders += [o.order for o in outcomes]

    def observation(self, n_pending: int = 0) -> np.ndarray:
        """The environment-style observation (unscaled, float32, shape 5); see module doc."""
        last_twist, last_order = -1.0, -1.0
        if len(self.obs):
            if self.obs.ok[-1]:
                last_twist = float(self.obs.twist[-1])
            if self.orders[-1] is not None:
                last_order = float(np.clip(self.orders[-1], -1.0, 10.0))
        regrets = self.obs.regret(self.target_deg)[self.obs.ok]
        best = min(float(regrets.min()), 30.0) if regrets.size else 30.0
        used = min((len(self.obs) + n_pending) / self.budget, 1.0)
        return np.array([self.target_deg, last_twist, last_order, best, used], dtype=np.float32)

    def propose(self, n: int, pending_unit: np.ndarray) -> np.ndarray:
        obs = scale_observation(self.observation(len(pending_unit)))
        actions = self.policy.act(obs, self.rng, n, deterministic=self.deterministic)
        return (actions + 1.0) / 2.0

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "orders": list(self.orders)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.orders = [None if o is None else float(o) for o in state["orders"]]
