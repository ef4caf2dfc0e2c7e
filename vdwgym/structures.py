"""Build MX2 bilayers (MoS2 by default) for the LAMMPS protocol and for testing the analysis.

Pure numpy.  Units: Angstrom.  Boxes follow the LAMMPS triclinic convention of
:mod:`vdwgym.geometry.cell`: a ``3 x 3`` array of rows ``a = (lx, 0, 0)``, ``b = (xy, ly, 0)``,
``c = (xz, yz, lz)``; the box origin is ``(0, 0, 0)``.

Layer geometry (in-plane).  Hexagonal lattice ``a1 = a (1, 0)``, ``a2 = a (1/2, sqrt(3)/2)``.
In fractional lattice coordinates the three stacking sites are ``A = (0, 0)``,
``B = (1/3, 1/3)``, ``C = (2/3, 2/3)``.

* bottom layer: Mo on A, both S planes on B;
* ``"2H"`` top layer: Mo on B, S on A (the bottom layer rotated by 180 degrees and shifted:
  Mo over S, S over Mo);
* ``"3R"`` top layer: Mo on B, S on C (the bottom layer shifted, same orientation).

z layout (defaults, chosen for the paper's reflective walls at z = 0 and 12 A)::

    top S     z0 + layer_spacing + s_height  = 10.71
    top Mo    z0 + layer_spacing             =  9.15
    top S     z0 + layer_spacing - s_height  =  7.59
    bottom S  z0 + s_height                  =  4.56
    bottom Mo z0                             =  3.00
    bottom S  z0 - s_height                  =  1.44

``box_z`` (default 12) is the box height; with walls the z boundary must be non-periodic
in LAMMPS (``boundary p p f``), because 12 A is too thin for a periodic image in z.

Disorder helpers (:func:`add_noise`, :func:`add_vacancies`, :func:`add_amorphous_patch`,
:func:`amorphize_layer`, :func:`add_debris`) take an explicit ``numpy.random.Generator``
and return a new structure.  Atoms that belong to no layer (debris, adatoms) carry layer
label ``-1``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from vdwgym.errors import ValidationError
from vdwgym.geometry import check_cell, deform_cell, deformation_gradient, fold_twist, minimum_image

__all__ = [
    "DEFAULT_MASSES",
    "DEFAULT_TYPE_NAMES",
    "Structure",
    "add_amorphous_patch",
    "add_debris",
    "add_noise",
    "add_vacancies",
    "amorphize_layer",
    "commensurate_angle",
    "mx2_bilayer",
    "twisted_bilayer",
    "write_lammps_data",
]

DEFAULT_TYPE_NAMES: dict[int, str] = {1: "Mo", 2: "S"}
DEFAULT_MASSES: dict[str, float] = {"Mo": 95.95, "S": 32.06}
_SQ3 = math.sqrt(3.0)


@dataclass
class Structure:
    """A periodic atomic structure in a LAMMPS triclinic box.

    Attributes
    ----------
    positions:
        ``(N, 3)`` float64 Cartesian positions, Angstrom.
    types:
        ``(N,)`` int atom types (1 = Mo, 2 = S by default).
    cell:
        ``(3, 3)`` box rows ``a = (lx, 0, 0)``, ``b = (xy, ly, 0)``, ``c = (xz, yz, lz)``.
    layer:
        ``(N,)`` int layer labels: 0 bottom, 1 top, -1 none (debris, adatoms).
    type_names:
        Type number -> element symbol.
    info:
        Free-form metadata; JSON-able values.  The builders set ``lattice_maps`` (per layer,
        the ``2 x 2`` map ``F`` with ``a_i = F a0_i`` from the hexagonal lattice ``a0`` with
        ``a1`` along x to the layer's lattice, scale included), ``layer_orientation_deg``
        (rotation angle of the polar decomposition ``F = R U``, modulo 60) and
        ``twist_deg`` (the folded difference of the two orientations: the construction
        twist, also after :meth:`deformed`, which updates all three).
    """

    positions: np.ndarray
    types: np.ndarray
    cell: np.ndarray
    layer: np.ndarray
    type_names: dict[int, str] = field(default_factory=lambda: dict(DEFAULT_TYPE_NAMES))
    info: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.positions = np.ascontiguousarray(self.positions, dtype=np.float64).reshape(-1, 3)
        n = len(self.positions)
        self.types = np.asarray(self.types, dtype=np.int64).reshape(-1)
        self.layer = np.asarray(self.layer, dtype=np.int64).reshape(-1)
        self.cell = check_cell(np.asarray(self.cell, dtype=np.float64).reshape(3, 3))
        if len(self.types) != n or len(self.layer) != n:
            raise ValidationError("Structure", f"types and layer of length {n}",
                                  (len(self.types), len(self.layer)))

    def __len__(self) -> int:
        return len(self.positions)

    @property
    def elements(self) -> np.ndarray:
        """``(N,)`` element symbols from ``type_names``."""
        return np.array([self.type_names.get(int(t), str(int(t))) for t in self.types])

    def copy(self) -> Structure:
        """Deep copy."""
        return Structure(self.positions.copy(), self.types.copy(), self.cell.copy(),
                         self.layer.copy(), dict(self.type_names), dict(self.info))

    def subset(self, mask: np.ndarray) -> Structure:
        """New structure with the atoms selected by a boolean mask or index array."""
        return Structure(self.positions[mask], self.types[mask], self.cell.copy(),
                         self.layer[mask], dict(self.type_names), dict(self.info))

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
            _set_lattice_maps(out, [F @ np.asarray(m) for m in out.info["lattice_maps"]])
        return out

    def reduced(self) -> Structure:
        """Copy of the same periodic structure in the box with ``|xy| <= lx / 2``
        (``b -> b - round(xy / lx) a``), atoms wrapped into it.  LAMMPS warns about
        larger tilts."""
        out = self.copy()
        k = round(out.cell[1, 0] / out.cell[0, 0])
        out.cell[1] -= k * out.cell[0]
        return out.wrapped()


def _set_lattice_maps(structure: Structure, maps: list[np.ndarray]) -> None:
    """Record each layer's lattice map ``F`` (``a_i = F a0_i``, ``a0``: the hexagonal lattice
    with ``a1`` along x) and the orientations and twist it implies (see ``info`` keys in
    :class:`Structure`)."""
    angles = [math.degrees(math.atan2(m[1, 0] - m[0, 1], m[0, 0] + m[1, 1])) for m in maps]
    structure.info["lattice_maps"] = [np.asarray(m).tolist() for m in maps]
    structure.info["layer_orientation_deg"] = [a % 60.0 for a in angles]
    structure.info["twist_deg"] = fold_twist(angles[1] - angles[0])


def _hex_vectors(a: float) -> np.ndarray:
    return np.array([[a, 0.0], [0.5 * a, 0.5 * _SQ3 * a]])


def _rotation(theta_rad: float) -> np.ndarray:
    c, s = math.cos(theta_rad), math.sin(theta_rad)
    return np.array([[c, -s], [s, c]])


def _check_positive(name: str, value: float) -> None:
    if not (isinstance(value, (int, float, np.floating, np.integer)) and math.isfinite(value)
            and value > 0):
        raise ValidationError(name, "a finite number > 0", value)


def _layer_atoms(sites: np.ndarray, basis: np.ndarray, cell2: np.ndarray, z_mo: float,
                 s_height: float, mo_site: np.ndarray, s_site: np.ndarray,
                 layer: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mo and two S per lattice point.  ``sites``: ``(M, 2)`` integer lattice indices;
    ``basis``: ``(2, 2)`` rows = layer lattice vectors; sites are wrapped into ``cell2``."""
    inv = np.linalg.inv(cell2)

    def place(frac_site: np.ndarray) -> np.ndarray:
        xy = (sites + frac_site) @ basis
        f = xy @ inv
        f -= np.floor(f + 1e-9)
        return f @ cell2

    mo = place(mo_site)
    s = place(s_site)
    m = len(sites)
    pos = np.zeros((3 * m, 3))
    pos[:m, :2] = mo
    pos[:m, 2] = z_mo
    pos[m:2 * m, :2] = s
    pos[m:2 * m, 2] = z_mo - s_height
    pos[2 * m:, :2] = s
    pos[2 * m:, 2] = z_mo + s_height
    types = np.repeat([1, 2, 2], m)
    return pos, types, np.full(3 * m, layer)


