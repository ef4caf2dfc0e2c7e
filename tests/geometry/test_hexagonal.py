"""The hexagonal lattice and box: the LAMMPS triclinic orientation, shared by the builders."""

import numpy as np

from vdwgym.geometry import hexagonal_box, hexagonal_lattice
from vdwgym.structures.builders import mx2_bilayer


def test_box_has_the_lammps_triclinic_lengths_and_tilt():
    box = hexagonal_box(8, 6, 3.2)
    lx, xy, ly = box[0, 0], box[1, 0], box[1, 1]
    assert (lx, xy) == (8 * 3.2, 6 * 3.2 / 2)
    assert np.isclose(ly, 6 * 3.2 * np.sqrt(3) / 2)
    assert box[0, 1] == 0.0
    lat = hexagonal_lattice(3.2)
    assert np.allclose(np.linalg.norm(lat, axis=1), 3.2)
    assert np.isclose(np.degrees(np.arccos(lat[0] @ lat[1] / 3.2**2)), 60.0)


def test_builders_place_mo_on_the_lattice_of_their_box():
    s = mx2_bilayer(4, 3, a=3.16)
    assert np.allclose(s.cell[:2, :2], hexagonal_box(4, 3, 3.16))
    mo = s.positions[s.types == 1]
    bottom = mo[mo[:, 2] < mo[:, 2].mean(), :2]
    frac = (bottom - bottom[0]) @ np.linalg.inv(hexagonal_lattice(3.16))
    assert len(bottom) == 12
    assert np.allclose(frac, np.round(frac), atol=1e-6)
