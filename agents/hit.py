"""Hit-probability search (``hit``) for labs whose outcome is a discrete, stochastic state.

The twist a recipe gives is not a smooth function plus noise: each evaluation lands in one of
a few commensurate states, drawn with recipe-dependent probabilities, and the state nearest a
target may be the ground state nowhere (docs/agents.md, "hit").  A model of the mean twist
(``qei``, ``ts``) or of the regret smooths a rare state into the plateau around it, and a
"near miss" score rewards the plateau: on the surrogate a GP on ``exp(-regret^2 / 2 tol^2)``
sat on the 10.9 deg state (2.4 deg from an 8.5 deg target) in 8 of 10 campaigns.  This agent
models what a campaign needs instead, the probability that one evaluation of recipe ``x``
lands within ``tolerance_deg`` of the target,

    p(x) = P(|twist(x) - target| <= tol),

from observations only (no access to a lab's selection law, so it runs on the MD backend too).

Model
    The labels ``h_i = 1{|twist_i - target| <= tol}`` (failed or non-crystalline evaluations
    are misses) are regressed on the unit-cube recipes with the BO agents' GP
    (:func:`vdwgym.agents.gp.fit_gp`: Matern 5/2, fitted by marginal likelihood): the
    posterior mean of a GP on 0/1 labels is a kernel estimate of the Bernoulli mean ``p(x)``
    (least-squares classification), its variance an uncertainty about it, at the cost of the
    paper's own model.  A Bernoulli-likelihood GP (Laplace or EP) would change the link, not
    the ranking, at several times the cost; with no hit observed both are flat.
Batches
    Thompson sampling as in ``ts``: each of the ``q`` points is the argmax of its own pathwise
    posterior sample (Matheron's rule) over a candidate set, WITHOUT excluding candidates
    already chosen, so a recipe may be chosen several times in one batch: repeating the best
    recipe is the best bet when ``p`` is a few percent everywhere.  Candidates: the observed
    recipes (exact repeats), ``n_sobol`` scrambled Sobol points, as many points of the
    cube's boundary (Sobol points with a random non-empty set of coordinates set to 0 or 1),
    and Gaussian perturbations (s.d. ``local_sd``) of the recipes that hit.  The boundary
    candidates stand in for the continuous acquisition optimizer of ``qei`` (L-BFGS-B ends on
    a bound whenever the acquisition rises towards it): before the first hit the posterior
    is flat and its sample paths, like any GP sample, peak on the boundary more often than
    inside, so the search looks at the edges of the recipe box, where extreme strains and
    temperatures make rare states likely.  docs/agents.md gives the ablation.
Pending points
    Kriging believer: the GP is conditioned on the pending recipes at its posterior mean,
    which shrinks the samples' spread there without changing the mean, so running copies of
    a good recipe do not push the batch away from it.

Decision cost: one GP fit and ``q`` pathwise samples on ``N = 2 n_sobol + n + 32 h``
candidates per ask, as ``ts`` (benchmarks/bench_decision.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from botorch.sampling.pathwise import draw_matheron_paths

from vdwgym.agents.base import Agent, SeedLike
from vdwgym.agents.bo import one_thread
from vdwgym.agents.gp import fit_gp
from vdwgym.agents.sobol import SobolStream, sobol
from vdwgym.errors import ValidationError
from vdwgym.space import ParameterSpace

__all__ = ["HitAgent", "boundary_points", "hit_labels"]

#: Default half-width of the target window, degrees (docs/benchmarks.md: the tolerance the
#: surrogate lab can meet at every paper target).
DEFAULT_TOLERANCE_DEG = 2.0


def hit_labels(twist: np.ndarray, target_deg: float, tolerance_deg: float) -> np.ndarray:
    """``n`` hit labels (float 0/1) of ``n`` folded twists (degrees, NaN = failed):
    ``|twist - target| <= tolerance``; NaN is a miss."""
    with np.errstate(invalid="ignore"):
        return (np.abs(np.asarray(twist, dtype=np.float64) - target_deg) <= tolerance_deg).astype(np.float64)


def boundary_points(U: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``n x d`` points on the unit cube's boundary: each row of ``U`` (``n x d``) with a
    random non-empty set of its coordinates (each with probability 1/2) set to 0 or 1."""
    U = np.asarray(U, dtype=np.float64)
    n, d = U.shape
    snap = rng.random((n, d)) < 0.5
    empty = ~snap.any(axis=1)
    snap[np.flatnonzero(empty), rng.integers(d, size=int(empty.sum()))] = True
    side = (rng.random((n, d)) < 0.5).astype(np.float64)
    return np.where(snap, side, U)


