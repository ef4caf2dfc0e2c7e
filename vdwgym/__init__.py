"""vdwgym: a virtual lab for autonomous van der Waals epitaxy."""

from vdwgym.errors import ValidationError, VdwgymError
from vdwgym.outcome import Outcome, Status, fold_twist
from vdwgym.space import PAPER_SPACE, Dimension, ParameterSpace, Recipe

__version__ = "0.1.0"

__all__ = [
    "Dimension", "Outcome", "PAPER_SPACE", "ParameterSpace", "Recipe", "Status",
    "ValidationError", "VdwgymError", "fold_twist", "__version__",
]

import vdwgym.envs  # noqa: E402,F401  (registers vdwgym/Recrystallization-v0)