_SITES = {"A": np.array([0.0, 0.0]), "B": np.array([1 / 3, 1 / 3]), "C": np.array([2 / 3, 2 / 3])}
_TOP_SITES = {"2H": ("B", "A"), "3R": ("B", "C")}


def _stacking_sites(stacking: str) -> tuple[np.ndarray, np.ndarray]:
    if stacking not in _TOP_SITES:
        raise ValidationError("stacking", "'2H' or '3R'", stacking)
    mo, s = _TOP_SITES[stacking]
    return _SITES[mo], _SITES[s]


def mx2_bilayer(nx: int = 12, ny: int = 12, a: float = 3.16, stacking: str = "2H",
                layer_spacing: float = 6.15, s_height: float = 1.56, z0: float = 3.0,
                box_z: float = 12.0, type_names: dict[int, str] | None = None) -> Structure:
    """Aligned MX2 bilayer, ``nx x ny`` hexagonal cells, ``6 nx ny`` atoms (864 for 12 x 12).

    Parameters
    ----------
    nx, ny:
        Number of primitive cells along ``a1`` and ``a2``.
    a:
        In-plane lattice constant, Angstrom (3.16 for MoS2).
    stacking:
        ``"2H"`` or ``"3R"`` (module docstring).
    layer_spacing:
        Mo-Mo interlayer distance, Angstrom.
    s_height:
        z offset of each S plane from its Mo plane, Angstrom.
    z0:
        z of the bottom Mo plane, Angstrom.
    box_z:
        Box height ``lz``, Angstrom.

    The box is ``a = (nx a, 0, 0)``, ``b = (ny a / 2, ny a sqrt(3) / 2, 0)``,
    ``c = (0, 0, box_z)``.
    """
    for name, v in (("nx", nx), ("ny", ny)):
        if not isinstance(v, (int, np.integer)) or v < 1:
            raise ValidationError(name, "an integer >= 1", v)
    for name, v in (("a", a), ("layer_spacing", layer_spacing), ("box_z", box_z)):
        _check_positive(name, v)
    top_mo, top_s = _stacking_sites(stacking)
    basis = _hex_vectors(a)
    cell2 = np.array([nx * basis[0], ny * basis[1]])
    i, j = np.meshgrid(np.arange(nx), np.arange(ny), indexing="ij")
    sites = np.column_stack([i.ravel(), j.ravel()]).astype(np.float64)
    bottom = _layer_atoms(sites, basis, cell2, z0, s_height, _SITES["A"], _SITES["B"], 0)
    top = _layer_atoms(sites, basis, cell2, z0 + layer_spacing, s_height, top_mo, top_s, 1)
    cell = np.zeros((3, 3))
    cell[:2, :2] = cell2
    cell[2, 2] = box_z
    out = Structure(np.vstack([bottom[0], top[0]]), np.concatenate([bottom[1], top[1]]), cell,
                    np.concatenate([bottom[2], top[2]]),
                    dict(type_names or DEFAULT_TYPE_NAMES),
                    {"builder": "mx2_bilayer", "nx": nx, "ny": ny, "a": a, "stacking": stacking})
    _set_lattice_maps(out, [np.eye(2), np.eye(2)])
    return out