class HitAgent(Agent):
    """Batch Thompson sampling on the hit probability ``P(|twist - target| <= tol | x)``.

    Parameters
    ----------
    space, target_deg, seed:
        As for every :class:`~vdwgym.agents.base.Agent`.
    tolerance_deg:
        Half-width of the target window, degrees (a hit is ``|twist - target| <= tol``);
        a campaign passes its own ``tolerance_deg`` when the options do not set it.
    n_sobol:
        Sobol candidates per ask (and as many boundary candidates, when ``boundary``).
    boundary:
        Include boundary candidates (module docstring).
    local_sd:
        S.d. (unit cube) of the 32 perturbations drawn around each recipe that hit.
    min_ok:
        Evaluations (hits or not: labels are defined for failures too) needed before the GP
        is used (>= 2); before that, Sobol proposals.
    fit_maxiter:
        L-BFGS-B iterations of the GP hyperparameter fit.
    """

    name = "hit"

    def __init__(self, space: ParameterSpace, target_deg: float, seed: SeedLike,
                 tolerance_deg: float = DEFAULT_TOLERANCE_DEG, n_sobol: int = 2048,
                 boundary: bool = True, local_sd: float = 0.03, min_ok: int = 2,
                 fit_maxiter: int = 200) -> None:
        super().__init__(space, target_deg, seed)
        checks = [("min_ok", min_ok, int(min_ok) == min_ok and min_ok >= 2, "an integer >= 2"),
                  ("fit_maxiter", fit_maxiter, int(fit_maxiter) == fit_maxiter and fit_maxiter >= 1,
                   "an integer >= 1"),
                  ("tolerance_deg", tolerance_deg, 0.0 < tolerance_deg <= 15.0, "(0, 15] deg"),
                  ("n_sobol", n_sobol, int(n_sobol) == n_sobol and n_sobol >= 1, "an integer >= 1"),
                  ("boundary", boundary, isinstance(boundary, bool), "true or false"),
                  ("local_sd", local_sd, local_sd > 0 and np.isfinite(local_sd), "> 0 (unit cube)")]
        for field, value, ok, bound in checks:
            if not ok:
                raise ValidationError(field, bound, value)
        self.tolerance_deg = float(tolerance_deg)
        self.n_sobol, self.boundary, self.local_sd = int(n_sobol), bool(boundary), float(local_sd)
        self.min_ok, self.fit_maxiter = int(min_ok), int(fit_maxiter)
        self._sobol = SobolStream(space.d, int(self.rng.integers(2**31)))

    # ------------------------------------------------------------------ model
    def labels(self) -> np.ndarray:
        """Hit labels of the observations so far (``n``, float 0/1)."""
        return hit_labels(self.obs.twist, self.target_deg, self.tolerance_deg)

    def _fit(self, seed: int):
        with torch.random.fork_rng():
            torch.manual_seed(seed)
            return fit_gp(self.obs.X.copy(), self.labels(), maxiter=self.fit_maxiter)

    def hit_probability(self, C: np.ndarray, seed: int = 0) -> np.ndarray:
        """The model's posterior-mean ``P(hit | x)`` at ``m x d`` unit-cube points ``C``
        (``m`` values, clipped to [0, 1]); needs ``min_ok`` observations."""
        if len(self.obs) < self.min_ok:
            raise ValidationError("observations", f">= min_ok = {self.min_ok}", len(self.obs))
        with one_thread():
            model = self._fit(seed)
            with torch.no_grad():
                mean = model.posterior(torch.as_tensor(np.asarray(C, dtype=np.float64))).mean
        return mean.reshape(-1).clamp(0.0, 1.0).numpy()

    # ------------------------------------------------------------------ acquisition
    def _candidates(self, seed: int) -> np.ndarray:
        """``N x d`` unit-cube candidates (module docstring)."""
        d = self.space.d
        X = self.obs.X
        parts = [X, sobol(d, self.n_sobol, seed)]
        if self.boundary:
            parts.append(boundary_points(sobol(d, self.n_sobol, seed + 1), self.rng))
        hits = X[self.labels() > 0]
        if len(hits):
            centres = np.repeat(hits, 32, axis=0)
            parts.append(np.clip(centres + self.local_sd * self.rng.standard_normal(centres.shape), 0.0, 1.0))
        return np.vstack(parts)

    def propose(self, n: int, pending_unit: np.ndarray) -> np.ndarray:
        if len(self.obs) < self.min_ok:
            return self._sobol.draw(n)
        seed = int(self.rng.integers(2**31))
        with one_thread(), torch.random.fork_rng():
            torch.manual_seed(seed)
            model = self._fit(seed)
            P = torch.as_tensor(pending_unit, dtype=torch.float64).reshape(-1, self.space.d)
            if len(P):
                with torch.no_grad():
                    model = model.condition_on_observations(P, model.posterior(P).mean)
            C = self._candidates(seed)
            paths = draw_matheron_paths(model, sample_shape=torch.Size([n]))
            with torch.no_grad():
                chosen = paths(torch.as_tensor(C)).argmax(dim=-1).numpy()  # n, repeats allowed
        return C[chosen]

    # ------------------------------------------------------------------ persistence
    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), **self._sobol.state()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self._sobol.load(state)
