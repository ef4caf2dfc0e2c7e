"""The paper's ReaxFF through the whole protocol on a 4 x 4 bilayer: under ``units real`` the
top layer melts at 5000 K within 1.5 ps, and every unit-bearing command is converted."""

import pytest

from tests.md.markers import FFIELD, FIG2_RECIPE, needs_ffield, needs_lammps
from vdwgym.md.units import KCAL_PER_MOL_PER_EV

pytestmark = [pytest.mark.md, needs_lammps, needs_ffield]

OVERRIDES = {"timestep_fs": 1.0, "analysis_every_steps": 250,
             "amorphize.temperature_K": 5000.0, "amorphize.time_ps": 1.5,
             "amorphize.check_every_steps": 250, "amorphize.require_disorder": True,
             "equilibrate.time_ps": 0.25, "anneal.time_ps": 0.25, "quench.time_ps": 0.25}


@pytest.fixture(scope="module")
def reaxff_smoke(reaxff_geometry, tmp_path_factory):
    from vdwgym.md.task import run

    _, cache = reaxff_geometry          # the relaxed geometry is reused, not recomputed
    run_dir = tmp_path_factory.mktemp("reaxff") / "e1"
    lines: list[dict] = []
    outcome = run(FIG2_RECIPE, 5, {"preset": "smoke", "potential": "reaxff",
                                   "potential_options": {"ffield": str(FFIELD)},
                                   "overrides": OVERRIDES, "amorphous_cache": str(cache)},
                  run_dir, lines.append)
    return outcome, lines, run_dir


def test_top_layer_melts_and_bottom_stays(reaxff_smoke):
    outcome, lines, _ = reaxff_smoke
    melt = [ln for ln in lines if ln["stage"] == "amorphize"]
    last = melt[-1]
    assert last["crystallinity"][1] < 0.5 * melt[0]["crystallinity"][1]
    assert last["fraction_ordered"][1] < 0.5 and not last["crystalline"]
    assert last["crystallinity"][0] > 0.8            # the bottom layer is held at 300 K
    assert outcome.details["amorphous_start"]["disordered"] is True


def test_energies_are_reported_in_ev(reaxff_smoke):
    outcome, lines, _ = reaxff_smoke
    per_atom = lines[0]["pe_eV"] / lines[0]["natoms"]
    assert -4.5 < per_atom < -3.5                     # -99 "eV" if units were wrong
    assert outcome.details["units"]["lammps"] == "real"
    assert outcome.details["geometry"]["a"] == pytest.approx(3.207, abs=0.004)


def test_commands_are_converted_to_real_units(reaxff_smoke):
    _, _, run_dir = reaxff_smoke
    commands = (run_dir / "commands.lammps").read_text().splitlines()
    assert "units real" in commands
    assert "timestep 1.0" in commands                 # fs
    wall = next(c for c in commands if c.startswith("fix walls"))
    assert f"{0.5 * KCAL_PER_MOL_PER_EV!r}" in wall   # 0.5 eV in kcal/mol
    langevin = [c for c in commands if " langevin " in c]
    assert langevin and all(c.split()[6] == "100.0" for c in langevin)  # 0.1 ps in fs
