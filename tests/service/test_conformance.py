"""The conformance kit on real controllers over loopback HTTP: an Optuna controller (a
separate process), a registry gest-api generator served by ``vdwgym serve-controller``, and
a controller with known faults; a controller process killed and restarted mid-campaign."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from vdwgym.campaign import Campaign, CampaignConfig
from vdwgym.service.conformance import benchmark, check_controller, format_benchmark
from vdwgym.service.controller_server import ControllerServer
from vdwgym.testing.controllers import RecordingController

HERE = Path(__file__).parent
LIBE = "libensemble.gen_classes.sampling:UniformSample"


class Process:
    """A controller subprocess that prints ``ready PORT``; restartable on the same port."""

    def __init__(self, cmd: list[str]) -> None:
        self.cmd = cmd
        self.proc = self._start(cmd)
        self.port = int(self.proc.stdout.readline().split()[1])
        self.url = f"http://127.0.0.1:{self.port}"

    @staticmethod
    def _start(cmd: list[str]) -> subprocess.Popen:
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)

    def restart(self) -> None:
        self.stop()
        self.proc = self._start([*self.cmd[:-1], str(self.port)])
        line = self.proc.stdout.readline()
        assert line.startswith("ready "), line

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait(10)
        self.proc.stdout.close()


@pytest.fixture(scope="module")
def optuna_controller():
    pytest.importorskip("optuna")
    p = Process([sys.executable, str(HERE / "optuna_controller.py"), "0"])
    yield p
    p.stop()


@pytest.fixture(scope="module")
def gest_controller():
    pytest.importorskip("libensemble")
    p = Process([sys.executable, "-m", "vdwgym.cli", "serve-controller", "--generator", LIBE,
                 "--seed-option", "random_seed", "--port", "0"])
    yield p
    p.stop()


def test_optuna_controller_passes_every_check(optuna_controller, controller_conformance):
    report = controller_conformance(optuna_controller.url, latency_budget_s=5.0)
    assert [c.name for c in report.checks] == [
        "handshake", "suggest", "pending", "interleaved", "failures", "foreign points", "duplicates",
        "replayed batch", "unknown session", "two sessions", "latency"]
    assert "11 passed, 0 failed" in report.table()


def test_registry_gest_generator_passes_through_the_cli(gest_controller):
    out = subprocess.run([sys.executable, "-m", "vdwgym.cli", "check-controller", gest_controller.url,
                          "--seeds", "0", "--budget", "10", "--batch", "3", "--agents", "random"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "11 passed, 0 failed" in out.stdout
    assert "median best regret, controller" in out.stdout and "median best regret, random" in out.stdout


class Faulty(RecordingController):
    """Suggests the first pending point again, repeats its first batch, and breaks on failures."""

    def suggest(self, body):
        answer = super().suggest(body)
        if body["pending"]:
            answer["suggestions"][0]["recipe"] = body["pending"][0]["recipe"]
        first = [s for s in self.suggestions if s["id"].startswith(body["session"])][:body["n"]]
        if len(first) == body["n"] and len(self.bodies("suggest", body["session"])) == 3:
            for s, old in zip(answer["suggestions"], first, strict=True):
                s["recipe"] = old["recipe"]
        return answer

    def ingest(self, body):
        if any(it["status"] != "ok" for it in body["items"]):
            raise RuntimeError("cannot handle a failure")
        return super().ingest(body)


def test_kit_names_the_checks_a_faulty_controller_fails():
    with ControllerServer(Faulty()) as srv:
        report = check_controller(srv.url)
    failed = {c.name for c in report.checks if not c.passed}
    assert failed == {"pending", "failures", "duplicates"}, report.table()
    assert not report.passed and "FAIL" in report.table()
    detail = {c.name: c.detail for c in report.checks}
    assert "HTTP 500" in detail["failures"]
    with ControllerServer(RecordingController()) as srv:
        assert check_controller(srv.url).passed


def test_latency_budget_is_enforced():
    import time

    class Slow(RecordingController):
        def suggest(self, body):
            time.sleep(0.1)
            return super().suggest(body)

    report = check_controller(Slow(), latency_budget_s=0.05)
    assert not {"suggest", "latency"} - {c.name for c in report.checks if not c.passed}
    assert check_controller(Slow(), latency_budget_s=5.0).passed


def test_benchmark_runs_the_controller_beside_builtin_agents_on_identical_seeds(optuna_controller):
    rows = benchmark(optuna_controller.url, agents=("random",), seeds=(0, 1), budget=10, batch=3, n_init=4)
    assert [(r["agent"], r["seed"]) for r in rows] == [("controller", 0), ("random", 0),
                                                       ("controller", 1), ("random", 1)]
    assert rows[0]["lab_seeds"] == rows[1]["lab_seeds"] != rows[2]["lab_seeds"] == rows[3]["lab_seeds"]
    assert all(r["best_regret_deg"] is not None for r in rows)
    assert "median best regret, controller" in format_benchmark(rows)


def test_controller_process_killed_and_restarted_mid_campaign(optuna_controller, tmp_path):
    restarted = []

    def on_event(kind, payload):
        if kind == "told" and not restarted and len(payload["evaluations"]) and camp.lab.n_submitted >= 8:
            optuna_controller.restart()
            restarted.append(camp.lab.n_submitted)

    cfg = CampaignConfig(agent="external", agent_options={"url": optuna_controller.url, "timeout_s": 10.0},
                         budget=16, batch=4, n_init=4, seed=3, stop_at_target=False)
    camp = Campaign(cfg, tmp_path / "c.sqlite", on_event=on_event)
    res = camp.run()
    assert restarted == [8]
    assert len(res.evaluations) == 16 and all(e.outcome is not None for e in res.evaluations)
    assert camp.agent.reopened == 1  # the restarted controller answered 409: session re-sent, history replayed
    assert [h["source"] for h in camp.agent.history] == ["design"] * 4 + ["controller"] * 12


@pytest.mark.parametrize("which", ["optuna", "gest"])
def test_outside_controller_drives_a_served_campaign_as_it_runs_in_process(which, request, server, tmp_path):
    """Optuna (a separate process, over the external protocol) and a registry gest-api
    generator each run a short campaign against a real ``vdwgym serve``; the record equals
    the same campaign run in process."""
    from vdwgym import agents
    from vdwgym.seeding import stream
    from vdwgym.service.client import ServiceClient, run_agent
    from vdwgym.space import PAPER_SPACE

    if which == "optuna":
        url = request.getfixturevalue("optuna_controller").url
        name, options = "external", {"url": url, "timeout_s": 10.0}
    else:
        pytest.importorskip("libensemble")
        name, options = "gest", {"generator": LIBE, "seed_option": "random_seed"}
    seed, budget, batch, n_init = 8, 14, 4, 5
    with ServiceClient(server.url) as c:
        cname = c.create_campaign(name=f"{which}.{seed}", budget=budget, seed=seed, target_deg=8.5)["name"]
        agent = agents.make(name, space=PAPER_SPACE, target_deg=8.5, seed=stream(seed, "agent"), **options)
        remote = run_agent(c, cname, agent, batch=batch, n_init=n_init)
        assert c.campaign(cname)["state"] == "complete"
    cfg = CampaignConfig(agent=name, agent_options=options, seed=seed, budget=budget, batch=batch,
                         n_init=n_init, stop_at_target=False)
    local = Campaign(cfg, tmp_path / "local.sqlite").run().evaluations
    assert [v["recipe"] for v in remote] == [e.recipe.to_dict() for e in local]
    assert [v["seed"] for v in remote] == [e.seed for e in local]
    assert [v["outcome"]["twist_deg"] for v in remote] == [e.outcome.twist_deg for e in local]
    assert [h["source"] for h in agent.history] == ["design"] * n_init + ["controller"] * (budget - n_init)


def test_vdwgym_killed_mid_campaign_resumes_in_the_same_controller_session(optuna_controller, tmp_path):
    class Crash(Exception):
        pass

    told = []

    def crash_after_two(kind, payload):
        if kind == "told":
            told.append(len(payload["evaluations"]))
            if len(told) == 2:
                raise Crash

    cfg = CampaignConfig(agent="external", agent_options={"url": optuna_controller.url, "timeout_s": 10.0},
                         budget=16, batch=4, n_init=4, seed=6, stop_at_target=False)
    camp = Campaign(cfg, tmp_path / "c.sqlite", on_event=crash_after_two)
    with pytest.raises(Crash):
        camp.run()
    session = camp.agent.session_id
    again = Campaign.resume(tmp_path / "c.sqlite")
    res = again.run()
    assert again.agent.session_id == session and again.agent.reopened == 0  # the controller kept it
    assert len(res.evaluations) == 16
    assert [h["source"] for h in again.agent.history] == ["design"] * 4 + ["controller"] * 12
    from vdwgym.store import Store

    with Store(tmp_path / "c.sqlite") as st:
        assert all(r.told for r in st.evaluations())


def test_an_in_process_controller_that_raises_fails_the_check_instead_of_the_kit():
    class OnePointOnly(RecordingController):  # as Xopt's sequential generators: one candidate at a time
        def suggest(self, body):
            if body["n"] > 1:
                raise RuntimeError("can only generate one candidate at a time")
            return super().suggest(body)

    report = check_controller(OnePointOnly())
    failed = {c.name: c.detail for c in report.checks if not c.passed}
    assert "suggest" in failed and "RuntimeError: can only generate one candidate" in failed["suggest"]
    assert {c.name for c in report.checks if c.passed} >= {"handshake", "unknown session", "latency"}


def test_cli_exits_1_and_skips_the_benchmark_for_a_protocol_1_controller():
    toy = Process([sys.executable, str(HERE / "toy_controller.py"), "0"])
    try:
        out = subprocess.run([sys.executable, "-m", "vdwgym.cli", "check-controller", f"{toy.url}/good"],
                             capture_output=True, text=True, timeout=120)
    finally:
        toy.stop()
    assert out.returncode == 1, out.stdout + out.stderr
    assert "handshake        FAIL    no /session: a protocol-1 controller" in out.stdout
    assert "benchmark" not in out.stdout


def test_one_controller_url_serves_a_bench_with_two_workers(optuna_controller, tmp_path):
    """Two campaigns at once (bench workers = 2) through one controller URL stay apart:
    each campaign's record equals the one a single worker gets."""
    from vdwgym.bench.config import AgentSpec, BenchConfig
    from vdwgym.bench.runner import run_benchmark

    def bench(workers: int) -> dict:
        cfg = BenchConfig(name="sessions", agents=[AgentSpec("external", "optuna",
                                                             {"url": optuna_controller.url})],
                          seeds=[1], targets=[8.5, 15.0], batch_sizes=[3], budget=12, n_init=3,
                          workers=workers)
        runs = run_benchmark(cfg, tmp_path / f"w{workers}")
        return {r["run_id"]: [(e["temperature_K"], e["lattice_strain"], e["shear_strain"], e["twist_deg"])
                              for e in r["evaluations"]] for r in runs}

    parallel, serial = bench(2), bench(1)
    assert len(parallel) == 2 and parallel == serial
    a, b = parallel.values()
    assert a[:3] == b[:3] and a[3:] != b[3:]  # same design; each target its own search
