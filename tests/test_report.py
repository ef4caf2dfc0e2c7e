"""report.md from a snapshot: links the pictures the best evaluations left beside final.dump."""

from __future__ import annotations

from vdwgym.campaign import CampaignConfig
from vdwgym.lab import Evaluation
from vdwgym.monitor import CampaignSnapshot
from vdwgym.outcome import Outcome, Status
from vdwgym.pictures import write_structure_pictures
from vdwgym.report import write_report
from vdwgym.space import Recipe
from vdwgym.structures import twisted_bilayer
from vdwgym.testing.dumps import write_dump

RECIPE = Recipe({"temperature_K": 2500.0, "lattice_strain": 0.02, "shear_strain": 0.056})


def test_report_links_the_structure_pictures(tmp_path):
    run = tmp_path / "runs" / "e000000" / "attempt-1"
    run.mkdir(parents=True)
    s, theta = twisted_bilayer(2, 3, repeat=(2, 2))
    write_dump(s, run / "final.dump")
    write_structure_pictures(run)
    with_pictures = Evaluation(0, "e000000", RECIPE, 1, 0, "init", outcome=Outcome(
        Status.OK, RECIPE, 1, twist_deg=theta, crystalline=True, run_dir=str(run)))
    without = Evaluation(1, "e000001", RECIPE, 2, 0, "init", outcome=Outcome(
        Status.OK, RECIPE, 2, twist_deg=5.0, crystalline=True, run_dir=str(tmp_path / "nothing")))
    running = Evaluation(2, "e000002", RECIPE, 3, 1, "agent")
    snap = CampaignSnapshot(tmp_path, CampaignConfig(target_deg=13.0, budget=5, n_init=2), [with_pictures, without, running],
                            [with_pictures, without], {}, {}, [])
    text = write_report(snap, tmp_path / "report").read_text()
    assert "## Structures of the best evaluations" in text
    assert "![structure e000000](../runs/e000000/attempt-1/structure.png)" in text
    assert "![diffraction e000000](../runs/e000000/attempt-1/diffraction.png)" in text
    assert "e000001" not in text.split("## Structures")[1].split("## Configuration")[0]
    assert "stopped: not stopped (still running, or killed); evaluations: 3 (2 ok, 0 not ok, 0 not crystalline, 1 running)" in text
