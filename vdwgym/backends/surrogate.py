"""``SurrogateBackend``: the commensurate surrogate in process, answering at once."""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import asdict
from typing import Any

import numpy as np

from vdwgym.backends.base import Backend, completed_future
from vdwgym.errors import ValidationError
from vdwgym.outcome import Outcome
from vdwgym.seeding import check_seed
from vdwgym.space import PAPER_SPACE, ParameterSpace, Recipe

__all__ = ["SurrogateBackend"]


class SurrogateBackend(Backend):
    """The commensurate surrogate as a backend (the default).

    Parameters
    ----------
    space:
        Must contain ``temperature_K``, ``lattice_strain`` and ``shear_strain`` (the model's
        drivers); other dimensions are accepted and ignored by the model.
    calibration:
        Name of an MD dataset whose ``calibration.json`` holds a surrogate calibrated
        against it (:func:`vdwgym.datasets.calibration`): its constants are the defaults,
        ``config`` fields still override them.
    **config:
        Fields of :class:`vdwgym.surrogate.SurrogateConfig` (box size, shear convention,
        elastic constants, runtime model, ...).

    Every outcome carries the simulated run time in ``details["runtime_s"]`` (seeded,
    lognormal); ``wall_time_s`` is the real time spent.  It can also be run on a virtual
    clock, so asynchronous scheduling can be studied (see :mod:`vdwgym.campaign`).
    """

    name = "surrogate"
    answers_at_once = True
    DRIVERS = ("temperature_K", "lattice_strain", "shear_strain")

    def __init__(self, space: ParameterSpace = PAPER_SPACE, calibration: str | None = None,
                 **config: Any) -> None:
        super().__init__(space)
        from vdwgym.surrogate import CommensurateSurrogate, SurrogateConfig
        from vdwgym.validation import check_kwargs

        self.calibration = calibration
        if calibration is not None:
            from vdwgym.datasets import calibration as load_calibration

            config = {**load_calibration(calibration)["config"], **config}

        missing = [n for n in self.DRIVERS if n not in space.names]
        if missing:
            raise ValidationError("space", f"dimensions including {list(self.DRIVERS)}", list(space.names))
        self.model_config = SurrogateConfig(**check_kwargs(SurrogateConfig, config, "backend_options"))
        self.model = CommensurateSurrogate(self.model_config)
        self._cols = [space.names.index(n) for n in self.DRIVERS]

    def submit(self, recipe: Recipe, seed: int, key: str | None = None) -> Future:
        return completed_future(self.evaluate([recipe], [seed])[0])

    def evaluate(self, recipes: Sequence[Recipe], seeds: Sequence[int]) -> list[Outcome]:
        from vdwgym.surrogate.outcomes import outcome_from_result

        t0 = time.perf_counter()
        X = self.space.to_array(recipes)
        s = np.array([check_seed(x) for x in seeds], dtype=np.uint64)
        if len(s) != len(X):
            raise ValidationError("seeds", f"{len(X)} seeds, one per recipe", len(s))
        res = self.model.evaluate(X[:, self._cols], s)
        per = (time.perf_counter() - t0) / max(len(X), 1)
        return [outcome_from_result(res, i, self.space.validate(r), per)
                for i, r in enumerate(recipes)]

    def config(self) -> dict[str, Any]:
        return {"name": self.name, "calibration": self.calibration, **asdict(self.model_config)}
