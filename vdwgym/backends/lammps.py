"""``LammpsBackend``: the real lab, a :class:`~vdwgym.backends.worker.WorkerBackend` of kind
``"lammps"`` (one ``python -m vdwgym.worker RUN_DIR`` per evaluation, run by
:func:`vdwgym.md.task.run`, on ``ranks`` MPI ranks through the engine)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vdwgym.backends.worker import WorkerBackend
from vdwgym.space import PAPER_SPACE, ParameterSpace

__all__ = ["LammpsBackend"]


class LammpsBackend(WorkerBackend):
    """Recipes evaluated by LAMMPS molecular dynamics.

    Parameters
    ----------
    space:
        Parameter space recipes are validated against.
    preset:
        Protocol preset, a name in :data:`vdwgym.md.protocol.PRESETS`.
    potential:
        Registered potential name (:mod:`vdwgym.md.potentials`).
    root:
        Folder of the run directories; the shared amorphous starts go to
        ``root/amorphous_cache`` unless ``amorphous_cache`` is given.
    engine:
        ``"local"``, ``"mpi"``, ``"flux"`` or an Engine.
    ranks:
        MPI ranks per evaluation.
    **options:
        Further task options (:func:`vdwgym.md.task.parse_options`: ``overrides``,
        ``potential_options``, ``nx``, ``ny``, ``analysis_every``, ``analysis_method``,
        ``amorphous_cache``, ``amorphous_seed``) and WorkerBackend keywords
        (``engine_options``, ``cores_per_rank``, ``time_limit_s``, ``env``,
        ``max_retries``, ``python``).  Bad options are refused here, before any task runs.
    """

    name = "lammps"
    _BACKEND_KEYWORDS = ("engine_options", "cores_per_rank", "gpus_per_rank", "time_limit_s",
                         "env", "max_retries", "python")

    def __init__(self, space: ParameterSpace = PAPER_SPACE, preset: str = "quick",
                 potential: str = "rebomos", root: str | Path = "runs/lammps",
                 engine: Any = "local", ranks: int = 1, **options: Any) -> None:
        backend_kw = {k: options.pop(k) for k in self._BACKEND_KEYWORDS if k in options}
        task_options = {"preset": preset, "potential": potential, **options}
        task_options.setdefault("amorphous_cache",
                                str(Path(root).absolute() / "amorphous_cache"))
        super().__init__(space, root=root, kind="lammps", options=task_options, engine=engine,
                         ranks=ranks, **backend_kw)
