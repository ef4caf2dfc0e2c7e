"""Geometry shared by the analysis, the structures, the surrogate and the MD driver.

* :mod:`~vdwgym.geometry.cell`: the box in the LAMMPS restricted-triclinic convention,
  validated once (:class:`Cell`, :func:`check_cell`), its data-file and dump bounds, in-plane
  wrapping and minimum image;
* :mod:`~vdwgym.geometry.reduction`: the Lagrange-Gauss reduction of 2D bases, vectorised;
* :mod:`~vdwgym.geometry.fold`: the hexagonal twist fold to ``[0, 30]`` degrees;
* :mod:`~vdwgym.geometry.hexagonal`: the layer's triangular lattice and the rhombic box;
* :mod:`~vdwgym.geometry.strain`: how a recipe's strains deform the box (the conventions).

Pure numpy.  Units: Angstrom, degrees, strain fractions.
"""

from vdwgym.geometry.cell import CELL_BOUND, Cell, check_cell, minimum_image, wrap_inplane
from vdwgym.geometry.fold import fold_twist
from vdwgym.geometry.hexagonal import TRIANGULAR_UNIT, hexagonal_box, hexagonal_lattice
from vdwgym.geometry.reduction import gauss_reduce, reduce_cell2
from vdwgym.geometry.strain import SHEAR_CONVENTIONS, deform_cell, deformation_gradient

__all__ = [
    "CELL_BOUND",
    "SHEAR_CONVENTIONS",
    "TRIANGULAR_UNIT",
    "Cell",
    "check_cell",
    "deform_cell",
    "deformation_gradient",
    "fold_twist",
    "gauss_reduce",
    "hexagonal_box",
    "hexagonal_lattice",
    "minimum_image",
    "reduce_cell2",
    "wrap_inplane",
]
