"""How a recipe deforms the simulation box: the one definition shared by the surrogate,
the LAMMPS protocol and the analysis.

Boxes follow the LAMMPS triclinic convention of :mod:`vdwgym.geometry.cell` (``3 x 3`` rows
``a = (lx, 0, 0)``, ``b = (xy, ly, 0)``, ``c = (xz, yz, lz)``, Angstrom).

A recipe's ``lattice_strain`` rescales the in-plane vectors by ``1 + lattice_strain``
(epitaxial strain, x and y).  Its ``shear_strain`` is then applied with one of two
conventions, chosen explicitly:

``"engineering"`` (default)
    ``xy += shear_strain * ly``: an engineering shear of the box; at 5.6 % in the 12 x 12
    box this tilts by about 2 A and makes slipped, twisted states competitive.
``"tilt"``
    ``xy *= 1 + shear_strain``: scales the existing tilt factor; changes almost nothing in a
    hexagonal box (see docs/physics.md, "Why a strained, sheared periodic box selects discrete
    twists").

The paper states neither ("5.5-5.75 % ... 1 to 1.5 A tilts"), so the convention is recorded
with every evaluation.
"""

from __future__ import annotations

import numpy as np

from vdwgym.errors import ValidationError
from vdwgym.geometry.cell import check_cell

__all__ = ["SHEAR_CONVENTIONS", "deform_cell", "deformation_gradient"]

SHEAR_CONVENTIONS = ("engineering", "tilt")


def deform_cell(cell: np.ndarray, lattice_strain: float, shear_strain: float,
                convention: str = "engineering") -> np.ndarray:
    """Return the deformed box (rows = box vectors) for one recipe.

    Parameters
    ----------
    cell:
        ``3 x 3`` (or ``2 x 2`` in-plane) LAMMPS-convention box, Angstrom.
    lattice_strain, shear_strain:
        Fractions (0.015 = 1.5 %).
    convention:
        ``"engineering"`` or ``"tilt"`` (module docstring).
    """
    if convention not in SHEAR_CONVENTIONS:
        raise ValidationError("shear_convention", f"one of {SHEAR_CONVENTIONS}", convention)
    c = check_cell(cell)
    s = 1.0 + float(lattice_strain)
    c[0, 0] *= s
    c[1, 0] *= s
    c[1, 1] *= s
    if c.shape == (3, 3):
        c[2, 0] *= s
        c[2, 1] *= s
    if convention == "engineering":
        c[1, 0] += float(shear_strain) * c[1, 1]
    else:
        c[1, 0] *= 1.0 + float(shear_strain)
    return c


def deformation_gradient(cell: np.ndarray, deformed: np.ndarray) -> np.ndarray:
    """In-plane ``2 x 2`` deformation gradient F with ``deformed_rows = cell_rows @ F.T``
    (maps old Cartesian coordinates to new ones), from two boxes."""
    A = np.asarray(cell, dtype=np.float64)[:2, :2]
    B = np.asarray(deformed, dtype=np.float64)[:2, :2]
    return np.linalg.solve(A, B).T
