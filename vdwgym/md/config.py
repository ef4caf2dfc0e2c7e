"""The validated options of a ``lammps`` task (:class:`TaskConfig`, :func:`parse_options`), the
recipe check and the seeds and cache key derived from them: what both the task
(:mod:`vdwgym.md.task`) and the simulation (:mod:`vdwgym.md.simulation`) read.

Options (all optional; refused before LAMMPS starts when wrong, see :func:`parse_options`):

==================  =========================================================  ==========
option              meaning                                                    default
==================  =========================================================  ==========
preset              a preset of :mod:`.protocol` (``workstation``...)          ``quick``
overrides           dotted protocol fields, ``{"quench.time_ps": 100}``        ``{}``
potential           registry name (:mod:`.potentials`)                         ``rebomos``
potential_options   factory options, e.g. ``{"ffield": "/path/ffield"}``       ``{}``
nx, ny              bilayer size (``system.nx``/``ny``)                        preset
analysis_every      steps between analyses (``analysis_every_steps``)          preset
analysis_method     ``sf``, ``psi6``, ``histogram`` or ``chain``               ``sf``
amorphous_cache     directory of cached amorphous starts                       see below
amorphous_seed      seed of the amorphous start (shared by all recipes)        ``0``
==================  =========================================================  ==========

The amorphous start (amorphize + equilibrate) depends on the potential, the system, the
walls, those two stages and ``amorphous_seed``, not on the recipe: it is computed once and
kept in ``amorphous_cache`` (default ``<run_dir>/../amorphous_cache``) under a hash of
those inputs, written atomically (temporary file, then rename), as in the paper, where one
amorphous sample served every recipe.  Velocity and thermostat seeds of the recipe stages
are derived from the evaluation ``seed``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from vdwgym.errors import ValidationError
from vdwgym.md.potentials import (
    Potential,
    quote_path,
    require_melting,
    resolve_potential,
)
from vdwgym.md.protocol import Protocol, make_protocol
from vdwgym.md.relax import Geometry, relaxed_geometry
from vdwgym.space import Dimension, ParameterSpace

__all__ = ["BOTTOM_MO_Z", "RECIPE_BOUNDS", "TaskConfig", "amorphous_key", "check_recipe",
           "check_walls", "lammps_seed", "parse_options", "recipe_space"]

#: z of the bottom Mo plane of the built bilayer, A.
BOTTOM_MO_Z = 3.0

OPTION_NAMES = ("preset", "overrides", "potential", "potential_options", "nx", "ny",
                "analysis_every", "analysis_method", "amorphous_cache", "amorphous_seed")
ANALYSIS_METHODS = ("sf", "psi6", "histogram", "chain")


@dataclass(frozen=True)
class TaskConfig:
    """Validated options of one task (see the module docstring).  ``geometry`` is the
    potential's bilayer geometry (:mod:`vdwgym.md.relax`), resolved by :meth:`with_geometry`
    in the worker before LAMMPS runs (None until then)."""

    protocol: Protocol
    potential: Potential
    analysis_method: str
    amorphous_cache: Path | None
    amorphous_seed: int
    geometry: Geometry | None = None

    def with_geometry(self, cache_dir: Path) -> TaskConfig:
        """A copy with the potential's geometry resolved (cached in ``cache_dir``) and the
        walls checked against it."""
        geometry = relaxed_geometry(self.potential, cache_dir)
        cfg = dataclasses.replace(self, geometry=geometry)
        check_walls(cfg.protocol, cfg.layer_spacing, geometry.s_height)
        return cfg

    def _geometry(self) -> Geometry:
        if self.geometry is None:
            raise RuntimeError("TaskConfig.with_geometry() must run first")
        return self.geometry

    @property
    def lattice_constant(self) -> float:
        """Lattice constant of the built bilayer, A (``system.a`` or the potential's)."""
        return self.protocol.system.a or self._geometry().a

    @property
    def layer_spacing(self) -> float:
        """Mo-Mo interlayer distance of the built bilayer, A."""
        return self.protocol.system.layer_spacing or self._geometry().layer_spacing

    @property
    def s_height(self) -> float:
        """S-plane offset from its Mo plane in the built bilayer, A."""
        return self._geometry().s_height


def parse_options(options: Mapping[str, Any] | None) -> TaskConfig:
    """Validate task options; raises :class:`ValidationError` (field, bound, value) for an
    unknown option, a bad value, a missing or unreadable potential file, or a potential
    that cannot melt the top layer."""
    opts = dict(options or {})
    unknown = sorted(set(opts) - set(OPTION_NAMES))
    if unknown:
        raise ValidationError(f"options.{unknown[0]}", f"one of {list(OPTION_NAMES)}",
                              opts[unknown[0]], "unknown option")
    overrides = opts.get("overrides") or {}
    if not isinstance(overrides, Mapping):
        raise ValidationError("options.overrides", "a mapping of dotted protocol fields",
                              overrides)
    overrides = dict(overrides)
    for short, full in (("nx", "system.nx"), ("ny", "system.ny"),
                        ("analysis_every", "analysis_every_steps")):
        if opts.get(short) is not None:
            overrides[full] = opts[short]
    preset = opts.get("preset", "quick")
    if not isinstance(preset, str):
        raise ValidationError("options.preset", "a preset name", preset)
    protocol = make_protocol(preset, overrides)

    name = opts.get("potential", "rebomos")
    pot_opts = opts.get("potential_options") or {}
    if not isinstance(pot_opts, Mapping):
        raise ValidationError("options.potential_options", "a mapping", pot_opts)
    potential = resolve_potential(str(name), **dict(pot_opts))
    require_melting(potential)
    potential.check_files()
    # the widest bilayer any MoS2 potential relaxes to: refused here, before anything runs;
    # checked again against the resolved geometry in the worker
    check_walls(protocol, protocol.system.layer_spacing or potential.layer_spacing or 6.2,
                 potential.s_height or 1.65)

    method = opts.get("analysis_method", "sf")
    if method not in ANALYSIS_METHODS:
        raise ValidationError("options.analysis_method", f"one of {ANALYSIS_METHODS}", method)
    cache = opts.get("amorphous_cache")
    if cache is not None:
        if not isinstance(cache, (str, os.PathLike)):
            raise ValidationError("options.amorphous_cache", "a directory path", cache)
        quote_path(Path(cache).resolve())
    aseed = opts.get("amorphous_seed", 0)
    if isinstance(aseed, bool) or not isinstance(aseed, (int, np.integer)) or aseed < 0:
        raise ValidationError("options.amorphous_seed", "an integer >= 0", aseed)
    return TaskConfig(protocol, potential, str(method),
                      None if cache is None else Path(cache), int(aseed))


def check_walls(protocol: Protocol, layer_spacing: float, s_height: float) -> None:
    """The box spans z = 0 .. walls.zhi; both walls must leave the bilayer's S planes
    (z = 3.0 - s_height and 3.0 + spacing + s_height A) outside their range."""
    w = protocol.walls
    low, high = BOTTOM_MO_Z - s_height, BOTTOM_MO_Z + layer_spacing + s_height
    if w.zlo < 0 or w.zlo + w.cutoff_A >= low:
        raise ValidationError("walls.zlo", f">= 0 A and below {low:g} - cutoff "
                              f"({w.cutoff_A:.3g} A)", w.zlo)
    if w.zhi - w.cutoff_A <= high:
        raise ValidationError("walls.zhi", f"above {high:g} + cutoff ({w.cutoff_A:.3g} A)",
                              w.zhi)


#: The physical sanity bounds of a recipe (the campaign's bounds are its space's business):
#: name -> (low, high], units K and strain fractions.
RECIPE_BOUNDS = {"temperature_K": (0.0, 10000.0), "lattice_strain": (-0.2, 0.3),
                 "shear_strain": (-0.5, 0.5)}


def check_recipe(recipe: Mapping[str, float]) -> tuple[float, float, float]:
    """``(temperature_K, lattice_strain, shear_strain)`` checked for physical sanity
    (:data:`RECIPE_BOUNDS`): T in (0, 10000] K, lattice strain in (-0.2, 0.3], shear strain
    in (-0.5, 0.5]."""
    values = []
    for name, (lo, hi) in RECIPE_BOUNDS.items():
        if name not in recipe:
            raise ValidationError(f"recipe.{name}", f"a number in ({lo:g}, {hi:g})", None,
                                  "missing field")
        v = recipe[name]
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) \
                or not math.isfinite(float(v)) or not lo < float(v) <= hi:
            raise ValidationError(f"recipe.{name}", f"a number in ({lo:g}, {hi:g}]", v)
        values.append(float(v))
    return values[0], values[1], values[2]


