"""Geometry of commensurate hexagonal layers in a periodic box.

Conventions (as in :mod:`vdwgym.geometry.strain`): lattices and boxes are ``2 x 2`` arrays whose
rows are the in-plane vectors, in Angstrom; stacks of them are ``k x 2 x 2``.

A layer periodic in the box ``B`` (rows ``L1, L2``) has a lattice ``T`` with
``B = M T`` for an integer ``M`` and ``N = |det M|`` sites.  Its reciprocal lattice is an
index-``N`` sublattice of the box's reciprocal lattice; those sublattices are exactly the
row Hermite normal forms ``H = [[p, q], [0, r]]`` (``p r = N``, ``0 <= q < r``) acting on
the box's reciprocal rows, which gives ``T = H^-T B`` and ``M = H^T``.  There are
``sigma(N)`` (the sum of the divisors of ``N``) of them for each ``N``.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "hermite_forms",
    "orientation_deg",
]


def hermite_forms(n_min: int, n_max: int) -> tuple[np.ndarray, np.ndarray]:
    """All row Hermite normal forms ``[[p, q], [0, r]]`` with ``p r = N``, ``0 <= q < r``,
    for ``n_min <= N <= n_max``.

    Returns ``(H, N)``: ``H`` is ``k x 2 x 2`` int64 and ``N`` the length-``k`` site counts.
    """
    forms: list[tuple[int, int, int]] = []
    sites: list[int] = []
    for n in range(int(n_min), int(n_max) + 1):
        for p in range(1, n + 1):
            if n % p:
                continue
            r = n // p
            forms.extend((p, q, r) for q in range(r))
            sites.extend([n] * r)
    f = np.array(forms, dtype=np.int64).reshape(-1, 3)
    H = np.zeros((len(f), 2, 2), dtype=np.int64)
    H[:, 0, 0], H[:, 0, 1], H[:, 1, 1] = f[:, 0], f[:, 1], f[:, 2]
    return H, np.array(sites, dtype=np.int64)


def orientation_deg(T: np.ndarray) -> np.ndarray:
    """Orientation in degrees, in ``(-30, 30]``, of near-triangular lattices ``T``
    (``k x 2 x 2`` reduced bases as from :func:`vdwgym.geometry.gauss_reduce`).

    Measured as the structure-factor analysis does: the six first-shell reciprocal
    vectors ``+-k1, +-k2, +-(k1 + k2)``, their six-fold circular mean angle, minus 30 deg
    (a real-space ``a1`` along x gives 0).  Returns a length-``k`` array.
    """
    K = np.linalg.inv(T).transpose(0, 2, 1)
    shell = (K[:, 0], K[:, 1], K[:, 0] + K[:, 1])
    z = np.zeros(len(K), dtype=np.complex128)
    for v in shell:
        w = v[:, 0] + 1j * v[:, 1]
        z += (w / np.abs(w)) ** 6
    return np.degrees(np.angle(-z)) / 6.0
