"""The analyzer: twist by every method, crystallinity gate, symmetry properties, JSON."""

import json
import math

import numpy as np
import pytest
from analysis_cases import TWIST_CASES, build
from hypothesis import given, settings
from hypothesis import strategies as st

from vdwgym.analysis import METHODS, TwistAnalyzer, analyze_frame
from vdwgym.errors import ValidationError
from vdwgym.outcome import fold_twist
from vdwgym.structures import Structure, mx2_bilayer, twisted_bilayer
from vdwgym.testing.disorder import amorphize_layer


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
    assert out.cell[1, 1] > 0  # det U = 1 keeps the box right-handed
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


def test_unwrapped_coordinates_give_the_same_result(rng):
    s, theta = twisted_bilayer(6, 7)
    shifts = rng.integers(-3, 4, size=(len(s), 2)) @ s.cell[:2, :2]
    moved = s.positions.copy()
    moved[:, :2] += shifts
    a, b = _analyze(s), analyze_frame(moved, s.types, s.cell)
    assert b.twist_deg == pytest.approx(theta, abs=1e-9)
    assert b.order.pairs == a.order.pairs
    assert [ly.n_atoms for ly in b.layers] == [ly.n_atoms for ly in a.layers]


@settings(max_examples=200, deadline=None)
@given(t=st.floats(-1e4, 1e4, allow_nan=False), k=st.integers(-50, 50))
def test_fold_has_the_hexagonal_symmetry(t, k):
    f = fold_twist(t)
    assert 0.0 <= f <= 30.0
    assert fold_twist(t + 60.0 * k) == pytest.approx(f, abs=1e-6)
    assert fold_twist(-t) == pytest.approx(f, abs=1e-6)
    assert fold_twist(60.0 - t) == pytest.approx(f, abs=1e-6)


@settings(max_examples=25, deadline=None)
@given(m=st.integers(0, 9), n=st.integers(1, 9), stacking=st.sampled_from(["2H", "3R"]))
def test_every_small_commensurate_bilayer(m, n, stacking):
    """Any (m, n) cell, either stacking: the measured twist is the construction angle and the
    lattice matrix has m^2 + mn + n^2 sites."""
    if m == n:
        return
    sites = m * m + m * n + n * n
    r = 1
    while r * r * sites < 16:  # the crystallinity gate needs 8 / N_Mo <= peak_sn = 1
        r += 1
    s, theta = twisted_bilayer(m, n, stacking=stacking, repeat=(r, r))
    res = _analyze(s)
    assert res.crystalline
    assert res.twist_deg == pytest.approx(theta, abs=1e-6)
    assert [ly.n_sites for ly in res.layers] == [r * r * sites] * 2
