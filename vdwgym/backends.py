"""Backends evaluate recipes: ``submit(recipe, seed, key=...) -> Future[Outcome]``.

Two families share this contract (swapping them is one argument):

* :class:`SurrogateBackend` - the commensurate twist-selection model, answering at once;
  it can also report a simulated run time so asynchronous scheduling can be studied on a
  virtual clock (see :mod:`vdwgym.campaign`).
* worker backends (:class:`vdwgym.worker_backend.WorkerBackend`, and the LAMMPS backend on
  top of it) - one run directory and one ``python -m vdwgym.worker RUN_DIR`` task per
  evaluation, launched through an execution engine.

``key`` is the evaluation's stable name in its campaign (``"e000017"``).  A backend that
keeps files uses it to find an earlier attempt of the same evaluation, so a resumed campaign
re-attaches to (or re-uses the finished result of) a task instead of running it twice.
"""

from __future__ import annotations

import abc
import logging
from collections.abc import Sequence
from concurrent.futures import Future
from typing import Any, ClassVar

import numpy as np

from vdwgym.errors import ValidationError
from vdwgym.outcome import Outcome, Status
from vdwgym.space import PAPER_SPACE, ParameterSpace, Recipe

__all__ = ["BACKENDS", "FILE_BACKENDS", "Backend", "SurrogateBackend", "make_backend", "completed_future"]

log = logging.getLogger(__name__)


def completed_future(outcome: Outcome) -> Future:
    fut: Future = Future()
    fut.set_result(outcome)
    return fut


