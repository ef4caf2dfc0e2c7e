"""gest-api on the lab side: evaluation outputs as gest-api dicts, and the lab as a
gest-api-shaped evaluator (``pip install 'vdwgym[gest]'`` for :meth:`ParameterSpace.to_vocs`).

gest-api (the generator standard of libEnsemble, Xopt and optimas) exchanges points as
dicts with the VOCS names: inputs (the recipe's fields) and outputs merged in one dict,
plus ``_id`` for a generator that returns ids.  The outputs of one evaluation
(:data:`vdwgym.space.OBJECTIVE` and :data:`vdwgym.space.OBSERVABLES`) are

============== ====================================================================
``regret_deg`` |twist - target| in deg; :data:`FAILURE_REGRET_DEG` when no twist
``twist_deg``  the folded twist in deg, NaN when none
``order``      the order parameter, NaN when not measured
``failed``     1.0 when the evaluation gave no twist (failed, timeout, cancelled, not
               crystalline), else 0.0
============== ====================================================================

:class:`LabEvaluator` is the lab for a controller that expects an evaluator: a batch
``evaluate(points) -> results`` (libEnsemble, optimas) or a one-point ``__call__``
(Xopt's ``Evaluator(function=...)``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from vdwgym.lab import Lab
from vdwgym.outcome import Outcome

__all__ = ["FAILURE_REGRET_DEG", "outputs_of", "LabEvaluator"]

FAILURE_REGRET_DEG = 30.0
"""The objective of an evaluation with no twist: the largest regret a folded twist can have."""


def outputs_of(ok: bool, regret_deg: float | None, twist_deg: float | None,
               order: float | None) -> dict[str, float]:
    """The gest-api outputs of one evaluation (module docstring)."""
    return {"regret_deg": float(regret_deg) if ok and regret_deg is not None else FAILURE_REGRET_DEG,
            "twist_deg": float(twist_deg) if ok and twist_deg is not None else math.nan,
            "order": float(order) if order is not None else math.nan,
            "failed": 0.0 if ok else 1.0}


def outcome_outputs(outcome: Outcome, target_deg: float) -> dict[str, float]:
    return outputs_of(outcome.ok, outcome.regret(target_deg), outcome.twist_deg, outcome.order)


class LabEvaluator:
    """A :class:`~vdwgym.lab.Lab` as a gest-api evaluator.

    ``evaluate(points)`` launches the points (dicts with the space's names; other keys,
    ``_id`` included, pass through) as one batch and waits for all of them; the results
    are the points with the outputs merged in, in the same order.  ``__call__(point)`` does
    one point.  The lab's budget, seeds and store apply: evaluation ``i`` gets the lab's
    seed ``i``, as in a campaign.
    """

    def __init__(self, lab: Lab) -> None:
        self.lab = lab

    def evaluate(self, points: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        names = self.lab.space.names
        recipes = [{n: p[n] for n in names} for p in points]
        outcomes = self.lab.evaluate(recipes, source="gest")
        return [{**dict(p), **outcome_outputs(o, self.lab.target_deg)}
                for p, o in zip(points, outcomes, strict=True)]

    def __call__(self, point: Mapping[str, Any]) -> dict[str, float]:
        (result,) = self.evaluate([point])
        return {k: result[k] for k in ("regret_deg", "twist_deg", "order", "failed")}
