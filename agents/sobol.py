"""Scrambled Sobol points for agents: a stateless draw and a resumable stream."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from scipy.stats import qmc

__all__ = ["sobol", "SobolStream"]


def sobol(d: int, n: int, seed: int, skip: int = 0) -> np.ndarray:
    """``n x d`` scrambled Sobol points in the unit cube, after skipping ``skip`` points.

    (Any ``n``: scipy's warning that balance needs a power of 2 is silenced.)
    """
    engine = qmc.Sobol(d, scramble=True, seed=seed)
    if skip:
        engine.fast_forward(skip)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The balance properties of Sobol")
        return engine.random(n)


class SobolStream:
    """One Sobol sequence drawn in pieces; its state (seed, points drawn) is JSON-able so an
    agent restored from a campaign store continues the same sequence."""

    def __init__(self, d: int, seed: int) -> None:
        self.d = int(d)
        self.seed = int(seed)
        self.drawn = 0

    def draw(self, n: int) -> np.ndarray:
        """The next ``n x d`` points."""
        U = sobol(self.d, n, self.seed, skip=self.drawn)
        self.drawn += n
        return U

    def state(self) -> dict[str, Any]:
        return {"sobol_seed": self.seed, "drawn": self.drawn}

    def load(self, state: dict[str, Any]) -> None:
        self.seed = int(state["sobol_seed"])
        self.drawn = int(state["drawn"])