def check_seed(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= int(seed) < 2**63:
        raise ValidationError("seed", "an integer in [0, 2**63)", seed)
    return int(seed)


class Backend(abc.ABC):
    """Evaluates recipes.  Subclasses implement :meth:`submit` and :meth:`config`."""

    name: ClassVar[str] = "backend"
    #: True when :meth:`submit` returns an already-resolved future (required by the
    #: virtual clock, which orders completions by their simulated run time).
    answers_at_once: ClassVar[bool] = False

    def __init__(self, space: ParameterSpace = PAPER_SPACE) -> None:
        self.space = space

    def recorded_keys(self) -> list[str]:
        """Keys of evaluations this backend holds files of (a fresh campaign must find
        none: it never re-uses another campaign's runs).  In-process backends: ``[]``."""
        return []

    @abc.abstractmethod
    def submit(self, recipe: Recipe, seed: int, key: str | None = None) -> Future:
        """Start evaluating ``recipe`` with ``seed``; the future resolves to an Outcome."""

    def evaluate(self, recipes: Sequence[Recipe], seeds: Sequence[int]) -> list[Outcome]:
        """Evaluate a batch and wait for all of it (the order of ``recipes`` is kept)."""
        futures = [self.submit(r, s) for r, s in zip(recipes, seeds, strict=True)]
        return [f.result() for f in futures]

    @abc.abstractmethod
    def config(self) -> dict[str, Any]:
        """JSON-serializable description, stored with every campaign (``{"name": ...}``)."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release engines, pools and files."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


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
    lognormal); ``wall_time_s`` is the real time spent.
    """

    name = "surrogate"
    answers_at_once = True
    DRIVERS = ("temperature_K", "lattice_strain", "shear_strain")
    OUTCOME_FIELDS = ("twist_deg", "order", "crystalline", "seed")

    def __init__(self, space: ParameterSpace = PAPER_SPACE, calibration: str | None = None,
                 **config: Any) -> None:
        super().__init__(space)
        from vdwgym.surrogate import CommensurateSurrogate, SurrogateConfig

        self.calibration = calibration
        if calibration is not None:
            from vdwgym.datasets import calibration as load_calibration

            config = {**load_calibration(calibration)["config"], **config}

        missing = [n for n in self.DRIVERS if n not in space.names]
        if missing:
            raise ValidationError("space", f"dimensions including {list(self.DRIVERS)}", list(space.names))
        from vdwgym.validation import check_kwargs

        self.model_config = SurrogateConfig(**check_kwargs(SurrogateConfig, config, "backend_options"))
        self.model = CommensurateSurrogate(self.model_config)
        self._cols = [space.names.index(n) for n in self.DRIVERS]

    def submit(self, recipe: Recipe, seed: int, key: str | None = None) -> Future:
        return completed_future(self.evaluate([recipe], [seed])[0])

    def evaluate(self, recipes: Sequence[Recipe], seeds: Sequence[int]) -> list[Outcome]:
        import time

        t0 = time.perf_counter()
        X = self.space.to_array(recipes)
        s = np.array([check_seed(x) for x in seeds], dtype=np.uint64)
        if len(s) != len(X):
            raise ValidationError("seeds", f"{len(X)} seeds, one per recipe", len(s))
        res = self.model.evaluate(X[:, self._cols], s)
        per = (time.perf_counter() - t0) / max(len(X), 1)
        outcomes = []
        for i, r in enumerate(recipes):
            row = {k: v for k, v in res.row(i).items() if k not in self.OUTCOME_FIELDS}
            crystalline = bool(res.crystalline[i])
            outcomes.append(Outcome(
                status=Status.OK,
                recipe=self.space.validate(r),
                seed=int(s[i]),
                twist_deg=float(res.twist_deg[i]) if crystalline else None,
                order=float(res.order[i]),
                crystalline=crystalline,
                wall_time_s=per,
                details={"backend": self.name, **row},
            ))
        return outcomes

    def config(self) -> dict[str, Any]:
        from dataclasses import asdict

        return {"name": self.name, "calibration": self.calibration, **asdict(self.model_config)}


BACKENDS = ("surrogate", "worker", "lammps", "emulator")
#: Backends that keep run directories (their option ``root``).
FILE_BACKENDS = ("worker", "lammps")


def make_backend(name: str, space: ParameterSpace = PAPER_SPACE, **options: Any) -> Backend:
    """Build a backend by name.

    ``"surrogate"`` (default): the in-process surrogate.  ``"worker"``: the same surrogate run
    as one ``python -m vdwgym.worker`` task per evaluation through an execution engine
    (options of :class:`~vdwgym.worker_backend.WorkerBackend`: ``root``, ``engine``, ...), for
    exercising engines and schedulers without LAMMPS; without ``root`` its run directories go
    to a fresh temporary folder (a :class:`~vdwgym.campaign.Campaign` passes its own folder's
    ``runs/``), never to a shared default.  ``"lammps"``: molecular dynamics (the
    ``md`` extra; options of :class:`~vdwgym.md.backend.LammpsBackend`).  Options are checked
    against the constructor first (:func:`vdwgym.validation.check_kwargs`).  ``"emulator"``: a kernel emulator of a recorded MD dataset
    (:class:`~vdwgym.surrogate.emulator.EmulatorBackend`, option ``dataset``).
    """
    from vdwgym.validation import check_kwargs

    if name == "surrogate":
        return SurrogateBackend(space, **options)
    if name == "worker":
        from vdwgym.worker_backend import WorkerBackend

        if "kind" in options:
            raise ValidationError("backend_options.kind", "absent (the worker backend runs the "
                                  "surrogate task)", options["kind"])
        if "root" not in options:
            import tempfile

            options["root"] = tempfile.mkdtemp(prefix="vdwgym-worker-")
        return WorkerBackend(space, kind="surrogate",
                             **check_kwargs(WorkerBackend, options, "backend_options", ("space", "kind")))
    if name == "lammps":
        from vdwgym.md.backend import LammpsBackend

        return LammpsBackend(space, **check_kwargs(LammpsBackend, options, "backend_options", ("space",)))
    if name == "emulator":
        from vdwgym.surrogate.emulator import EmulatorBackend

        return EmulatorBackend(space, **check_kwargs(EmulatorBackend, options, "backend_options",
                                                     ("space",)))
    raise ValidationError("backend", f"one of {BACKENDS}", name)
