"""The bilayer geometry relaxed for a potential (vdwgym/md/relax.py), and the ReaxFF energy
in eV: the check that the paper's kcal/mol file runs under ``units real``."""

import json

import pytest

from tests.md.markers import FFIELD, needs_ffield, needs_lammps
from vdwgym.md.potentials import resolve_potential
from vdwgym.md.relax import geometry_key, relaxed_geometry

pytestmark = [pytest.mark.md, needs_lammps]


@needs_ffield
def test_reaxff_geometry_matches_the_measured_relaxation(reaxff_geometry):
    geo, _ = reaxff_geometry
    assert geo.source == "relaxed"
    assert geo.a == pytest.approx(3.207, abs=0.004)
    assert geo.layer_spacing == pytest.approx(5.956, abs=0.02)
    assert geo.s_height == pytest.approx(1.62, abs=0.01)


@needs_ffield
def test_reaxff_energy_per_atom_is_in_ev(reaxff_geometry):
    # -99.2 kcal/mol per atom = -4.30 eV; under `units metal` the same file reads -99 "eV"
    geo, _ = reaxff_geometry
    assert geo.energy_eV_per_atom == pytest.approx(-4.31, abs=0.03)


@needs_ffield
def test_geometry_is_cached_per_potential(reaxff_geometry):
    geo, cache = reaxff_geometry
    pot = resolve_potential("reaxff", ffield=str(FFIELD))
    entry = cache / f"geometry_{geometry_key(pot)}.json"
    assert json.loads(entry.read_text())["a"] == geo.a
    assert relaxed_geometry(pot, cache) == geo          # read back, not recomputed


def test_rebomos_geometry_and_fixed_numbers(tmp_path):
    geo = relaxed_geometry(resolve_potential("rebomos"), tmp_path)
    assert geo.a == pytest.approx(3.167, abs=0.005)
    assert 5.8 < geo.layer_spacing < 6.4
    from dataclasses import replace
    fixed = replace(resolve_potential("rebomos"), a=3.16, layer_spacing=6.15, s_height=1.56)
    given = relaxed_geometry(fixed, tmp_path / "other")
    assert (given.a, given.layer_spacing, given.s_height, given.source) == \
        (3.16, 6.15, 1.56, "given")
    assert not (tmp_path / "other").exists()
