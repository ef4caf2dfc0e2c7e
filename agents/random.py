"""Random search, the baseline: uniform or scrambled-Sobol proposals; ignores outcomes."""

from __future__ import annotations

from typing import Any

import numpy as np

from vdwgym.agents.base import Agent, SeedLike
from vdwgym.agents.sobol import SobolStream
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
        self._sobol = SobolStream(space.d, int(self.rng.integers(2**31)))

    def propose(self, n: int, pending_unit: np.ndarray) -> np.ndarray:
        if self.method == "uniform":
            return self.space.sample_unit(n, self.rng)
        return self._sobol.draw(n)

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), **self._sobol.state()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self._sobol.load(state)
