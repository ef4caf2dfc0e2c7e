import math

import numpy as np
import pytest

from vdwgym.geometry import fold_twist, gauss_reduce, reduce_cell2


def test_fold_twist_scalar_and_array_agree_and_land_in_0_30():
    theta = np.random.default_rng(0).uniform(-400.0, 400.0, size=(7, 5))
    folded = fold_twist(theta)
    assert folded.shape == theta.shape and folded.dtype == np.float64
    assert ((folded >= 0.0) & (folded <= 30.0)).all()
    assert [fold_twist(float(t)) for t in theta.ravel()] == folded.ravel().tolist()
    assert isinstance(fold_twist(np.float64(35.0)), float)


@pytest.mark.parametrize(("theta", "folded"), [(0.0, 0.0), (35.0, 25.0), (-8.5, 8.5),
                                               (60.0, 0.0), (90.0, 30.0), (-1e-17, 0.0)])
def test_fold_twist_known_values(theta, folded):
    assert fold_twist(theta) == pytest.approx(folded, abs=1e-12)
    assert fold_twist(np.array([theta]))[0] == pytest.approx(folded, abs=1e-12)


def test_fold_twist_scalar_inf_raises_as_fmod_does():
    with pytest.raises(ValueError):
        fold_twist(math.inf)


def test_gauss_reduce_acute_flag_and_single_cell_form():
    rng = np.random.default_rng(1)
    base = np.array([[3.2, 0.0], [1.6, 2.77]])
    U = np.array([[5, 3], [-7, -4]])  # det 1: the same lattice
    skewed = np.stack([U @ base, -(U @ base)])
    acute = gauss_reduce(skewed)
    plain = gauss_reduce(skewed, acute=False)
    for R in (*acute, *plain):
        a, b = R
        assert a @ a <= b @ b + 1e-12 and abs(a @ b) <= a @ a / 2 + 1e-12
        assert abs(np.linalg.det(R)) == pytest.approx(abs(np.linalg.det(base)))
        assert np.allclose(np.rint(np.linalg.solve(base.T, R.T)), np.linalg.solve(base.T, R.T))
    assert (np.einsum("ki,ki->k", acute[:, 0], acute[:, 1]) >= 0).all()
    for cell in (skewed[0], skewed[1], rng.normal(size=(2, 2))):
        assert np.array_equal(reduce_cell2(cell), gauss_reduce(cell[None], acute=False)[0])
