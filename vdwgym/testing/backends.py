"""A tiny deterministic backend for fast tests (BoTorch-style test helper).

:class:`FunctionBackend` turns a plain function of the unit-cube recipe into a backend: no
physics, no files, answers at once; optional seeded lognormal run times exercise the
virtual clock.  Use it where a test is about the plumbing, not the surrogate.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

import numpy as np

from vdwgym.backends.base import Backend, completed_future
from vdwgym.outcome import Outcome, Status, fold_twist
from vdwgym.seeding import check_seed
from vdwgym.space import PAPER_SPACE, ParameterSpace, Recipe

__all__ = ["FunctionBackend", "linear_twist"]


def linear_twist(u: np.ndarray) -> float:
    """A smooth known landscape: twist = 30 * mean of the unit-cube coordinates (deg)."""
    return float(30.0 * np.mean(u))


class FunctionBackend(Backend):
    """Backend computing ``twist_deg = fold_twist(fn(unit_recipe))``.

    Parameters
    ----------
    fn:
        Maps a length-``d`` unit-cube array to a twist in degrees.
    runtime_median_s, runtime_sigma:
        If ``runtime_median_s`` is set, each outcome reports a simulated run time
        ``details["runtime_s"]`` drawn lognormally from the evaluation's seed.
    fail_below:
        Unit-cube first coordinate below which the evaluation "fails" (status failed), to
        exercise failure handling; ``None`` for never.
    """

    name = "function"
    answers_at_once = True

    def __init__(self, fn: Callable[[np.ndarray], float] = linear_twist,
                 space: ParameterSpace = PAPER_SPACE, runtime_median_s: float | None = None,
                 runtime_sigma: float = 0.5, fail_below: float | None = None) -> None:
        super().__init__(space)
        self.fn = fn
        self.runtime_median_s = runtime_median_s
        self.runtime_sigma = runtime_sigma
        self.fail_below = fail_below

    def submit(self, recipe: Recipe, seed: int, key: str | None = None) -> Future:
        r = self.space.validate(recipe)
        seed = check_seed(seed)
        u = self.space.to_unit(self.space.to_array([r]))[0]
        details: dict[str, Any] = {"backend": self.name}
        if self.runtime_median_s is not None:
            rng = np.random.default_rng(seed)
            details["runtime_s"] = float(self.runtime_median_s * np.exp(self.runtime_sigma * rng.standard_normal()))
        if self.fail_below is not None and u[0] < self.fail_below:
            return completed_future(Outcome(Status.FAILED, r, seed, error="injected failure",
                                            details=details))
        return completed_future(Outcome(Status.OK, r, seed, twist_deg=fold_twist(self.fn(u)),
                                        order=1.0, crystalline=True, details=details))

    def config(self) -> dict[str, Any]:
        return {"name": self.name, "fn": getattr(self.fn, "__name__", repr(self.fn)),
                "runtime_median_s": self.runtime_median_s, "runtime_sigma": self.runtime_sigma,
                "fail_below": self.fail_below}
