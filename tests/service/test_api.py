"""The HTTP API on a real server: campaigns, submissions, budget, validation, polling,
streaming, cancellation, bounds and the token rule."""

from __future__ import annotations

import subprocess
import sys
import threading

import httpx
import pytest

from tests.service.conftest import RECIPE, ServerProcess, recipes
from vdwgym.backends.surrogate import SurrogateBackend
from vdwgym.errors import BudgetExhausted, ValidationError
from vdwgym.outcome import Outcome
from vdwgym.seeding import evaluation_seed
from vdwgym.service.client import ServiceClient, ServiceError
from vdwgym.service.limits import MAX_BATCH, MAX_BODY_BYTES
from vdwgym.space import PAPER_SPACE, Recipe


def test_space_matches_the_paper_space(client):
    space = client.space()
    assert space == PAPER_SPACE


def test_submitted_recipes_are_evaluated_with_the_campaign_seeds(client):
    camp = client.create_campaign(budget=5, seed=11, target_deg=8.5)
    batch = recipes(3, seed=1)
    sub = client.submit(camp["name"], batch)
    assert sub["created"] and sub["budget_left"] == 2
    idxs = [e["idx"] for e in sub["evaluations"]]
    assert idxs == [0, 1, 2]
    done = client.wait(camp["name"], idxs, timeout_s=60)
    expected = SurrogateBackend().evaluate([Recipe(r) for r in batch],
                                           [evaluation_seed(11, i) for i in idxs])
    for view, want in zip(done, expected, strict=True):
        got = Outcome.from_dict(view["outcome"])
        assert got.seed == want.seed
        assert got.twist_deg == want.twist_deg
        assert view["regret_deg"] == want.regret(8.5)


def test_budget_is_enforced_with_409_and_nothing_written(client):
    name = client.create_campaign(budget=4, seed=0)["name"]
    client.submit(name, recipes(3, seed=2))
    with pytest.raises(BudgetExhausted, match="1 of 4"):
        client.submit(name, recipes(2, seed=3))
    assert client.campaign(name)["n_submitted"] == 3
    client.submit(name, recipes(1, seed=4))
    with pytest.raises(BudgetExhausted):
        client.submit(name, [RECIPE])
    assert client.campaign(name)["n_submitted"] == 4


@pytest.mark.parametrize("bad, field", [
    ({"temperature_K": 100.0, "lattice_strain": 0.0, "shear_strain": 0.056}, "recipes[1].temperature_K"),
    ({"temperature_K": 2000.0, "lattice_strain": 0.0}, "recipes[1].shear_strain"),
    ({**RECIPE, "pressure": 1.0}, "recipes[1].pressure"),
    ({**RECIPE, "lattice_strain": "a lot"}, "recipes[1].lattice_strain"),
])
def test_invalid_recipe_gets_422_naming_the_field_and_writes_nothing(client, bad, field):
    name = client.create_campaign(budget=5)["name"]
    with pytest.raises(ValidationError) as info:
        client.submit(name, [RECIPE, bad])
    assert info.value.field == field
    assert client.campaign(name)["n_submitted"] == 0


def test_non_finite_number_gets_422(server, client):
    name = client.create_campaign(budget=5)["name"]
    body = '{"recipes": [{"temperature_K": NaN, "lattice_strain": 0.0, "shear_strain": 0.056}]}'
    r = httpx.post(f"{server.url}/campaigns/{name}/evaluations", content=body,
                   headers={"Content-Type": "application/json"})
    assert r.status_code == 422
    assert r.json()["field"] == "recipes[0].temperature_K"
    assert client.campaign(name)["n_submitted"] == 0


