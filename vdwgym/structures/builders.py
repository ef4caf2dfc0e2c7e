"""The structure builders, all in one place: MX2 bilayers (MoS2 by default), aligned or
commensurately twisted, for the LAMMPS protocol and for testing the analysis.

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

The disorder generators that make test structures out of these (noise, vacancies, an
amorphous patch, debris) are test helpers: :mod:`vdwgym.testing.disorder`.
"""

from __future__ import annotations

import math

import numpy as np

from vdwgym.errors import ValidationError
from vdwgym.geometry import fold_twist
from vdwgym.geometry.hexagonal import hexagonal_box, hexagonal_lattice
from vdwgym.structures.structure import DEFAULT_TYPE_NAMES, Structure, set_lattice_maps

__all__ = ["commensurate_angle", "mx2_bilayer", "twisted_bilayer"]



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
    basis = hexagonal_lattice(a)
    cell2 = hexagonal_box(nx, ny, a)
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
    set_lattice_maps(out, [np.eye(2), np.eye(2)])
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
    basis = hexagonal_lattice(a)
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
    set_lattice_maps(s, [R, R @ _rotation(rot)])
    return s, theta
