"""The external protocol, version 2, in process: sessions, suggestion ids, the offered
design, a fixed seed, failures as statuses, controller restarts, version errors, and
transport errors of their own kind."""

from __future__ import annotations

import socket
import threading

import pytest

from vdwgym import agents
from vdwgym.agents.external import ExternalAgent
from vdwgym.campaign import Campaign, CampaignConfig, initial_design
from vdwgym.errors import ProtocolMismatch, TransportError, ValidationError
from vdwgym.protocol import PROTOCOL_VERSION
from vdwgym.space import PAPER_SPACE
from vdwgym.store import Store
from vdwgym.testing.backends import FunctionBackend
from vdwgym.testing.controllers import RecordingController


def config(**kw) -> CampaignConfig:
    base = {"target_deg": 8.5, "budget": 14, "batch": 3, "n_init": 5, "seed": 21, "agent": "external",
            "agent_options": {"controller": "vdwgym.testing.controllers:RecordingController"},
            "stop_at_target": False}
    return CampaignConfig(**{**base, **kw})


def run(ctl: RecordingController, tmp_path=None, backend=None, **kw):
    camp = Campaign(config(**kw), None if tmp_path is None else tmp_path / "c.sqlite", backend=backend)
    camp.agent.controller = ctl
    return camp, camp.run()


def test_session_opens_with_the_shared_design_and_ids_come_back_with_outcomes():
    ctl = RecordingController()
    camp, res = run(ctl)
    (opened,) = ctl.bodies("session")
    design = [r.to_dict() for r in PAPER_SPACE.to_recipes(initial_design(PAPER_SPACE, 5, 21))]
    assert opened["protocol"] == PROTOCOL_VERSION
    assert [d["recipe"] for d in opened["design"]] == design
    assert [d["id"] for d in opened["design"]] == [f"design-{k}" for k in range(5)]
    items = [it for b in ctl.bodies("ingest") for it in b["items"]]
    assert [it["recipe"] for it in items] == [e.recipe.to_dict() for e in res.evaluations]
    # the design is ingested under its offered ids; every other point under the controller's id
    assert [it["source"] for it in items] == ["design"] * 5 + ["controller"] * 9
    assert [it["id"] for it in items[:5]] == [f"design-{k}" for k in range(5)]
    assert [it["id"] for it in items[5:]] == [s["id"] for s in ctl.suggestions]
    assert [it["recipe"] for it in items[5:]] == [s["recipe"] for s in ctl.suggestions]
    assert all(it["status"] == "ok" or it["twist_deg"] is None for it in items)
    assert {b["session"] for _, b in ctl.calls} == {camp.agent.session_id}


def test_seed_is_fixed_for_the_session_and_saved_with_the_agent_state():
    ctl = RecordingController()
    camp, _ = run(ctl)
    seeds = {b["seed"] for c, b in ctl.calls if c in ("session", "suggest")}
    assert len(seeds) == 1 and seeds == {camp.agent.session_seed}
    state = camp.agent.state_dict()
    assert state["session"] == camp.agent.session_id and state["session_seed"] == camp.agent.session_seed
    b = agents.make("external", space=PAPER_SPACE, target_deg=8.5, seed=99, controller=RecordingController())
    b.load_state_dict(state)
    assert (b.session_id, b.session_seed, b.history) == (camp.agent.session_id, camp.agent.session_seed,
                                                         camp.agent.history)