def commensurate_angle(m: int, n: int) -> float:
    """Construction angle (degrees, in ``[0, 60)``) of the commensurate bilayer ``(m, n)``:
    ``cos(theta) = (m^2 + 4mn + n^2) / (2 (m^2 + mn + n^2))``."""
    c = (m * m + 4 * m * n + n * n) / (2.0 * (m * m + m * n + n * n))
    return math.degrees(math.acos(min(1.0, max(-1.0, c))))


def _lattice_sites_in_cell(basis: np.ndarray, cell2: np.ndarray) -> np.ndarray:
    """Integer index pairs ``(i, j)`` of the lattice ``i basis[0] + j basis[1]`` whose points
    lie in the half-open parallelogram ``cell2`` (one per periodic image)."""
    inv_basis = np.linalg.inv(basis)
    corners = np.array([[0, 0], [1, 0], [0, 1], [1, 1]]) @ cell2 @ inv_basis
    lo = np.floor(corners.min(axis=0)).astype(int) - 1
    hi = np.ceil(corners.max(axis=0)).astype(int) + 1
    i, j = np.meshgrid(np.arange(lo[0], hi[0] + 1), np.arange(lo[1], hi[1] + 1), indexing="ij")
    idx = np.column_stack([i.ravel(), j.ravel()]).astype(np.float64)
    f = (idx @ basis) @ np.linalg.inv(cell2)
    f = np.round(f, 9)
    keep = np.all((f >= 0.0) & (f < 1.0), axis=1)
    return idx[keep]


