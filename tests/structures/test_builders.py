"""The bilayer builders: geometry, commensurability, deformation."""

import math

import numpy as np
import pytest
from scipy.spatial import cKDTree

from vdwgym.errors import ValidationError
from vdwgym.structures import Structure, commensurate_angle, mx2_bilayer, twisted_bilayer


def _periodic_min_distance(s: Structure) -> float:
    c = s.cell
    images = [i * c[0] + j * c[1] for i in (-1, 0, 1) for j in (-1, 0, 1)]
    tree = cKDTree(np.vstack([s.positions + v for v in images]))
    d, _ = tree.query(s.positions, k=2)
    return float(d[:, 1].min())


def test_mx2_bilayer_counts_and_layout():
    s = mx2_bilayer()
    assert len(s) == 864
    assert np.sum(s.types == 1) == 288 and np.sum(s.types == 2) == 576
    assert np.sum(s.layer == 0) == np.sum(s.layer == 1) == 432
    z_mo = sorted(set(np.round(s.positions[s.types == 1, 2], 6)))
    assert z_mo == pytest.approx([3.0, 9.15])
    assert s.positions[:, 2].min() > 0.0 and s.positions[:, 2].max() < 12.0
    assert s.cell[0, 1] == s.cell[0, 2] == s.cell[1, 2] == 0.0
    # Mo-S bond sqrt(a^2/3 + 1.56^2)
    assert _periodic_min_distance(s) == pytest.approx(math.hypot(3.16 / math.sqrt(3), 1.56))


@pytest.mark.parametrize("stacking", ["2H", "3R"])
def test_stacking_registry(stacking):
    s = mx2_bilayer(4, 4, stacking=stacking)
    bottom_s = s.positions[(s.layer == 0) & (s.types == 2), :2]
    top_mo = s.positions[(s.layer == 1) & (s.types == 1), :2]
    top_s = s.positions[(s.layer == 1) & (s.types == 2), :2]
    bottom_mo = s.positions[(s.layer == 0) & (s.types == 1), :2]
    inv = np.linalg.inv(s.cell[:2, :2])

    def over(p, q):  # every p has an in-plane image of some q on top of it
        d = (p[:, None, :] - q[None, :, :]) @ inv
        d -= np.round(d)
        return np.all(np.min(np.linalg.norm(d @ s.cell[:2, :2], axis=2), axis=1) < 1e-8)

    assert over(top_mo, bottom_s)
    assert over(top_s, bottom_mo) == (stacking == "2H")


@pytest.mark.parametrize("m,n,angle", [(1, 11, 8.61), (5, 8, 15.18), (4, 9, 25.04),
                                       (6, 7, 5.09), (3, 8, 29.41)])
def test_twisted_bilayer_angle_count_and_periodicity(m, n, angle):
    s, theta = twisted_bilayer(m, n)
    assert theta == pytest.approx(angle, abs=0.005)
    assert theta == pytest.approx(s.info["twist_deg"], abs=1e-9)
    sites = m * m + m * n + n * n
    for layer in (0, 1):
        assert np.sum((s.layer == layer) & (s.types == 1)) == sites
    # both layers periodic in the box: no overlapping atoms across the boundaries
    assert _periodic_min_distance(s) > 2.39
    f = s.fractional()
    assert np.all((f[:, :2] > -1e-9) & (f[:, :2] < 1 - 1e-9))
    assert s.cell[0, 1] == 0.0 and s.cell[1, 1] > 0


def test_commensurate_angle_small_twist():
    assert commensurate_angle(16, 17) == pytest.approx(2.0046, abs=1e-3)


def test_deformed_keeps_fractional_coordinates_and_twist():
    s, theta = twisted_bilayer(5, 8)
    d = s.deformed(0.03, 0.056, "engineering")
    assert np.allclose(d.fractional(), s.fractional())
    assert d.cell[0, 0] == pytest.approx(1.03 * s.cell[0, 0])
    assert d.cell[1, 0] == pytest.approx(1.03 * s.cell[1, 0] + 0.056 * 1.03 * s.cell[1, 1])
    assert d.info["twist_deg"] == pytest.approx(theta, abs=1e-9)
    assert d.info["layer_orientation_deg"] != pytest.approx(s.info["layer_orientation_deg"])


def test_bad_input_names_the_field():
    with pytest.raises(ValidationError, match="stacking"):
        mx2_bilayer(stacking="1T")
    with pytest.raises(ValidationError, match="nx"):
        mx2_bilayer(nx=0)
    with pytest.raises(ValidationError, match=r"\(m, n\)"):
        twisted_bilayer(3, 3)


def test_reduced_box_is_the_same_crystal():
    s = mx2_bilayer(6, 6).deformed(0.0, 0.2)
    r = s.reduced()
    assert abs(r.cell[1, 0]) <= r.cell[0, 0] / 2 + 1e-9
    assert abs(np.linalg.det(r.cell)) == pytest.approx(abs(np.linalg.det(s.cell)))
    assert _periodic_min_distance(r) == pytest.approx(_periodic_min_distance(s))
