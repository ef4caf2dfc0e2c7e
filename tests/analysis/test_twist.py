"""The analyzer: twist by every method, crystallinity gate, symmetry properties, JSON."""

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.analysis.conftest import TWIST_CASES, build
from vdwgym.analysis import METHODS, TwistAnalyzer, analyze_frame
from vdwgym.errors import ValidationError
from vdwgym.outcome import fold_twist
from vdwgym.structures import Structure, amorphize_layer, mx2_bilayer, twisted_bilayer


def _analyze(s: Structure, **kw):
    return analyze_frame(s.positions, s.types, s.cell, **kw)


@pytest.mark.parametrize("mn", TWIST_CASES)
def test_primary_method_on_disordered_sheared_bilayers(mn):
    s, expected = build(mn, (0.03, 0.0575, "engineering"), seed=7)
    res = _analyze(s)
    assert res.method == "sf" and res.crystalline
    assert res.twist_deg == pytest.approx(expected, abs=0.05)
    assert res.cross_check["psi6"] == pytest.approx(expected, abs=0.5)
    assert res.n_unassigned > 0  # debris and patch atoms away from the planes


@pytest.mark.parametrize("method", METHODS)
def test_every_method_on_a_mildly_noisy_bilayer(method):
    s, expected = build((5, 8), None, seed=3, sigma=0.05, vacancies=0.0, patch=0.0, debris=0)
    res = _analyze(s, method=method)
    assert res.method == method
    assert res.twist_deg == pytest.approx(expected, abs=0.5)


@pytest.mark.parametrize("method", METHODS)
def test_amorphous_top_layer_is_flagged_and_never_a_twist(method, rng):
    s, _ = twisted_bilayer(4, 9)
    s = amorphize_layer(s, rng)
    res = _analyze(s, method=method)
    assert not res.crystalline and res.twist_deg is None
    assert res.layers[0].crystalline and not res.layers[1].crystalline
    assert res.layers[1].mean_abs_psi6 < 0.6 < res.layers[0].mean_abs_psi6
    assert all(v is None for v in res.cross_check.values())


def test_aligned_bilayer_has_zero_twist():
    res = _analyze(mx2_bilayer())
    assert res.twist_deg == pytest.approx(0.0, abs=1e-9)
    assert [ly.n_sites for ly in res.layers] == [144, 144]
    assert [ly.n_atoms for ly in res.layers] == [432, 432]
    assert res.order.pairs == 6 * 288  # each Mo has 6 S bonds at 2.4004 A


def _rebox(s: Structure, U: np.ndarray, shift: np.ndarray) -> Structure:
    """The same periodic crystal seen through another box basis U @ cell (det 1), rotated
    back into LAMMPS form, and translated: a rigid motion of the whole system."""
    c2 = U @ s.cell[:2, :2]
    phi = math.atan2(c2[0, 1], c2[0, 0])
    R = np.array([[math.cos(-phi), -math.sin(-phi)], [math.sin(-phi), math.cos(-phi)]])
    out = s.copy()
    out.positions[:, :2] = (s.positions[:, :2] + shift) @ R.T
    out.cell[:2, :2] = c2 @ R.T
    out.cell[0, 1] = 0.0
    if out.cell[1, 1] < 0:  # keep a right-handed box: flip b
        out.cell[1] *= -1
    return out.wrapped()


@settings(max_examples=15, deadline=None)
@given(u=st.sampled_from([[[1, 0], [1, 1]], [[1, 1], [0, 1]], [[2, 1], [1, 1]],
                          [[1, -1], [0, 1]], [[0, 1], [-1, 0]], [[1, 2], [1, 3]]]),
       sx=st.floats(0, 30), sy=st.floats(0, 30), mn=st.sampled_from([(5, 8), (1, 11), (6, 7)]))
def test_rigid_motion_of_the_whole_system_changes_nothing(u, sx, sy, mn):
    s, theta = twisted_bilayer(*mn)
    base = _analyze(s)
    moved = _rebox(s, np.array(u, dtype=float), np.array([sx, sy]))
    res = _analyze(moved)
    assert res.twist_deg == pytest.approx(base.twist_deg, abs=1e-6)
    assert res.twist_deg == pytest.approx(theta, abs=1e-6)
    # both layer orientations turned by the same angle
    d0 = res.layers[0].orientation_deg - base.layers[0].orientation_deg
    d1 = res.layers[1].orientation_deg - base.layers[1].orientation_deg
    assert fold_twist(d1 - d0) == pytest.approx(0.0, abs=1e-6)


@settings(max_examples=10, deadline=None)
@given(mn=st.sampled_from(TWIST_CASES[1:]), seed=st.integers(0, 2**31 - 1))
def test_swapping_layers_changes_nothing(mn, seed):
    s, expected = build(mn, None, seed=seed, patch=0.0)
    flipped = s.copy()
    flipped.positions[:, 2] = 12.0 - s.positions[:, 2]
    a, b = _analyze(s), _analyze(flipped)
    assert b.twist_deg == pytest.approx(a.twist_deg, abs=1e-9)
    assert b.twist_deg == pytest.approx(expected, abs=0.05)
    assert b.layers[0].orientation_deg == pytest.approx(a.layers[1].orientation_deg)


@settings(max_examples=10, deadline=None)
@given(mn=st.sampled_from(TWIST_CASES[1:]))
def test_mirror_construction_gives_the_same_folded_twist(mn):
    """(m, n) and (n, m) rotate the top layer by theta and -theta: one folded twist."""
    s1, t1 = twisted_bilayer(*mn)
    s2, t2 = twisted_bilayer(mn[1], mn[0])
    assert t1 == pytest.approx(t2)
    assert _analyze(s1).twist_deg == pytest.approx(_analyze(s2).twist_deg, abs=1e-6)


def test_result_is_json_and_analyzer_is_reusable():
    an = TwistAnalyzer()
    s, theta = twisted_bilayer(1, 11)
    an.compute(s.positions, s.types, s.cell)
    d = json.loads(json.dumps(an.result.to_dict()))
    assert d["twist_deg"] == pytest.approx(theta, abs=1e-5)
    assert d["layers"][1]["lattice_matrix"] is not None
    assert set(d) >= {"twist_deg", "crystalline", "method", "layers", "order"}
    s2, theta2 = twisted_bilayer(4, 9)
    assert an.compute(s2.positions, s2.types, s2.cell).twist_deg == pytest.approx(theta2)


def test_element_names_and_type_maps():
    s, theta = twisted_bilayer(5, 8)
    swapped = s.types.copy()
    swapped[s.types == 1], swapped[s.types == 2] = 2, 1
    res = analyze_frame(s.positions, swapped, s.cell, type_names={2: "Mo", 1: "S"})
    assert res.twist_deg == pytest.approx(theta)
    res = analyze_frame(s.positions, None, s.cell, elements=s.elements)
    assert res.twist_deg == pytest.approx(theta)


def test_bad_arguments_are_validation_errors():
    s = mx2_bilayer(4, 4)
    with pytest.raises(ValidationError, match="method"):
        analyze_frame(s.positions, s.types, s.cell, method="ovito")
    with pytest.raises(ValidationError, match="positions"):
        analyze_frame(s.positions[:, :2], s.types, s.cell)


def test_single_layer_gives_no_twist():
    s = mx2_bilayer(6, 6)
    s = s.subset(s.layer == 0)
    res = _analyze(s)
    assert len(res.layers) == 1 and res.twist_deg is None and not res.crystalline