def twisted_bilayer(m: int, n: int, a: float = 3.16, stacking: str = "2H",
                    layer_spacing: float = 6.15, s_height: float = 1.56, z0: float = 3.0,
                    box_z: float = 12.0, repeat: tuple[int, int] = (1, 1),
                    type_names: dict[int, str] | None = None) -> tuple[Structure, float]:
    """Commensurate twisted bilayer ``(m, n)``.

    The bottom lattice ``a1, a2`` and the box ``L1 = m a1 + n a2``, ``L2 = -n a1 + (m+n) a2``
    (times ``repeat``); the top lattice is the bottom one rotated by theta about a Mo site,
    where theta maps ``n a1 + m a2`` onto ``m a1 + n a2`` (so both layers are periodic in the
    box).  ``m^2 + mn + n^2`` Mo per layer and cell.  The whole structure is then rotated so
    that ``L1`` lies along x (LAMMPS triclinic form); this rotation does not change the twist.

    ``stacking`` fixes the top layer's basis in its own (rotated) lattice as in
    :func:`mx2_bilayer` (``"2H"``: Mo on B, S on A, i.e. the bottom layer rotated by
    ``180 + theta``; ``"3R"``: Mo on B, S on C).

    Returns
    -------
    (structure, theta_deg):
        ``theta_deg`` is the exact construction angle folded to ``[0, 30]``
        (also in ``structure.info["twist_deg"]``; the signed rotation of the top Mo lattice
        relative to the bottom one is ``structure.info["rotation_deg"]``).
    """
    for name, v in (("m", m), ("n", n)):
        if not isinstance(v, (int, np.integer)) or v < 0:
            raise ValidationError(name, "an integer >= 0", v)
    if m + n == 0 or m == n:
        raise ValidationError("(m, n)", "m != n and m + n > 0", (m, n))
    for name, v in (("a", a), ("layer_spacing", layer_spacing), ("box_z", box_z)):
        _check_positive(name, v)
    top_mo, top_s = _stacking_sites(stacking)
    basis = _hex_vectors(a)
    L1 = m * basis[0] + n * basis[1]
    L2 = -n * basis[0] + (m + n) * basis[1]
    src = n * basis[0] + m * basis[1]
    rot = math.atan2(src[0] * L1[1] - src[1] * L1[0], src @ L1)
    top_basis = basis @ _rotation(rot).T
    cell2 = np.array([repeat[0] * L1, repeat[1] * L2])
    bottom_sites = _lattice_sites_in_cell(basis, cell2)
    top_sites = _lattice_sites_in_cell(top_basis, cell2)
    n_expected = (m * m + m * n + n * n) * repeat[0] * repeat[1]
    if len(bottom_sites) != n_expected or len(top_sites) != n_expected:
        raise RuntimeError(f"twisted_bilayer({m}, {n}): site count {len(bottom_sites)}, "
                           f"{len(top_sites)} != {n_expected}")
    bottom = _layer_atoms(bottom_sites, basis, cell2, z0, s_height, _SITES["A"], _SITES["B"], 0)
    top = _layer_atoms(top_sites, top_basis, cell2, z0 + layer_spacing, s_height,
                       top_mo, top_s, 1)
    pos = np.vstack([bottom[0], top[0]])
    # rotate everything so that L1 is along +x
    phi = math.atan2(cell2[0, 1], cell2[0, 0])
    R = _rotation(-phi)
    pos[:, :2] = pos[:, :2] @ R.T
    new2 = cell2 @ R.T
    new2[0, 1] = 0.0
    cell = np.zeros((3, 3))
    cell[:2, :2] = new2
    cell[2, 2] = box_z
    s = Structure(pos, np.concatenate([bottom[1], top[1]]), cell,
                  np.concatenate([bottom[2], top[2]]), dict(type_names or DEFAULT_TYPE_NAMES))
    s = s.wrapped()
    theta = fold_twist(math.degrees(rot))
    s.info.update({"builder": "twisted_bilayer", "m": m, "n": n, "a": a, "stacking": stacking,
                   "repeat": list(repeat), "rotation_deg": math.degrees(rot)})
    _set_lattice_maps(s, [R, R @ _rotation(rot)])
    return s, theta


