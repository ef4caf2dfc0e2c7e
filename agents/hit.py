"""Hit-probability search (``hit``) for labs whose outcome is a discrete, stochastic state.

The twist a recipe gives is not a smooth function plus noise: each evaluation lands in one of
a few commensurate states, drawn with recipe-dependent probabilities, and the states near a
target may be rare everywhere (docs/agents.md, "hit").  A model of the mean twist (``qei``,
``ts``) smooths a rare state into the plateau around it.  This agent models what a campaign
needs instead, the probability that one evaluation of recipe ``x`` lands within
``tolerance_deg`` of the target,

    P(hit | x) = (1 - U(x)) * H(x) + U(x) * g0,

from observations only (no access to a lab's selection law, so it runs on the MD backend too):

``H(x)``: hit frequency among the states seen near ``x``
    a kernel-weighted (Nadaraya-Watson) frequency of hits, ``sum_i k_i(x) h_i / sum_i
    k_i(x)``, shrunk to the global hit rate with ``prior_strength`` pseudo-observations;
    ``k_i(x) = exp(-|x - x_i|^2 / (2 lengthscale^2))`` in unit-cube coordinates.
``U(x)``: the chance that the next outcome at ``x`` is a state other than the ones that
    dominate there (the Gini-Simpson diversity ``1 - sum_s pi_s(x)^2`` of the local state
    distribution, the probability that two draws at ``x`` differ).  The observed twists are
    grouped into states (sorted twists, a new state where the gap exceeds
    ``state_width_deg``; failures are one more state); ``pi_s(x)`` are kernel-weighted state
    frequencies shrunk to the global ones.  Where outcomes are diverse (high temperature,
    band boundaries: several states of similar energy) a state rare elsewhere, maybe one in
    the target window, is most likely; where one state dominates, the model trusts the hit
    frequency ``H`` of what it has seen.
``g0``: chance that an unseen state lands in the target window: ``2 tol / 30`` (a uniform
    base measure over the folded twist range [0, 30] deg).

Failed or non-crystalline evaluations are misses and a state of their own.

Batches (``ask(q, pending)``) are Thompson samples of this model by Bayesian bootstrap: for
each of the ``q`` points the observations get fresh Gamma(c, 1/c) weights (``concentration``
c; c = 1 is Rubin's Bayesian bootstrap, larger c samples closer to the mean), ``P(hit | x)`` is
recomputed on the candidates and its argmax is taken.  Samples are correlated functions (not
independent per candidate), so unexplored candidates do not win by chance, and a recipe may be
chosen several times in one batch: repeating the best recipe is the best bet when the hit
probability is a few percent everywhere.  Candidates are the observed recipes themselves
(exact repeats), ``n_sobol`` scrambled Sobol points and Gaussian perturbations (s.d.
``local_sd`` and ``local_sd / 4``) of the ``n_best`` recipes with the highest ``P(hit)``.
Pending recipes (still running) join the data as fantasies with their expected hit and state
distribution (the model's means), so they add weight but do not change the means.

Decision cost: ``q + 2`` evaluations of an ``N x (n + p)`` kernel and its products with the
hit and state data per ask, numpy only (benchmarks/bench_decision.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from vdwgym.agents.base import Agent, SeedLike
from vdwgym.agents.sobol import SobolStream, sobol
from vdwgym.errors import ValidationError
from vdwgym.space import ParameterSpace

__all__ = ["HitAgent", "group_states"]

TWIST_RANGE_DEG = 30.0


def group_states(twist: np.ndarray, width_deg: float) -> np.ndarray:
    """State labels of ``n`` twists (degrees; NaN = failed): sorted usable twists start a new
    state where the gap to the previous one exceeds ``width_deg``; failures get label -1."""
    labels = np.full(len(twist), -1, dtype=np.int64)
    ok = np.flatnonzero(np.isfinite(twist))
    if len(ok):
        order = ok[np.argsort(twist[ok], kind="stable")]
        labels[order] = np.concatenate([[0], np.cumsum(np.diff(twist[order]) > width_deg)])
    return labels


def _kernel(A: np.ndarray, B: np.ndarray, lengthscale: np.ndarray) -> np.ndarray:
    """``len(A) x len(B)`` squared-exponential kernel in unit-cube coordinates."""
    D = (A[:, None, :] - B[None, :, :]) / lengthscale
    return np.exp(-0.5 * np.einsum("ijk,ijk->ij", D, D))


class HitAgent(Agent):
    """Batch Thompson sampling on the hit probability ``P(|twist - target| <= tol | x)``.

    Parameters
    ----------
    space, target_deg, seed:
        As for every :class:`~vdwgym.agents.base.Agent`.
    tolerance_deg:
        Half-width of the target window, degrees (a hit is ``|twist - target| <= tol``).
    lengthscale:
        Kernel length scale in unit-cube units: a number or one per dimension.
    state_width_deg:
        Twists closer than this (degrees) belong to one state (above the measurement noise,
        below the spacing of distinct states).
    prior_strength:
        Pseudo-observations that shrink the local estimates to the global ones.
    concentration:
        Shape of the Gamma bootstrap weights (1: Bayesian bootstrap).
    n_sobol, n_best, local_sd:
        Candidate set (see the module docstring).
    """

    name = "hit"

    def __init__(self, space: ParameterSpace, target_deg: float, seed: SeedLike,
                 tolerance_deg: float = 0.5, lengthscale: float | list[float] = 0.2,
                 state_width_deg: float = 0.3, prior_strength: float = 1.0,
                 concentration: float = 1.0,
                 n_sobol: int = 2048, n_best: int = 8, local_sd: float = 0.04) -> None:
        super().__init__(space, target_deg, seed)
        ls = np.broadcast_to(np.asarray(lengthscale, dtype=np.float64), (space.d,)).copy()
        checks = [("tolerance_deg", tolerance_deg, 0.0 < tolerance_deg <= 15.0, "(0, 15] deg"),
                  ("lengthscale", lengthscale, bool(np.all((ls > 0) & np.isfinite(ls))), "> 0 (unit cube)"),
                  ("state_width_deg", state_width_deg, state_width_deg > 0, "> 0 deg"),
                  ("prior_strength", prior_strength, prior_strength > 0, "> 0"),
                  ("concentration", concentration, concentration > 0, "> 0"),
                  ("n_sobol", n_sobol, int(n_sobol) == n_sobol and n_sobol >= 1, "an integer >= 1"),
                  ("n_best", n_best, int(n_best) == n_best and n_best >= 0, "an integer >= 0"),
                  ("local_sd", local_sd, local_sd > 0, "> 0 (unit cube)")]
        for field, value, ok, bound in checks:
            if not ok:
                raise ValidationError(field, bound, value)
        self.tolerance_deg = float(tolerance_deg)
        self.lengthscale = ls
        self.state_width_deg = float(state_width_deg)
        self.prior_strength = float(prior_strength)
        self.concentration = float(concentration)
        self.n_sobol, self.n_best, self.local_sd = int(n_sobol), int(n_best), float(local_sd)
        self.g0 = min(1.0, 2.0 * self.tolerance_deg / TWIST_RANGE_DEG)
        self._sobol = SobolStream(space.d, int(self.rng.integers(2**31)))

    # ------------------------------------------------------------------ model
    def _data(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``X`` (n x d), hits ``h`` (n) and state memberships ``S`` (n x states, rows sum
        to 1; failures are a state of their own)."""
        tw = self.obs.twist
        h = (np.abs(tw - self.target_deg) <= self.tolerance_deg).astype(np.float64)  # NaN -> miss
        labels = group_states(tw, self.state_width_deg)
        S = (labels[:, None] == np.unique(labels)[None, :]).astype(np.float64)
        return self.obs.X, h, S

    def _estimates(self, C: np.ndarray, data: tuple, weights: np.ndarray | None = None
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Local hit frequency ``H``, state distribution ``pi`` (m x states) and ``P(hit)`` at
        ``m x d`` unit-cube points ``C``, with per-observation ``weights``."""
        X, h, S = data
        w = np.ones(len(h)) if weights is None else weights
        Kc = _kernel(np.asarray(C, dtype=np.float64), X, self.lengthscale) * w  # m x n
        a = self.prior_strength
        h_glob = (w @ h + 0.5 * self.g0) / (w.sum() + 0.5)
        pi_glob = (w @ S) / w.sum()
        n_loc = Kc.sum(axis=1, keepdims=True)
        H = (Kc @ h + a * h_glob) / (n_loc[:, 0] + a)
        pi = (Kc @ S + a * pi_glob) / (n_loc + a)
        U = 1.0 - (pi * pi).sum(axis=1)  # Gini-Simpson diversity: P(next state differs)
        return H, pi, (1.0 - U) * H + U * self.g0

    def hit_probability(self, C: np.ndarray) -> np.ndarray:
        """The model's ``P(hit | x)`` at ``m x d`` unit-cube points ``C`` (``m`` values)."""
        if not len(self.obs):
            return np.full(len(C), self.g0)
        return self._estimates(C, self._data())[2]

    # ------------------------------------------------------------------ acquisition
    def _candidates(self, data: tuple, pending: np.ndarray) -> np.ndarray:
        X = data[0]
        seed = int(self.rng.integers(2**31))
        C = np.vstack([X, pending, sobol(self.space.d, self.n_sobol, seed)])
        if self.n_best and len(X):
            P = self._estimates(X, data)[2]
            best = X[np.argsort(-P, kind="stable")[: self.n_best]]
            k = 32  # perturbations per centre and scale
            centres = np.repeat(best, 2 * k, axis=0)
            sd = self.local_sd * np.tile(np.repeat([1.0, 0.25], k), len(best))[:, None]
            C = np.vstack([C, np.clip(centres + sd * self.rng.standard_normal(centres.shape), 0.0, 1.0)])
        return C

    def propose(self, n: int, pending_unit: np.ndarray) -> np.ndarray:
        if not len(self.obs):
            return self._sobol.draw(n)
        data = self._data()
        if len(pending_unit):  # fantasies at the model's means: weight, not information
            H, pi, _ = self._estimates(pending_unit, data)
            data = (np.vstack([data[0], pending_unit]), np.concatenate([data[1], H]),
                    np.vstack([data[2], pi]))
        C = self._candidates(data, pending_unit)
        chosen = []
        for _ in range(n):
            w = self.rng.gamma(self.concentration, 1.0 / self.concentration, len(data[1]))
            chosen.append(int(np.argmax(self._estimates(C, data, w)[2])))
        return C[chosen]

    # ------------------------------------------------------------------ persistence
    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), **self._sobol.state()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self._sobol.load(state)
