"""The surrogate tested against MD observations: predictive likelihood, coverage, and a
likelihood calibration of its constants.

The commensurate surrogate gives, for a recipe, a probability of a crystalline top layer and
a discrete law over candidate twists (:meth:`CommensurateSurrogate.selection_probabilities`).
An MD evaluation gives one outcome: a folded twist, or "not crystalline".  Its predictive
density under the surrogate is

    crystalline, twist t:  p_c(x) * [(1 - w) sum_k P_k K(t; theta_k) + w / 30]
    not crystalline:       1 - p_c(x)

with ``K`` a Gaussian of width ``width_deg`` folded onto [0, 30] (the MD twist of a finite,
partly ordered layer is not a sharp state), ``p_c(x)`` the probability of a crystalline
layer (not amorphous by :meth:`CommensurateSurrogate.amorphous_probability`, and a selected
state strained at most ``max_crystal_strain``), ``P_k`` the selection law given a crystalline
layer (:func:`twist_law`: the law :meth:`CommensurateSurrogate.evaluate` draws from), and
``w`` the weight of **incommensurate grains**: a twisted top layer with its own lattice
constant, not periodic in the box (seen with the paper's ReaxFF on 8 x 8 boxes), whose
twist the commensurate model cannot place; ``w = 0`` is the plain surrogate.

:func:`calibrate` picks constants on a grid by K-fold cross-validated log-likelihood and
reports the held-out figure, so the number that is reported is never the one fitted.

Units: K, strain fractions, degrees; log-likelihoods in nats per observation.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from vdwgym.errors import ValidationError
from vdwgym.surrogate.commensurate import CommensurateSurrogate, SurrogateConfig

__all__ = ["Calibration", "Observations", "calibrate", "coverage", "log_likelihood",
           "twist_law"]

#: Probabilities are floored here before the log (an outcome the model calls impossible).
FLOOR = 1e-9


@dataclass(frozen=True)
class Observations:
    """MD outcomes: ``X`` ``n x 3`` recipes (temperature_K, lattice_strain, shear_strain)
    and ``twist`` ``n`` folded twists in degrees, NaN where the layer is not crystalline."""

    X: np.ndarray
    twist: np.ndarray

    def __post_init__(self) -> None:
        X = np.asarray(self.X, dtype=np.float64).reshape(-1, 3)
        t = np.asarray(self.twist, dtype=np.float64).reshape(-1)
        if len(X) != len(t):
            raise ValidationError("twist", f"{len(X)} values, one per recipe", len(t))
        ok = np.isfinite(t)
        if np.any((t[ok] < 0) | (t[ok] > 30)):
            raise ValidationError("twist", "folded twists in [0, 30] deg or NaN", t[ok].tolist())
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "twist", t)

    def __len__(self) -> int:
        return len(self.twist)

    def subset(self, idx: np.ndarray) -> Observations:
        return Observations(self.X[idx], self.twist[idx])

    @classmethod
    def from_dataset(cls, dataset) -> Observations:
        """The finished evaluations of a :class:`vdwgym.datasets.MDDataset` (failed runs
        are left out: they say nothing about the twist)."""
        rows = [r for r in dataset.records if r.ok]
        X = np.array([[r.recipe["temperature_K"], r.recipe["lattice_strain"],
                       r.recipe["shear_strain"]] for r in rows], dtype=np.float64)
        t = np.array([np.nan if r.twist_deg is None else r.twist_deg for r in rows])
        return cls(X.reshape(-1, 3), t)


def _folded_kernel(t: np.ndarray, theta: np.ndarray, width: float) -> np.ndarray:
    """Density on [0, 30] of a Gaussian at ``theta`` (width ``width``) folded by the
    hexagonal symmetry (images at -theta, 60 - theta, 60 + theta, -60 + theta)."""
    out = np.zeros(np.broadcast(t, theta).shape)
    for image in (theta, -theta, 60.0 - theta, 60.0 + theta, theta - 60.0):
        out += np.exp(-0.5 * ((t - image) / width) ** 2)
    return out / (width * math.sqrt(2.0 * math.pi))


def twist_law(model: CommensurateSurrogate, X: np.ndarray) -> dict[str, np.ndarray]:
    """The surrogate's predictive law for ``n`` recipes, as :meth:`CommensurateSurrogate.evaluate`
    draws it: ``p_crystalline`` (``n``: not amorphous by
    :meth:`~CommensurateSurrogate.amorphous_probability`, and a selected state strained at
    most ``max_crystal_strain``), ``probability`` (``n x k``, the law of the candidates given
    a crystalline layer; a row of zeros where every candidate is over-strained) and
    ``twist_deg`` (``n x k``)."""
    X = np.asarray(X, dtype=np.float64).reshape(-1, 3)
    law = model.selection_probabilities(X)
    P = law["probability"] * (law["strain"] <= model.config.max_crystal_strain)
    q = P.sum(axis=1)
    return {"p_crystalline": (1.0 - model.amorphous_probability(X[:, 0])) * q,
            "probability": P / np.where(q > 0, q, 1.0)[:, None],
            "twist_deg": law["lattice_twist_deg"]}


def log_likelihood(model: CommensurateSurrogate, obs: Observations, width_deg: float = 1.0,
                   incommensurate_weight: float = 0.0) -> np.ndarray:
    """Per-observation predictive log-density (module docstring), nats; length ``n``."""
    if not width_deg > 0:
        raise ValidationError("width_deg", "> 0 deg", width_deg)
    if not 0.0 <= incommensurate_weight <= 1.0:
        raise ValidationError("incommensurate_weight", "[0, 1]", incommensurate_weight)
    if len(obs) == 0:
        return np.zeros(0)
    law = twist_law(model, obs.X)
    pc = law["p_crystalline"]
    ok = np.isfinite(obs.twist)
    t = np.where(ok, obs.twist, 0.0)[:, None]
    dens = np.sum(law["probability"] * _folded_kernel(t, law["twist_deg"], width_deg), axis=1)
    w = incommensurate_weight
    p = np.where(ok, pc * ((1.0 - w) * dens + w / 30.0), 1.0 - pc)
    return np.log(np.maximum(p, FLOOR))


def coverage(model: CommensurateSurrogate, obs: Observations, within_deg: float = 1.0,
             min_probability: float = 0.1) -> float | None:
    """Share of the crystalline observations whose twist lies within ``within_deg`` of
    states the surrogate gives at least ``min_probability`` in all (the probability of
    candidates within ``within_deg`` of the observed twist, summed); None without any."""
    ok = np.isfinite(obs.twist)
    if not np.any(ok):
        return None
    law = twist_law(model, obs.X[ok])
    d = np.abs(law["twist_deg"] - obs.twist[ok][:, None])
    near = np.sum(law["probability"] * (d <= within_deg), axis=1)
    return float(np.mean(near >= min_probability))


@dataclass
class Calibration:
    """Result of :func:`calibrate`.

    ``best``: the grid point with the highest cross-validated log-likelihood (``config``
    fields and ``incommensurate_weight``); ``config``: the surrogate config at that point;
    ``heldout_ll``: mean held-out log-likelihood per observation at the chosen point,
    each fold's point chosen on the other folds (nested, so it is an honest figure);
    ``baseline_heldout_ll``: the same for the uncalibrated base config (w = 0);
    ``grid``: every grid point with its mean cross-validated log-likelihood.
    """

    best: dict[str, Any]
    config: SurrogateConfig
    heldout_ll: float
    baseline_heldout_ll: float
    heldout_coverage: float | None
    n: int
    folds: int
    grid: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {"best": self.best, "config": self.config.to_dict(),
                "heldout_ll": self.heldout_ll, "baseline_heldout_ll": self.baseline_heldout_ll,
                "heldout_coverage": self.heldout_coverage, "n": self.n, "folds": self.folds,
                "grid": self.grid}


def _split(params: Mapping[str, Any]) -> tuple[dict[str, Any], float]:
    p = dict(params)
    return p, float(p.pop("incommensurate_weight", 0.0))


def calibrate(obs: Observations, base: SurrogateConfig, grid: Mapping[str, Sequence[Any]],
              folds: int = 5, width_deg: float = 1.0,
              seed: int | np.random.SeedSequence = 0) -> Calibration:
    """Choose surrogate constants by likelihood on ``grid`` (``{field: values}``; the key
    ``incommensurate_weight`` is the mixture weight ``w``), with ``folds``-fold cross
    validation (folds drawn from ``seed``)."""
    n = len(obs)
    if n < 2:
        raise ValidationError("observations", "at least 2", n)
    folds = max(2, min(int(folds), n))
    names = list(grid)
    points = [dict(zip(names, values, strict=True))
              for values in itertools.product(*(grid[k] for k in names))]
    if not points:
        raise ValidationError("grid", "at least one value per field", dict(grid))
    order = np.random.default_rng(seed).permutation(n)
    fold_of = np.empty(n, dtype=int)
    fold_of[order] = np.arange(n) % folds
    models: dict[tuple, CommensurateSurrogate] = {}  # one per config; points differ in w too

    def model(i_point: int) -> CommensurateSurrogate:
        cfg_fields, _ = _split(points[i_point])
        key = tuple(sorted(cfg_fields.items()))
        if key not in models:
            models[key] = CommensurateSurrogate(dataclasses.replace(base, **cfg_fields))
        return models[key]

    def ll(i_point: int, idx: np.ndarray) -> np.ndarray:
        return log_likelihood(model(i_point), obs.subset(idx), width_deg,
                              _split(points[i_point])[1])

    per_point = np.array([ll(i, np.arange(n)) for i in range(len(points))])  # P x n
    heldout, cover_hits, cover_n = np.empty(n), 0, 0
    for f in range(folds):
        test = np.flatnonzero(fold_of == f)
        train = fold_of != f
        i_best = int(np.argmax(per_point[:, train].mean(axis=1)))
        heldout[test] = per_point[i_best, test]
        cov = coverage(model(i_best), obs.subset(test))
        k = int(np.isfinite(obs.twist[test]).sum())
        if cov is not None:
            cover_hits += cov * k
            cover_n += k
    i_best = int(np.argmax(per_point.mean(axis=1)))
    cfg_fields, _ = _split(points[i_best])
    baseline = log_likelihood(CommensurateSurrogate(base), obs, width_deg, 0.0)
    return Calibration(
        best=points[i_best], config=dataclasses.replace(base, **cfg_fields),
        heldout_ll=float(heldout.mean()), baseline_heldout_ll=float(baseline.mean()),
        heldout_coverage=cover_hits / cover_n if cover_n else None, n=n, folds=folds,
        grid=[{**p, "mean_ll": float(per_point[i].mean())} for i, p in enumerate(points)])
