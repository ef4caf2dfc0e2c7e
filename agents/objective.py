"""The target-matching objective of the BO agents: maximize ``-|twist - target|``.

Two ways to put a target twist into BO, chosen by the agents' ``objective`` option:

``"twist"`` (default)
    The GP models the folded twist (degrees), a smooth function of the recipe; the target
    enters the acquisition: MC acquisitions use a ``GenericMCObjective`` returning
    ``-|Y - target|`` and ``best_f`` is the best observed ``-regret`` (objective space);
    Thompson sampling scores each posterior sample path by ``-|f - target|``.
``"regret"``
    The GP models ``-regret = -|twist - target|`` directly (it has a kink where the twist
    crosses the target) and the acquisitions maximize it as is.

Failed evaluations (``obs.ok`` False) are kept in the GP's data, imputed with the worst
usable observation: in ``"regret"`` mode the lowest observed ``-regret``; in ``"twist"`` mode
the observed twist farthest from the target.  The model then expects a bad outcome there and
the acquisitions steer away from failures instead of proposing them again.
"""

from __future__ import annotations

import numpy as np
import torch

from vdwgym.agents.base import Observations
from vdwgym.errors import ValidationError

__all__ = ["OBJECTIVES", "check_objective", "training_data", "best_value", "score", "mc_objective"]

OBJECTIVES = ("twist", "regret")


def check_objective(objective: str) -> str:
    if objective not in OBJECTIVES:
        raise ValidationError("objective", f"one of {OBJECTIVES}", objective)
    return objective


def training_data(obs: Observations, target_deg: float, objective: str) -> tuple[np.ndarray, np.ndarray]:
    """GP data: ``n x d`` unit-cube inputs and ``n`` outputs (degrees), failures imputed.

    Needs at least one usable observation.
    """
    regret = obs.regret(target_deg)
    worst = int(np.nanargmax(regret))
    y = obs.twist.copy() if objective == "twist" else -regret
    y[~obs.ok] = y[worst]
    return obs.X.copy(), y


def best_value(obs: Observations, target_deg: float) -> float:
    """Best observed objective value ``max(-regret)`` over usable observations (degrees)."""
    return float(-np.nanmin(obs.regret(target_deg)))


def score(values: torch.Tensor, objective: str, target_deg: float) -> torch.Tensor:
    """Objective of model outputs (degrees): ``-|values - target|`` or ``values`` as is."""
    return -(values - target_deg).abs() if objective == "twist" else values


def mc_objective(objective: str, target_deg: float):
    """The MC objective for BoTorch acquisitions (``None`` in ``"regret"`` mode).

    The returned ``GenericMCObjective`` maps samples ``sample_shape x batch x q x 1`` to
    ``sample_shape x batch x q``.
    """
    if objective == "regret":
        return None
    from botorch.acquisition.objective import GenericMCObjective

    return GenericMCObjective(lambda Y, X=None: score(Y[..., 0], "twist", target_deg))
