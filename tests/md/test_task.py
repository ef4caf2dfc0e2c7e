"""The LAMMPS task end to end on the smoke preset (seconds on one core)."""

import json
import subprocess
import sys

import numpy as np
import pytest

from tests.md.markers import FIG2_RECIPE, needs_lammps
from vdwgym.errors import WorkerError
from vdwgym.geometry import deform_cell
from vdwgym.md.protocol import SMOKE
from vdwgym.outcome import Outcome, Status

pytestmark = [pytest.mark.md, needs_lammps]

LINE_KEYS = {"step", "time_ps", "stage", "temperature_K", "pe_eV", "twist_deg", "crystalline",
             "crystallinity", "mean_abs_psi6", "fraction_ordered", "psi6_global", "order",
             "natoms"}


def _expected_lines(stage_steps):
    every = SMOKE.analysis_every_steps
    return sum(-(-n // every) for n in stage_steps)


def test_smoke_end_to_end(smoke_run):
    outcome, lines, run_dir, cache = smoke_run
    assert outcome.status is Status.OK
    assert outcome.details["natoms"] == 6 * SMOKE.system.nx * SMOKE.system.ny
    for name in ("final.dump", "log.lammps"):
        assert (run_dir / name).stat().st_size > 0
    assert "rebomos" in (run_dir / "log.lammps").read_text()
    assert all(set(line) == LINE_KEYS for line in lines)
    stages = [line["stage"] for line in lines]
    assert stages == sorted(stages, key=["amorphize", "equilibrate", "anneal", "quench"].index)
    steps = [SMOKE.steps(t) for t in (SMOKE.amorphize.time_ps, SMOKE.equilibrate.time_ps,
                                      SMOKE.anneal.time_ps, SMOKE.quench.time_ps)]
    assert len(lines) == _expected_lines(steps)
    assert [ln["step"] for ln in lines if ln["stage"] == "quench"][-1] == steps[2] + steps[3]
    for line in lines:
        assert (line["twist_deg"] is None) == (not line["crystalline"])
        assert line["natoms"] == outcome.details["natoms"]
    assert (outcome.twist_deg is None) == (not outcome.crystalline)
    assert outcome.history == lines
    assert outcome.details["timings"]["atom_steps_per_s"] > 0
    assert outcome.details["amorphous_start"]["reused"] is False
    assert list(cache.glob("amorphous_*.data")) and not list(cache.glob("*.tmp"))
    again = Outcome.from_dict(json.loads(json.dumps(outcome.to_dict())))
    assert again.twist_deg == outcome.twist_deg and again.crystalline == outcome.crystalline


def test_on_the_fly_analysis_equals_vdwgym_analyze(smoke_run):
    outcome, lines, run_dir, _ = smoke_run
    out = subprocess.run([sys.executable, "-m", "vdwgym.cli.analyze", str(run_dir / "final.dump"),
                          "--json", "--lattice-constant", "3.172"],
                         capture_output=True, text=True, timeout=120, check=True)
    rec = json.loads(out.stdout.splitlines()[0])
    last = lines[-1]
    assert rec["crystalline"] == last["crystalline"] == outcome.crystalline
    if last["twist_deg"] is None:
        assert rec["twist_deg"] is None and outcome.twist_deg is None
    else:
        assert rec["twist_deg"] == pytest.approx(last["twist_deg"], abs=1e-6)
        assert outcome.twist_deg == pytest.approx(last["twist_deg"], abs=1e-6)
    assert [ly["peak_sn"] for ly in rec["layers"]] == pytest.approx(last["crystallinity"],
                                                                      abs=1e-5)
    assert rec["order"]["per_atom"] == pytest.approx(last["order"], abs=1e-6)


@pytest.mark.parametrize(("convention", "lattice_strain", "shear_strain"),
                         [("engineering", 0.015, 0.015), ("engineering", 0.03, 0.056),
                          ("tilt", 0.02, 0.0575)])
def test_box_after_recipe_is_deform_cell(smoke_run, tmp_path, convention, lattice_strain,
                                         shear_strain):
    from vdwgym.md.task import run

    _, _, _, cache = smoke_run
    recipe = {"temperature_K": 2000.0, "lattice_strain": lattice_strain,
              "shear_strain": shear_strain}
    outcome = run(recipe, 3, {"preset": "smoke", "amorphous_cache": str(cache),
                              "overrides": {"shear_convention": convention,
                                            "anneal.time_ps": 0.005, "quench.time_ps": 0.005}},
                  tmp_path / "e2", None)
    before = np.array(outcome.details["box_before_recipe"])
    after = np.array(outcome.details["box_after_recipe"])
    assert outcome.details["amorphous_start"]["reused"] is True
    np.testing.assert_allclose(after, deform_cell(before, lattice_strain, shear_strain,
                                                  convention), rtol=0, atol=1e-9)
    # the box written with the final frame is the deformed box (NVT after the recipe)
    header = (tmp_path / "e2" / "final.dump").read_text().splitlines()
    xy = float(header[header.index(next(h for h in header if h.startswith("ITEM: BOX"))) + 1]
               .split()[2])
    assert xy == pytest.approx(after[1, 0], abs=1e-9)


def test_lost_atoms_is_a_worker_error(tmp_path):
    from vdwgym.md.task import run

    options = {"preset": "smoke", "amorphous_cache": str(tmp_path / "cache"),
               "overrides": {"walls.epsilon": 1e-9, "amorphize.temperature_K": 60000.0,
                             "amorphize.time_ps": 0.5}}
    with pytest.raises(WorkerError, match="[Ll]ost atoms"):
        run(FIG2_RECIPE, 1, options, tmp_path / "e", None)
    assert not list((tmp_path / "cache").glob("amorphous_*.data"))
