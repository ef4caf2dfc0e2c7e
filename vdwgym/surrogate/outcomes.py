"""``outcome_from_result``: one row of a :class:`~vdwgym.surrogate.SurrogateResult` as an
:class:`~vdwgym.outcome.Outcome`, shared by the in-process
:class:`~vdwgym.backends.surrogate.SurrogateBackend` and the ``surrogate`` worker task
(:mod:`vdwgym.surrogate.task`), so both answer the same for the same recipe and seed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vdwgym.outcome import Outcome, Status
from vdwgym.space import Recipe
from vdwgym.surrogate.commensurate import SurrogateResult

__all__ = ["OUTCOME_FIELDS", "outcome_from_result"]

#: Fields of a result row that are the Outcome's own (not repeated in its details).
OUTCOME_FIELDS = ("twist_deg", "order", "crystalline", "seed")


def outcome_from_result(result: SurrogateResult, i: int, recipe: Recipe, wall_time_s: float,
                        details: Mapping[str, Any] | None = None,
                        run_dir: str | None = None) -> Outcome:
    """Row ``i`` of ``result`` as an OK Outcome of ``recipe`` (its seed is the row's).

    ``twist_deg`` is None when the row is not crystalline (deg, folded to [0, 30]);
    ``details`` holds ``{"backend": "surrogate", **details, **row}`` without the
    :data:`OUTCOME_FIELDS`; ``wall_time_s`` is the real time spent (s)."""
    row = {k: v for k, v in result.row(i).items() if k not in OUTCOME_FIELDS}
    crystalline = bool(result.crystalline[i])
    return Outcome(
        status=Status.OK, recipe=recipe, seed=int(result.seeds[i]),
        twist_deg=float(result.twist_deg[i]) if crystalline else None,
        order=float(result.order[i]), crystalline=crystalline, wall_time_s=wall_time_s,
        details={"backend": "surrogate", **dict(details or {}), **row}, run_dir=run_dir)
