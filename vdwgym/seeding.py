"""Seeds: one root seed per campaign, split with ``numpy.random.SeedSequence`` per part.

Streams (spawn keys) are fixed, so two agents run on the same root seed see the identical
initial design and the identical lab randomness, whatever order their evaluations finish in:
evaluation ``i`` of a campaign always gets :func:`evaluation_seed(root, i)`.
"""

from __future__ import annotations

import numpy as np

from vdwgym.errors import ValidationError

__all__ = ["STREAMS", "check_seed", "evaluation_seed", "stream"]

STREAMS = {"design": 0, "agent": 1, "lab": 2, "env": 3, "md": 4}


def stream(root: int, name: str) -> np.random.SeedSequence:
    """The SeedSequence of one part of a campaign (``"design"``, ``"agent"``, ...)."""
    return np.random.SeedSequence([int(root), STREAMS[name]])


def evaluation_seed(root: int, index: int) -> int:
    """The seed of evaluation ``index`` (0-based) of the campaign with root seed ``root``:
    an integer in ``[0, 2**63)``."""
    lo, hi = np.random.SeedSequence([int(root), STREAMS["lab"], int(index)]).generate_state(2)
    return (int(hi) << 31) ^ int(lo)


def check_seed(seed: object) -> int:
    """``seed`` as an int if it is an integer in ``[0, 2**63)`` (the range of
    :func:`evaluation_seed`), else :class:`~vdwgym.errors.ValidationError`."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= int(seed) < 2**63:
        raise ValidationError("seed", "an integer in [0, 2**63)", seed)
    return int(seed)
