"""LAMMPS unit systems: the one place where the protocol's numbers meet a potential's units.

The protocol, the progress lines and every result are in **eV, ps, K, bar and Angstrom**,
whatever the potential.  A potential declares the LAMMPS ``units`` it must run under
(:attr:`vdwgym.md.potentials.Potential.units`), because LAMMPS never converts a parameter
file: a ReaxFF ``ffield`` is in kcal/mol and must run under ``units real``; under ``units
metal`` its energies are read as eV (23.06 times too strong), and "5000 K" then acts like
about 217 K.  :class:`LammpsUnits` converts every unit-bearing number going into a LAMMPS
command (time step, damping times, wall strength, pressure) and every energy coming out.

==========  ========  =========  ========  =========  ===========
units       time      energy     pressure  distance   temperature
==========  ========  =========  ========  =========  ===========
``metal``   ps        eV         bar       Angstrom   K
``real``    fs        kcal/mol   atm       Angstrom   K
==========  ========  =========  ========  =========  ===========
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from vdwgym.errors import ValidationError, WorkerError

__all__ = ["KCAL_PER_MOL_PER_EV", "LammpsUnits", "UNIT_SYSTEMS", "lammps_number", "lammps_units"]

#: 1 eV in kcal/mol (CODATA 2018: 96.485332 kJ/mol / 4.184 kJ/kcal).
KCAL_PER_MOL_PER_EV = 23.060548
#: 1 atm in bar.
BAR_PER_ATM = 1.01325


@dataclass(frozen=True)
class LammpsUnits:
    """One LAMMPS unit system, as factors from the project's units (eV, ps, bar).

    ``time_per_ps``: LAMMPS time units in one ps; ``energy_per_eV``: LAMMPS energy units in
    one eV; ``pressure_per_bar``: LAMMPS pressure units in one bar.  Lengths (Angstrom) and
    temperatures (K) are the same in both supported systems.
    """

    name: str
    time_per_ps: float
    energy_per_eV: float
    pressure_per_bar: float

    def command(self) -> str:
        """The ``units`` command."""
        return f"units {self.name}"

    def time(self, ps: float) -> float:
        """A time in ps, in LAMMPS time units (damping times, barostat periods)."""
        return float(ps) * self.time_per_ps

    def timestep(self, fs: float) -> float:
        """The time step in fs, in LAMMPS time units (the ``timestep`` command)."""
        return self.time(float(fs) / 1000.0)

    def energy(self, eV: float) -> float:  # noqa: N803 - the unit is the name
        """An energy in eV, in LAMMPS energy units (``fix wall/lj93`` epsilon)."""
        return float(eV) * self.energy_per_eV

    def energy_to_eV(self, value: float) -> float:  # noqa: N802
        """A LAMMPS energy (``pe``) in eV."""
        return float(value) / self.energy_per_eV

    def pressure(self, bar: float) -> float:
        """A pressure in bar, in LAMMPS pressure units."""
        return float(bar) * self.pressure_per_bar


UNIT_SYSTEMS: dict[str, LammpsUnits] = {
    "metal": LammpsUnits("metal", time_per_ps=1.0, energy_per_eV=1.0, pressure_per_bar=1.0),
    "real": LammpsUnits("real", time_per_ps=1000.0, energy_per_eV=KCAL_PER_MOL_PER_EV,
                        pressure_per_bar=1.0 / BAR_PER_ATM),
}


def lammps_units(name: str) -> LammpsUnits:
    """The unit system ``name`` (``"metal"`` or ``"real"``)."""
    if name not in UNIT_SYSTEMS:
        raise ValidationError("potential units", f"one of {sorted(UNIT_SYSTEMS)}", name)
    return UNIT_SYSTEMS[name]


def lammps_number(x: float) -> str:
    """A float formatted for a LAMMPS command (round-trip exact); a non-finite number is a
    :class:`WorkerError` (it must never reach LAMMPS)."""
    v = float(x)
    if not math.isfinite(v):
        raise WorkerError(f"non-finite number {v!r} in a LAMMPS command")
    return repr(v)