def _generator(rng: np.random.Generator) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise ValidationError("rng", "a numpy.random.Generator", type(rng).__name__)
    return rng


def add_noise(structure: Structure, sigma: float, rng: np.random.Generator,
              in_plane_only: bool = False) -> Structure:
    """Copy with Gaussian displacements of standard deviation ``sigma`` (Angstrom) per
    Cartesian component (z too unless ``in_plane_only``)."""
    rng = _generator(rng)
    if not (math.isfinite(sigma) and sigma >= 0):
        raise ValidationError("sigma", "a finite number >= 0 (Angstrom)", sigma)
    out = structure.copy()
    d = rng.normal(0.0, sigma, size=out.positions.shape)
    if in_plane_only:
        d[:, 2] = 0.0
    out.positions = out.positions + d
    return out


def add_vacancies(structure: Structure, fraction: float, rng: np.random.Generator,
                  layers: tuple[int, ...] | None = None,
                  types: tuple[int, ...] | None = None) -> Structure:
    """Copy with ``round(fraction * M)`` atoms removed at random among the ``M`` atoms of the
    selected layers and types (all when ``None``)."""
    rng = _generator(rng)
    if not (0.0 <= fraction <= 1.0):
        raise ValidationError("fraction", "[0, 1]", fraction)
    sel = np.ones(len(structure), dtype=bool)
    if layers is not None:
        sel &= np.isin(structure.layer, layers)
    if types is not None:
        sel &= np.isin(structure.types, types)
    cand = np.flatnonzero(sel)
    k = int(round(fraction * len(cand)))
    drop = rng.choice(cand, size=k, replace=False)
    keep = np.ones(len(structure), dtype=bool)
    keep[drop] = False
    return structure.subset(keep)


def _layer_slab(structure: Structure, layer: int) -> tuple[float, float]:
    z = structure.positions[structure.layer == layer, 2]
    if len(z) == 0:
        raise ValidationError("layer", "a layer label present in the structure", layer)
    return float(z.min()), float(z.max())


def add_amorphous_patch(structure: Structure, rng: np.random.Generator, radius: float = 8.0,
                        center: tuple[float, float] | None = None, layer: int = 1) -> Structure:
    """Copy in which the atoms of ``layer`` within in-plane distance ``radius`` (Angstrom,
    minimum image) of ``center`` (Cartesian x, y; random when ``None``) are replaced by the
    same number of atoms at uniformly random positions in that disk and in the layer's
    z range.  Replaced atoms get layer label ``-1``."""
    rng = _generator(rng)
    _check_positive("radius", radius)
    out = structure.wrapped()
    cell2 = out.cell[:2, :2]
    if center is None:
        center = tuple(rng.random(2) @ cell2)
    dist = np.linalg.norm(minimum_image(out.positions[:, :2] - np.asarray(center), cell2), axis=1)
    hit = (out.layer == layer) & (dist < radius)
    k = int(hit.sum())
    zlo, zhi = _layer_slab(out, layer)
    r = radius * np.sqrt(rng.random(k))
    ang = 2 * math.pi * rng.random(k)
    new = np.column_stack([center[0] + r * np.cos(ang), center[1] + r * np.sin(ang),
                           rng.uniform(zlo, zhi, k)])
    out.positions[hit] = new
    out.layer[hit] = -1
    return out.wrapped()


