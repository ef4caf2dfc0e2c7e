"""The recrystallization protocol as configurable stages, and its presets.

Units: temperatures in K, times in ps, time steps in fs, lengths in Angstrom, energies in
eV, pressures in bar, fractions for strains and crystallinities.

The paper's Methods (Bagchi et al., 2026) run, for one recipe ``(T, eps_lat, eps_sh)``:

1. **amorphize**: heat the top layer of a 2H bilayer at 5000 K for 50 ps (0.5 fs steps);
2. **equilibrate**: the whole bilayer at 300 K and atmospheric pressure, Berendsen NPT,
   50 ps.  Stages 1 and 2 give the shared amorphous start (computed once, reused);
3. **recipe**: rescale x and y by ``1 + eps_lat`` and shear the box by ``eps_sh``
   (:func:`vdwgym.geometry.deform_cell`'s convention, atoms remapped);
4. **anneal**: Langevin NVT at T for 50 ps;
5. **quench**: Langevin NVT from T to 0 K over 0.5 ns (1e6 steps).

x and y are periodic; Lennard-Jones walls at z = 0 and 12 A keep the atoms in the slab.

Presets (:data:`PRESETS`): ``paper`` is exactly the Methods (runnable with rebomos or the
paper's ReaxFF; hours to days per recipe); ``workstation`` the Methods shortened for the
paper's ReaxFF on one core (8 x 8, 1 fs, about 40 ps, 20-25 min per recipe); ``quick`` a
rebomos workstation run (8 x 8 bilayer, melt at 6500 K, about 115 ps); ``smoke`` a few
hundred steps on a 4 x 4 bilayer, for tests.  Overrides use dotted names, ``{"quench.time_ps": 100}``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from vdwgym.errors import ValidationError
from vdwgym.geometry import SHEAR_CONVENTIONS

__all__ = [
    "AmorphizeStage",
    "AnnealStage",
    "EquilibrateStage",
    "PRESETS",
    "Protocol",
    "QuenchStage",
    "SystemSpec",
    "Walls",
    "make_protocol",
]


def _positive(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or value <= 0:
        raise ValidationError(name, "a finite number > 0", value)


def _non_negative(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or value < 0:
        raise ValidationError(name, "a finite number >= 0", value)


@dataclass(frozen=True)
class SystemSpec:
    """The starting bilayer: ``nx x ny`` primitive cells per layer (``6 nx ny`` atoms).

    ``a`` (A) and ``layer_spacing`` (Mo-Mo, A) of ``None`` take the potential's values
    (:class:`vdwgym.md.potentials.Potential`).
    """

    nx: int = 12
    ny: int = 12
    stacking: str = "2H"
    a: float | None = None
    layer_spacing: float | None = None

    def validate(self) -> None:
        for name in ("nx", "ny"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or not 2 <= v <= 64:
                raise ValidationError(f"system.{name}", "an integer in [2, 64]", v)
        if self.stacking not in ("2H", "3R"):
            raise ValidationError("system.stacking", "'2H' or '3R'", self.stacking)
        for name in ("a", "layer_spacing"):
            v = getattr(self, name)
            if v is not None:
                _positive(f"system.{name}", v)


@dataclass(frozen=True)
class Walls:
    """Lennard-Jones 9-3 walls (``fix wall/lj93``) at ``zlo`` and ``zhi`` (A).

    ``epsilon`` (eV) and ``sigma`` (A) as in LAMMPS; ``cutoff`` (A) defaults to the
    potential's minimum ``(2/5)^(1/6) sigma``, so the walls only repel (no adsorption of the
    bottom layer onto the wall).  wall/lj93 is the paper's "Lennard-Jones reflective walls";
    fix wall/reflect would flip velocities without a force and is not used.
    """

    zlo: float = 0.0
    zhi: float = 12.0
    epsilon: float = 0.5
    sigma: float = 1.0
    cutoff: float | None = None

    @property
    def cutoff_A(self) -> float:
        return self.cutoff if self.cutoff is not None else (0.4 ** (1.0 / 6.0)) * self.sigma

    def validate(self) -> None:
        if not (math.isfinite(self.zlo) and math.isfinite(self.zhi) and self.zlo < self.zhi):
            raise ValidationError("walls.zhi", f"> walls.zlo = {self.zlo} A", self.zhi)
        _positive("walls.epsilon", self.epsilon)
        _positive("walls.sigma", self.sigma)
        _positive("walls.cutoff", self.cutoff_A)


@dataclass(frozen=True)
class AmorphizeStage:
    """Heat the top layer (Langevin) while the bottom layer is held at ``bottom_K``.

    ``time_ps`` is the longest the stage runs.  With ``stop_when_disordered`` it ends at
    the first check (every ``check_every_steps``) at which the top layer's crystallinity
    (:mod:`vdwgym.analysis`) is at most ``disorder_threshold``, then keeps melting for
    ``extra_time_ps``.  ``disorder_threshold`` of ``None`` takes the analysis gate (the
    layer is then "not crystalline" by the same test that gates the twist).  With
    ``require_disorder`` a top layer still crystalline at the end of the stage is an error:
    a twist after a non-melted layer would be meaningless.
    """

    temperature_K: float = 5000.0
    time_ps: float = 50.0
    bottom_K: float = 300.0
    damping_ps: float = 0.1
    stop_when_disordered: bool = False
    disorder_threshold: float | None = None
    extra_time_ps: float = 0.0
    check_every_steps: int = 200
    require_disorder: bool = True

    def validate(self) -> None:
        _positive("amorphize.temperature_K", self.temperature_K)
        _positive("amorphize.time_ps", self.time_ps)
        _positive("amorphize.bottom_K", self.bottom_K)
        _positive("amorphize.damping_ps", self.damping_ps)
        _non_negative("amorphize.extra_time_ps", self.extra_time_ps)
        if self.disorder_threshold is not None and not 0.0 <= self.disorder_threshold <= 1.0:
            raise ValidationError("amorphize.disorder_threshold", "[0, 1] or None",
                                  self.disorder_threshold)
        _check_steps("amorphize.check_every_steps", self.check_every_steps)


@dataclass(frozen=True)
class EquilibrateStage:
    """Whole bilayer at ``temperature_K`` with a Berendsen thermostat and, when
    ``pressure_bar`` is not ``None``, a barostat on x and y (coupled) at that pressure.

    The paper says "Berendsen NPT"; LAMMPS's Berendsen barostat (fix press/berendsen)
    refuses triclinic boxes, so the barostat is fix nph (Nose-Hoover/MTK) with damping
    ``barostat_damping_ps``, combined with fix temp/berendsen."""

    temperature_K: float = 300.0
    time_ps: float = 50.0
    pressure_bar: float | None = 1.01325
    thermostat_damping_ps: float = 0.1
    barostat_damping_ps: float = 1.0

    def validate(self) -> None:
        _positive("equilibrate.temperature_K", self.temperature_K)
        _positive("equilibrate.time_ps", self.time_ps)
        if self.pressure_bar is not None:
            _non_negative("equilibrate.pressure_bar", self.pressure_bar)
        _positive("equilibrate.thermostat_damping_ps", self.thermostat_damping_ps)
        _positive("equilibrate.barostat_damping_ps", self.barostat_damping_ps)


@dataclass(frozen=True)
class AnnealStage:
    """Langevin NVT at the recipe's temperature for ``time_ps``."""

    time_ps: float = 50.0
    damping_ps: float = 0.1

    def validate(self) -> None:
        _non_negative("anneal.time_ps", self.time_ps)
        _positive("anneal.damping_ps", self.damping_ps)


