"""The ``external`` agent: an outside controller (a small http.server process) benchmarked on
the campaign loop beside the built-in agents, and its bad answers refused cleanly."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from vdwgym import agents
from vdwgym.campaign import Campaign, CampaignConfig
from vdwgym.errors import TransportError, ValidationError
from vdwgym.store import Store

CONTROLLER = Path(__file__).with_name("toy_controller.py")


@pytest.fixture(scope="module")
def controller():
    proc = subprocess.Popen([sys.executable, str(CONTROLLER), "0"], stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("ready "), line
        yield f"http://127.0.0.1:{int(line.split()[1])}"
    finally:
        proc.terminate()
        proc.wait(10)
        proc.stdout.close()


def config(url: str, **kw) -> CampaignConfig:
    base = {"target_deg": 8.5, "budget": 14, "batch": 3, "n_init": 5, "seed": 21, "agent": "external",
            "agent_options": {"url": url, "timeout_s": 2.0}, "stop_at_target": False}
    return CampaignConfig(**{**base, **kw})


def test_external_is_registered():
    assert "external" in agents.names()


def test_outside_controller_runs_a_campaign_beside_a_builtin_agent(controller, tmp_path):
    ext = Campaign(config(f"{controller}/good"), tmp_path / "ext.sqlite").run()
    rnd = Campaign(config("", agent="random", agent_options={}), tmp_path / "rnd.sqlite").run()
    assert len(ext.evaluations) == len(rnd.evaluations) == 14
    for a, b in zip(ext.evaluations[:5], rnd.evaluations[:5], strict=True):
        assert (a.recipe, a.seed) == (b.recipe, b.seed)  # same initial design, same lab seeds
    assert [e.seed for e in ext.evaluations] == [e.seed for e in rnd.evaluations]
    with urllib.request.urlopen(f"{controller}/good/log", timeout=10) as r:
        log = json.load(r)
    # cycles of 3: 3 initial; 2 initial + 1 suggested; then 3, 3 and the last 2 suggested
    assert [b["n"] for b in log["suggest"]] == [1, 3, 3, 2]
    assert [b["n_observed"] for b in log["suggest"]] == [3, 6, 9, 12]
    assert all(b["space"]["dimensions"][0]["name"] == "temperature_K" for b in log["suggest"])
    ingested = [rec for b in log["ingest"] for rec in b["recipes"]]
    assert ingested == [e.recipe.to_dict() for e in ext.evaluations]
    assert [b["offset"] for b in log["ingest"]] == [0, 3, 6, 9, 12]
    assert [o["twist_deg"] for b in log["ingest"] for o in b["outcomes"]] == [
        e.outcome.twist_deg for e in ext.evaluations]
    with Store(tmp_path / "ext.sqlite") as st:
        assert all(r.told for r in st.evaluations())


@pytest.mark.parametrize("mode, kind, field", [
    ("count", ValidationError, "suggest.recipes"),
    ("outside", ValidationError, "suggest.recipes[2].temperature_K"),
    ("garbage", ValidationError, "suggest"),
    ("slow", TransportError, "suggest"),
    ("fail", TransportError, "suggest"),
])
def test_bad_controller_answers_are_refused_before_anything_is_written(controller, tmp_path, mode, kind,
                                                                       field):
    path = tmp_path / "c.sqlite"
    camp = Campaign(config(f"{controller}/{mode}", budget=8, n_init=3, batch=3), path)
    with pytest.raises(kind) as info:
        camp.run()
    assert (info.value.field if kind is ValidationError else info.value.endpoint) == field
    if kind is TransportError:
        assert not isinstance(info.value, ValidationError)
    with Store(path) as st:
        rows = st.evaluations()
        assert [r.source for r in rows] == ["init", "init", "init"]
        assert all(r.status == "done" for r in rows)


def test_agent_state_round_trips_and_keeps_the_url(controller):
    from vdwgym.space import PAPER_SPACE

    a = agents.make("external", space=PAPER_SPACE, target_deg=8.5, seed=3, url=f"{controller}/quiet")
    a.ask(2)
    b = agents.make("external", space=PAPER_SPACE, target_deg=8.5, seed=99, url=f"{controller}/quiet")
    b.load_state_dict(a.state_dict())
    assert b.state_dict() == a.state_dict()
    with pytest.raises(ValidationError) as info:
        agents.make("external", space=PAPER_SPACE, target_deg=8.5, seed=3, url="ftp://x")
    assert info.value.field == "url"
