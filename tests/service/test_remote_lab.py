"""RemoteLab: a whole campaign over HTTP, two clients on one campaign, and a server killed
(SIGKILL) and restarted mid-campaign."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from tests.service.conftest import ServerProcess
from vdwgym.envs.recrystallization import RecrystallizationEnv
from vdwgym.errors import BudgetExhausted
from vdwgym.service.client import RemoteLab, ServiceClient


def drive(env: RemoteLab, seed: int, infos: list[dict], pause_s: float = 0.0) -> None:
    """Step random actions until the campaign's budget is spent (or the target reached)."""
    rng = np.random.default_rng(seed)
    while True:
        try:
            _, _, terminated, truncated, info = env.step(rng.uniform(-1, 1, env.action_space.shape))
        except BudgetExhausted:
            return
        infos.append(info)
        if terminated or truncated:
            return
        time.sleep(pause_s)


def all_results(client: ServiceClient, name: str) -> list[dict]:
    out, since = [], 0
    while page := client.results(name, since=since, limit=50)["results"]:
        out += page
        since = page[-1]["done_order"] + 1
    return out


def test_remote_lab_has_the_env_spaces_and_runs_a_campaign(server):
    local = RecrystallizationEnv()
    env = RemoteLab(server.url, target_deg=8.5, budget=12, tolerance_deg=0.0)
    try:
        assert env.action_space == local.action_space
        assert env.observation_space == local.observation_space
        obs, info = env.reset(seed=3)
        assert env.observation_space.contains(obs)
        assert obs[4] == 0.0 and info["target_deg"] == 8.5
        infos: list[dict] = []
        drive(env, 0, infos)
        assert [i["evaluation"] for i in infos] == list(range(12))
        summary = env.client.campaign(env.campaign)
        assert summary["state"] == "complete" and summary["n_done"] == 12
        regrets = [i["regret_deg"] for i in infos if i["regret_deg"] is not None]
        assert summary["best_regret_deg"] == pytest.approx(min(regrets))
        obs2, _ = env.reset(seed=3)
        assert env.campaign != summary["name"] and obs2[4] == 0.0
    finally:
        env.close()
        local.close()


def test_two_clients_share_one_campaign_without_loss_or_duplicates(server):
    with ServiceClient(server.url) as c:
        name = c.create_campaign(budget=30, seed=5, tolerance_deg=0.0)["name"]
    envs = [RemoteLab(server.url, campaign=name) for _ in range(2)]
    infos: list[list[dict]] = [[], []]
    try:
        for k, env in enumerate(envs):
            env.reset(seed=k)
        threads = [threading.Thread(target=drive, args=(env, k, infos[k])) for k, env in enumerate(envs)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(180)
        assert not any(t.is_alive() for t in threads)
        mine = [{i["evaluation"] for i in infos[k]} for k in range(2)]
        assert len(mine[0]) == len(infos[0]) and len(mine[1]) == len(infos[1])
        assert not mine[0] & mine[1]
        assert mine[0] | mine[1] == set(range(30))
        results = all_results(envs[0].client, name)
        assert sorted(r["idx"] for r in results) == list(range(30))
        by_idx = {r["idx"]: r for r in results}
        for info in infos[0] + infos[1]:
            assert by_idx[info["evaluation"]]["outcome"]["recipe"] == info["recipe"]
    finally:
        for env in envs:
            env.close()


def test_server_killed_and_restarted_mid_campaign_loses_and_repeats_nothing(tmp_path):
    srv = ServerProcess(tmp_path / "root")
    budget = 40
    try:
        with ServiceClient(srv.url) as c:
            name = c.create_campaign(budget=budget, seed=9, tolerance_deg=0.0)["name"]
        env = RemoteLab(srv.url, campaign=name, retry_s=120.0)
        env.reset(seed=0)
        infos: list[dict] = []
        errors: list[BaseException] = []

        def run() -> None:
            try:
                drive(env, 1, infos, pause_s=0.01)
            except BaseException as exc:  # noqa: BLE001 - reported by the test below
                errors.append(exc)

        worker = threading.Thread(target=run)
        worker.start()
        with ServiceClient(srv.url) as watch:
            deadline = time.monotonic() + 120
            while watch.campaign(name)["n_submitted"] < 10 and time.monotonic() < deadline:
                time.sleep(0.05)
            before_kill = all_results(watch, name)
        srv.kill()
        assert 10 <= len(before_kill) < budget
        srv.restart()
        worker.join(300)
        assert not worker.is_alive() and not errors, errors
        with ServiceClient(srv.url) as c:
            summary = c.campaign(name)
            after = all_results(c, name)
        assert summary["n_submitted"] == summary["n_done"] == budget
        assert sorted(r["idx"] for r in after) == list(range(budget))
        assert sorted(i["evaluation"] for i in infos) == list(range(budget))
        assert [r["done_order"] for r in after] == list(range(budget))
        by_idx = {r["idx"]: r for r in after}
        for r in before_kill:
            assert by_idx[r["idx"]]["outcome"] == r["outcome"]
        env.close()
    finally:
        srv.stop()
