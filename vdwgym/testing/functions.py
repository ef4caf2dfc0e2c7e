"""Cheap known-optimum twist landscapes for testing agents.

:class:`TwistLandscape` is a smooth twist function over the unit cube ``[0, 1]^d`` (``d >= 1``;
the paper's space has ``d = 3``), with recipes of known twist, so an agent's regret can be
checked without a lab.  It is a test function, not physics.

The landscape (``u`` in unit-cube coordinates, ``u_0`` the first dimension, the annealing
temperature in :data:`vdwgym.space.PAPER_SPACE`)::

    z(u)     = 3 (u_0 - 0.35) + 0.25 sin(3 pi u_0) + g(u_1, ..., u_{d-1})
    g(u)     = 1.5 (u_1 - 0.5)^2 + 0.5 u_1 sin(2 pi u_2)        (terms present as d allows)
    twist(u) = 15 (1 + tanh(z))        degrees, in (0, 30)

``z`` increases strictly with ``u_0`` (its derivative is >= 3 - 0.75 pi > 0.6), so for any
``(u_1, ..., u_{d-1})`` and any target between the twists at ``u_0 = 0`` and ``u_0 = 1``
there is exactly one ``u_0`` reaching it: :meth:`TwistLandscape.solve` finds it.  The set of
recipes reaching a target is a ``(d - 1)``-dimensional surface, as in the real problem where
several recipes give the same twist.

With ``fail_corner=True`` the corner ``u_0 > 0.85`` and ``u_1 > 0.8`` gives non-crystalline
outcomes (no twist), to test how agents handle failed evaluations.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.optimize import brentq

from vdwgym.outcome import Outcome, Status
from vdwgym.space import ParameterSpace, Recipe

__all__ = ["TwistLandscape", "run_batches"]


class TwistLandscape:
    """Known twist function ``twist(u)`` (degrees) on the unit cube of ``space``.

    Parameters
    ----------
    space:
        The parameter space whose unit cube the landscape lives on.
    noise_deg:
        Standard deviation (degrees) of Gaussian noise added by :meth:`evaluate`; the noise
        of evaluation ``i`` comes from ``numpy.random.default_rng([seed, i])``.
    fail_corner:
        If True, recipes with ``u_0 > 0.85`` and ``u_1 > 0.8`` are non-crystalline.
    seed:
        Root seed of the evaluation noise.
    """

    def __init__(self, space: ParameterSpace, noise_deg: float = 0.0, fail_corner: bool = False,
                 seed: int = 0) -> None:
        self.space = space
        self.noise_deg = float(noise_deg)
        self.fail_corner = bool(fail_corner)
        self.seed = int(seed)
        self.evaluations = 0

    @staticmethod
    def _z(U: np.ndarray) -> np.ndarray:
        u0 = U[..., 0]
        z = 3.0 * (u0 - 0.35) + 0.25 * np.sin(3.0 * np.pi * u0)
        if U.shape[-1] > 1:
            u1 = U[..., 1]
            z = z + 1.5 * (u1 - 0.5) ** 2
            if U.shape[-1] > 2:
                z = z + 0.5 * u1 * np.sin(2.0 * np.pi * U[..., 2])
        return z

    def twist(self, U: np.ndarray) -> np.ndarray:
        """Noise-free twist in degrees of unit-cube points ``... x d`` -> ``...``."""
        return 15.0 * (1.0 + np.tanh(self._z(np.asarray(U, dtype=np.float64))))

    def crystalline(self, U: np.ndarray) -> np.ndarray:
        """Boolean ``...`` mask of unit-cube points ``... x d`` that give a usable twist."""
        U = np.asarray(U, dtype=np.float64)
        ok = np.ones(U.shape[:-1], dtype=bool)
        if self.fail_corner and U.shape[-1] > 1:
            ok &= ~((U[..., 0] > 0.85) & (U[..., 1] > 0.8))
        return ok

    def regret(self, U: np.ndarray, target_deg: float) -> np.ndarray:
        """Noise-free ``|twist - target|`` (degrees) of unit-cube points ``... x d``."""
        return np.abs(self.twist(U) - float(target_deg))

    def solve(self, target_deg: float, rest: Sequence[float]) -> np.ndarray:
        """The unit-cube point ``(u_0, *rest)`` whose twist is ``target_deg`` (length ``d``).

        Raises ``ValueError`` if the target is out of reach along ``u_0`` for this ``rest``.
        """
        rest = [float(r) for r in rest]

        def f(u0: float) -> float:
            return float(self.twist(np.array([u0, *rest]))) - float(target_deg)

        u0 = brentq(f, 0.0, 1.0, xtol=1e-12)
        return np.array([u0, *rest])

    def evaluate(self, recipes: Sequence[Recipe]) -> list[Outcome]:
        """Outcomes of recipes (physical units), with noise if ``noise_deg > 0``."""
        U = self.space.to_unit(self.space.to_array(recipes))
        tw, ok = self.twist(U), self.crystalline(U)
        out = []
        for recipe, t, good in zip(recipes, tw, ok, strict=True):
            i = self.evaluations
            self.evaluations += 1
            if self.noise_deg > 0:
                t = t + self.noise_deg * np.random.default_rng([self.seed, i]).standard_normal()
            if good:
                out.append(Outcome(Status.OK, recipe, seed=i, twist_deg=float(np.clip(t, 0.0, 30.0)),
                                   crystalline=True))
            else:
                out.append(Outcome(Status.OK, recipe, seed=i, crystalline=False,
                                   error="non-crystalline top layer"))
        return out


def run_batches(agent, landscape: TwistLandscape, n_batches: int, q: int) -> np.ndarray:
    """Drive ``agent`` through ``n_batches`` synchronous batches of ``q`` on ``landscape``.

    Returns the ``n_batches * q`` noise-free regrets (degrees) of the proposals in order,
    NaN for non-crystalline ones.
    """
    regrets = []
    for _ in range(int(n_batches)):
        recipes = agent.ask(q)
        outcomes = landscape.evaluate(recipes)
        agent.tell(recipes, outcomes)
        U = landscape.space.to_unit(landscape.space.to_array(recipes))
        r = landscape.regret(U, agent.target_deg)
        regrets.append(np.where(landscape.crystalline(U), r, np.nan))
    return np.concatenate(regrets)
