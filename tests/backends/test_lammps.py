"""LammpsBackend: the worker path end to end (python -m vdwgym.worker through the local
engine), and option checks at construction."""

import json

import pytest

from tests.md.markers import needs_lammps
from vdwgym.errors import ValidationError
from vdwgym.outcome import Status
from vdwgym.space import PAPER_SPACE, Recipe

pytestmark = needs_lammps


def test_bad_options_refused_at_construction(tmp_path):
    from vdwgym.backends.lammps import LammpsBackend

    with pytest.raises(ValidationError, match="preset"):
        LammpsBackend(preset="nope", root=tmp_path)
    with pytest.raises(ValidationError, match="collapses"):
        LammpsBackend(potential="sw_mod", root=tmp_path)
    with pytest.raises(ValidationError, match="bogus"):
        LammpsBackend(root=tmp_path, bogus=1)


def test_config_shares_one_amorphous_cache_under_root(tmp_path):
    from vdwgym.backends.lammps import LammpsBackend

    with LammpsBackend(preset="smoke", root=tmp_path, max_retries=0) as backend:
        cfg = backend.config()
    assert cfg["kind"] == "lammps" and cfg["name"] == "lammps"
    assert cfg["options"]["preset"] == "smoke" and cfg["options"]["potential"] == "rebomos"
    assert cfg["options"]["amorphous_cache"] == str(tmp_path.absolute() / "amorphous_cache")
    assert cfg["max_retries"] == 0


@pytest.mark.md
def test_worker_runs_the_smoke_preset(tmp_path):
    from vdwgym.backends.lammps import LammpsBackend

    recipe = Recipe(temperature_K=2500.0, lattice_strain=0.015, shear_strain=0.056)
    with LammpsBackend(PAPER_SPACE, preset="smoke", root=tmp_path / "runs",
                       max_retries=0) as backend:
        first = backend.submit(recipe, 5, key="e000000").result(timeout=300)
        second = backend.submit(recipe, 6, key="e000001").result(timeout=300)
    assert first.status is Status.OK, first.error
    assert second.status is Status.OK, second.error
    assert first.details["amorphous_start"]["reused"] is False
    assert second.details["amorphous_start"]["reused"] is True
    assert second.details["amorphous_start"]["key"] == first.details["amorphous_start"]["key"]
    run_dir = tmp_path / "runs" / "e000000" / "attempt-1"
    progress = [json.loads(x) for x in (run_dir / "progress.jsonl").read_text().splitlines()]
    assert progress == first.history
    assert (run_dir / "final.dump").is_file() and (run_dir / "log.lammps").is_file()


@pytest.mark.md
def test_evaluations_launched_together_compute_the_amorphous_start_once(tmp_path):
    from vdwgym.backends.lammps import LammpsBackend

    recipes = [Recipe(temperature_K=t, lattice_strain=0.01, shear_strain=0.056) for t in (2000.0, 2600.0)]
    with LammpsBackend(PAPER_SPACE, preset="smoke", root=tmp_path / "runs", max_retries=0,
                       engine_options={"slots": 2}) as backend:
        futures = [backend.submit(r, 7 + i, key=f"e00000{i}") for i, r in enumerate(recipes)]
        outcomes = [f.result(timeout=300) for f in futures]
    assert all(o.status is Status.OK for o in outcomes), [o.error for o in outcomes]
    starts = [o.details["amorphous_start"] for o in outcomes]
    assert sorted(s["reused"] for s in starts) == [False, True]
    assert starts[0]["key"] == starts[1]["key"]
    cached = list((tmp_path / "runs" / "amorphous_cache").glob("amorphous_*.data"))
    assert len(cached) == 1
