"""Batch expected-improvement agents: ``qei`` (the paper's) and ``qlogei``.

The q-batch is built greedily (``optimize_acqf(..., sequential=True)``): each point is
optimized with the points already chosen as pending points.  Recipes still running in the
lab enter as ``X_pending`` too, so the MC acquisition integrates over their unknown outcomes
(and ``qlogei`` with ``noisy=True``, qLogNoisyEI, adds them to its baseline): asynchronous
campaigns refill free slots without re-proposing what is running.

Defaults are light for speed (``num_restarts=2, raw_samples=128, mc_samples=64,
maxiter=50``); BoTorch's tutorial settings are ``10 / 512 / 512`` with 200 iterations (see
docs/agents.md for the measured time and regret of both).
"""

from __future__ import annotations

import warnings

import numpy as np
import torch
from botorch.acquisition import (
    qExpectedImprovement,
    qLogExpectedImprovement,
    qLogNoisyExpectedImprovement,
)
from botorch.exceptions.warnings import NumericsWarning, OptimizationWarning
from botorch.optim import optimize_acqf
from botorch.sampling import SobolQMCNormalSampler

from vdwgym.agents.base import SeedLike
from vdwgym.agents.bo import BOAgent
from vdwgym.agents.gp import unit_bounds
from vdwgym.agents.objective import best_value, mc_objective
from vdwgym.space import ParameterSpace

__all__ = ["QEIAgent", "QLogEIAgent"]


class QEIAgent(BOAgent):
    """Batch q-Expected Improvement (qEI) on a Matern-5/2 GP, as in the paper.

    Parameters (beyond :class:`~vdwgym.agents.bo.BOAgent`'s)
    ----------
    num_restarts, raw_samples:
        Multi-start L-BFGS-B of the acquisition: starting points kept / raw Sobol points
        scored to choose them (per point of the greedy batch).
    mc_samples:
        Quasi-MC (Sobol) posterior samples of the acquisition.
    maxiter:
        L-BFGS-B iterations per acquisition optimization.
    """

    name = "qei"

    def __init__(self, space: ParameterSpace, target_deg: float, seed: SeedLike,
                 objective: str = "twist", num_restarts: int = 2, raw_samples: int = 128,
                 mc_samples: int = 64, maxiter: int = 50, **options) -> None:
        super().__init__(space, target_deg, seed, objective=objective, **options)
        self.num_restarts = int(num_restarts)
        self.raw_samples = int(raw_samples)
        self.mc_samples = int(mc_samples)
        self.maxiter = int(maxiter)

    def _acqf(self, model, sampler, pending: torch.Tensor):
        return qExpectedImprovement(
            model, best_f=best_value(self.obs, self.target_deg), sampler=sampler,
            objective=mc_objective(self.objective, self.target_deg),
            X_pending=pending if len(pending) else None)

    def acquire(self, model, n: int, pending: torch.Tensor, seed: int) -> np.ndarray:
        sampler = SobolQMCNormalSampler(torch.Size([self.mc_samples]), seed=seed)
        with warnings.catch_warnings():
            # qEI's vanishing gradients: expected, the reason qLogEI exists (docs/agents.md).
            warnings.simplefilter("ignore", NumericsWarning)
            warnings.simplefilter("ignore", OptimizationWarning)
            acqf = self._acqf(model, sampler, pending)
            X, _ = optimize_acqf(
                acqf, bounds=unit_bounds(self.space.d), q=n, num_restarts=self.num_restarts,
                raw_samples=self.raw_samples, sequential=True,
                options={"seed": seed, "maxiter": self.maxiter},
                retry_on_optimization_warning=False)
        return X.detach().numpy()


class QLogEIAgent(QEIAgent):
    """Batch q-Log Expected Improvement; ``noisy=True`` uses qLogNoisyEI (baseline = data)."""

    name = "qlogei"

    def __init__(self, space: ParameterSpace, target_deg: float, seed: SeedLike,
                 noisy: bool = False, **options) -> None:
        super().__init__(space, target_deg, seed, **options)
        self.noisy = bool(noisy)

    def _acqf(self, model, sampler, pending: torch.Tensor):
        objective = mc_objective(self.objective, self.target_deg)
        X_pending = pending if len(pending) else None
        if self.noisy:
            X_base = torch.as_tensor(self.obs.X, dtype=torch.float64)
            return qLogNoisyExpectedImprovement(model, X_baseline=X_base, sampler=sampler,
                                                objective=objective, X_pending=X_pending)
        return qLogExpectedImprovement(model, best_f=best_value(self.obs, self.target_deg),
                                       sampler=sampler, objective=objective, X_pending=X_pending)
