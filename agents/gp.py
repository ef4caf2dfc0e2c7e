"""The Gaussian-process model shared by the BO agents (imports botorch).

The paper's model: a BoTorch ``SingleTaskGP`` with a Matern kernel.  Here: Matern 5/2 with
BoTorch's dimension-scaled priors (``get_covar_module_with_dim_scaled_prior``), a ``Normalize``
input transform on the unit cube and a ``Standardize`` outcome transform, fitted by maximum
marginal likelihood (``fit_gpytorch_mll``, L-BFGS-B).

Tensors are float64 on the CPU.  Call :func:`fit_gp` inside ``torch.random.fork_rng()`` with a
seed set (``fit_gpytorch_mll`` may draw random restarts from the priors when a fit fails).
"""

from __future__ import annotations

import logging
import warnings

import numpy as np
import torch
from botorch.exceptions.warnings import OptimizationWarning
from botorch.fit import fit_gpytorch_mll
from botorch.models import SingleTaskGP
from botorch.models.transforms.input import Normalize
from botorch.models.transforms.outcome import Standardize
from botorch.models.utils.gpytorch_modules import get_covar_module_with_dim_scaled_prior
from gpytorch.mlls import ExactMarginalLogLikelihood

__all__ = ["fit_gp", "unit_bounds"]

log = logging.getLogger(__name__)

DTYPE = torch.float64


def unit_bounds(d: int) -> torch.Tensor:
    """``2 x d`` bounds of the unit cube (BoTorch layout)."""
    return torch.stack([torch.zeros(d, dtype=DTYPE), torch.ones(d, dtype=DTYPE)])


def fit_gp(X: np.ndarray, y: np.ndarray, maxiter: int = 200) -> SingleTaskGP:
    """Fit a Matern-5/2 ``SingleTaskGP`` to ``n x d`` unit-cube inputs and ``n`` outputs.

    ``maxiter`` bounds the L-BFGS-B iterations of the hyperparameter fit.  Returns the model
    in eval mode (its posterior is over the untransformed outputs).
    """
    d = X.shape[1]
    train_X = torch.as_tensor(X, dtype=DTYPE)
    train_Y = torch.as_tensor(y, dtype=DTYPE).reshape(-1, 1)
    model = SingleTaskGP(
        train_X, train_Y,
        covar_module=get_covar_module_with_dim_scaled_prior(d, use_rbf_kernel=False),
        input_transform=Normalize(d, bounds=unit_bounds(d)),
        outcome_transform=Standardize(1),
    )
    mll = ExactMarginalLogLikelihood(model.likelihood, model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OptimizationWarning)
        fit_gpytorch_mll(mll, optimizer_kwargs={"options": {"maxiter": int(maxiter)}})
    model.eval()
    log.debug("fitted GP on n=%d: lengthscales %s, noise %.3g", len(y),
              model.covar_module.lengthscale.detach().numpy().round(3).tolist(),
              float(model.likelihood.noise.detach()))
    return model
