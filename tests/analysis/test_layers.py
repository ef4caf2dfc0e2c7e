"""Layer split from Mo z values: robust to debris, adatoms, vacancies and uneven layers."""

import numpy as np
import pytest

from vdwgym.analysis.layers import split_layers
from vdwgym.structures import mx2_bilayer
from vdwgym.testing.disorder import add_debris, add_noise, add_vacancies, amorphize_layer


def _split(s):
    return split_layers(s.positions[:, 2], s.types == 1)


def test_perfect_bilayer():
    s = mx2_bilayer()
    sp = _split(s)
    assert sp.z_planes == pytest.approx([3.0, 9.15], abs=0.03)
    assert np.array_equal(sp.labels, s.layer)
    assert sp.n_unassigned == 0
    assert 3.0 < sp.boundary < 9.15


def test_uneven_layers_do_not_move_the_split(rng):
    """40 % of the top layer gone: a median split would cut the bottom layer."""
    s = add_vacancies(mx2_bilayer(), 0.4, rng, layers=(1,))
    sp = _split(s)
    assert np.array_equal(sp.labels, s.layer)
    assert sp.z_planes == pytest.approx([3.0, 9.15], abs=0.03)


def test_debris_and_adatoms_are_unassigned(rng):
    base = add_noise(mx2_bilayer(), 0.1, rng)
    s = add_debris(base, 40, rng, z_range=(5.6, 6.6))   # between the layers, 2.6+ A away
    s = add_debris(s, 15, rng, z_range=(12.5, 13.5))    # adatoms above the top layer
    sp = _split(s)
    assert np.array_equal(sp.labels[: len(base)], base.layer)
    assert np.all(sp.labels[len(base):] == -1)
    assert sp.n_unassigned == 55
    assert sp.z_planes == pytest.approx([3.0, 9.15], abs=0.05)


def test_amorphous_layer_is_still_a_layer(rng):
    s = amorphize_layer(mx2_bilayer(), rng)
    sp = _split(s)
    assert sp.n_layers == 2
    assert np.array_equal(sp.labels, s.layer)


def test_one_layer_and_no_metal():
    s = mx2_bilayer(4, 4)
    one = s.subset(s.layer == 1)
    sp = _split(one)
    assert sp.n_layers == 1 and sp.boundary is None and np.all(sp.labels == 0)
    none = split_layers(one.positions[:, 2], np.zeros(len(one), bool))
    assert none.n_layers == 0 and np.all(none.labels == -1)


def test_a_small_cluster_is_not_a_layer(rng):
    """A handful of Mo atoms at one height (a cluster on top) is below the minimum
    population and must not replace a real layer."""
    s = add_debris(mx2_bilayer(), 8, rng, z_range=(14.0, 14.05), types=(1,))
    sp = _split(s)
    assert sp.z_planes == pytest.approx([3.0, 9.15], abs=0.03)
    assert np.all(sp.labels[-8:] == -1)
