"""The worker task of kind ``"lammps"``: one recipe through the recrystallization protocol.

``run(recipe, seed, options, run_dir, progress)`` is the worker protocol's entry point
(``python -m vdwgym.worker RUN_DIR`` dispatches ``"lammps"`` here).  It drives LAMMPS
through its Python module, on every MPI rank of the job (``mpiexec -n k``), and every
``analysis_every_steps`` steps analyses the current frame with
:func:`vdwgym.analysis.analyze_frame` on rank 0, calling ``progress(line)`` with::

    {"step", "time_ps", "stage", "temperature_K", "pe_eV", "twist_deg", "crystalline",
     "crystallinity": [peak S/N of each layer, bottom first], "mean_abs_psi6": [...],
     "order": pair order per atom, "natoms"}

(``twist_deg`` is None unless both layers are crystalline).  Rank 0 writes ``log.lammps``,
``final.dump`` (LAMMPS ``dump custom``: id type x y z, readable by ``vdwgym analyze``) and
``commands.lammps`` (every command sent to LAMMPS, in order) in ``run_dir``; other ranks
return None.

Options: see :mod:`vdwgym.md.config` (refused before LAMMPS starts when wrong).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from vdwgym.errors import ValidationError
from vdwgym.md.config import TaskConfig, check_recipe, check_walls, lammps_seed, parse_options
from vdwgym.md.potentials import quote_path
from vdwgym.outcome import Outcome, Status
from vdwgym.space import Recipe

__all__ = ["check_options", "run", "summarize"]

log = logging.getLogger(__name__)


def run(recipe: Recipe | Mapping[str, float], seed: int, options: Mapping[str, Any] | None,
        run_dir: str | os.PathLike, progress: Callable[[dict], None] | None = None
        ) -> Outcome | None:
    """Run one evaluation (see the module docstring).  Returns the Outcome on MPI rank 0
    and None on the other ranks.  Raises :class:`ValidationError` for bad input (before
    LAMMPS starts) and :class:`WorkerError` when LAMMPS fails or loses atoms."""
    t_start = time.perf_counter()
    cfg = parse_options(options)
    temperature, lattice_strain, shear_strain = check_recipe(recipe)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValidationError("seed", "an integer >= 0", seed)
    run_dir = Path(run_dir).resolve()
    quote_path(run_dir)
    cache_dir = (cfg.amorphous_cache or run_dir.parent / "amorphous_cache").resolve()
    quote_path(cache_dir)
    cfg = _resolve_geometry(cfg, cache_dir)

    from vdwgym.md.simulation import Simulation

    sim = Simulation(cfg, run_dir, progress)
    try:
        start = sim.prepare_start(cache_dir)
        box_before, box_after = sim.apply_recipe(lattice_strain, shear_strain)
        sim.anneal(temperature, lammps_seed(seed, 1), lammps_seed(seed, 2))
        sim.quench(temperature, lammps_seed(seed, 3))
        final = sim.finish()
    finally:
        sim.close()
    if not sim.is_root:
        return None
    history = sim.history
    crystalline = bool(final["crystalline"])
    wall = time.perf_counter() - t_start
    from vdwgym.pictures import try_write_structure_pictures

    # structure.png, diffraction.png; never raises
    try_write_structure_pictures(run_dir, a=cfg.lattice_constant)
    return Outcome(
        status=Status.OK,
        recipe=Recipe(dict(recipe)),
        seed=int(seed),
        twist_deg=final["twist_deg"] if crystalline else None,
        order=final["order"]["per_atom"],
        crystalline=crystalline,
        wall_time_s=wall,
        details={
            "backend": "lammps",
            "preset": cfg.protocol.name,
            "protocol": cfg.protocol.to_dict(),
            "potential": cfg.potential.to_dict(),
            "geometry": cfg.geometry.to_dict(),
            "units": {"lammps": cfg.potential.units, "reported": "eV, ps, K, bar, A"},
            "shear_convention": cfg.protocol.shear_convention,
            "box_before_recipe": box_before.tolist(),
            "box_after_recipe": box_after.tolist(),
            "amorphous_start": start,
            "final_analysis": final,
            "summary": summarize(history),
            "timings": sim.timings | {"total_s": wall},
            "natoms": sim.natoms,
            "mpi_ranks": sim.nprocs,
            "files": {"dump": "final.dump", "log": "log.lammps",
                      "commands": "commands.lammps"},
        },
        history=history,
        run_dir=str(run_dir),
    )


def _resolve_geometry(cfg: TaskConfig, cache_dir: Path) -> TaskConfig:
    """The geometry relaxed once, on rank 0 (serial LAMMPS), and shared with every rank."""
    import mpi4py.MPI as MPI  # noqa: N817 - loads libmpi before lammps

    comm = MPI.COMM_WORLD
    if comm.Get_size() == 1:
        return cfg.with_geometry(cache_dir)
    geometry, error = None, None
    if comm.Get_rank() == 0:
        try:
            geometry = cfg.with_geometry(cache_dir).geometry
        except Exception as exc:  # re-raised on every rank below
            error = exc
    geometry, error = comm.bcast((geometry, error), root=0)
    if error is not None:
        raise error
    cfg = dataclasses.replace(cfg, geometry=geometry)
    check_walls(cfg.protocol, cfg.layer_spacing, geometry.s_height)
    return cfg


def summarize(history: list[dict]) -> dict[str, Any]:
    """Short figures of a progress history: the first crystalline time after the recipe
    (ps), the highest top-layer crystallinity and the last line's per-layer figures."""
    post = [h for h in history if h["stage"] in ("anneal", "quench")]
    first = next((h["time_ps"] for h in post if h["crystalline"]), None)
    top = [h["crystallinity"][1] for h in post if len(h["crystallinity"]) > 1]
    return {
        "lines": len(history),
        "first_crystalline_time_ps": first,
        "max_top_crystallinity": max(top) if top else None,
        "last": history[-1] if history else None,
    }


def check_options(options: Mapping[str, Any] | None) -> dict[str, Any]:
    """The worker protocol's option check (called by the controller before params.json is
    written, and again by the worker): :func:`parse_options`, returning the options as
    given (JSON data)."""
    parse_options(options)
    return dict(options or {})
