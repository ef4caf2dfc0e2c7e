"""Atomic structures: the one container (:class:`Structure`, with ``to_ase()`` /
``from_ase()``), the builders and the LAMMPS data writer.

* :mod:`~vdwgym.structures.structure`: :class:`Structure` (what builders make, readers
  return and the analysis takes);
* :mod:`~vdwgym.structures.builders`: :func:`mx2_bilayer`, :func:`twisted_bilayer`,
  :func:`commensurate_angle`;
* :mod:`~vdwgym.structures.lammps_data`: :func:`write_lammps_data`.

Disorder generators for tests live in :mod:`vdwgym.testing.disorder`; readers in
:mod:`vdwgym.analysis.readers`.
"""

from vdwgym.structures.builders import commensurate_angle, mx2_bilayer, twisted_bilayer
from vdwgym.structures.lammps_data import write_lammps_data
from vdwgym.structures.structure import (
    DEFAULT_MASSES,
    DEFAULT_TYPE_NAMES,
    MAX_LENGTH_A,
    Structure,
)

__all__ = [
    "DEFAULT_MASSES",
    "DEFAULT_TYPE_NAMES",
    "MAX_LENGTH_A",
    "Structure",
    "commensurate_angle",
    "mx2_bilayer",
    "twisted_bilayer",
    "write_lammps_data",
]
