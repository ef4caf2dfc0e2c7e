"""The hexagonal (triangular) lattice of a MoS2 layer and the rhombic box built from it.

Rows are lattice vectors, in Angstrom: ``a1 = (a, 0)``, ``a2 = (a / 2, a sqrt(3) / 2)``, the
LAMMPS restricted-triclinic orientation used by the structures, the surrogate and the MD
driver alike.
"""

from __future__ import annotations

import numpy as np

__all__ = ["TRIANGULAR_UNIT", "hexagonal_box", "hexagonal_lattice"]

#: Rows of the unit triangular lattice (``a = 1``): ``a1 = (1, 0)``, ``a2 = (1/2, sqrt(3)/2)``.
TRIANGULAR_UNIT = np.array([[1.0, 0.0], [0.5, np.sqrt(3.0) / 2.0]])


def hexagonal_lattice(a: float) -> np.ndarray:
    """The ``2 x 2`` lattice of lattice constant ``a`` (Angstrom), rows ``a1, a2``."""
    return float(a) * TRIANGULAR_UNIT


def hexagonal_box(nx: int, ny: int, a: float) -> np.ndarray:
    """The ``2 x 2`` rhombic (LAMMPS triclinic) box of ``nx x ny`` hexagonal cells of lattice
    constant ``a`` (Angstrom): rows ``(nx a, 0)`` and ``(ny a / 2, ny a sqrt(3) / 2)``, so
    ``lx = nx a``, ``xy = ny a / 2``, ``ly = ny a sqrt(3) / 2``."""
    return np.array([[nx, 0.0], [0.0, ny]]) @ hexagonal_lattice(a)