@pytest.mark.parametrize("body, field", [
    ({"budget": 0}, "budget"),
    ({"target_deg": 31}, "target_deg"),
    ({"seed": -1}, "seed"),
    ({"name": "../escape"}, "name"),
    ({"backend": "lammps"}, "backend"),
    ({"colour": "red"}, "colour"),
])
def test_invalid_campaign_gets_422_naming_the_field(server, body, field):
    before = httpx.get(f"{server.url}/campaigns").json()["campaigns"]
    r = httpx.post(f"{server.url}/campaigns", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field
    assert httpx.get(f"{server.url}/campaigns").json()["campaigns"] == before


def test_duplicate_name_is_409_and_unknown_campaign_404(server, client):
    client.create_campaign(name="twice", budget=2)
    with pytest.raises(ServiceError) as info:
        client.create_campaign(name="twice", budget=2)
    assert info.value.status == 409
    with pytest.raises(ServiceError) as info:
        client.campaign("nobody")
    assert info.value.status == 404
    assert httpx.get(f"{server.url}/campaigns/twice/evaluations/7").status_code == 404


def test_request_id_makes_a_submission_idempotent(client):
    name = client.create_campaign(budget=6)["name"]
    batch = recipes(2, seed=5)
    first = client.submit(name, batch, request_id="step-1")
    again = client.submit(name, batch, request_id="step-1")
    assert first["created"] and not again["created"]
    assert [e["idx"] for e in again["evaluations"]] == [e["idx"] for e in first["evaluations"]]
    assert client.campaign(name)["n_submitted"] == 2
    with pytest.raises(ServiceError) as info:
        client.submit(name, recipes(2, seed=6), request_id="step-1")
    assert info.value.status == 409


def test_results_since_cursor_pages_through_completions_once(client):
    name = client.create_campaign(budget=9)["name"]
    for k in range(3):
        client.submit(name, recipes(3, seed=10 + k))
    client.wait(name, list(range(9)), timeout_s=60)
    seen, since = [], 0
    while True:
        page = client.results(name, since=since, limit=4)
        if not page["results"]:
            break
        seen += page["results"]
        since = page["next_since"]
    assert sorted(r["idx"] for r in seen) == list(range(9))
    assert [r["done_order"] for r in seen] == list(range(9))
    assert page["summary"]["state"] == "complete"


def test_stream_sends_each_result_once_then_ends(client):
    name = client.create_campaign(budget=6)["name"]
    events: list[tuple[str, dict]] = []
    reader = threading.Thread(target=lambda: events.extend(client.stream(name, timeout_s=60)))
    reader.start()
    for k in range(3):
        client.submit(name, recipes(2, seed=20 + k))
    reader.join(90)
    assert not reader.is_alive()
    kinds = [k for k, _ in events]
    assert kinds[-1] == "end"
    results = [d for k, d in events if k == "result"]
    assert sorted(r["idx"] for r in results) == list(range(6))
    resumed = list(client.stream(name, since=4, timeout_s=10))
    assert [d["done_order"] for k, d in resumed if k == "result"] == [4, 5]


def test_cancelled_campaign_takes_no_more_recipes(client):
    name = client.create_campaign(budget=5)["name"]
    client.submit(name, [RECIPE])
    out = client.cancel(name)
    assert out["summary"]["state"] == "cancelled"
    with pytest.raises(ServiceError) as info:
        client.submit(name, [RECIPE])
    assert info.value.status == 409
    assert client.campaign(name)["n_submitted"] == 1


def test_bounds_on_batch_and_body(server, client):
    name = client.create_campaign(budget=500)["name"]
    with pytest.raises(ValidationError) as info:
        client.submit(name, [RECIPE] * (MAX_BATCH + 1))
    assert info.value.field == "recipes"
    big = b'{"recipes": [' + b" " * MAX_BODY_BYTES + b"]}"
    r = httpx.post(f"{server.url}/campaigns/{name}/evaluations", content=big,
                   headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    assert client.campaign(name)["n_submitted"] == 0


def test_concurrent_batches_never_exceed_the_budget(server, client):
    name = client.create_campaign(budget=20)["name"]
    accepted: list[int] = []
    refused: list[int] = []

    def push(k: int) -> None:
        with ServiceClient(server.url) as c:
            for j in range(4):
                try:
                    accepted.extend(e["idx"] for e in c.submit(name, recipes(3, seed=100 * k + j))["evaluations"])
                except BudgetExhausted:
                    refused.append(k)

    threads = [threading.Thread(target=push, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sorted(accepted) == list(range(18))
    assert len(refused) == 16 - 6
    assert client.campaign(name)["n_submitted"] == 18


def test_token_is_required_when_set(tmp_path):
    srv = ServerProcess(tmp_path / "root", env={"VDWGYM_TOKEN": "s3cret"})
    try:
        assert httpx.get(f"{srv.url}/health").status_code == 200
        r = httpx.get(f"{srv.url}/campaigns")
        assert r.status_code == 401 and r.json()["field"] == "Authorization"
        assert httpx.get(f"{srv.url}/campaigns", headers={"Authorization": "Bearer nope"}).status_code == 401
        with ServiceClient(srv.url, token="s3cret") as c:
            assert c.create_campaign(budget=1)["budget_left"] == 1
    finally:
        srv.stop()


def test_refuses_a_public_address_without_token(tmp_path):
    env = {k: v for k, v in __import__("os").environ.items() if k != "VDWGYM_TOKEN"}
    proc = subprocess.run([sys.executable, "-m", "vdwgym.cli", "serve", "--host", "0.0.0.0", "--port", "0",
                           "--root", str(tmp_path / "root")], capture_output=True, text=True, timeout=60,
                          env=env)
    assert proc.returncode == 2
    assert "token" in proc.stderr and "listening" not in proc.stdout


@pytest.mark.parametrize("content", [b"{not json", b"\xff\xfe", b"[1, 2]", b""])
def test_malformed_body_gets_4xx_and_writes_nothing(server, client, content):
    name = client.create_campaign(budget=2)["name"]
    r = httpx.post(f"{server.url}/campaigns/{name}/evaluations", content=content,
                   headers={"Content-Type": "application/json"})
    assert r.status_code in (400, 422), r.text
    assert r.json()["field"] in ("body", None)
    assert client.campaign(name)["n_submitted"] == 0
