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
