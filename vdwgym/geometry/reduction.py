"""Lagrange-Gauss reduction of 2D lattice bases, vectorised over stacks (the one reduction:
the analysis's neighbour search and the surrogate's lattice enumeration both use it).

Units: Angstrom; bases are stored as rows (``[a; b]``), stacks as ``k x 2 x 2``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["gauss_reduce", "reduce_cell2"]


def gauss_reduce(T: np.ndarray, max_iter: int = 200, acute: bool = True) -> np.ndarray:
    """Lagrange-Gauss reduction of a stack of 2D lattice bases (``k x 2 x 2``, rows are
    the vectors).  Returns the reduced bases (a new array), spanning the same lattices, with
    ``|b1| <= |b2|`` and ``|b1.b2| <= |b1|^2 / 2``; with ``acute`` also ``b1.b2 >= 0``
    (angle in [60, 90] deg: the basis that maps onto the triangular ``a1, a2`` pair)."""
    R = np.array(T, dtype=np.float64, copy=True)
    for _ in range(max_iter):
        n1 = np.einsum("ki,ki->k", R[:, 0], R[:, 0])
        n2 = np.einsum("ki,ki->k", R[:, 1], R[:, 1])
        swap = n2 < n1
        if swap.any():
            R[swap] = R[swap][:, ::-1]
            n1 = np.where(swap, n2, n1)
        m = np.rint(np.einsum("ki,ki->k", R[:, 0], R[:, 1]) / n1)
        if not m.any():
            break
        R[:, 1] -= m[:, None] * R[:, 0]
    if acute:
        negative = np.einsum("ki,ki->k", R[:, 0], R[:, 1]) < 0
        R[negative, 1] *= -1.0
    return R


def reduce_cell2(cell2: np.ndarray) -> np.ndarray:
    """One ``2 x 2`` in-plane box (rows = vectors, Angstrom) through :func:`gauss_reduce`
    (``acute=False``): the returned rows span the same lattice with ``|b . a| <= |a|^2 / 2``
    and ``|a| <= |b|``."""
    return gauss_reduce(np.asarray(cell2, dtype=np.float64)[None], acute=False)[0]
