"""The one atom container: a periodic structure in a LAMMPS triclinic box.

What the builders (:mod:`vdwgym.structures.builders`) make, what the readers
(:mod:`vdwgym.analysis.readers`) return and what the analysis, the pictures and the LAMMPS
data writer take.  The way out to ASE and back is :meth:`Structure.to_ase` /
:meth:`Structure.from_ase` (ASE is imported only there: the ``analysis`` extra).

Pure numpy.  Units: Angstrom.  Boxes follow :mod:`vdwgym.geometry.cell` (rows
``a = (lx, 0, 0)``, ``b = (xy, ly, 0)``, ``c = (xz, yz, lz)``); positions are relative to the
box origin ``origin``.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from vdwgym.errors import ValidationError
from vdwgym.geometry import check_cell, deform_cell, deformation_gradient, fold_twist

__all__ = ["DEFAULT_MASSES", "DEFAULT_TYPE_NAMES", "MAX_LENGTH_A", "Structure", "set_lattice_maps"]

DEFAULT_TYPE_NAMES: dict[int, str] = {1: "Mo", 2: "S"}
DEFAULT_MASSES: dict[str, float] = {"Mo": 95.95, "S": 32.06}
#: Largest coordinate or box length accepted (Angstrom; 10 micrometres).
MAX_LENGTH_A = 1e5


def _types_from_symbols(symbols: np.ndarray,
                        type_names: dict[int, str] | None) -> tuple[np.ndarray, dict[int, str]]:
    """Atom types for element symbols: the type ``type_names`` (default Mo = 1, S = 2) gives
    a symbol, new types after the largest for the others (in sorted order)."""
    names = dict(DEFAULT_TYPE_NAMES if type_names is None else type_names)
    number = {v: k for k, v in sorted(names.items(), reverse=True)}
    for sym in sorted(set(symbols.tolist()) - set(number)):
        t = max(names, default=0) + 1
        names[t] = sym
        number[sym] = t
    return np.array([number[s] for s in symbols.tolist()], dtype=np.int64), names


@dataclass
class Structure:
    """A periodic atomic structure in a LAMMPS triclinic box.

    Attributes
    ----------
    positions:
        ``(N, 3)`` float64 Cartesian positions relative to ``origin``, Angstrom.
    types:
        ``(N,)`` int atom types (1 = Mo, 2 = S by default); when None, made from ``symbols``.
    cell:
        ``(3, 3)`` box rows ``a = (lx, 0, 0)``, ``b = (xy, ly, 0)``, ``c = (xz, yz, lz)``.
    layer:
        ``(N,)`` int layer labels: 0 bottom, 1 top, -1 none (debris, adatoms; every atom of
        a structure read from a file).  Default all -1.
    type_names:
        Type number -> element symbol.
    info:
        Free-form metadata; JSON-able values.  The builders set ``lattice_maps`` (per layer,
        the ``2 x 2`` map ``F`` with ``a_i = F a0_i`` from the hexagonal lattice ``a0`` with
        ``a1`` along x to the layer's lattice, scale included), ``layer_orientation_deg``
        (rotation angle of the polar decomposition ``F = R U``, modulo 60) and
        ``twist_deg`` (the folded difference of the two orientations: the construction
        twist, also after :meth:`deformed`, which updates all three).
    symbols:
        ``(N,)`` str element symbols given explicitly (a dump's ``element`` column, ASE), or
        None; they win over ``types`` in :attr:`elements`.
    origin:
        ``(3,)`` box origin ``(xlo, ylo, zlo)`` in the file's frame, Angstrom.
    timestep, source, index:
        LAMMPS step if known, the file read and the frame's number in it (0-based).
    """

    positions: np.ndarray
    types: np.ndarray | None
    cell: np.ndarray
    layer: np.ndarray | None = None
    type_names: dict[int, str] | None = None
    info: dict[str, Any] = field(default_factory=dict)
    symbols: np.ndarray | None = None
    origin: np.ndarray = field(default_factory=lambda: np.zeros(3))
    timestep: int | None = None
    source: str = ""
    index: int = 0

    def __post_init__(self) -> None:
        self.positions = np.ascontiguousarray(self.positions, dtype=np.float64).reshape(-1, 3)
        n = len(self.positions)
        if self.symbols is not None:
            self.symbols = np.asarray(self.symbols).astype(str).reshape(-1)
        if self.types is None:
            if self.symbols is None:
                raise ValidationError("types", "atom types or element symbols", None)
            self.types, self.type_names = _types_from_symbols(self.symbols, self.type_names)
        self.type_names = dict(DEFAULT_TYPE_NAMES if self.type_names is None else self.type_names)
        self.types = np.asarray(self.types, dtype=np.int64).reshape(-1)
        self.layer = (np.full(n, -1, dtype=np.int64) if self.layer is None
                      else np.asarray(self.layer, dtype=np.int64).reshape(-1))
        self.cell = check_cell(np.asarray(self.cell, dtype=np.float64).reshape(3, 3))
        self.origin = np.asarray(self.origin, dtype=np.float64).reshape(3)
        lengths = (len(self.types), len(self.layer),
                   n if self.symbols is None else len(self.symbols))
        if any(k != n for k in lengths):
            raise ValidationError("Structure", f"types, layer and symbols of length {n}", lengths)
        for name in ("positions", "cell", "origin"):
            arr = getattr(self, name)
            if not np.all(np.isfinite(arr)):
                raise ValidationError(name, "finite numbers", arr[~np.isfinite(arr)][:3].tolist())
            if arr.size and np.max(np.abs(arr)) > MAX_LENGTH_A:
                raise ValidationError(name, f"values within +-{MAX_LENGTH_A:g} A",
                                      float(np.max(np.abs(arr))))

    def __len__(self) -> int:
        return len(self.positions)

    @property
    def elements(self) -> np.ndarray:
        """``(N,)`` element symbols: ``symbols`` when given, else from ``type_names``."""
        if self.symbols is not None:
            return self.symbols
        return np.array([self.type_names.get(int(t), str(int(t))) for t in self.types])

    def copy(self) -> Structure:
        """Deep copy."""
        return self.subset(np.ones(len(self), dtype=bool))

    def subset(self, mask: np.ndarray) -> Structure:
        """New structure with the atoms selected by a boolean mask or index array."""
        return dataclasses.replace(
            self, positions=self.positions[mask], types=self.types[mask], cell=self.cell.copy(),
            layer=self.layer[mask], type_names=dict(self.type_names), info=dict(self.info),
            symbols=None if self.symbols is None else self.symbols[mask],
            origin=self.origin.copy())

    def fractional(self) -> np.ndarray:
        """``(N, 3)`` fractional coordinates with respect to the box rows."""
        return self.positions @ np.linalg.inv(self.cell)

    def wrapped(self) -> Structure:
        """Copy with in-plane fractional coordinates wrapped to ``[0, 1)`` (z untouched)."""
        out = self.copy()
        f = out.fractional()
        g = f[:, :2] - np.floor(f[:, :2])
        g[(np.abs(g) < 1e-12) | (np.abs(g - 1.0) < 1e-12)] = 0.0
        f[:, :2] = g
        out.positions = f @ out.cell
        return out

    def deformed(self, lattice_strain: float, shear_strain: float,
                 convention: str = "engineering") -> Structure:
        """Copy deformed by one recipe's strains (see :func:`vdwgym.geometry.deform_cell`);
        atoms follow the box affinely (fractional coordinates are kept)."""
        f = self.fractional()
        out = self.copy()
        out.cell = deform_cell(self.cell, lattice_strain, shear_strain, convention)
        out.positions = f @ out.cell
        out.info["deformation"] = {"lattice_strain": float(lattice_strain),
                                   "shear_strain": float(shear_strain),
                                   "convention": convention}
        if "lattice_maps" in out.info:
            F = deformation_gradient(self.cell, out.cell)
            set_lattice_maps(out, [F @ np.asarray(m) for m in out.info["lattice_maps"]])
        return out

    def reduced(self) -> Structure:
        """Copy of the same periodic structure in the box with ``|xy| <= lx / 2``
        (``b -> b - round(xy / lx) a``), atoms wrapped into it.  LAMMPS warns about
        larger tilts."""
        out = self.copy()
        k = round(out.cell[1, 0] / out.cell[0, 0])
        out.cell[1] -= k * out.cell[0]
        return out.wrapped()

    def to_ase(self):
        """An ``ase.Atoms`` (needs ASE: the ``analysis`` extra): positions relative to the
        origin, the cell, ``pbc = (True, True, False)``; the arrays ``type`` and ``layer``
        carry the atom types and layer labels (symbols unknown to ASE become ``"X"``)."""
        import ase
        from ase.data import chemical_symbols

        known = set(chemical_symbols)
        symbols = [s if s in known else "X" for s in self.elements.tolist()]
        atoms = ase.Atoms(symbols=symbols, positions=self.positions, cell=self.cell,
                          pbc=(True, True, False))
        atoms.set_array("type", self.types.copy())
        atoms.set_array("layer", self.layer.copy())
        return atoms

    @classmethod
    def from_ase(cls, atoms, type_names: dict[int, str] | None = None, source: str = "",
                 index: int = 0) -> Structure:
        """From an ``ase.Atoms`` with a 3-D cell, rotated into LAMMPS form (``a`` along x,
        ``b`` in the xy plane) together with the positions.  Types come from the ``type``
        array when there is one, else from the symbols (:attr:`type_names`, default Mo = 1,
        S = 2, new types for other elements); layers from the ``layer`` array, else -1."""
        cellpar = np.asarray(atoms.cell[:], dtype=float)
        if abs(np.linalg.det(cellpar)) < 1e-12:
            raise ValidationError("cell", "a 3-D cell (non-zero volume)", cellpar.tolist())
        q, r = np.linalg.qr(cellpar.T)
        sign = np.sign(np.diag(r))
        q, r = q * sign, (r.T * sign).T
        arrays = atoms.arrays
        types = arrays["type"] if "type" in arrays else None
        symbols = np.array(atoms.get_chemical_symbols())
        if types is not None and type_names is None:
            type_names = {int(t): str(s) for t, s in zip(types.tolist(), symbols.tolist(),
                                                         strict=True)}
        return cls(atoms.get_positions() @ q, types, r.T, arrays.get("layer"), type_names,
                   symbols=symbols, source=source, index=index)


def set_lattice_maps(structure: Structure, maps: list[np.ndarray]) -> None:
    """Record each layer's lattice map ``F`` (``a_i = F a0_i``, ``a0``: the hexagonal lattice
    with ``a1`` along x) and the orientations and twist it implies (see ``info`` keys in
    :class:`Structure`)."""
    angles = [math.degrees(math.atan2(m[1, 0] - m[0, 1], m[0, 0] + m[1, 1])) for m in maps]
    structure.info["lattice_maps"] = [np.asarray(m).tolist() for m in maps]
    structure.info["layer_orientation_deg"] = [a % 60.0 for a in angles]
    structure.info["twist_deg"] = fold_twist(angles[1] - angles[0])
