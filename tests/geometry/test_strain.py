import numpy as np
import pytest

from vdwgym.errors import ValidationError
from vdwgym.geometry import deform_cell, deformation_gradient

BOX = np.array([[37.92, 0.0, 0.0], [18.96, 32.839, 0.0], [0.0, 0.0, 12.0]])


def test_engineering_and_tilt_conventions():
    eng = deform_cell(BOX, 0.05, 0.0575)
    assert eng[0, 0] == pytest.approx(37.92 * 1.05) and eng[1, 1] == pytest.approx(32.839 * 1.05)
    assert eng[1, 0] == pytest.approx(18.96 * 1.05 + 0.0575 * 32.839 * 1.05)
    tilt = deform_cell(BOX, 0.05, 0.0575, "tilt")
    assert tilt[1, 0] == pytest.approx(18.96 * 1.05 * 1.0575)
    assert eng[2, 2] == tilt[2, 2] == 12.0


def test_deformation_gradient_maps_the_rows():
    new = deform_cell(BOX, 0.03, 0.055)
    F = deformation_gradient(BOX, new)
    assert np.allclose(BOX[:2, :2] @ F.T, new[:2, :2])


def test_bad_convention_and_bad_box_name_their_field():
    with pytest.raises(ValidationError) as exc:
        deform_cell(BOX, 0.0, 0.0, "simple")
    assert exc.value.field == "shear_convention"
    with pytest.raises(ValidationError) as exc:
        deform_cell(BOX.T, 0.0, 0.0)
    assert exc.value.field == "cell"
