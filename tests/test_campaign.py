import csv
import os
import signal
import sqlite3
import subprocess
import sys
import time

import numpy as np
import pytest

from vdwgym.campaign import Campaign, CampaignConfig, initial_design
from vdwgym.errors import StoreError, ValidationError
from vdwgym.space import PAPER_SPACE
from vdwgym.testing.backends import FunctionBackend


def run(cfg, store=None, backend=None):
    camp = Campaign(cfg, store, backend=backend or FunctionBackend())
    return camp, camp.run()


def test_initial_design_is_shared_and_seeded():
    a = initial_design(PAPER_SPACE, 10, seed=5)
    assert a.shape == (10, 3)
    np.testing.assert_array_equal(a, initial_design(PAPER_SPACE, 10, seed=5))
    assert not np.allclose(a, initial_design(PAPER_SPACE, 10, seed=6))
    _, r1 = run(CampaignConfig(budget=20, seed=5, agent="random", stop_at_target=False))
    _, r2 = run(CampaignConfig(budget=20, seed=5, agent="random", agent_options={"method": "sobol"},
                               stop_at_target=False))
    init1 = [e.recipe for e in r1.evaluations if e.source == "init"]
    init2 = [e.recipe for e in r2.evaluations if e.source == "init"]
    assert init1 == init2 and len(init1) == 10
    assert [e.seed for e in r1.evaluations] == [e.seed for e in r2.evaluations]
    assert [e.recipe for e in r1.evaluations][10:] != [e.recipe for e in r2.evaluations][10:]


def test_sync_cycles_and_budget():
    camp, res = run(CampaignConfig(budget=23, batch=5, n_init=4, stop_at_target=False))
    assert len(res.evaluations) == 23 and res.stop_reason == "budget"
    cycles = [e.cycle for e in res.evaluations]
    assert cycles == [0] * 5 + [1] * 5 + [2] * 5 + [3] * 5 + [4] * 3
    sources = [e.source for e in res.evaluations]
    assert sources == ["init"] * 4 + ["agent"] * 19
    assert len(camp.agent.obs) == 23


def test_async_keeps_slots_full():
    cfg = CampaignConfig(budget=40, batch=4, mode="async", clock="virtual", stop_at_target=False)
    backend = FunctionBackend(runtime_median_s=60.0, runtime_sigma=0.8)
    camp = Campaign(cfg, None, backend=backend)
    running_at_tell = []
    camp.on_event = lambda kind, p: running_at_tell.append(len(camp.lab.running)) if kind == "told" else None
    res = camp.run()
    assert len(res.evaluations) == 40
    # While budget remains, every completion is refilled at once: the agent is told with
    # batch - 1 still running (ties excepted), never with the slots left empty.
    assert min(running_at_tell[:20]) >= 2


def test_failures_are_told_not_dropped():
    camp, res = run(CampaignConfig(budget=30, stop_at_target=False), backend=FunctionBackend(fail_below=0.4))
    n_failed = sum(e.outcome.status.value == "failed" for e in res.evaluations)
    assert n_failed > 0
    assert len(camp.agent.obs) == 30 and int((~camp.agent.obs.ok).sum()) == n_failed


def test_stop_at_target():
    cfg = CampaignConfig(target_deg=15.0, budget=200, batch=5, tolerance_deg=0.5)
    _, res = run(cfg)
    assert res.stop_reason == "target reached" and res.best_regret <= 0.5
    assert len(res.evaluations) < 200 and res.evaluations_to_target <= len(res.evaluations)


def test_config_validation_and_existing_store(tmp_path):
    with pytest.raises(ValidationError, match="mode"):
        CampaignConfig(mode="parallel")
    with pytest.raises(ValidationError, match="agent"):
        CampaignConfig(agent="nope")
    with pytest.raises(ValidationError, match="target_deg"):
        CampaignConfig(target_deg=45)
    run(CampaignConfig(budget=5), tmp_path / "c.sqlite")
    with pytest.raises(StoreError, match="already holds a campaign"):
        Campaign(CampaignConfig(budget=5), tmp_path / "c.sqlite", backend=FunctionBackend())


def test_resume_in_process_matches_uninterrupted(tmp_path):
    cfg = CampaignConfig(budget=30, batch=4, n_init=5, stop_at_target=False, seed=9)
    _, ref = run(cfg)
    part = Campaign(CampaignConfig(**{**cfg.to_dict(), "budget": 30}), tmp_path / "c.sqlite",
                    backend=FunctionBackend())
    part.config.max_wall_s = 1e-9  # stops after the first cycle
    part.run()
    resumed = Campaign.resume(tmp_path / "c.sqlite", backend=FunctionBackend())
    resumed.config.max_wall_s = None
    res = resumed.run()
    assert [(e.recipe, e.seed, e.outcome.twist_deg) for e in res.evaluations] == \
        [(e.recipe, e.seed, e.outcome.twist_deg) for e in ref.evaluations]


def _count(store):
    try:
        with sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=5) as db:
            return db.execute("SELECT COUNT(*) FROM evaluations WHERE status = 'done'").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def _rows(out):
    with open(out / "evaluations.csv") as fh:
        return [(r["index"], r["seed"], r["temperature_K"], r["lattice_strain"], r["shear_strain"],
                 r["status"], r["twist_deg"]) for r in csv.DictReader(fh)]


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_sigkill_and_resume_loses_nothing(tmp_path, mode):
    """A real subprocess campaign is SIGKILLed twice mid-run and resumed; the final record
    equals an uninterrupted run's, evaluation by evaluation."""
    args = [sys.executable, "-m", "vdwgym.cli", "campaign", "--agent", "random", "--budget", "250",
            "--batch", "5", "--mode", mode, "--clock", "virtual", "--seed", "3", "--no-stop-at-target"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    subprocess.run([*args, "--out", str(tmp_path / "ref")], check=True, env=env, capture_output=True)
    out = tmp_path / "killed"
    store = out / "campaign.sqlite"
    kills = 0
    for i, threshold in enumerate((40, 140)):
        cmd = [*args, "--out", str(out)] + (["--resume"] if i else [])
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while proc.poll() is None and _count(store) < threshold and time.monotonic() < deadline:
            time.sleep(0.01)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
    assert kills >= 1, "the campaign finished before it could be killed"
    assert _count(store) < 250
    done = subprocess.run([*args, "--out", str(out), "--resume"], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert _rows(out) == _rows(tmp_path / "ref")
    assert len(_rows(out)) == 250


def test_bad_agent_option_leaves_no_campaign_behind(tmp_path):
    path = tmp_path / "c.sqlite"
    with pytest.raises(ValidationError, match="method"):
        Campaign(CampaignConfig(budget=5, agent_options={"method": "grid"}), path, backend=FunctionBackend())
    camp = Campaign(CampaignConfig(budget=5), path, backend=FunctionBackend())
    assert len(camp.run().evaluations) == 5
