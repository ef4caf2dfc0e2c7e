"""The disorder generators of the test structures."""

import numpy as np
import pytest

from vdwgym.errors import ValidationError
from vdwgym.structures import mx2_bilayer
from vdwgym.testing.disorder import (
    add_amorphous_patch,
    add_debris,
    add_noise,
    add_vacancies,
    amorphize_layer,
)


def test_disorder_helpers_are_seeded_and_do_what_they_say():
    s = mx2_bilayer()
    a = add_noise(s, 0.1, np.random.default_rng(3))
    b = add_noise(s, 0.1, np.random.default_rng(3))
    assert np.array_equal(a.positions, b.positions)
    assert np.std(a.positions - s.positions) == pytest.approx(0.1, rel=0.05)
    v = add_vacancies(s, 0.08, np.random.default_rng(1), layers=(1,))
    assert len(v) == len(s) - round(0.08 * 432)
    assert np.sum(v.layer == 0) == 432
    p = add_amorphous_patch(s, np.random.default_rng(2), radius=8.0)
    assert len(p) == len(s) and 0 < np.sum(p.layer == -1) < 432
    am = amorphize_layer(s, np.random.default_rng(4))
    assert np.array_equal(am.positions[am.layer == 0], s.positions[s.layer == 0])
    assert not np.allclose(am.positions[am.layer == 1], s.positions[s.layer == 1])
    dbr = add_debris(s, 10, np.random.default_rng(5))
    assert len(dbr) == len(s) + 10 and np.sum(dbr.layer == -1) == 10
    assert np.all((dbr.positions[-10:, 2] >= 3.0) & (dbr.positions[-10:, 2] <= 9.15))
    with pytest.raises(ValidationError):
        add_noise(s, 0.1, 42)
