"""Unit systems at the LAMMPS boundary (vdwgym/md/units.py)."""

import pytest

from tests.md.markers import FFIELD, needs_ffield
from vdwgym.errors import ValidationError
from vdwgym.md.potentials import Potential, resolve_potential
from vdwgym.md.units import KCAL_PER_MOL_PER_EV, lammps_units


def test_real_units_convert_every_quantity():
    real = lammps_units("real")
    assert real.command() == "units real"
    assert real.timestep(1.0) == pytest.approx(1.0)          # fs
    assert real.time(0.1) == pytest.approx(100.0)            # 0.1 ps damping -> 100 fs
    assert real.energy(0.5) == pytest.approx(0.5 * 23.060548)  # eV -> kcal/mol
    assert real.energy_to_eV(-99.18) == pytest.approx(-4.3009, abs=1e-4)
    assert real.pressure(1.01325) == pytest.approx(1.0)       # bar -> atm


def test_metal_units_are_the_projects_own():
    metal = lammps_units("metal")
    assert metal.timestep(0.5) == pytest.approx(0.0005)      # ps
    for f in (metal.time, metal.energy, metal.energy_to_eV, metal.pressure):
        assert f(1.2345) == pytest.approx(1.2345)


def test_kcal_per_mol_per_ev_codata():
    assert KCAL_PER_MOL_PER_EV == pytest.approx(96.485332 / 4.184, rel=1e-6)


def test_unknown_units_are_refused_with_the_field():
    with pytest.raises(ValidationError, match="units"):
        lammps_units("lj")
    with pytest.raises(ValidationError, match="units"):
        Potential(name="x", pair_style="lj/cut 10", units="cgs")


def test_bad_geometry_is_refused():
    with pytest.raises(ValidationError, match="layer_spacing"):
        Potential(name="x", pair_style="lj/cut 10", layer_spacing=-6.0)


@needs_ffield
def test_reaxff_declares_real_units():
    pot = resolve_potential("reaxff", ffield=str(FFIELD))
    assert pot.units == "real" and pot.lammps_units.energy_per_eV == KCAL_PER_MOL_PER_EV
    assert resolve_potential("rebomos").units == "metal"