def recipe_space() -> ParameterSpace:
    """A parameter space spanning :data:`RECIPE_BOUNDS` (for a single evaluation outside any
    campaign, such as ``vdwgym md``, whose params.json needs a space)."""
    units = {"temperature_K": "K", "lattice_strain": "fraction", "shear_strain": "fraction"}
    return ParameterSpace([Dimension(n, lo, hi, units[n]) for n, (lo, hi) in RECIPE_BOUNDS.items()])


SEED_STREAMS = {"evaluation": 0, "amorphous": 1}


def lammps_seed(seed: int, purpose: int, stream: str = "evaluation") -> int:
    """A LAMMPS random seed in ``[1, 900000000]`` (the Marsaglia generator's range, used by
    fix langevin) derived from ``(seed, stream, purpose)``: the evaluation's seeds and the
    amorphous start's never share a stream, even when both seeds are equal."""
    state = np.random.SeedSequence([int(seed), SEED_STREAMS[stream], int(purpose)]
                                   ).generate_state(1)[0]
    return int(state) % 900_000_000 + 1


#: Bumped whenever the way an amorphous start is computed changes (invalidates caches).
AMORPHOUS_SCHEME = 3


def amorphous_key(cfg: TaskConfig) -> str:
    """Hash of everything the amorphous start depends on (potential and its file contents,
    system, walls, time step, the amorphize and equilibrate stages, the seed)."""
    p = cfg.protocol
    files = []
    for f in cfg.potential.files:
        files.append(hashlib.sha256(Path(f).read_bytes()).hexdigest())
    blob = json.dumps({
        "potential": cfg.potential.to_dict() | {"files": files},
        "a": cfg.lattice_constant, "layer_spacing": cfg.layer_spacing, "s_height": cfg.s_height,
        "system": p.to_dict()["system"], "walls": p.to_dict()["walls"],
        "timestep_fs": p.timestep_fs, "amorphize": p.to_dict()["amorphize"],
        "equilibrate": p.to_dict()["equilibrate"], "seed": cfg.amorphous_seed,
        "scheme": AMORPHOUS_SCHEME,
    }, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:20]
