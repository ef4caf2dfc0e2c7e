"""The bilayer geometry of a potential: lattice constant, interlayer distance and S height
relaxed at 0 K, computed once per potential and cached.

A bilayer built with another potential's geometry starts strained: with the paper's ReaxFF
the relaxed 2H bilayer has a0 = 3.207 A (3.16 A is the experimental value), so a box built
at 3.16 A puts the bottom crystal under 1.5 % compression before any recipe strain.
:func:`relaxed_geometry` minimizes a small 2H bilayer (``fix box/relax`` on x and y, coupled;
atoms free) with the potential itself and reads the geometry off the result.

Units: Angstrom; the energy per atom in eV (converted from the potential's LAMMPS units).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from vdwgym.errors import WorkerError
from vdwgym.md.potentials import Potential, quote_path
from vdwgym.md.units import lammps_number as _num

__all__ = ["Geometry", "RELAX_SCHEME", "compute_geometry", "geometry_key", "relaxed_geometry"]

log = logging.getLogger(__name__)

#: Bumped whenever the relaxation changes (invalidates cached geometries).
RELAX_SCHEME = 1
#: The relaxed cell: 4 x 4 primitive cells per layer (96 atoms).
RELAX_CELLS = 4
#: Starting geometry of the relaxation (MoS2's experimental values), A.
START = {"a": 3.16, "layer_spacing": 6.15, "s_height": 1.56}


@dataclass(frozen=True)
class Geometry:
    """A 2H bilayer's geometry for one potential.

    Attributes
    ----------
    a:
        In-plane lattice constant (Mo-Mo nearest-neighbour distance), A.
    layer_spacing:
        Distance between the two Mo planes, A.
    s_height:
        Mean z offset of an S plane from its Mo plane, A.
    energy_eV_per_atom:
        Potential energy per atom of the relaxed bilayer, eV (None when the geometry was
        given, not relaxed).
    source:
        ``"relaxed"`` or ``"given"``.
    """

    a: float
    layer_spacing: float
    s_height: float
    energy_eV_per_atom: float | None = None
    source: str = "given"

    def to_dict(self) -> dict:
        return asdict(self)


def geometry_key(potential: Potential) -> str:
    """Hash of what the relaxed geometry depends on: the potential's commands, units,
    elements and the contents of its files."""
    files = [hashlib.sha256(Path(f).read_bytes()).hexdigest() for f in potential.files]
    blob = json.dumps({"pair_style": potential.pair_style, "fixes": list(potential.fixes),
                       "elements": list(potential.elements), "units": potential.units,
                       "atom_style": potential.atom_style, "files": files,
                       "scheme": RELAX_SCHEME, "cells": RELAX_CELLS}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


def compute_geometry(potential: Potential, work_dir: str | os.PathLike) -> Geometry:
    """Relax a 4 x 4 2H bilayer with ``potential`` at 0 K and return its geometry.

    Runs a serial LAMMPS instance (``MPI.COMM_SELF``) in ``work_dir`` (its log goes there);
    takes seconds for rebomos and about a minute for ReaxFF on one core."""
    import mpi4py.MPI as MPI  # noqa: N817 - loads libmpi before lammps
    from lammps import lammps

    from vdwgym.structures import mx2_bilayer, write_lammps_data

    work = Path(work_dir)
    work.mkdir(parents=True, exist_ok=True)
    n = RELAX_CELLS
    start = mx2_bilayer(n, n, a=START["a"], stacking="2H", layer_spacing=START["layer_spacing"],
                        s_height=START["s_height"], z0=10.0, box_z=30.0)
    data = write_lammps_data(start, work / "relax_start.data", atom_style=potential.atom_style,
                             title="vdwgym relaxed-geometry start")
    units = potential.lammps_units
    ftol = _num(units.energy(1.0e-5))  # 1e-5 eV/A in the potential's force units
    lmp = lammps(cmdargs=["-log", str(work / "relax.log"), "-screen", "none", "-nocite"],
                 comm=MPI.COMM_SELF)
    try:
        for c in (units.command(), f"atom_style {potential.atom_style}",
                  "atom_modify map array", "boundary p p f", f"read_data {quote_path(data)}",
                  *potential.commands(), "neighbor 2.0 bin", "thermo_style custom step pe lx",
                  "min_style cg", "fix relax all box/relax x 0.0 y 0.0 couple xy vmax 0.001",
                  f"minimize 0.0 {ftol} 2000 20000", f"minimize 0.0 {ftol} 2000 20000",
                  "unfix relax", f"minimize 0.0 {ftol} 2000 20000"):
            lmp.command(c)
        natoms = int(lmp.get_natoms())
        pe = units.energy_to_eV(lmp.get_thermo("pe")) / natoms
        boxlo, boxhi = lmp.extract_box()[:2]
        nlocal = lmp.extract_global("nlocal")
        ids = lmp.numpy.extract_atom("id")[:nlocal]
        order = np.argsort(ids)
        z = np.array(lmp.numpy.extract_atom("x")[:nlocal][order][:, 2], dtype=float)
        types = np.array(lmp.numpy.extract_atom("type")[:nlocal][order])
    except Exception as exc:  # LAMMPS raises a bare Exception with its error text
        raise WorkerError(f"relaxing the bilayer with potential {potential.name!r} failed: "
                          f"{exc}") from exc
    finally:
        lmp.close()
    layer = (np.arange(natoms) >= natoms // 2).astype(int)
    mo, s = types == 1, types == 2
    z_mo = np.array([z[mo & (layer == k)].mean() for k in (0, 1)])
    geo = Geometry(a=float((boxhi[0] - boxlo[0]) / n),
                   layer_spacing=float(z_mo[1] - z_mo[0]),
                   s_height=float(np.abs(z[s] - z_mo[layer[s]]).mean()),
                   energy_eV_per_atom=float(pe), source="relaxed")
    if not (2.5 < geo.a < 4.0 and 4.0 < geo.layer_spacing < 9.0 and 1.0 < geo.s_height < 2.2):
        raise WorkerError(f"relaxing the bilayer with potential {potential.name!r} gave an "
                          f"unphysical geometry {geo.to_dict()} (is the potential for MoS2, "
                          f"in units {potential.units}?)")
    return geo


def relaxed_geometry(potential: Potential, cache_dir: str | os.PathLike) -> Geometry:
    """The potential's bilayer geometry: the given numbers where the potential fixes all
    three, else the relaxed ones, read from ``cache_dir/geometry_<key>.json`` or computed
    (:func:`compute_geometry`) and cached atomically.  Concurrent callers compute it once
    (an exclusive ``flock`` on the cache entry)."""
    given = (potential.a, potential.layer_spacing, potential.s_height)
    if all(v is not None for v in given):
        return Geometry(*map(float, given), source="given")
    cache = Path(cache_dir)
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"geometry_{geometry_key(potential)}.json"
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.is_file():
            geo = Geometry(**json.loads(path.read_text()))
        else:
            log.info("relaxing the bilayer geometry of potential %s", potential.name)
            with tempfile.TemporaryDirectory(dir=cache, prefix=".relax-") as work:
                geo = compute_geometry(potential, work)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(geo.to_dict(), indent=1))
            os.replace(tmp, path)
    # a potential may fix some of the three and relax the rest
    return Geometry(a=potential.a or geo.a,
                    layer_spacing=potential.layer_spacing or geo.layer_spacing,
                    s_height=potential.s_height or geo.s_height,
                    energy_eV_per_atom=geo.energy_eV_per_atom, source=geo.source)
