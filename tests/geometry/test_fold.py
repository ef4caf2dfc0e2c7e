import math

import numpy as np
import pytest

from vdwgym.geometry import fold_twist


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
