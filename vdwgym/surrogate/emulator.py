"""An emulator of an MD dataset: the lab answered by the recorded MD outcomes themselves.

For a recipe ``x`` (unit-cube coordinates of the dataset's space) every recorded evaluation
``i`` gets a Gaussian kernel weight ``w_i = exp(-|x - x_i|^2 / (2 l^2))``.  The layer is
crystalline with probability ``(sum_i w_i c_i + a) / (sum_i w_i + a + b)`` (a Beta(a, b)
prior, default the dataset's overall rate with two pseudo-observations), and a crystalline
twist is one recorded twist drawn with probability proportional to ``w_i``, plus Gaussian
jitter of ``jitter_deg``, folded to [0, 30].  So the emulator keeps what the MD showed and
nothing more: the spread of outcomes at a repeated recipe, twists that are not commensurate
with the box, and no twist where MD gave none nearby.  It is named by the dataset it was
built from (``details["emulator"]``), so a campaign on it says which data answered it.

Every random number of evaluation ``i`` comes from ``SeedSequence([seed, stream])``, so the
answer is a function of ``(recipe, seed)``: two agents on the same seed face the same lab.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future
from typing import Any

import numpy as np

from vdwgym.backends.base import Backend, completed_future
from vdwgym.errors import ValidationError
from vdwgym.outcome import Outcome, Status, fold_twist
from vdwgym.seeding import check_seed
from vdwgym.space import ParameterSpace, Recipe

__all__ = ["EmulatorBackend"]

DRIVERS = ("temperature_K", "lattice_strain", "shear_strain")


class EmulatorBackend(Backend):
    """Recipes answered by a kernel emulator of an MD dataset (module docstring).

    Parameters
    ----------
    space:
        The campaign's space (must hold the three drivers).
    dataset:
        A shipped dataset name (:func:`vdwgym.datasets.md_names`) or an exported folder.
    length_scale:
        Kernel width ``l`` in the unit cube of the dataset's space.
    jitter_deg:
        Gaussian jitter added to a drawn twist, degrees.
    prior_strength:
        Pseudo-observations of the crystallinity prior (at the dataset's overall rate).
    """

    name = "emulator"

    def __init__(self, space: ParameterSpace, dataset: str = "reaxff-ws-v1",
                 length_scale: float = 0.15, jitter_deg: float = 0.5,
                 prior_strength: float = 2.0) -> None:
        super().__init__(space)
        from vdwgym.datasets import load_md

        missing = [n for n in DRIVERS if n not in space.names]
        if missing:
            raise ValidationError("space", f"dimensions including {list(DRIVERS)}",
                                  list(space.names))
        for field, v in (("length_scale", length_scale), ("prior_strength", prior_strength)):
            if not (np.isfinite(v) and v > 0):
                raise ValidationError(field, "a finite number > 0", v)
        if not (np.isfinite(jitter_deg) and jitter_deg >= 0):
            raise ValidationError("jitter_deg", "a finite number >= 0", jitter_deg)
        ds = load_md(dataset)
        rows = [r for r in ds.records if r.ok]
        if not rows:
            raise ValidationError("dataset", "a dataset with finished evaluations", dataset)
        self.dataset = ds.name
        self.data_space = ParameterSpace.from_dict(ds.meta["campaign"]["space"])
        X = np.array([[r.recipe[n] for n in DRIVERS] for r in rows])
        self._U = self._unit(X)
        self._crystalline = np.array([r.twist_deg is not None for r in rows])
        self._twist = np.array([np.nan if r.twist_deg is None else r.twist_deg for r in rows])
        rate = float(self._crystalline.mean())
        self._a, self._b = prior_strength * rate, prior_strength * (1.0 - rate)
        self.length_scale, self.jitter_deg = float(length_scale), float(jitter_deg)
        self.prior_strength = float(prior_strength)

    def _unit(self, X: np.ndarray) -> np.ndarray:
        b = self.data_space.bounds
        cols = [self.data_space.names.index(n) for n in DRIVERS]
        lo, hi = b[0, cols], b[1, cols]
        return (np.asarray(X, dtype=np.float64) - lo) / (hi - lo)

    def weights(self, recipe: Recipe) -> np.ndarray:
        """Kernel weight of every recorded evaluation for ``recipe`` (length ``n``)."""
        u = self._unit(np.array([recipe[n] for n in DRIVERS]))
        d2 = np.sum((self._U - u) ** 2, axis=1)
        return np.exp(-0.5 * d2 / self.length_scale ** 2)

    def p_crystalline(self, recipe: Recipe) -> float:
        w = self.weights(recipe)
        return float((w @ self._crystalline + self._a) / (w.sum() + self._a + self._b))

    def submit(self, recipe: Recipe, seed: int, key: str | None = None) -> Future:
        return completed_future(self.evaluate([recipe], [seed])[0])

    def evaluate(self, recipes: Sequence[Recipe], seeds: Sequence[int]) -> list[Outcome]:
        out = []
        for r, s in zip(recipes, seeds, strict=True):
            recipe = self.space.validate(r)
            rng = np.random.default_rng(np.random.SeedSequence([check_seed(s), 17]))
            pc = self.p_crystalline(recipe)
            crystalline = bool(rng.random() < pc)
            twist, source = None, None
            if crystalline:
                w = self.weights(recipe) * self._crystalline
                if w.sum() <= 0:  # no crystalline record within reach: any of them
                    w = self._crystalline.astype(float)
                source = int(rng.choice(len(w), p=w / w.sum()))
                twist = fold_twist(float(self._twist[source] + self.jitter_deg * rng.normal()))
            out.append(Outcome(status=Status.OK, recipe=recipe, seed=int(s), twist_deg=twist,
                               crystalline=crystalline, order=None,
                               details={"backend": self.name, "emulator": self.dataset,
                                        "p_crystalline": pc, "source_record": source}))
        return out

    def config(self) -> dict[str, Any]:
        return {"name": self.name, "dataset": self.dataset, "length_scale": self.length_scale,
                "jitter_deg": self.jitter_deg, "prior_strength": self.prior_strength}
