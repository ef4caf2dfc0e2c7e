"""Batch expected-improvement agents: ``qei`` (the paper's) and ``qlogei``.

Both build the q-batch greedily: point ``k`` maximizes the batch acquisition of
``{chosen points} + {pending points} + {x}``.  Recipes still running in the lab are pending
points, so asynchronous campaigns refill free slots without re-proposing what is running.
Two optimizers (option ``optimizer``):

``"discrete"`` (default, fast)
    One joint posterior sample of ``mc_samples`` quasi-MC draws over a candidate set
    (``n_sobol`` scrambled Sobol points plus ``n_local`` Gaussian perturbations of the best
    observed recipes, half with s.d. ``local_sd``, half with ``local_sd / 10``, unit-cube units) together with the pending
    points; the greedy batch is then chosen on these shared samples (a sample-average
    acquisition).  ``qei``: ``mean_s [max(batch objective) - best_f]_+``; ties at zero (no
    sample improves) are broken by the sample-mean objective.  ``qlogei``: BoTorch's
    qLogEI smoothing (``log_fatplus`` with ``tau_relu``, logsumexp smooth max over the
    batch with ``tau_max``, ``logmeanexp`` over samples).  With ``noisy=True`` (qlogei) the
    observed recipes join the joint sample and ``best_f`` is each sample's best over them
    (qLogNEI).  One Cholesky of a ``(p + n_sobol + n_local)``-square matrix per call.
``"lbfgs"``
    BoTorch's ``optimize_acqf(..., sequential=True)`` on ``qExpectedImprovement`` /
    ``qLogExpectedImprovement`` / ``qLogNoisyExpectedImprovement`` with ``X_pending``:
    multi-start L-BFGS-B with ``num_restarts`` starts chosen from ``raw_samples`` points,
    ``maxiter`` iterations.  BoTorch's tutorial settings are ``num_restarts=10,
    raw_samples=512, mc_samples=512, maxiter=200``.

docs/agents.md compares the decision time and the regret of both.
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
from botorch.utils.safe_math import log_fatplus, logmeanexp
from linear_operator.utils.warnings import NumericalWarning

from vdwgym.agents.base import SeedLike
from vdwgym.agents.bo import BOAgent
from vdwgym.agents.gp import unit_bounds
from vdwgym.agents.objective import best_value, mc_objective, score
from vdwgym.agents.sobol import sobol
from vdwgym.errors import ValidationError
from vdwgym.space import ParameterSpace

__all__ = ["QEIAgent", "QLogEIAgent"]

TAU_RELU = 1e-6  # BoTorch's qLogEI defaults
TAU_MAX = 1e-2


class QEIAgent(BOAgent):
    """Batch q-Expected Improvement (qEI) on a Matern-5/2 GP, as in the paper.

    Parameters (beyond :class:`~vdwgym.agents.bo.BOAgent`'s; see the module docstring)
    ----------
    optimizer:
        ``"discrete"`` (default) or ``"lbfgs"``.
    mc_samples:
        Quasi-MC (Sobol) posterior samples.
    n_sobol, n_local, local_sd, n_best:
        Discrete candidate set: Sobol points, local perturbations (s.d. in unit-cube units)
        spread over the ``n_best`` best observed recipes.
    num_restarts, raw_samples, maxiter:
        ``"lbfgs"`` optimizer settings (per greedy step).
    """

    name = "qei"
    noisy = False  # qLogNEI baseline (QLogEIAgent option)

    def __init__(self, space: ParameterSpace, target_deg: float, seed: SeedLike,
                 objective: str = "twist", optimizer: str = "discrete", mc_samples: int = 256,
                 n_sobol: int = 1024, n_local: int = 512, local_sd: float = 0.03, n_best: int = 8,
                 num_restarts: int = 2, raw_samples: int = 128, maxiter: int = 50,
                 **options) -> None:
        super().__init__(space, target_deg, seed, objective=objective, **options)
        if optimizer not in ("discrete", "lbfgs"):
            raise ValidationError("optimizer", "'discrete' or 'lbfgs'", optimizer)
        self.optimizer = optimizer
        self.mc_samples = int(mc_samples)
        self.n_sobol, self.n_local = int(n_sobol), int(n_local)
        self.local_sd, self.n_best = float(local_sd), int(n_best)
        self.num_restarts, self.raw_samples, self.maxiter = int(num_restarts), int(raw_samples), int(maxiter)

    def acquire(self, model, n: int, pending: torch.Tensor, seed: int) -> np.ndarray:
        sampler = SobolQMCNormalSampler(torch.Size([self.mc_samples]), seed=seed)
        if self.optimizer == "discrete":
            return self._greedy_discrete(model, n, pending, sampler, seed)
        with warnings.catch_warnings():
            # qEI's vanishing gradients: expected, the reason qLogEI exists (docs/agents.md).
            warnings.simplefilter("ignore", NumericsWarning)
            warnings.simplefilter("ignore", OptimizationWarning)
            acqf = self._botorch_acqf(model, sampler, pending if len(pending) else None)
            X, _ = optimize_acqf(
                acqf, bounds=unit_bounds(self.space.d), q=n, num_restarts=self.num_restarts,
                raw_samples=self.raw_samples, sequential=True,
                options={"seed": seed, "maxiter": self.maxiter},
                retry_on_optimization_warning=False)
        return X.detach().numpy()

    def _botorch_acqf(self, model, sampler, X_pending):
        return qExpectedImprovement(
            model, best_f=best_value(self.obs, self.target_deg), sampler=sampler,
            objective=mc_objective(self.objective, self.target_deg), X_pending=X_pending)

    # ------------------------------------------------------------------ discrete optimizer
    def _candidates(self, n: int, seed: int) -> torch.Tensor:
        """``M x d`` candidates: Sobol points plus perturbations of the best recipes at two
        scales (``local_sd`` and ``local_sd / 10``) for resolution near the target."""
        rng = np.random.default_rng(seed)
        C = sobol(self.space.d, max(self.n_sobol, n), seed)
        ok = np.flatnonzero(self.obs.ok)
        if self.n_local and len(ok):
            best = ok[np.argsort(self.obs.regret(self.target_deg)[ok])[: self.n_best]]
            centers = self.obs.X[best[np.arange(self.n_local) % len(best)]]
            sd = self.local_sd * np.where(np.arange(self.n_local) % 2 == 0, 1.0, 0.1)[:, None]
            local = np.clip(centers + sd * rng.standard_normal(centers.shape), 0.0, 1.0)
            C = np.vstack([C, local])
        return torch.as_tensor(C, dtype=torch.float64)

    def _greedy_discrete(self, model, n: int, pending: torch.Tensor, sampler, seed: int) -> np.ndarray:
        C = self._candidates(n, seed)
        base = torch.as_tensor(self.obs.X, dtype=torch.float64) if self.noisy else C[:0]
        b, p = len(base), len(pending)
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore", NumericalWarning)  # jitter on near-duplicate points
            Y = sampler(model.posterior(torch.cat([base, pending, C])))[..., 0]  # S x (b + p + M)
        F = score(Y, self.objective, self.target_deg)
        if self.noisy:
            best_f = F[:, :b].max(dim=1, keepdim=True).values  # S x 1
        else:
            best_f = torch.tensor(best_value(self.obs, self.target_deg), dtype=torch.float64)
        G = self._improvement(F[:, b:] - best_f)  # S x (p + M)
        cur = None  # S x 1: the batch so far (pending points first)
        for j in range(p):
            cur = self._combine(cur, G[:, j:j + 1])
        G, mean_f = G[:, p:], F[:, b + p:].mean(dim=0)
        chosen: list[int] = []
        for _ in range(n):
            v = self._value(self._combine(cur, G), mean_f)
            v[chosen] = -torch.inf
            i = int(torch.argmax(v))
            chosen.append(i)
            cur = self._combine(cur, G[:, i:i + 1])
        return C[chosen].numpy()

    # Sample-average qEI: G = objective - best_f, batch reduced by max, value = mean of [.]_+.
    @staticmethod
    def _improvement(D: torch.Tensor) -> torch.Tensor:
        return D

    @staticmethod
    def _combine(cur: torch.Tensor | None, G: torch.Tensor) -> torch.Tensor:
        return G if cur is None else torch.maximum(cur, G)

    @staticmethod
    def _value(G: torch.Tensor, mean_f: torch.Tensor) -> torch.Tensor:
        """qEI (``M``) of each ``S x M`` candidate batch; ties at zero improvement are broken
        by the sample-mean objective ``mean_f`` (a 1e-9 nudge)."""
        ei = G.clamp_min(0.0).mean(dim=0)
        return ei + 1e-9 * (mean_f - mean_f.min()) / (mean_f.max() - mean_f.min() + 1e-300)


class QLogEIAgent(QEIAgent):
    """Batch q-Log Expected Improvement; ``noisy=True`` gives qLogNoisyEI (baseline = data)."""

    name = "qlogei"

    def __init__(self, space: ParameterSpace, target_deg: float, seed: SeedLike,
                 noisy: bool = False, **options) -> None:
        super().__init__(space, target_deg, seed, **options)
        self.noisy = bool(noisy)

    def _botorch_acqf(self, model, sampler, X_pending):
        objective = mc_objective(self.objective, self.target_deg)
        if self.noisy:
            X_base = torch.as_tensor(self.obs.X, dtype=torch.float64)
            return qLogNoisyExpectedImprovement(model, X_baseline=X_base, sampler=sampler,
                                                objective=objective, X_pending=X_pending)
        return qLogExpectedImprovement(model, best_f=best_value(self.obs, self.target_deg),
                                       sampler=sampler, objective=objective, X_pending=X_pending)

    # Sample-average qLogEI: G = log_fatplus(objective - best_f), batch reduced by the
    # logsumexp smooth max (BoTorch's fat=False form; pairwise fatmaximum was 30x slower),
    # value = logmeanexp over samples.
    @staticmethod
    def _improvement(D: torch.Tensor) -> torch.Tensor:
        return log_fatplus(D, tau=TAU_RELU)

    @staticmethod
    def _combine(cur: torch.Tensor | None, G: torch.Tensor) -> torch.Tensor:
        return G if cur is None else TAU_MAX * torch.logaddexp(cur / TAU_MAX, G / TAU_MAX)

    @staticmethod
    def _value(G: torch.Tensor, mean_f: torch.Tensor) -> torch.Tensor:
        return logmeanexp(G, dim=0)
