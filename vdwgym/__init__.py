"""vdwgym: a virtual lab for autonomous van der Waals epitaxy."""

from vdwgym.errors import ValidationError, VdwgymError
from vdwgym.outcome import Outcome, Status, fold_twist
from vdwgym.space import PAPER_SPACE, Dimension, ParameterSpace, Recipe

__version__ = "0.1.0"

__all__ = [
    "Dimension", "Outcome", "PAPER_SPACE", "ParameterSpace", "Recipe", "Status",
    "ValidationError", "VdwgymError", "fold_twist", "__version__",
]

from vdwgym.gym_registration import register_on_gymnasium_import  # noqa: E402

# vdwgym/Recrystallization-v0 is registered when gymnasium is (or already was) imported, so
# ``import vdwgym`` itself loads neither gymnasium nor torch (a worker process needs neither).
register_on_gymnasium_import()
