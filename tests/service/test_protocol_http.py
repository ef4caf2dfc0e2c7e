"""Protocol 2 of the lab service on a real server: its version, the shared initial design,
names with '.', one name for running evaluations, bounds with a tolerance (clipped values
reported), RemoteLab seeds and batch steps, transport errors of their own kind."""

from __future__ import annotations

import socket

import httpx
import numpy as np
import pytest

from tests.service.conftest import RECIPE, recipes
from vdwgym.backends.surrogate import SurrogateBackend
from vdwgym.campaign import initial_design
from vdwgym.errors import ProtocolMismatch, TransportError, ValidationError
from vdwgym.lab import Lab
from vdwgym.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
from vdwgym.seeding import evaluation_seed
from vdwgym.service.client import RemoteLab, ServiceClient, ServiceError
from vdwgym.space import PAPER_SPACE


def test_health_states_the_protocol_and_a_client_needing_a_newer_one_is_told(server):
    assert httpx.get(f"{server.url}/health").json()["protocol"] == PROTOCOL_VERSION
    r = httpx.get(f"{server.url}/campaigns", headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION + 1)})
    assert r.status_code == 400
    assert r.json()["field"] == PROTOCOL_HEADER
    assert f"needs vdwgym protocol {PROTOCOL_VERSION + 1}" in r.json()["detail"]
    assert f"speaks protocol {PROTOCOL_VERSION}" in r.json()["detail"]
    assert httpx.get(f"{server.url}/campaigns", headers={PROTOCOL_HEADER: "1"}).status_code == 200
    assert httpx.get(f"{server.url}/campaigns").status_code == 200  # clients of protocol 1 state none


def test_design_endpoint_gives_the_in_process_initial_design(client):
    name = client.create_campaign(budget=20, seed=123)["name"]
    got = client.design(name, 10)
    want = PAPER_SPACE.to_recipes(initial_design(PAPER_SPACE, 10, 123))
    assert got == [r.to_dict() for r in want]
    assert client.design(name, 5) == got[:5]  # a prefix: any n_init gives the same first points
    body = httpx.get(f"{client.url}/campaigns/{name}/design", params={"n": 3}).json()
    assert body["ids"] == ["design-0", "design-1", "design-2"] and body["seed"] == 123


def test_campaign_names_may_contain_dots(client):
    summary = client.create_campaign(name="t8.5", budget=2, target_deg=8.5)
    assert summary["name"] == "t8.5"
    assert client.campaign("t8.5")["config"]["target_deg"] == 8.5
    client.submit("t8.5", [RECIPE], request_id="cycle.1")
    with pytest.raises(ValidationError):
        client.create_campaign(name=".hidden", budget=2)


def test_running_is_one_name_in_views_summary_and_filter(tmp_path):
    from tests.service.conftest import ServerProcess

    srv = ServerProcess(tmp_path / "root", args=("--backend", "worker"))
    try:
        with ServiceClient(srv.url) as c:
            name = c.create_campaign(backend="worker", budget=3, seed=1)["name"]
            c.submit(name, recipes(3, seed=5))
            views = c.evaluations(name, status="running")
            summary = c.campaign(name)
            assert views and all(v["status"] == "running" for v in views)
            assert summary["n_running"] >= 1
            assert [v["idx"] for v in c.evaluations(name, status="launched")] == [
                v["idx"] for v in c.evaluations(name, status="running")]  # protocol 1's name still filters
            c.wait(name, [0, 1, 2], timeout_s=120)
            assert c.evaluations(name, status="running") == []
            assert {v["status"] for v in c.evaluations(name)} == {"done"}
    finally:
        srv.stop()


def test_values_within_the_tolerance_past_a_bound_are_clipped_and_reported(client):
    name = client.create_campaign(budget=4, seed=2)["name"]
    edge = {"temperature_K": 3200.0 + 1e-9, "lattice_strain": 0.05 + 1e-12, "shear_strain": 0.056}
    sub = client.submit(name, [RECIPE, edge])
    assert sub["evaluations"][1]["recipe"] == {"temperature_K": 3200.0, "lattice_strain": 0.05,
                                               "shear_strain": 0.056}
    assert {(c["index"], c["field"]) for c in sub["clipped"]} == {(1, "temperature_K"), (1, "lattice_strain")}
    assert [c["used"] for c in sub["clipped"] if c["field"] == "temperature_K"] == [3200.0]
    with pytest.raises(ValidationError) as info:
        client.submit(name, [{**RECIPE, "temperature_K": 3200.01}])
    assert info.value.field == "recipes[0].temperature_K"


def test_remote_lab_reset_seed_is_the_lab_seed_and_batch_steps_match_in_process(server):
    env = RemoteLab(server.url, target_deg=8.5, budget=8, tolerance_deg=0.0)
    try:
        _, info = env.reset(seed=0)
        assert info["lab_seed"] == 0
        assert env.client.campaign(env.campaign)["config"]["seed"] == 0
        A = np.random.default_rng(3).uniform(-1, 1, (4, 3))
        obs, rewards, terminated, truncated, infos = env.step_batch(A)
        assert [i["evaluation"] for i in infos] == [0, 1, 2, 3] and rewards.shape == (4,)
        assert obs[4] == pytest.approx(4 / 8)
        lab = Lab(SurrogateBackend(), target_deg=8.5, budget=8, seed=0)
        local = lab.evaluate([env.recipe_of(a) for a in A])
        assert [i["seed"] for i in infos] == [o.seed for o in local] == [evaluation_seed(0, i) for i in range(4)]
        assert [i["twist_deg"] for i in infos] == [o.twist_deg for o in local]
        _, reward, *_ = env.step(A[0])
        assert isinstance(reward, float)
        with pytest.raises(ValidationError):
            env.step_batch(np.zeros((2, 2)))
    finally:
        env.close()


def test_an_unreachable_server_is_a_transport_error(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with ServiceClient(f"http://127.0.0.1:{port}") as c, pytest.raises(TransportError) as info:
        c.health()
    assert isinstance(info.value, ServiceError) and not isinstance(info.value, ValidationError)


def test_design_on_a_protocol_1_server_names_the_version_needed():
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Old(BaseHTTPRequestHandler):  # a protocol-1 server: no /design, no "protocol" in /health
        def log_message(self, *args):
            pass

        def do_GET(self):
            if self.path == "/health":
                data, code = {"status": "ok", "version": "0.0.1", "campaigns": 1, "unreadable": {}}, 200
            else:
                data, code = {"detail": "Not Found", "field": None}, 404
            raw = json.dumps(data).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Old)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        with ServiceClient(f"http://127.0.0.1:{httpd.server_address[1]}") as c:
            with pytest.raises(ProtocolMismatch, match="protocol 1; design\\(\\) needs protocol 2"):
                c.design("c0000", 5)
    finally:
        httpd.shutdown()
        httpd.server_close()
