"""Random search, the baseline: uniform or scrambled-Sobol proposals; ignores outcomes."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from scipy.stats import qmc

from vdwgym.agents.base import Agent, SeedLike
from vdwgym.errors import ValidationError
from vdwgym.space import ParameterSpace

__all__ = ["RandomAgent"]


class RandomAgent(Agent):
    """Uniform (``method="uniform"``) or Sobol (``method="sobol"``) random proposals."""

    name = "random"

    def __init__(self, space: ParameterSpace, target_deg: float, seed: SeedLike,
                 method: str = "uniform") -> None:
        super().__init__(space, target_deg, seed)
        if method not in ("uniform", "sobol"):
            raise ValidationError("method", "'uniform' or 'sobol'", method)
        self.method = method
        self._sobol_seed = int(self.rng.integers(2**31))
        self._drawn = 0

    def propose(self, n: int, pending_unit: np.ndarray) -> np.ndarray:
        if self.method == "uniform":
            return self.space.sample_unit(n, self.rng)
        sobol = qmc.Sobol(self.space.d, scramble=True, seed=self._sobol_seed)
        if self._drawn:
            sobol.fast_forward(self._drawn)
        self._drawn += n
        with warnings.catch_warnings():
            # batches of any size are wanted here; balance over powers of 2 is not needed
            warnings.filterwarnings("ignore", message="The balance properties of Sobol")
            return sobol.random(n)

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "sobol_seed": self._sobol_seed, "drawn": self._drawn}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self._sobol_seed = int(state["sobol_seed"])
        self._drawn = int(state["drawn"])
