import numpy as np
import pytest

from vdwgym.errors import ValidationError
from vdwgym.geometry import Cell, check_cell, minimum_image, wrap_inplane

HEX = np.array([[37.92, 0.0, 0.0], [18.96, 32.839, 0.0], [0.4, -0.3, 12.0]])


@pytest.mark.parametrize("bad", [
    [[10.0, 0.1, 0.0], [2.0, 9.0, 0.0], [0.0, 0.0, 12.0]],     # a not along x
    [[10.0, 0.0, 0.0], [2.0, 9.0, 0.5], [0.0, 0.0, 12.0]],     # b out of the xy plane
    [[10.0, 0.0, 0.0], [2.0, -9.0, 0.0], [0.0, 0.0, 12.0]],    # ly < 0
    [[10.0, 0.0, 0.0], [2.0, np.nan, 0.0], [0.0, 0.0, 12.0]],  # not finite
    np.eye(4),
])
def test_check_cell_refuses_what_is_not_a_lammps_box_naming_the_field(bad):
    with pytest.raises(ValidationError) as exc:
        check_cell(bad, field="box")
    assert exc.value.field == "box"


def test_check_cell_accepts_3x3_and_in_plane_boxes_and_copies():
    c = check_cell(HEX)
    assert c.dtype == np.float64 and np.array_equal(c, HEX) and c is not HEX
    assert check_cell(HEX[:2, :2]).shape == (2, 2)
    with pytest.raises(ValidationError):
        Cell(HEX[:2, :2])  # a Cell is always 3-D


def test_cell_is_read_only_and_names_its_parts():
    cell = Cell(HEX)
    assert cell.lengths == (37.92, 32.839, 12.0) and cell.tilts == (18.96, 0.4, -0.3)
    with pytest.raises(ValueError):
        cell.matrix[0, 0] = 1.0


def test_dump_bounds_round_trip_with_the_origin():
    cell = Cell(HEX)
    lo = np.array([-3.0, 2.0, 0.5])
    rows = [(b0 + o, b1 + o, t) for (b0, b1, t), o in zip(cell.dump_bounds(), lo, strict=True)]
    back, origin = Cell.from_dump_bounds(rows)
    assert np.allclose(back.matrix, HEX) and np.allclose(origin, lo)
    # LAMMPS's bounding box: x spans the parallelepiped's extent, here 0 .. lx + xy + xz
    assert rows[0][1] - rows[0][0] == pytest.approx(37.92 + 18.96 + 0.4)
    ortho, o2 = Cell.from_dump_bounds([(0.0, 5.0), (1.0, 4.0), (0.0, 12.0)])
    assert np.array_equal(ortho.matrix, np.diag([5.0, 3.0, 12.0])) and o2.tolist() == [0, 1, 0]


def test_from_bounds_is_the_data_file_form():
    cell = Cell.from_bounds((1.0, 2.0, 3.0), (11.0, 10.0, 15.0), 4.0, 0.5, -0.5)
    assert np.array_equal(cell.matrix, [[10, 0, 0], [4, 8, 0], [0.5, -0.5, 12]])
    with pytest.raises(ValidationError):
        Cell.from_bounds((0, 0, 0), (1.0, -1.0, 1.0))


def test_wrap_and_minimum_image_stay_in_the_lattice():
    rng = np.random.default_rng(3)
    pos = rng.uniform(-100, 100, (50, 3))
    w = wrap_inplane(pos, HEX)
    f = w[:, :2] @ np.linalg.inv(HEX[:2, :2])
    assert ((f >= 0) & (f < 1)).all() and np.array_equal(w[:, 2], pos[:, 2])
    shift = np.rint((pos - w)[:, :2] @ np.linalg.inv(HEX[:2, :2]))
    assert np.allclose((pos - w)[:, :2], shift @ HEX[:2, :2])
    d = minimum_image(pos[:, :2] - pos[0, :2], HEX[:2, :2])
    g = d @ np.linalg.inv(HEX[:2, :2])
    assert (np.abs(g) <= 0.5 + 1e-12).all()
