"""The service over the worker backend (one ``python -m vdwgym.worker`` subprocess per
evaluation): cancelling a running evaluation, and a server killed while evaluations run."""

from __future__ import annotations

import pytest

from tests.service.conftest import ServerProcess, recipes
from vdwgym.service.client import ServiceClient

pytestmark = pytest.mark.slow


@pytest.fixture
def worker_server(tmp_path):
    srv = ServerProcess(tmp_path / "root", args=("--backend", "surrogate", "--backend", "worker"))
    yield srv
    srv.stop()


def test_cancel_stops_a_running_evaluation(worker_server):
    with ServiceClient(worker_server.url) as c:
        name = c.create_campaign(backend="worker", budget=2, seed=1)["name"]
        c.submit(name, recipes(2, seed=0))
        c.cancel_evaluation(name, 1)
        first, second = c.wait(name, [0, 1], timeout_s=300)
    assert first["outcome"]["status"] == "ok"
    assert second["outcome"]["status"] == "cancelled"


def test_killed_while_workers_run_then_restarted(worker_server):
    with ServiceClient(worker_server.url) as c:
        name = c.create_campaign(backend="worker", budget=3, seed=2)["name"]
        c.submit(name, recipes(3, seed=1), request_id="only")
    worker_server.kill()
    worker_server.restart()
    with ServiceClient(worker_server.url, retry_s=30) as c:
        done = c.wait(name, [0, 1, 2], timeout_s=300)
        again = c.submit(name, recipes(3, seed=1), request_id="only")
        summary = c.campaign(name)
    assert [d["outcome"]["status"] for d in done] == ["ok", "ok", "ok"]
    assert not again["created"] and summary["n_submitted"] == summary["n_done"] == 3
