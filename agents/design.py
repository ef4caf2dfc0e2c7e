"""A fixed design: recipes given in advance, proposed in order, repeats allowed.

For data campaigns (the MD dataset: the same recipe on several seeds, then a space-filling
set), and for replaying another tool's proposals.  Every evaluation of a campaign gets its own
lab seed, so a recipe listed three times is evaluated on three seeds.  When the list is
spent the agent continues with scrambled Sobol points (``then="sobol"``), or refuses
(``then="stop"``: an error naming the design's length, so a campaign never runs past it
unnoticed).

    vdwgym campaign --agent design --agent-option file=experiments/md_dataset_design.json ...

The file is JSON: ``{"recipes": [{"temperature_K": 2500, "lattice_strain": 0.015,
"shear_strain": 0.015}, ...]}`` (physical units: K and strain fractions); every recipe is
validated against the campaign's space when the agent is built.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from vdwgym.agents.base import Agent, SeedLike
from vdwgym.agents.sobol import SobolStream
from vdwgym.errors import ValidationError
from vdwgym.space import ParameterSpace

__all__ = ["DesignAgent", "load_design"]


def load_design(path: str | Path) -> list[dict[str, float]]:
    """The ``recipes`` list of a design file (JSON), unvalidated."""
    p = Path(path)
    try:
        data = json.loads(p.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ValidationError("design file", "a readable JSON file with a 'recipes' list",
                              str(p), str(exc)) from exc
    recipes = data.get("recipes") if isinstance(data, Mapping) else None
    if not isinstance(recipes, list):
        raise ValidationError("design file recipes", "a list of recipes", type(recipes).__name__)
    return recipes


class DesignAgent(Agent):
    """Proposes ``recipes`` (or those of ``file``) in order, then ``then``.

    Parameters
    ----------
    space, target_deg, seed:
        As for every agent (the seed drives the Sobol continuation only).
    recipes:
        Recipes in physical units (mappings with the space's dimension names).
    file:
        A JSON design file (module docstring), instead of ``recipes``.
    then:
        ``"sobol"`` (default) or ``"stop"``, once the list is spent.
    """

    name = "design"

    def __init__(self, space: ParameterSpace, target_deg: float, seed: SeedLike,
                 recipes: Sequence[Mapping[str, float]] | None = None,
                 file: str | None = None, then: str = "sobol") -> None:
        super().__init__(space, target_deg, seed)
        if (recipes is None) == (file is None):
            raise ValidationError("design", "exactly one of 'recipes' or 'file'",
                                  {"recipes": recipes, "file": file})
        if then not in ("sobol", "stop"):
            raise ValidationError("design.then", "'sobol' or 'stop'", then)
        listed = load_design(file) if file is not None else list(recipes)
        if not listed:
            raise ValidationError("design.recipes", "at least one recipe", listed)
        checked = [space.validate(r) for r in listed]
        self.design_unit = space.to_unit(space.to_array(checked))
        self.then = then
        self.position = 0
        self._sobol = SobolStream(space.d, int(self.rng.integers(2**31)))

    def propose(self, n: int, pending_unit: np.ndarray) -> np.ndarray:
        take = self.design_unit[self.position:self.position + n]
        rest = n - len(take)
        if rest and self.then == "stop":
            raise ValidationError("design", f"at most {len(self.design_unit)} proposals "
                                  "(then='stop')", self.position + n)
        self.position += len(take)
        return np.vstack([take, self._sobol.draw(rest)]) if rest else take

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "position": self.position, **self._sobol.state()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.position = int(state["position"])
        self._sobol.load(state)
