"""Oracle reference for benchmark reports on the surrogate (never available to agents).

The surrogate exposes its selection law (:meth:`CommensurateSurrogate.selection_probabilities`),
so the probability that one evaluation of recipe ``x`` lands within ``tol`` of the target is

    p(x) = P(crystalline | x) * sum_k p_k(x) * P(|theta_k + noise - target| <= tol),

with ``P(crystalline | x)`` and the Boltzmann law ``p_k`` of a crystalline layer from
:func:`vdwgym.surrogate.calibration.twist_law` (the law the surrogate draws from: the
kinetic gate, substrate melting and a floor where configured, over-strained states
amorphous), and Gaussian measurement noise (``twist_noise_deg``; the fold at 0 and
30 deg is ignored, exact for targets more than a few noise widths inside).  The best recipe's
``p*`` gives the best achievable curve of a campaign that repeats it after the initial design,
``1 - (1 - p*)^(n - n_init)``; the mean of ``p`` over uniform recipes gives random search's
expected curve.  Reports draw both beside the measured time-to-target curves.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.stats import norm

from vdwgym.agents.sobol import sobol
from vdwgym.outcome import fold_twist
from vdwgym.space import PAPER_SPACE, ParameterSpace

__all__ = ["hit_probability", "hit_ceiling", "reference_curve"]


def hit_probability(X: np.ndarray, target_deg: float, tol: float,
                    backend_options: dict[str, Any] | None = None) -> np.ndarray:
    """``p(x)`` (module docstring) of ``n x 3`` physical recipes on the surrogate configured
    by ``backend_options`` (``SurrogateConfig`` fields); ``n`` probabilities."""
    from vdwgym.surrogate import CommensurateSurrogate, SurrogateConfig
    from vdwgym.surrogate.calibration import twist_law

    cfg = SurrogateConfig(**(backend_options or {}))
    law = twist_law(CommensurateSurrogate(cfg), X)  # the law evaluate draws from
    t = fold_twist(target_deg)
    s = max(cfg.twist_noise_deg, 1e-12)
    theta = law["twist_deg"]
    inside = norm.cdf((t + tol - theta) / s) - norm.cdf((t - tol - theta) / s)
    return law["p_crystalline"] * (law["probability"] * inside).sum(axis=1)


def hit_ceiling(target_deg: float, tol: float, backend_options: dict[str, Any] | None = None,
                space: ParameterSpace = PAPER_SPACE, n: int = 2**14, seed: int = 0) -> dict[str, Any]:
    """Best and uniform-mean per-evaluation hit probability over ``space``: ``n`` Sobol
    recipes, then Gaussian perturbations (s.d. 0.02 and 0.005, unit cube) of the 16 best.
    Returns ``best`` (p*), ``best_recipe`` (dict) and ``uniform`` (mean p)."""
    U = sobol(space.d, n, seed)
    p = hit_probability(space.from_unit(U), target_deg, tol, backend_options)
    uniform = float(p.mean())
    rng = np.random.default_rng(seed)
    for sd in (0.02, 0.005):
        top = U[np.argsort(-p)[:16]]
        L = np.clip(np.repeat(top, 128, axis=0) + sd * rng.standard_normal((16 * 128, space.d)), 0, 1)
        U, p = np.vstack([U, L]), np.concatenate([p, hit_probability(space.from_unit(L), target_deg, tol,
                                                                       backend_options)])
    i = int(np.argmax(p))
    return {"best": float(p[i]), "best_recipe": space.to_recipes(space.from_unit(U[i:i + 1]))[0].to_dict(),
            "uniform": uniform}


def reference_curve(p: float, n_init: int, budget: int) -> np.ndarray:
    """``budget`` values: ``1 - (1 - p)^(n - n_init)`` for evaluations ``n = 1 ... budget``."""
    k = np.clip(np.arange(1, budget + 1) - n_init, 0, None)
    return 1.0 - (1.0 - p) ** k
