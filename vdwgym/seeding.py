"""Seeds: one root seed per campaign, split with ``numpy.random.SeedSequence`` per part.

Streams (spawn keys) are fixed, so two agents run on the same root seed see the identical
initial design and the identical lab randomness, whatever order their evaluations finish in:
evaluation ``i`` of a campaign always gets :func:`evaluation_seed(root, i)`.

Every seed, a campaign's root seed and each evaluation's, is an integer in
``[0, 2**63)`` (:data:`SEED_BOUND`, checked by :func:`check_seed`): that is the range
:func:`evaluation_seed` draws from and what the store's SQLite ``INTEGER`` (signed 64-bit)
holds; LAMMPS gets its own velocity seeds derived from it.
"""

from __future__ import annotations

import numpy as np

from vdwgym.errors import ValidationError

__all__ = ["MAX_SEED", "SEED_BOUND", "STREAMS", "check_seed", "evaluation_seed", "stream"]

#: Seeds are integers below this (and >= 0).
MAX_SEED = 2**63
SEED_BOUND = "an integer in [0, 2**63)"

STREAMS = {"design": 0, "agent": 1, "lab": 2, "env": 3, "md": 4}


def stream(root: int, name: str) -> np.random.SeedSequence:
    """The SeedSequence of one part of a campaign (``"design"``, ``"agent"``, ...)."""
    return np.random.SeedSequence([int(root), STREAMS[name]])


def evaluation_seed(root: int, index: int) -> int:
    """The seed of evaluation ``index`` (0-based) of the campaign with root seed ``root``:
    an integer in ``[0, 2**63)``."""
    lo, hi = np.random.SeedSequence([int(root), STREAMS["lab"], int(index)]).generate_state(2)
    return (int(hi) << 31) ^ int(lo)


def check_seed(seed: object, field: str = "seed") -> int:
    """``seed`` as a Python int if it is an integer (not a bool) in ``[0, 2**63)``, else
    :class:`~vdwgym.errors.ValidationError` naming ``field``."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) \
            or not 0 <= int(seed) < MAX_SEED:
        raise ValidationError(field, SEED_BOUND, seed)
    return int(seed)