def test_one_controller_serves_two_campaigns_at_once_in_separate_sessions():
    ctl = RecordingController()
    lock = threading.Lock()

    class Serialized:
        def __getattr__(self, name):
            fn = getattr(ctl, name)

            def call(body):
                with lock:
                    return fn(body)
            return call

    camps = [Campaign(config(seed=s)) for s in (1, 2)]
    for c in camps:
        c.agent.controller = Serialized()
    results: list = [None, None]
    threads = [threading.Thread(target=lambda k=k: results.__setitem__(k, camps[k].run())) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    sessions = [c.agent.session_id for c in camps]
    assert sessions[0] != sessions[1]
    for c, res in zip(camps, results, strict=True):
        items = [it for b in ctl.bodies("ingest", c.agent.session_id) for it in b["items"]]
        assert [it["recipe"] for it in items] == [e.recipe.to_dict() for e in res.evaluations]


def test_failures_are_statuses_not_missing_numbers():
    ctl = RecordingController()
    backend = FunctionBackend(fail_below=0.4)
    _, res = run(ctl, backend=backend)
    items = [it for b in ctl.bodies("ingest") for it in b["items"]]
    failed = [it for it in items if it["status"] == "failed"]
    assert failed and all(it["twist_deg"] is None and it["regret_deg"] is None for it in failed)
    assert len(failed) == sum(e.outcome.status.value == "failed" for e in res.evaluations)
    assert all(it["status"] in ("ok", "no_twist", "failed", "timeout", "cancelled") for it in items)
    assert all((it["status"] == "ok") == (it["twist_deg"] is not None) for it in items)


def test_points_the_controller_did_not_suggest_are_legal_and_labelled_other():
    ctl = RecordingController()
    agent = ExternalAgent(PAPER_SPACE, 8.5, 0, controller=ctl)
    from vdwgym.outcome import Outcome, Status

    mine = PAPER_SPACE.validate({"temperature_K": 2000.0, "lattice_strain": 0.01, "shear_strain": 0.056})
    agent.tell([mine], [Outcome(Status.OK, mine, 1, twist_deg=9.0, order=0.9, crystalline=True)])
    (body,) = ctl.bodies("ingest")
    assert body["items"][0]["source"] == "other" and body["items"][0]["id"] is None
    assert body["items"][0]["regret_deg"] == pytest.approx(0.5)


def test_a_controller_that_restarted_gets_the_session_and_history_again(tmp_path):
    ctl = RecordingController()
    camp = Campaign(config(budget=14), tmp_path / "c.sqlite")
    camp.agent.controller = ctl
    forget_at = {"n": 0}
    real_suggest = ctl.suggest

    def suggest(body):
        forget_at["n"] += 1
        if forget_at["n"] == 3:
            ctl.forget()
        return real_suggest(body)

    ctl.suggest = suggest
    res = camp.run()
    assert len(res.evaluations) == 14 and camp.agent.reopened == 1
    opened = ctl.bodies("session")
    assert len(opened) == 2 and opened[0]["design"] == opened[1]["design"]
    replay = [b for b in ctl.bodies("ingest") if b.get("replay")]
    assert len(replay) == 1 and replay[0]["offset"] == 0
    told_before = [it["recipe"] for b in ctl.bodies("ingest")[:ctl.bodies("ingest").index(replay[0])]
                   for it in b["items"]]
    assert [it["recipe"] for it in replay[0]["items"]] == told_before
    with Store(tmp_path / "c.sqlite") as st:
        assert all(r.told for r in st.evaluations())


def test_resumed_campaign_keeps_its_session(tmp_path):
    ctl = RecordingController()
    camp = Campaign(config(budget=8), tmp_path / "c.sqlite")
    camp.agent.controller = ctl
    camp.run()
    again = Campaign.resume(tmp_path / "c.sqlite")
    assert again.agent.session_id == camp.agent.session_id
    assert again.agent.session_seed == camp.agent.session_seed


def test_a_controller_needing_a_newer_protocol_gets_a_clear_error():
    agent = ExternalAgent(PAPER_SPACE, 8.5, 0, controller=RecordingController(protocol=PROTOCOL_VERSION + 1))
    with pytest.raises(ProtocolMismatch, match=f"protocol {PROTOCOL_VERSION + 1}.*speaks protocol {PROTOCOL_VERSION}"):
        agent.ask(2)


def test_repeated_suggestion_ids_are_refused():
    ctl = RecordingController()
    real = ctl.suggest

    def same_ids(body):
        answer = real(body)
        for s in answer["suggestions"]:
            s["id"] = "always-the-same"
        return answer

    ctl.suggest = same_ids
    agent = ExternalAgent(PAPER_SPACE, 8.5, 0, controller=ctl)
    with pytest.raises(ValidationError) as info:
        agent.ask(2)
    assert info.value.field == "suggest.suggestions[1].id"


def test_suggestions_within_the_bound_tolerance_are_clipped():
    ctl = RecordingController()
    real = ctl.suggest

    def edge(body):
        answer = real(body)
        answer["suggestions"][0]["recipe"]["temperature_K"] = 3200.0 + 1e-9
        answer["suggestions"][0]["recipe"]["shear_strain"] = 0.055 - 1e-12
        return answer

    ctl.suggest = edge
    agent = ExternalAgent(PAPER_SPACE, 8.5, 0, controller=ctl)
    (r,) = agent.ask(1)
    assert r.temperature_K == 3200.0 and r.shear_strain == 0.055


def test_unreachable_controller_raises_a_transport_error_not_a_validation_error():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    agent = ExternalAgent(PAPER_SPACE, 8.5, 0, url=f"http://127.0.0.1:{port}", timeout_s=2.0)
    import httpx

    assert isinstance(agent.controller._http, httpx.Client)  # one HTTP client library: httpx
    with pytest.raises(TransportError) as info:
        agent.ask(1)
    assert info.value.endpoint == "session" and not isinstance(info.value, ValidationError)
    assert f"127.0.0.1:{port}" in str(info.value)
