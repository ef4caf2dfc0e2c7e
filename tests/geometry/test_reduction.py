import numpy as np
import pytest

from vdwgym.geometry import gauss_reduce, reduce_cell2


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
