"""2H against 3R for aligned bilayers (vdwgym/analysis/stacking.py)."""

import numpy as np
import pytest

from vdwgym.analysis import analyze_frame
from vdwgym.structures import mx2_bilayer, twisted_bilayer
from vdwgym.testing.disorder import add_noise


@pytest.mark.parametrize("kind", ["2H", "3R"])
def test_aligned_bilayers_report_their_stacking(kind):
    s = add_noise(mx2_bilayer(8, 8, stacking=kind), 0.1, np.random.default_rng(3))
    res = analyze_frame(s.positions, s.types, s.cell)
    assert res.twist_deg == pytest.approx(0.0, abs=0.5)
    assert res.stacking == kind
    expected = 60.0 if kind == "2H" else 0.0
    assert res.trigonal_offset_deg == pytest.approx(expected, abs=5.0)
    assert res.to_dict()["stacking"] == kind


def test_twisted_bilayer_has_no_stacking_label():
    s, theta = twisted_bilayer(5, 8)
    res = analyze_frame(s.positions, s.types, s.cell)
    assert res.twist_deg == pytest.approx(theta, abs=0.05)
    assert res.stacking is None and res.trigonal_offset_deg is None
