"""Bounded resources of the service (issue 13, defect 7): one server per root (a lock), a
clear 503 once the open-file budget is spent (no 500s, no ``.new-*`` leftovers), and a
loopback load test with the server SIGKILLed in the middle that keeps every acknowledged
submission."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest

from tests.service.conftest import ServerProcess, recipes

httpx = pytest.importorskip("httpx")


class LimitedServer(ServerProcess):
    """A server whose open-file limit (soft and hard) is ``nofile``."""

    nofile = 320

    def _start(self, port: int) -> subprocess.Popen:
        import os

        cmd = ["bash", "-c", f'ulimit -n {self.nofile} && exec "$@"', "serve",
               sys.executable, "-m", "vdwgym.cli", "serve", "--port", str(port), "--root",
               str(self.root)]
        with open(self.log, "a") as err:
            return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, text=True,
                                    env=dict(os.environ))


def test_a_second_server_on_one_root_is_refused(tmp_path):
    srv = ServerProcess(tmp_path / "root")
    try:
        res = subprocess.run([sys.executable, "-m", "vdwgym.cli", "serve", "--port", "0",
                              "--root", str(tmp_path / "root")], capture_output=True, text=True,
                             timeout=60)
        assert res.returncode == 2
        assert "is served by pid" in res.stderr and "one server per root" in res.stderr
    finally:
        srv.stop()
    (tmp_path / "f").write_text("x")
    res = subprocess.run([sys.executable, "-m", "vdwgym.cli", "serve", "--port", "0", "--root",
                          str(tmp_path / "f")], capture_output=True, text=True, timeout=60)
    assert res.returncode == 2 and "root: expected a folder" in res.stderr


def test_a_full_server_answers_503_and_leaves_nothing_half_made(tmp_path):
    srv = LimitedServer(tmp_path / "root")
    capacity = (LimitedServer.nofile - 256) // 4
    try:
        codes = [httpx.post(f"{srv.url}/campaigns", json={"budget": 5}, timeout=30).status_code
                 for _ in range(capacity + 3)]
        assert codes == [201] * capacity + [503] * 3
        full = httpx.post(f"{srv.url}/campaigns", json={"budget": 5}, timeout=30)
        assert "this server is full" in full.json()["detail"] and full.headers["Retry-After"]
        name = httpx.get(f"{srv.url}/campaigns", timeout=30).json()
        assert httpx.get(f"{srv.url}/health", timeout=30).status_code == 200
    finally:
        srv.stop()
    assert not list((tmp_path / "root").glob(".new-*"))
    assert name  # the campaigns made before the limit are all listed


def test_load_with_a_server_sigkill_keeps_every_acknowledged_submission(tmp_path):
    """8 clients submit 1-recipe batches to one campaign while the server is SIGKILLed; after
    a restart every acknowledged index is in the record with its recipe."""
    srv = ServerProcess(tmp_path / "root")
    acked: dict[int, dict] = {}
    lock = threading.Lock()
    try:
        httpx.post(f"{srv.url}/campaigns", json={"name": "load", "budget": 400}, timeout=30)
        stop = threading.Event()

        def client(k: int) -> None:
            with httpx.Client(timeout=10) as c:
                for i, r in enumerate(recipes(40, 100 + k)):
                    if stop.is_set():
                        return
                    try:
                        resp = c.post(f"{srv.url}/campaigns/load/evaluations",
                                      json={"recipes": [r], "request_id": f"c{k}-{i}"})
                    except httpx.TransportError:
                        return
                    if resp.status_code in (200, 201):
                        with lock:
                            for e in resp.json()["evaluations"]:
                                acked[e["idx"]] = r
                    else:
                        assert resp.status_code < 500, resp.text

        threads = [threading.Thread(target=client, args=(k,)) for k in range(8)]
        for t in threads:
            t.start()
        while len(acked) < 40 and any(t.is_alive() for t in threads):
            threading.Event().wait(0.02)
        srv.kill()
        stop.set()
        for t in threads:
            t.join(30)
        assert len(acked) >= 40
        srv.restart()
        got = httpx.get(f"{srv.url}/campaigns/load/evaluations", params={"limit": 1000},
                        timeout=30).json()
        by_index = {e["idx"]: e["recipe"] for e in got["evaluations"]}
        assert all(by_index.get(i) == pytest.approx(r) for i, r in acked.items())
    finally:
        srv.stop()
