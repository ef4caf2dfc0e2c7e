"""psi6 and the per-atom orientation histogram."""

import numpy as np
import pytest

from vdwgym.analysis.bond_order import orientation_histogram, psi6, psi6_orientation
from vdwgym.structures import mx2_bilayer, twisted_bilayer
from vdwgym.testing.disorder import add_noise, amorphize_layer


def _mo(s, layer):
    return s.positions[(s.layer == layer) & (s.types == 1), :2]


def test_perfect_lattice_psi6_is_one_and_orientation_is_bond_angle():
    s, _ = twisted_bilayer(5, 8)
    for layer in (0, 1):
        p6 = psi6(_mo(s, layer), s.cell)
        assert np.abs(p6) == pytest.approx(1.0)
        want = s.info["layer_orientation_deg"][layer]
        assert psi6_orientation(p6) == pytest.approx(want, abs=1e-6)


def test_amorphous_layer_has_low_psi6(rng):
    s = amorphize_layer(mx2_bilayer(), rng)
    assert np.abs(psi6(_mo(s, 1), s.cell)).mean() < 0.6
    assert np.abs(psi6(_mo(s, 0), s.cell)).mean() > 0.99


def test_histogram_mode_and_single_crystal(rng):
    s = add_noise(twisted_bilayer(1, 11)[0], 0.08, rng)
    h = orientation_histogram(psi6(_mo(s, 1), s.cell))
    assert h.mode_deg == pytest.approx(s.info["layer_orientation_deg"][1], abs=0.5)
    assert not h.polycrystal and h.mode_fraction > 0.9
    assert h.counts.sum() == h.n_crystalline


def test_two_grains_are_flagged_as_polycrystal():
    """Top layer: one half from the (1, 11) structure, the other half from (4, 9), which
    has the same box: two grains 16.4 degrees apart."""
    a, _ = twisted_bilayer(1, 11)
    b, _ = twisted_bilayer(4, 9)
    assert np.allclose(a.cell, b.cell)
    fa, fb = a.fractional()[:, 0], b.fractional()[:, 0]
    top = np.vstack([a.positions[(a.layer == 1) & (a.types == 1) & (fa < 0.5), :2],
                     b.positions[(b.layer == 1) & (b.types == 1) & (fb >= 0.5), :2]])
    h = orientation_histogram(psi6(top, a.cell))
    assert h.polycrystal
    got = sorted([h.mode_deg, h.second_deg])
    want = sorted([a.info["layer_orientation_deg"][1], b.info["layer_orientation_deg"][1]])
    assert got == pytest.approx(want, abs=0.5)


def test_empty_histogram():
    h = orientation_histogram(np.zeros(5, dtype=complex))
    assert h.mode_deg is None and h.n_crystalline == 0 and not h.polycrystal
