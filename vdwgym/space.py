"""Recipes and the parameter space they live in.

A *recipe* is one set of recrystallization drivers.  The paper's three are

=================  ===========  ===============  =========================================
field              unit         default bounds   meaning
=================  ===========  ===============  =========================================
``temperature_K``  K            [1300, 3200]     annealing (rapid-heating) temperature
``lattice_strain`` fraction     [0, 0.05]        in-plane rescale of x and y by (1 + eps)
``shear_strain``   fraction     [0.055, 0.0575]  in-plane shear of the box (see ``shear``)
=================  ===========  ===============  =========================================

Strains are fractions: 0.015 means 1.5 %.  More drivers (pressure, quench rate, ...) can be
added as further :class:`Dimension` objects; every map below works for any dimension ``d``.

Bounds are closed, with a tolerance for round-off: a value at most
:data:`BOUND_RTOL` times the dimension's span past a bound (``1.9e-3`` K for temperature,
``2.5e-9`` for shear strain in the paper's space) is clipped to the bound, not refused, and
:meth:`ParameterSpace.clips` names what was clipped.  Anything further out is refused.

Array conventions (as in BoTorch): a batch of recipes is an array of shape ``n x d`` in
physical units, in the order of :attr:`ParameterSpace.names`; ``unit`` arrays live in
``[0, 1]^d`` and ``action`` arrays in ``[-1, 1]^d``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from vdwgym.errors import ConfigError, ValidationError

__all__ = ["Dimension", "ParameterSpace", "Recipe", "PAPER_SPACE", "BOUND_RTOL"]

BOUND_RTOL = 1e-6
"""Tolerance past a bound, as a fraction of the dimension's span: values within it are
clipped to the bound (float32 round-off of ``0.0575`` is 4e-7 of the shear span)."""

OBJECTIVE = "regret_deg"
"""The VOCS objective name of :meth:`ParameterSpace.to_vocs` (minimized)."""

OBSERVABLES = ("twist_deg", "order", "failed")
"""The VOCS observables of :meth:`ParameterSpace.to_vocs`."""


@dataclass(frozen=True)
class Dimension:
    """One recipe driver: a name, closed bounds ``[low, high]`` and a unit."""

    name: str
    low: float
    high: float
    unit: str = ""
    description: str = ""

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise ValidationError("dimension.name", "a Python identifier", self.name)
        for which, v in (("low", self.low), ("high", self.high)):
            if not math.isfinite(float(v)):
                raise ValidationError(f"{self.name}.{which}", "a finite number", v)
        if not float(self.low) < float(self.high):
            raise ValidationError(f"{self.name}.high", f"> low = {self.low}", self.high)

    @property
    def tolerance(self) -> float:
        """How far past a bound a value is clipped instead of refused (:data:`BOUND_RTOL`)."""
        return BOUND_RTOL * (float(self.high) - float(self.low))

    @property
    def bound_text(self) -> str:
        unit = f" {self.unit}" if self.unit and self.unit != "fraction" else ""
        return f"[{self.low:g}, {self.high:g}]{unit}"


class Recipe(Mapping[str, float]):
    """One recrystallization recipe: an immutable, ordered mapping ``name -> float``.

    The paper's fields are also attributes: ``recipe.temperature_K``,
    ``recipe.lattice_strain``, ``recipe.shear_strain``.  A Recipe is not validated on its
    own; :meth:`ParameterSpace.validate` checks it against bounds.
    """

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, float] | None = None, **fields: float) -> None:
        merged = dict(values or {})
        merged.update(fields)
        object.__setattr__(self, "_values", {str(k): float(v) for k, v in merged.items()})

    def __getitem__(self, key: str) -> float:
        return self._values[key]

    def __iter__(self):
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __getattr__(self, name: str) -> float:
        try:
            return object.__getattribute__(self, "_values")[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Recipe is immutable")

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Recipe):
            return self._values == other._values
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self._values.items()))

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v:.6g}" for k, v in self._values.items())
        return f"Recipe({inner})"

    def to_dict(self) -> dict[str, float]:
        return dict(self._values)

    def __reduce__(self):
        return (Recipe, (self._values,))


class ParameterSpace:
    """Bounds, units, validation and unit-cube maps for recipes.

    Parameters
    ----------
    dimensions:
        The drivers, in array order.  Defaults to the paper's three (see module docstring).
    """

    def __init__(self, dimensions: Sequence[Dimension] | None = None) -> None:
        dims = tuple(dimensions) if dimensions is not None else PAPER_DIMENSIONS
        if not dims:
            raise ValidationError("dimensions", "at least one dimension", dims)
        names = [d.name for d in dims]
        if len(set(names)) != len(names):
            raise ValidationError("dimensions", "unique names", names)
        self.dimensions: tuple[Dimension, ...] = dims

    # ------------------------------------------------------------------ description
    @property
    def names(self) -> tuple[str, ...]:
        return tuple(d.name for d in self.dimensions)

    @property
    def d(self) -> int:
        """Number of dimensions."""
        return len(self.dimensions)

    @property
    def bounds(self) -> np.ndarray:
        """``2 x d`` array: row 0 lower bounds, row 1 upper bounds (BoTorch layout)."""
        return np.array([[d.low for d in self.dimensions], [d.high for d in self.dimensions]])

    def with_bounds(self, **bounds: tuple[float, float]) -> ParameterSpace:
        """A copy with some dimensions' bounds replaced: ``with_bounds(temperature_K=(1500, 3000))``."""
        unknown = set(bounds) - set(self.names)
        if unknown:
            raise ValidationError("bounds", f"names among {self.names}", sorted(unknown))
        dims = [
            Dimension(d.name, *map(float, bounds[d.name]), d.unit, d.description)
            if d.name in bounds
            else d
            for d in self.dimensions
        ]
        return ParameterSpace(dims)

    def to_dict(self) -> dict:
        return {
            "dimensions": [
                {"name": d.name, "low": d.low, "high": d.high, "unit": d.unit,
                 "description": d.description}
                for d in self.dimensions
            ]
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> ParameterSpace:
        try:
            dims = [Dimension(**dict(item)) for item in data["dimensions"]]
        except (KeyError, TypeError) as exc:
            raise ValidationError("space.dimensions", "a list of {name, low, high, unit}", data) from exc
        return cls(dims)

    def to_vocs(self):
        """The space as a gest-api ``VOCS`` (needs the ``gest`` extra): one continuous
        variable per dimension (its bounds), the objective ``regret_deg`` (MINIMIZE, deg)
        and the observables ``twist_deg``, ``order`` and ``failed`` (1.0 for an evaluation
        that gave no twist, else 0.0)."""
        try:
            from gest_api.vocs import VOCS
        except ModuleNotFoundError as exc:
            raise ConfigError(f"to_vocs needs the gest extra (pip install 'vdwgym[gest]'): {exc}") from exc
        return VOCS(variables={d.name: [float(d.low), float(d.high)] for d in self.dimensions},
                    objectives={OBJECTIVE: "MINIMIZE"}, observables=list(OBSERVABLES))

    @classmethod
    def from_vocs(cls, vocs) -> ParameterSpace:
        """The continuous variables of a gest-api ``VOCS`` as a space (no units)."""
        dims = []
        for name, var in vocs.variables.items():
            domain = getattr(var, "domain", None)
            if domain is None:
                raise ValidationError(f"vocs.variables.{name}", "a continuous variable [low, high]", var)
            dims.append(Dimension(name, float(domain[0]), float(domain[1])))
        return cls(dims)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ParameterSpace) and self.dimensions == other.dimensions

    def __hash__(self) -> int:
        return hash(self.dimensions)

    def __repr__(self) -> str:
        inner = ", ".join(f"{d.name} in {d.bound_text}" for d in self.dimensions)
        return f"ParameterSpace({inner})"

    # ------------------------------------------------------------------ validation
    def validate(self, x: Recipe | Mapping[str, float] | Sequence[float] | np.ndarray) -> Recipe:
        """Check one recipe against the space and return it as a :class:`Recipe`.

        Accepts a Recipe, a mapping with exactly the space's names, or a length-``d``
        sequence in :attr:`names` order.  Raises :class:`ValidationError` naming the
        field, the bound and the value for a missing or unknown field, a non-number,
        NaN, an infinity, a value out of bounds, or the wrong shape.
        """
        if isinstance(x, Mapping):
            keys = set(x)
            missing = [n for n in self.names if n not in keys]
            if missing:
                raise ValidationError(missing[0], f"a value in {self._dim(missing[0]).bound_text}", None,
                                      "missing field")
            extra = sorted(keys - set(self.names))
            if extra:
                raise ValidationError(extra[0], f"one of the fields {list(self.names)}", x[extra[0]],
                                      "unknown field")
            raw = [x[n] for n in self.names]
        else:
            arr = np.asarray(x, dtype=object)
            if arr.shape != (self.d,):
                raise ValidationError("recipe", f"shape ({self.d},) in order {list(self.names)}",
                                      np.shape(x))
            raw = list(arr)
        values = {}
        for dim, v in zip(self.dimensions, raw, strict=True):
            values[dim.name] = self._check_value(dim, v)
        return Recipe(values)

    def validate_array(self, X: np.ndarray | Sequence[Sequence[float]]) -> np.ndarray:
        """Validate an ``n x d`` array of recipes (physical units); returns float64 ``n x d``."""
        try:
            arr = np.asarray(X, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValidationError("recipes", f"an n x {self.d} array of numbers", X) from exc
        if arr.ndim == 1 and arr.shape[0] == self.d:
            arr = arr[None, :]
        if arr.ndim != 2 or arr.shape[1] != self.d:
            raise ValidationError("recipes", f"shape (n, {self.d})", arr.shape)
        lo, hi = self.bounds
        tol = np.array([d.tolerance for d in self.dimensions])
        bad = ~np.isfinite(arr) | (arr < lo - tol) | (arr > hi + tol)
        if bad.any():
            i, j = np.argwhere(bad)[0]
            dim = self.dimensions[j]
            raise ValidationError(f"recipes[{i}].{dim.name}", dim.bound_text, float(arr[i, j]))
        return np.clip(arr, lo, hi)

    def clips(self, given: Mapping[str, float], used: Mapping[str, float]) -> list[dict[str, object]]:
        """What validation clipped: ``[{"field", "given", "used"}]`` for each field of
        ``given`` (as sent) whose value differs from ``used`` (the validated recipe)."""
        return [{"field": n, "given": float(given[n]), "used": float(used[n])}
                for n in self.names if n in given and isinstance(given[n], (int, float))
                and float(given[n]) != float(used[n])]

    def _dim(self, name: str) -> Dimension:
        return self.dimensions[self.names.index(name)]

    @staticmethod
    def _check_value(dim: Dimension, v: object) -> float:
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
            raise ValidationError(dim.name, f"a number in {dim.bound_text}", v)
        f = float(v)
        if not math.isfinite(f):
            raise ValidationError(dim.name, f"a finite number in {dim.bound_text}", v)
        tol = dim.tolerance
        if f < dim.low - tol or f > dim.high + tol:
            raise ValidationError(dim.name, dim.bound_text, f,
                                  f"values up to {tol:.3g} past a bound are clipped to it")
        return min(max(f, float(dim.low)), float(dim.high))

    # ------------------------------------------------------------------ maps
    def to_array(self, recipes: Iterable[Recipe | Mapping[str, float]]) -> np.ndarray:
        """``n x d`` physical array from validated recipes."""
        rows = [[self.validate(r)[n] for n in self.names] for r in recipes]
        return np.array(rows, dtype=np.float64).reshape(-1, self.d)

    def to_recipes(self, X: np.ndarray) -> list[Recipe]:
        """Validated :class:`Recipe` list from an ``n x d`` physical array."""
        arr = self.validate_array(X)
        return [Recipe(dict(zip(self.names, map(float, row), strict=True))) for row in arr]

    def to_unit(self, X: np.ndarray) -> np.ndarray:
        """Physical ``... x d`` -> unit cube ``... x d`` (no validation, no clipping)."""
        lo, hi = self.bounds
        return (np.asarray(X, dtype=np.float64) - lo) / (hi - lo)

    def from_unit(self, U: np.ndarray) -> np.ndarray:
        """Unit cube ``... x d`` -> physical ``... x d``; clipped to the bounds so that
        round-off never produces an out-of-bounds recipe."""
        lo, hi = self.bounds
        return np.clip(lo + np.asarray(U, dtype=np.float64) * (hi - lo), lo, hi)

    def from_action(self, A: np.ndarray) -> np.ndarray:
        """Action ``[-1, 1]^d`` -> physical (clipped), the Gymnasium action map."""
        return self.from_unit((np.asarray(A, dtype=np.float64) + 1.0) / 2.0)

    def to_action(self, X: np.ndarray) -> np.ndarray:
        return 2.0 * self.to_unit(X) - 1.0

    def sample_unit(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n x d`` uniform points in the unit cube from an explicit generator."""
        return rng.random((int(n), self.d))


PAPER_DIMENSIONS: tuple[Dimension, ...] = (
    Dimension("temperature_K", 1300.0, 3200.0, "K", "annealing temperature"),
    Dimension("lattice_strain", 0.0, 0.05, "fraction", "in-plane lattice strain (x and y scaled by 1 + eps)"),
    Dimension("shear_strain", 0.055, 0.0575, "fraction", "in-plane shear strain of the box"),
)

PAPER_SPACE = ParameterSpace(PAPER_DIMENSIONS)
