"""The MD dataset shipped with vdwgym loads, and its records agree with its structures."""

import pytest

from vdwgym.analysis import analyze_frame
from vdwgym.datasets import load_md, md_names


@pytest.mark.skipif("reaxff-ws-v1" not in md_names(), reason="dataset not shipped")
def test_reaxff_dataset_is_consistent():
    ds = load_md("reaxff-ws-v1")
    assert len(ds) >= 8 and ds.meta["units"]["lammps"] == "real"
    assert ds.meta["geometry"]["a"] == pytest.approx(3.207, abs=0.004)
    assert all("/" not in f["name"] for f in ds.meta["potential"]["files"])
    assert max(len(v) for v in ds.by_recipe().values()) >= 2      # repeats on several seeds
    r = next(r for r in ds.records if r.crystalline)
    frame = ds.frame(r.idx)
    res = analyze_frame(frame.positions, frame.types, frame.cell, a=ds.meta["geometry"]["a"])
    assert res.twist_deg == pytest.approx(r.twist_deg, abs=1e-4)