@dataclass(frozen=True)
class QuenchStage:
    """Langevin NVT ramp from the recipe's temperature to ``final_K`` over ``time_ps``."""

    time_ps: float = 500.0
    final_K: float = 0.0
    damping_ps: float = 0.1

    def validate(self) -> None:
        _non_negative("quench.time_ps", self.time_ps)
        _non_negative("quench.final_K", self.final_K)
        _positive("quench.damping_ps", self.damping_ps)


def _check_steps(name: str, v: int) -> None:
    if isinstance(v, bool) or not isinstance(v, int) or v < 1:
        raise ValidationError(name, "an integer >= 1", v)


@dataclass(frozen=True)
class Protocol:
    """All stages of one evaluation, plus the time step (fs), the analysis interval (steps)
    and the shear convention of :func:`vdwgym.geometry.deform_cell`."""

    name: str = "paper"
    timestep_fs: float = 0.5
    analysis_every_steps: int = 1000
    shear_convention: str = "engineering"
    system: SystemSpec = field(default_factory=SystemSpec)
    walls: Walls = field(default_factory=Walls)
    amorphize: AmorphizeStage = field(default_factory=AmorphizeStage)
    equilibrate: EquilibrateStage = field(default_factory=EquilibrateStage)
    anneal: AnnealStage = field(default_factory=AnnealStage)
    quench: QuenchStage = field(default_factory=QuenchStage)

    def validate(self) -> Protocol:
        _positive("timestep_fs", self.timestep_fs)
        if not 0.01 <= self.timestep_fs <= 5.0:  # below 0.01 fs a stage never ends
            raise ValidationError("timestep_fs", "in [0.01, 5] fs", self.timestep_fs)
        _check_steps("analysis_every_steps", self.analysis_every_steps)
        if self.shear_convention not in SHEAR_CONVENTIONS:
            raise ValidationError("shear_convention", f"one of {SHEAR_CONVENTIONS}",
                                  self.shear_convention)
        for part in (self.system, self.walls, self.amorphize, self.equilibrate, self.anneal,
                     self.quench):
            part.validate()
        return self

    def steps(self, time_ps: float) -> int:
        """Number of MD steps for ``time_ps`` (rounded to the nearest step)."""
        return int(round(time_ps * 1000.0 / self.timestep_fs))

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def with_overrides(self, overrides: Mapping[str, Any]) -> Protocol:
        """A validated copy with dotted-name fields replaced: ``{"quench.time_ps": 100,
        "system.nx": 8, "timestep_fs": 1.0}``.  Unknown names and wrong types are refused."""
        top: dict[str, Any] = {}
        nested: dict[str, dict[str, Any]] = {}
        for key, value in overrides.items():
            parts = str(key).split(".")
            if len(parts) == 1:
                target, fld = self, parts[0]
            elif len(parts) == 2 and parts[0] in _SECTIONS:
                target, fld = getattr(self, parts[0]), parts[1]
            else:
                raise ValidationError(f"protocol override {key!r}", "a known field", value)
            known = {f.name: f for f in dataclasses.fields(target)}
            if fld not in known or (len(parts) == 1 and fld in _SECTIONS):
                raise ValidationError(f"protocol override {key!r}",
                                      f"one of {sorted(known)}", value)
            checked = _coerce(key, known[fld], getattr(target, fld), value)
            if len(parts) == 1:
                top[fld] = checked
            else:
                nested.setdefault(parts[0], {})[fld] = checked
        for section, changes in nested.items():
            top[section] = dataclasses.replace(getattr(self, section), **changes)
        return dataclasses.replace(self, **top).validate()


