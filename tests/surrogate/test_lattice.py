"""Geometry of commensurate lattices: Hermite forms, reduction, orientation."""

from __future__ import annotations

import numpy as np
import pytest

from vdwgym.geometry import gauss_reduce
from vdwgym.geometry.hexagonal import TRIANGULAR_UNIT, hexagonal_box
from vdwgym.surrogate.lattice import hermite_forms, orientation_deg


def _sigma(n: int) -> int:
    return sum(d for d in range(1, n + 1) if n % d == 0)


def _rotation(deg: float) -> np.ndarray:
    t = np.radians(deg)
    return np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])


@pytest.mark.parametrize("n", [1, 7, 144, 147, 157])
def test_hermite_forms_count_is_sigma_and_index_is_n(n):
    H, sites = hermite_forms(n, n)
    assert len(H) == _sigma(n)
    assert (sites == n).all()
    assert (np.rint(np.linalg.det(H.astype(float))) == n).all()
    assert ((H[:, 0, 1] >= 0) & (H[:, 0, 1] < H[:, 1, 1]) & (H[:, 1, 0] == 0)).all()
    assert len({tuple(h.ravel()) for h in H}) == len(H)


def test_sigma_144_is_403():
    assert len(hermite_forms(144, 144)[0]) == 403


def test_gauss_reduce_keeps_the_lattice_and_reduces():
    rng = np.random.default_rng(1)
    base = hexagonal_box(1, 1, 3.16)[None].repeat(50, axis=0)
    U = rng.integers(-4, 5, size=(50, 2, 2))
    U = U[np.abs(np.rint(np.linalg.det(U))) == 1]
    skewed = U @ base[: len(U)]
    R = gauss_reduce(skewed)
    change = R @ np.linalg.inv(skewed)
    assert np.allclose(change, np.rint(change), atol=1e-9)
    assert np.allclose(np.abs(np.linalg.det(np.rint(change))), 1.0)
    n1 = np.einsum("ki,ki->k", R[:, 0], R[:, 0])
    n2 = np.einsum("ki,ki->k", R[:, 1], R[:, 1])
    dot = np.einsum("ki,ki->k", R[:, 0], R[:, 1])
    assert (n1 <= n2 + 1e-9).all() and (dot >= 0).all() and (dot <= n1 / 2 + 1e-9).all()
    assert np.allclose(n1, 3.16**2)


@pytest.mark.parametrize("deg", [0.0, 2.76, 8.21, 17.0, 29.5, -12.0])
def test_orientation_of_a_rotated_triangular_lattice(deg):
    T = (3.16 * TRIANGULAR_UNIT) @ _rotation(deg).T
    assert orientation_deg(T[None])[0] == pytest.approx(deg, abs=1e-9)


def test_orientation_is_basis_independent():
    T = (3.16 * TRIANGULAR_UNIT) @ _rotation(11.0).T
    U = np.array([[2, 1], [1, 1]])
    assert orientation_deg(gauss_reduce((U @ T)[None]))[0] == pytest.approx(11.0, abs=1e-9)


def test_commensurate_cell_formula_matches_a_candidate():
    """physics.md: L1 = m a1 + n a2 has cos(theta) = (m^2 + 4mn + n^2) / (2 (m^2 + mn + n^2));
    the (4, 9) cell (133 sites, 25.04 deg) is among the index-133 candidates of a box built
    on that cell, next to the aligned one (0 deg)."""
    m, n = 4, 9
    a = TRIANGULAR_UNIT
    cell = np.array([m * a[0] + n * a[1], -n * a[0] + (m + n) * a[1]])
    expected = np.degrees(np.arccos((m * m + 4 * m * n + n * n) / (2 * (m * m + m * n + n * n))))
    H, _ = hermite_forms(133, 133)
    lattices = gauss_reduce(np.linalg.inv(H.astype(float)).transpose(0, 2, 1) @ cell)
    lengths = np.linalg.norm(lattices, axis=2)
    triangular = np.all(np.abs(lengths - 1.0) < 1e-9, axis=1)
    assert triangular.any()
    twists = np.abs(orientation_deg(lattices[triangular]) - orientation_deg(a[None])[0]) % 60
    folded = np.sort(np.minimum(twists, 60 - twists))
    assert folded[0] == pytest.approx(0.0, abs=1e-9)
    assert folded[-1] == pytest.approx(expected, abs=1e-6)
