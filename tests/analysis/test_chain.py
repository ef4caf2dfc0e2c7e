"""The paper's Algorithm 1 (chain walk)."""

import numpy as np
import pytest

from vdwgym.analysis.chain import chain_twist, chain_walk
from vdwgym.structures import twisted_bilayer
from vdwgym.testing.disorder import add_noise


def _mo(s, layer):
    return s.positions[(s.layer == layer) & (s.types == 1), :2]


@pytest.mark.parametrize("mn", [(1, 11), (5, 8), (4, 9), (6, 7), (3, 8)])
def test_exact_on_perfect_bilayers(mn):
    s, theta = twisted_bilayer(*mn)
    rng = np.random.default_rng(0)
    walks = [chain_walk(_mo(s, k), s.cell, rng) for k in (0, 1)]
    assert all(w.n_ghosts == 0 for w in walks)
    assert chain_twist(*walks) == pytest.approx(theta, abs=1e-6)
    # the walk is straight along a lattice direction, 30 steps of length a
    steps = np.diff(walks[0].path, axis=0)
    assert np.linalg.norm(steps, axis=1) == pytest.approx(3.16)


def test_vacancy_on_the_path_gets_a_ghost_atom():
    s, _ = twisted_bilayer(5, 8)
    xy = _mo(s, 0)
    rng = np.random.default_rng(1)
    walk = chain_walk(xy, s.cell, rng, start=10)
    assert walk.n_ghosts == 0
    inv = np.linalg.inv(s.cell[:2, :2])
    d = (xy - walk.path[5]) @ inv
    d -= np.round(d)
    hole = int(np.argmin(np.linalg.norm(d @ s.cell[:2, :2], axis=1)))
    assert hole != 10
    holed = np.delete(xy, hole, axis=0)
    walk2 = chain_walk(holed, s.cell, rng, start=10 if hole > 10 else 9)
    assert walk2.n_ghosts == 1
    assert np.allclose(walk2.path, walk.path)
    assert walk2.direction_deg == pytest.approx(walk.direction_deg, abs=1e-9)


def test_noise_bends_the_chain_but_stays_near():
    s, theta = twisted_bilayer(1, 11)
    s = add_noise(s, 0.1, np.random.default_rng(2))
    rng = np.random.default_rng(3)
    walks = [chain_walk(_mo(s, k), s.cell, rng) for k in (0, 1)]
    assert chain_twist(*walks) == pytest.approx(theta, abs=1.0)
