"""An MD campaign exported as a dataset and loaded back (vdwgym/datasets/)."""

import json
import sqlite3

import pytest

from tests.md.markers import needs_lammps
from vdwgym.analysis import analyze_frame
from vdwgym.campaign import Campaign, CampaignConfig
from vdwgym.datasets import MD_DIR, load_md, md_names
from vdwgym.datasets.export import export_campaign
from vdwgym.errors import ValidationError
from vdwgym.space import PAPER_SPACE

pytestmark = [pytest.mark.md, needs_lammps]

RECIPE = {"temperature_K": 2500.0, "lattice_strain": 0.01, "shear_strain": 0.056}


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    base = tmp_path_factory.mktemp("ds")
    out = base / "camp"
    out.mkdir()
    config = CampaignConfig(
        target_deg=8.5, budget=3, batch=3, n_init=0, mode="sync", agent="design",
        agent_options={"recipes": [RECIPE, RECIPE, RECIPE], "then": "stop"},
        backend="lammps", backend_options={"preset": "smoke", "root": str(out / "runs"),
                                           "engine_options": {"slots": 2}},
        seed=4, stop_at_target=False, space=PAPER_SPACE.to_dict())
    Campaign(config, out / "campaign.sqlite").run()
    return export_campaign(out, base / "data" / "smoke-v0", description="test"), out


def test_export_keeps_every_evaluation_with_its_structure(exported):
    path, _ = exported
    ds = load_md(path)
    assert ds.name == "smoke-v0" and len(ds) == 3
    assert [r.idx for r in ds.records] == [0, 1, 2]
    assert len({r.seed for r in ds.records}) == 3           # one recipe, three seeds
    assert len(ds.by_recipe()) == 1
    for r in ds.records:
        assert r.ok and r.history and r.structure.is_file()
        frame = ds.frame(r.idx)
        res = analyze_frame(frame.positions, frame.types, frame.cell,
                            a=ds.meta["geometry"]["a"])
        assert res.crystalline == r.crystalline and res.twist_deg == r.twist_deg
        assert r.crystallinity == [ly.peak_sn for ly in res.layers] or \
            r.crystallinity == pytest.approx([ly.peak_sn for ly in res.layers], abs=1e-6)


def test_metadata_names_no_local_path(exported):
    path, _ = exported
    meta = json.loads((path / "dataset.json").read_text())
    assert meta["n_evaluations"] == 3 and meta["protocol"]["name"] == "smoke"
    assert all("/" not in f["name"] and len(f["sha256"]) == 64 for f in meta["potential"]["files"])
    assert "root" not in meta["campaign"]["backend_options"]
    assert meta["geometry"]["source"] == "relaxed"


def test_store_snapshot_is_self_contained(exported):
    path, _ = exported
    assert not (path / "campaign.sqlite-wal").exists()
    db = sqlite3.connect(path / "campaign.sqlite")
    assert db.execute("SELECT COUNT(*) FROM evaluations WHERE status = 'done'").fetchone()[0] == 3


def test_unknown_dataset_is_refused():
    with pytest.raises(ValidationError, match="dataset"):
        load_md("no-such-dataset")
    assert all((MD_DIR / n / "dataset.json").is_file() for n in md_names())


def test_re_export_writes_byte_identical_structures(exported, tmp_path):
    path, camp = exported
    again = export_campaign(camp, tmp_path / "smoke-v0", description="test")
    for r in load_md(path).records:
        assert (again / r.structure.relative_to(path)).read_bytes() == r.structure.read_bytes()
