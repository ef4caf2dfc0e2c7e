"""The simulation box in the LAMMPS restricted-triclinic convention, validated here once.

A box is a ``3 x 3`` array whose rows are the box vectors ``a = (lx, 0, 0)``,
``b = (xy, ly, 0)``, ``c = (xz, yz, lz)`` (Angstrom), with ``lx, ly, lz > 0``; the box origin
is ``(xlo, ylo, zlo)``.  Positions relative to the origin are ``f @ cell`` for fractional
coordinates ``f``.  An in-plane box is the ``2 x 2`` upper-left block (rows ``a, b``).

LAMMPS writes the box two ways, both read and written here:

* data files and ``extract_box``: ``xlo xhi``, ``ylo yhi``, ``zlo zhi`` and the tilts
  ``xy xz yz`` (:meth:`Cell.from_bounds`);
* dumps: the *bounding box* of the parallelepiped, ``xlo_bound xhi_bound xy`` /
  ``ylo_bound yhi_bound xz`` / ``zlo_bound zhi_bound yz``
  (:meth:`Cell.from_dump_bounds`, :meth:`Cell.dump_bounds`).

Every module that takes a box (structures, readers, the analyzer, strain, the MD driver)
validates it with :class:`Cell` (or :func:`check_cell`); nothing else restates the rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from vdwgym.errors import ValidationError

__all__ = ["CELL_BOUND", "Cell", "check_cell", "minimum_image", "wrap_inplane"]

#: The rule every box obeys, as :class:`vdwgym.errors.ValidationError` states it.
CELL_BOUND = "LAMMPS triclinic rows a=(lx,0,0), b=(xy,ly,0), c=(xz,yz,lz), lx, ly, lz > 0"
#: Largest ``|a_y|, |a_z|, |b_z|`` accepted, relative to ``max(1, lx, ly, lz)``.
_ZERO_TOL = 1e-9
_UPPER = {3: ([0, 0, 1], [1, 2, 2]), 2: ([0], [1])}


def check_cell(cell: object, field: str = "cell") -> np.ndarray:
    """Validate a box and return it as a new float64 array of the same shape.

    ``cell``: ``3 x 3`` LAMMPS rows, or a ``2 x 2`` in-plane box (rows ``a, b``).  Raises
    :class:`~vdwgym.errors.ValidationError` (naming ``field``) for another shape, non-finite
    entries, non-zero ``a_y``, ``a_z``, ``b_z`` or a non-positive diagonal."""
    try:
        c = np.array(cell, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValidationError(field, CELL_BOUND, cell) from None
    if c.shape not in ((3, 3), (2, 2)):
        raise ValidationError(field, "a 3 x 3 (or 2 x 2 in-plane) array of " + CELL_BOUND,
                              c.shape)
    if not np.all(np.isfinite(c)):
        raise ValidationError(field, "finite numbers; " + CELL_BOUND, c.tolist())
    diag = np.diag(c)
    upper = c[_UPPER[len(c)]]
    if np.any(np.abs(upper) > _ZERO_TOL * max(1.0, float(np.max(np.abs(diag))))) or \
            np.any(diag <= 0):
        raise ValidationError(field, CELL_BOUND, c.tolist())
    return c


def wrap_inplane(positions: np.ndarray, cell: np.ndarray) -> np.ndarray:
    """Copy of ``positions`` (``(N, 2)`` or ``(N, 3)``, Angstrom) with the in-plane
    fractional coordinates wrapped to ``[0, 1)`` in the box ``cell`` (LAMMPS rows; z
    untouched)."""
    pos = np.array(positions, dtype=np.float64)
    cell2 = np.asarray(cell, dtype=np.float64)[:2, :2]
    f = pos[:, :2] @ np.linalg.inv(cell2)
    pos[:, :2] = (f - np.floor(f)) @ cell2
    return pos


def minimum_image(d: np.ndarray, cell2: np.ndarray) -> np.ndarray:
    """In-plane minimum image of ``(M, 2)`` displacement vectors (Angstrom) in the in-plane
    box ``cell2`` (exact for a Gauss-reduced box, :func:`vdwgym.geometry.reduce_cell2`)."""
    cell2 = np.asarray(cell2, dtype=np.float64)[:2, :2]
    f = np.asarray(d, dtype=np.float64) @ np.linalg.inv(cell2)
    f -= np.round(f)
    return f @ cell2


@dataclass(frozen=True)
class Cell:
    """A validated LAMMPS box (module docstring): ``matrix`` ``3 x 3`` rows, Angstrom,
    read-only."""

    matrix: np.ndarray

    def __post_init__(self) -> None:
        m = check_cell(self.matrix)
        if m.shape != (3, 3):
            raise ValidationError("cell", "a 3 x 3 array of " + CELL_BOUND, m.shape)
        m.setflags(write=False)
        object.__setattr__(self, "matrix", m)

    @property
    def lengths(self) -> tuple[float, float, float]:
        """``(lx, ly, lz)``, Angstrom."""
        return float(self.matrix[0, 0]), float(self.matrix[1, 1]), float(self.matrix[2, 2])

    @property
    def tilts(self) -> tuple[float, float, float]:
        """``(xy, xz, yz)``, Angstrom."""
        return float(self.matrix[1, 0]), float(self.matrix[2, 0]), float(self.matrix[2, 1])

    @classmethod
    def from_bounds(cls, lo: Sequence[float], hi: Sequence[float], xy: float = 0.0,
                    xz: float = 0.0, yz: float = 0.0) -> Cell:
        """From ``lo = (xlo, ylo, zlo)``, ``hi = (xhi, yhi, zhi)`` and the tilts (data files,
        ``lammps.extract_box``); the origin is ``lo``."""
        (xlo, ylo, zlo), (xhi, yhi, zhi) = lo, hi
        return cls(np.array([[xhi - xlo, 0.0, 0.0], [xy, yhi - ylo, 0.0],
                             [xz, yz, zhi - zlo]], dtype=np.float64))

    @classmethod
    def from_dump_bounds(cls, rows: Sequence[Sequence[float]]) -> tuple[Cell, np.ndarray]:
        """From a dump's ``ITEM: BOX BOUNDS`` rows: three ``(lo, hi)`` pairs (orthogonal) or
        three ``(lo_bound, hi_bound, tilt)`` triples (tilts ``xy``, ``xz``, ``yz`` in that
        order).  Returns the cell and the origin ``(xlo, ylo, zlo)``."""
        (xlob, xhib, *t1), (ylob, yhib, *t2), (zlo, zhi, *t3) = rows
        xy, xz, yz = (t1 or [0.0])[0], (t2 or [0.0])[0], (t3 or [0.0])[0]
        xlo = xlob - min(0.0, xy, xz, xy + xz)
        xhi = xhib - max(0.0, xy, xz, xy + xz)
        ylo = ylob - min(0.0, yz)
        yhi = yhib - max(0.0, yz)
        return cls.from_bounds((xlo, ylo, zlo), (xhi, yhi, zhi), xy, xz, yz), \
            np.array([xlo, ylo, zlo], dtype=np.float64)

    def dump_bounds(self) -> list[tuple[float, float, float]]:
        """The dump's three ``(lo_bound, hi_bound, tilt)`` rows for origin ``(0, 0, 0)``
        (inverse of :meth:`from_dump_bounds`)."""
        lx, ly, lz = self.lengths
        xy, xz, yz = self.tilts
        return [(min(0.0, xy, xz, xy + xz), lx + max(0.0, xy, xz, xy + xz), xy),
                (min(0.0, yz), ly + max(0.0, yz), xz), (0.0, lz, yz)]
