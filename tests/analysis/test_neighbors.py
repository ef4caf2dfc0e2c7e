"""Periodic neighbour search in triclinic boxes."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vdwgym.analysis.neighbors import periodic_pairs
from vdwgym.errors import AnalysisError
from vdwgym.geometry import reduce_cell2


def _brute(pos, cell, cutoff):
    out = set()
    for i in range(len(pos)):
        for j in range(len(pos)):
            for a in range(-3, 4):
                for b in range(-3, 4):
                    d = pos[j] + a * cell[0] + b * cell[1] - pos[i]
                    r = np.linalg.norm(d)
                    if 1e-12 < r < cutoff:
                        out.add((i, j, round(r, 6)))
    return out


@settings(max_examples=25, deadline=None)
@given(tilt=st.floats(-25.0, 25.0), seed=st.integers(0, 2**31 - 1))
def test_pairs_match_brute_force_in_sheared_boxes(tilt, seed):
    rng = np.random.default_rng(seed)
    cell = np.array([[11.0, 0, 0], [tilt, 10.0, 0], [0, 0, 12.0]])
    f = rng.random((25, 3))
    f[:, 2] *= 0.3
    pos = f @ cell
    i, j, vec = periodic_pairs(pos, cell, 3.5)
    got = {(a, b, round(float(np.linalg.norm(v)), 6)) for a, b, v in zip(i, j, vec, strict=True)}
    assert got == _brute(pos, cell, 3.5)


def test_reduction_spans_same_lattice():
    c = np.array([[10.0, 0.0], [37.0, 8.0]])
    r = reduce_cell2(c)
    m = np.linalg.solve(c.T, r.T).T
    assert np.allclose(m, np.round(m)) and abs(round(np.linalg.det(m))) == 1
    assert abs(r[0] @ r[1]) <= 0.5 * r[0] @ r[0] + 1e-9


def test_cutoff_larger_than_box_is_refused():
    with pytest.raises(AnalysisError, match="cutoff"):
        periodic_pairs(np.zeros((2, 3)), np.diag([4.0, 4.0, 10.0]), 5.0)


def _as_set(i, j, vec):
    return {(int(a), int(b), round(float(np.linalg.norm(v)), 9)) for a, b, v in zip(i, j, vec, strict=True)}


def test_one_pair_set_gives_what_each_separate_search_gives():
    """The analyzer's shared searches (PairSet) against periodic_pairs / periodic_pair_count
    on the subsets each analysis used to search on its own."""
    from vdwgym.analysis.neighbors import PairSet, periodic_pair_count
    from vdwgym.structures import twisted_bilayer
    from vdwgym.testing.disorder import add_noise

    s, _ = twisted_bilayer(3, 4)
    s = add_noise(s.deformed(0.02, 0.05), 0.2, np.random.default_rng(5))
    metal = np.flatnonzero(s.types == 1)
    planar = PairSet.search(s.positions[:, :2], s.cell, 4.3, metal)
    for k in (0, 1):
        mo = np.flatnonzero((s.layer == k) & (s.types == 1))
        sx = np.flatnonzero((s.layer == k) & (s.types == 2))
        assert _as_set(*planar.among(mo, 4.3)) == _as_set(*periodic_pairs(s.positions[mo, :2], s.cell, 4.3))
        full = PairSet.search(s.positions, s.cell, 2.8)
        i, j, vec = periodic_pairs(np.vstack([s.positions[mo], s.positions[sx]]), s.cell, 2.8)
        bond = (i < len(mo)) & (j >= len(mo))
        got = _as_set(*full.among(mo, 2.8, partners=sx))
        assert got == _as_set(i[bond], j[bond], vec[bond]) and len(got) > 0
    radii = np.array([2.4, 2.5, 2.8])
    assert full.count_within(radii).tolist() == periodic_pair_count(s.positions, s.cell, radii).tolist()
    with pytest.raises(ValueError):
        full.count_within([3.0])
