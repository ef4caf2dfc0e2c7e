"""The paper's pair order parameter."""

import numpy as np
import pytest

from vdwgym.analysis.neighbors import periodic_pairs
from vdwgym.analysis.order import pair_order
from vdwgym.errors import ValidationError
from vdwgym.structures import mx2_bilayer, twisted_bilayer
from vdwgym.testing.disorder import add_noise, amorphize_layer


def test_counts_mo_s_bonds_once():
    s = mx2_bilayer(a=3.18)  # bond 2.411 A, safely inside [2.4, 2.6]
    res = pair_order(s.positions, s.cell)
    assert res.pairs == 6 * 288 and res.per_atom == pytest.approx(2.0)
    assert res.n_atoms == 864 and res.window == (2.4, 2.6) and res.cutoff == 3.0


def test_sheared_box_gives_the_same_count():
    s = mx2_bilayer(a=3.18)
    sh = s.deformed(0.0, 0.0)  # same
    b = s.copy()
    b.cell[1] += b.cell[0]  # same lattice, tilted box basis
    assert pair_order(b.positions, b.cell).pairs == pair_order(sh.positions, sh.cell).pairs


def test_window_edges_and_amorphous_layer(rng):
    s = mx2_bilayer(a=3.18)
    assert pair_order(s.positions, s.cell, window=(2.42, 2.6)).pairs == 0
    am = amorphize_layer(s, rng)
    res = pair_order(am.positions, am.cell)
    assert res.pairs < 0.7 * 6 * 288
    assert res.to_dict()["window"] == [2.4, 2.6]


def test_empty_frame():
    res = pair_order(np.zeros((0, 3)), np.diag([10.0, 10.0, 10.0]))
    assert res.pairs == 0 and res.per_atom == 0.0


def test_count_matches_the_pair_list_on_noisy_sheared_boxes(rng):
    s, _ = twisted_bilayer(4, 9)
    s = add_noise(s.deformed(0.03, 0.0575), 0.12, rng)
    _, _, vec = periodic_pairs(s.positions, s.cell, 3.0)
    d = np.linalg.norm(vec, axis=1)
    want = int(np.sum((d >= 2.4) & (d <= 2.6))) // 2
    assert 0 < want < 6 * 266
    assert pair_order(s.positions, s.cell).pairs == want


def test_window_outside_cutoff_is_refused():
    s = mx2_bilayer(4, 4)
    with pytest.raises(ValidationError, match="window"):
        pair_order(s.positions, s.cell, window=(2.4, 3.2))
