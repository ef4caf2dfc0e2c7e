"""Structure-factor orientation: the primary twist method."""

import math

import numpy as np
import pytest
from analysis_cases import DEFORMATIONS, TWIST_CASES, build

from vdwgym.analysis.layers import split_layers
from vdwgym.analysis.structure_factor import (
    polar_angle_deg,
    sf_orientation,
    structure_factor,
)
from vdwgym.outcome import fold_twist
from vdwgym.structures import mx2_bilayer, twisted_bilayer
from vdwgym.testing.disorder import amorphize_layer


def _layers_mo(s):
    split = split_layers(s.positions[:, 2], s.types == 1)
    return [s.positions[(split.labels == k) & (s.types == 1), :2] for k in (0, 1)]


def test_structure_factor_of_perfect_lattice_is_one_at_bragg_peaks():
    s = mx2_bilayer(6, 6)
    xy = s.positions[(s.layer == 0) & (s.types == 1), :2]
    g0 = 4 * math.pi / (math.sqrt(3) * 3.16)
    G = g0 * np.array([[math.cos(math.radians(a)), math.sin(math.radians(a))]
                       for a in (30, 90, 150)])
    assert structure_factor(xy, G) == pytest.approx(1.0)
    b = 2 * np.pi * np.linalg.inv(s.cell[:2, :2]).T  # box reciprocal rows: not Bragg peaks
    assert structure_factor(xy, b) == pytest.approx(0.0, abs=1e-20)


@pytest.mark.parametrize("deformation", DEFORMATIONS)
@pytest.mark.parametrize("mn", TWIST_CASES)
def test_twist_within_005_deg_on_disordered_bilayers(mn, deformation):
    """0.15 A noise, 8 % vacancies, an 8 A amorphous patch and debris; hexagonal, strained
    and sheared boxes: the folded difference of the layer orientations is the construction
    twist within 0.05 degrees."""
    s, expected = build(mn, deformation, seed=hash((mn, str(deformation))) % 2**32)
    bottom, top = (sf_orientation(xy, s.cell) for xy in _layers_mo(s))
    assert bottom.crystalline and top.crystalline
    twist = fold_twist(top.orientation_deg - bottom.orientation_deg)
    assert twist == pytest.approx(expected, abs=0.05)
    # each layer's own orientation matches its construction too
    for res, want in zip((bottom, top), s.info["layer_orientation_deg"], strict=True):
        assert fold_twist(res.orientation_deg - want) < 0.05


@pytest.mark.parametrize("mn", [(1, 11), (3, 8), (6, 7)])
def test_lattice_matrix_gives_the_box(mn):
    s, _ = twisted_bilayer(*mn)
    n_sites = mn[0] ** 2 + mn[0] * mn[1] + mn[1] ** 2
    for xy in _layers_mo(s):
        res = sf_orientation(xy, s.cell)
        assert res.commensurate and res.n_sites == n_sites
        M = np.asarray(res.lattice_matrix)
        # layer rows from the peaks; M @ layer_rows must be the box
        Gm = res.peaks[:2]
        layer_rows = 2 * np.pi * np.linalg.inv(Gm).T
        assert np.allclose(M @ layer_rows, s.cell[:2, :2], atol=1e-6)
        assert res.lattice_constant == pytest.approx(3.16, abs=1e-6)


def test_amorphous_layer_is_not_crystalline(rng):
    s, _ = twisted_bilayer(5, 8)
    s = amorphize_layer(s, rng)
    bottom, top = (sf_orientation(xy, s.cell) for xy in _layers_mo(s))
    assert bottom.crystalline and bottom.peak_sn > 0.99
    assert not top.crystalline and top.peak_sn < 0.1


def test_incommensurate_layer_is_refined_off_grid():
    """A layer that is not periodic in the box (rotated by 3.3 deg about the centre, cut to
    a disk): its peaks fall between box reciprocal points, and the refined peaks recover
    the rotation to within 0.05 deg."""
    cell = mx2_bilayer(20, 20).cell
    a = 3.16
    i, j = np.meshgrid(np.arange(-30, 31), np.arange(-30, 31), indexing="ij")
    pts = np.column_stack([i.ravel(), j.ravel()]) @ np.array([[a, 0], [a / 2, a * math.sqrt(3) / 2]])
    pts = pts[np.linalg.norm(pts, axis=1) < 25.0]
    t = math.radians(3.3)
    pts = pts @ np.array([[math.cos(t), math.sin(t)], [-math.sin(t), math.cos(t)]])
    pts += cell[:2, :2].sum(axis=0) / 2
    res = sf_orientation(pts, cell)
    assert not res.commensurate and res.lattice_matrix is None
    assert res.crystalline
    assert fold_twist(res.orientation_deg - 3.3) < 0.05
    grid_only = sf_orientation(pts, cell, refine=False)
    assert grid_only.peak_sn < res.peak_sn


def test_polar_angle_of_rotation_and_stretch():
    t = math.radians(12.0)
    R = np.array([[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]])
    U = np.array([[1.05, 0.03], [0.03, 0.98]])
    assert polar_angle_deg(R @ U) == pytest.approx(12.0)
