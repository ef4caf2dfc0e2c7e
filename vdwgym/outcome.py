"""The result of one evaluation of a recipe.

Units: degrees for angles, seconds for timings.  ``twist_deg`` is folded to ``[0, 30]``
(hexagonal symmetry: theta, -theta and 60 - theta are the same stacking) and is ``None``
unless the top layer is crystalline: a twist measured on an amorphous layer is not a twist.
"""

from __future__ import annotations

import enum
import json
import math
from dataclasses import dataclass, field, fields
from typing import Any

from vdwgym.errors import ValidationError
from vdwgym.geometry import fold_twist
from vdwgym.space import Recipe

__all__ = ["Status", "Outcome", "fold_twist"]


class Status(enum.StrEnum):
    OK = "ok"
    FAILED = "failed"
    TIMEOUT = "timeout"
    CANCELLED = "cancelled"


@dataclass
class Outcome:
    """One evaluation's result.

    Attributes
    ----------
    status:
        ``ok`` when the evaluation produced a measurement (crystalline or not); ``failed``
        for a simulation that crashed or lost atoms; ``timeout``; ``cancelled``.
    recipe:
        The evaluated recipe (physical units).
    seed:
        The evaluation's seed: the backend's answer is a function of (recipe, seed).
    twist_deg:
        Interlayer twist folded to [0, 30] degrees; ``None`` unless ``crystalline``.
    order:
        The paper's order parameter per atom (pairs within [2.4, 2.6] A, cutoff 3 A),
        or the surrogate's equivalent in [0, 1]; ``None`` if not measured.
    crystalline:
        Whether the recrystallized top layer passed the crystallinity gate.
    wall_time_s:
        Wall-clock seconds the evaluation took (real, or simulated for a virtual clock).
    error:
        Error text for non-ok statuses.
    details:
        Backend-specific figures (per-layer orientations, lattice matrix, energies, ...);
        JSON-serializable.
    history:
        The on-the-fly progress lines (one dict per analysis interval), if any.
    run_dir:
        Where the evaluation's files are, for file-based backends.
    """

    status: Status
    recipe: Recipe
    seed: int
    twist_deg: float | None = None
    order: float | None = None
    crystalline: bool = False
    wall_time_s: float = 0.0
    error: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)
    run_dir: str | None = None

    def __post_init__(self) -> None:
        self.status = Status(self.status)
        if not isinstance(self.recipe, Recipe):
            self.recipe = Recipe(self.recipe)
        if self.twist_deg is not None:
            t = float(self.twist_deg)
            if not (math.isfinite(t) and 0.0 <= t <= 30.0):
                raise ValidationError("twist_deg", "a folded angle in [0, 30] deg", self.twist_deg)
            if not self.crystalline:
                raise ValidationError("twist_deg", "None when the layer is not crystalline",
                                      self.twist_deg)
            self.twist_deg = t

    @property
    def ok(self) -> bool:
        """True when the evaluation produced a usable twist."""
        return self.status is Status.OK and self.crystalline and self.twist_deg is not None

    def regret(self, target_deg: float) -> float | None:
        """``|twist - target|`` in degrees, or ``None`` when there is no usable twist."""
        if not self.ok:
            return None
        return abs(self.twist_deg - fold_twist(target_deg))

    def to_dict(self) -> dict[str, Any]:
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d["status"] = self.status.value
        d["recipe"] = self.recipe.to_dict()
        return json.loads(json.dumps(d))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Outcome:
        return cls(**data)