_SECTIONS = ("system", "walls", "amorphize", "equilibrate", "anneal", "quench")


def _coerce(key: str, fld: dataclasses.Field, current: Any, value: Any) -> Any:
    """Type-check one override against the field's declared type (bool, int, float, str,
    optional float)."""
    kind = str(fld.type)
    if kind == "bool":
        if not isinstance(value, bool):
            raise ValidationError(key, "true or false", value)
        return value
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(key, "an integer", value)
        return value
    if kind == "str":
        if not isinstance(value, str):
            raise ValidationError(key, "a string", value)
        return value
    if value is None and "None" in kind:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(float(value)):
        raise ValidationError(key, "a finite number", value)
    return float(value)


PAPER = Protocol().validate()
"""Exactly the Methods: 12 x 12 2H bilayer (864 atoms), 0.5 fs, 5000 K for 50 ps,
300 K Berendsen NPT 50 ps, anneal 50 ps, quench to 0 K over 0.5 ns."""

QUICK = Protocol(
    name="quick",
    system=SystemSpec(nx=8, ny=8),
    amorphize=AmorphizeStage(temperature_K=6500.0, time_ps=10.0, stop_when_disordered=True,
                             extra_time_ps=0.0),
    equilibrate=EquilibrateStage(time_ps=5.0),
    anneal=AnnealStage(time_ps=50.0),
    quench=QuenchStage(time_ps=50.0),
).validate()
"""A workstation run: 8 x 8 (384 atoms), melt at 6500 K until the top layer is no longer
crystalline (rebomos superheats at 5000 K), 5 ps NPT, 50 ps anneal, 50 ps quench."""

WORKSTATION = Protocol(
    name="workstation",
    timestep_fs=1.0,
    analysis_every_steps=500,
    system=SystemSpec(nx=8, ny=8),
    amorphize=AmorphizeStage(temperature_K=5000.0, time_ps=3.0, check_every_steps=500),
    equilibrate=EquilibrateStage(time_ps=5.0),
    anneal=AnnealStage(time_ps=10.0),
    quench=QuenchStage(time_ps=25.0),
).validate()
"""The paper's protocol shortened for a workstation and the paper's ReaxFF (measured: the
top layer melts in 0.8 ps at 5000 K, 1 fs conserves energy as well as 0.5 fs, the twist
locks in while T falls through 1600-1200 K): 8 x 8 (384 atoms), 1 fs, 3 ps at 5000 K (an
error if the top layer is still crystalline), 5 ps NPT at 300 K, 10 ps anneal, 25 ps quench.
About 20-25 min per recipe on one core with ReaxFF (the amorphous start, about 5 min, is
computed once)."""

SMOKE = Protocol(
    name="smoke",
    analysis_every_steps=50,
    system=SystemSpec(nx=4, ny=4),
    amorphize=AmorphizeStage(temperature_K=6500.0, time_ps=0.1, check_every_steps=50,
                             require_disorder=False),
    equilibrate=EquilibrateStage(time_ps=0.05),
    anneal=AnnealStage(time_ps=0.1),
    quench=QuenchStage(time_ps=0.1),
).validate()
"""Seconds: 4 x 4 (96 atoms), 200 + 100 + 200 + 200 steps; checks the machinery, not the
physics (the layer need not melt)."""

PRESETS: dict[str, Protocol] = {"paper": PAPER, "quick": QUICK, "workstation": WORKSTATION,
                                 "smoke": SMOKE}


def make_protocol(preset: str = "quick", overrides: Mapping[str, Any] | None = None) -> Protocol:
    """The preset named ``preset`` with dotted ``overrides`` applied (validated)."""
    if preset not in PRESETS:
        raise ValidationError("preset", f"one of {sorted(PRESETS)}", preset)
    return PRESETS[preset].with_overrides(overrides or {})
