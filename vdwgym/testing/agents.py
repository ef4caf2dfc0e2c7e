"""Agents for tests of custom-agent plumbing (import paths, entry points, worker processes)."""

from __future__ import annotations

import numpy as np

from vdwgym.agents.base import Agent
from vdwgym.errors import ValidationError

__all__ = ["CornerAgent", "FailingAgent"]


class CornerAgent(Agent):
    """Proposes the centre of the unit cube, offset by ``offset`` (a custom agent by path)."""

    name = "corner"

    def __init__(self, space, target_deg, seed, offset: float = 0.0) -> None:
        super().__init__(space, target_deg, seed)
        self.offset = float(offset)

    def propose(self, n: int, pending_unit: np.ndarray) -> np.ndarray:
        return np.full((n, self.space.d), 0.5 + self.offset)


class FailingAgent(CornerAgent):
    """Raises a :class:`ValidationError` on its first ``ask`` (errors from workers)."""

    name = "failing"

    def propose(self, n: int, pending_unit: np.ndarray) -> np.ndarray:
        raise ValidationError("failing.option", "never", n, "raised on purpose in a worker")