def amorphize_layer(structure: Structure, rng: np.random.Generator, layer: int = 1,
                    min_distance: float = 1.8) -> Structure:
    """Copy in which every atom of ``layer`` sits at a random position, uniform in-plane and
    in the layer's z range, keeping at least ``min_distance`` (Angstrom, minimum image in
    plane) between the new atoms where random sequential placement manages it (up to 200
    tries per atom).  The layer keeps its label: it is the same layer, melted."""
    rng = _generator(rng)
    out = structure.copy()
    idx = np.flatnonzero(out.layer == layer)
    zlo, zhi = _layer_slab(out, layer)
    cell2 = out.cell[:2, :2]
    placed = np.empty((0, 3))
    for i in idx:
        for _ in range(200):
            p = np.concatenate([rng.random(2) @ cell2, [rng.uniform(zlo, zhi)]])
            if len(placed) == 0:
                break
            d = placed - p
            dxy = minimum_image(d[:, :2], cell2)
            if np.min(np.hypot(np.hypot(dxy[:, 0], dxy[:, 1]), d[:, 2])) >= min_distance:
                break
        placed = np.vstack([placed, p])
        out.positions[i] = p
    return out


def add_debris(structure: Structure, count: int, rng: np.random.Generator,
               z_range: tuple[float, float] | None = None,
               types: tuple[int, ...] = (1, 2)) -> Structure:
    """Copy with ``count`` extra atoms (layer label ``-1``) at uniformly random in-plane
    positions and z in ``z_range`` (Angstrom; default: between the two layers' Mo planes),
    types drawn uniformly from ``types``."""
    rng = _generator(rng)
    if count < 0:
        raise ValidationError("count", ">= 0", count)
    if z_range is None:
        z0 = structure.positions[(structure.layer == 0) & (structure.types == 1), 2].mean()
        z1 = structure.positions[(structure.layer == 1) & (structure.types == 1), 2].mean()
        z_range = (float(z0), float(z1))
    xy = rng.random((count, 2)) @ structure.cell[:2, :2]
    z = rng.uniform(z_range[0], z_range[1], count)
    out = structure.copy()
    out.positions = np.vstack([out.positions, np.column_stack([xy, z])])
    out.types = np.concatenate([out.types, rng.choice(np.asarray(types), size=count)])
    out.layer = np.concatenate([out.layer, np.full(count, -1)])
    return out


def write_lammps_data(structure: Structure, path: str | Path, atom_style: str = "atomic",
                      masses: dict[str, float] | None = None, title: str = "") -> Path:
    """Write a LAMMPS data file (always triclinic: ``xy xz yz`` line present).

    ``atom_style``: ``"atomic"`` (``id type x y z``) or ``"charge"`` (``id type q x y z``,
    q = 0).  ``masses``: element -> amu (defaults :data:`DEFAULT_MASSES`), one ``Masses`` line
    per type in ``structure.type_names`` (types 1..max).  Positions are written as given;
    call :meth:`Structure.wrapped` first if they may lie outside the box.
    """
    if atom_style not in ("atomic", "charge"):
        raise ValidationError("atom_style", "'atomic' or 'charge'", atom_style)
    masses = dict(DEFAULT_MASSES if masses is None else masses)
    c = structure.cell
    ntypes = max(max(structure.type_names), int(structure.types.max(initial=0)))
    lines = [title or f"vdwgym structure {structure.info.get('builder', '')}".strip(), "",
             f"{len(structure)} atoms", f"{ntypes} atom types", "",
             f"0.0 {c[0, 0]:.10f} xlo xhi", f"0.0 {c[1, 1]:.10f} ylo yhi",
             f"0.0 {c[2, 2]:.10f} zlo zhi", f"{c[1, 0]:.10f} {c[2, 0]:.10f} {c[2, 1]:.10f} xy xz yz",
             "", "Masses", ""]
    for t in range(1, ntypes + 1):
        name = structure.type_names.get(t)
        if name not in masses:
            raise ValidationError("masses", f"a mass for type {t} ({name})", masses)
        lines.append(f"{t} {masses[name]:.4f} # {name}")
    lines += ["", f"Atoms # {atom_style}", ""]
    q = " 0.0" if atom_style == "charge" else ""
    for i, (t, p) in enumerate(zip(structure.types, structure.positions, strict=True), start=1):
        lines.append(f"{i} {int(t)}{q} {p[0]:.10f} {p[1]:.10f} {p[2]:.10f}")
    path = Path(path)
    path.write_text("\n".join(lines) + "\n")
    return path
