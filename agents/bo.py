"""Base class of the BoTorch agents: data handling, fallback design, seeds, threads.

Every ``propose`` call draws one integer seed from the agent's numpy generator and runs the
GP fit and the acquisition inside ``torch.random.fork_rng()`` seeded with it, with one torch
thread (restored afterwards): same seed and history -> same proposals, and no global torch
state changes.  Before ``min_ok`` usable observations exist, proposals come from a scrambled
Sobol sequence seeded from the agent's generator (pending points are then ignored: the
sequence already spreads successive points).
"""

from __future__ import annotations

import abc
import contextlib
import logging
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch

from vdwgym.agents.base import Agent, SeedLike
from vdwgym.agents.gp import fit_gp
from vdwgym.agents.objective import check_objective, training_data
from vdwgym.agents.sobol import SobolStream
from vdwgym.errors import ValidationError
from vdwgym.space import ParameterSpace

__all__ = ["BOAgent", "one_thread"]

log = logging.getLogger(__name__)


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Run torch on one intra-op thread (faster for small GPs on shared cores), then restore."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class BOAgent(Agent):
    """A GP-based agent; subclasses implement :meth:`acquire`.

    Parameters
    ----------
    space, target_deg, seed:
        As for every :class:`~vdwgym.agents.base.Agent`.
    objective:
        ``"twist"`` (model the twist, target in the acquisition) or ``"regret"`` (model
        ``-|twist - target|``); see :mod:`vdwgym.agents.objective`.
    min_ok:
        Usable observations needed before the GP is used (>= 2); before that, Sobol.
    fit_maxiter:
        L-BFGS-B iterations of the GP hyperparameter fit.
    """

    def __init__(self, space: ParameterSpace, target_deg: float, seed: SeedLike,
                 objective: str = "twist", min_ok: int = 2, fit_maxiter: int = 200) -> None:
        super().__init__(space, target_deg, seed)
        self.objective = check_objective(objective)
        if int(min_ok) != min_ok or min_ok < 2:
            raise ValidationError("min_ok", "an integer >= 2", min_ok)
        self.min_ok = int(min_ok)
        self.fit_maxiter = int(fit_maxiter)
        self._sobol = SobolStream(space.d, int(self.rng.integers(2**31)))

    def propose(self, n: int, pending_unit: np.ndarray) -> np.ndarray:
        if int(self.obs.ok.sum()) < self.min_ok:
            log.info("%s: %d usable observations < %d, Sobol proposals", self.name,
                     int(self.obs.ok.sum()), self.min_ok)
            return self._sobol.draw(n)
        seed = int(self.rng.integers(2**31))
        X, y = training_data(self.obs, self.target_deg, self.objective)
        with one_thread(), torch.random.fork_rng():
            torch.manual_seed(seed)
            model = fit_gp(X, y, maxiter=self.fit_maxiter)
            P = torch.as_tensor(pending_unit, dtype=torch.float64).reshape(-1, self.space.d)
            U = self.acquire(model, n, P, seed)
        return np.clip(U, 0.0, 1.0)

    @abc.abstractmethod
    def acquire(self, model, n: int, pending: torch.Tensor, seed: int) -> np.ndarray:
        """``n x d`` unit-cube proposals from a fitted ``model`` given ``pending`` (``p x d``).

        ``model`` outputs the twist or ``-regret`` (degrees) per :attr:`objective`; ``seed``
        seeds every sampler and optimizer of the call.
        """

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), **self._sobol.state()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self._sobol.load(state)
