"""WorkerBackend with real worker subprocesses on the local engine, faults injected for real."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from vdwgym.backends.surrogate import SurrogateBackend
from vdwgym.backends.worker import WorkerBackend
from vdwgym.engines.process import pid_alive
from vdwgym.engines.runfiles import read_task_record
from vdwgym.errors import ValidationError
from vdwgym.outcome import Status
from vdwgym.space import PAPER_SPACE, Recipe
from vdwgym.worker.protocol import PROGRESS_FILE, RESULT_FILE, read_result
from vdwgym.worker.tasks import TASKS, register_task

RECIPE = Recipe(temperature_K=2300.0, lattice_strain=0.0138, shear_strain=0.0565)
FAST_ENGINE = {"slots": 2, "grace_s": 1.0, "poll_s": 0.02}


def backend(root, **kwargs) -> WorkerBackend:
    kwargs.setdefault("engine_options", FAST_ENGINE)
    return WorkerBackend(PAPER_SPACE, root=root, **kwargs)


def attempts(root: Path, key: str) -> list[str]:
    return sorted(p.name for p in (root / key).iterdir())


def wait_for(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.02)


def test_outcome_matches_the_in_process_surrogate(tmp_path):
    with backend(tmp_path) as b:
        outcome = b.submit(RECIPE, 77, key="e000001").result(60)
        assert json.loads(json.dumps(b.config()))["engine"]["name"] == "local"
    expected = SurrogateBackend(PAPER_SPACE).evaluate([RECIPE], [77])[0]
    assert outcome.status is Status.OK
    assert outcome.twist_deg == expected.twist_deg and outcome.order == expected.order
    assert outcome.details["worker"]["exit_code"] == 0
    assert outcome.run_dir == str(tmp_path / "e000001" / "attempt-1")


def test_a_registered_kind_runs_from_its_import_path_in_params(tmp_path):
    register_task("custom", "vdwgym.surrogate.task:run")  # in this process only
    try:
        with backend(tmp_path, kind="custom") as b:
            outcome = b.submit(RECIPE, 3, key="c1").result(60)
    finally:
        del TASKS["custom"]
    params = json.loads((tmp_path / "c1" / "attempt-1" / "params.json").read_text())
    assert params["kind"] == "custom" and params["task"] == "vdwgym.surrogate.task:run"
    assert outcome.status is Status.OK


def test_a_run_directory_naming_the_former_surrogate_task_path_still_resumes(tmp_path):
    """Run directories written before the surrogate task moved (its params.json names
    ``vdwgym.surrogate_task:run``) are re-used on resume, not refused or run again."""
    with backend(tmp_path) as b:
        first = b.submit(RECIPE, 11, key="e000004").result(60)
    params_file = tmp_path / "e000004" / "attempt-1" / "params.json"
    params = json.loads(params_file.read_text())
    params_file.write_text(json.dumps({**params, "task": "vdwgym.surrogate_task:run"}))
    with backend(tmp_path) as b:
        again = b.submit(RECIPE, 11, key="e000004").result(60)
        assert b.config()["task"] == "vdwgym.surrogate.task:run"
    assert again.details["worker"]["resumed"] is True
    assert again.twist_deg == first.twist_deg
    assert attempts(tmp_path, "e000004") == ["attempt-1"]
    params_file.write_text(json.dumps({**params, "task": "vdwgym.other:run"}))
    with backend(tmp_path) as b, pytest.raises(ValidationError, match="params.json:task"):
        b.submit(RECIPE, 11, key="e000004")  # any other path is refused


def test_worker_killed_by_sigkill_is_retried_in_a_fresh_attempt(tmp_path):
    with backend(tmp_path, options={"sleep_s": 1.5, "progress_interval_s": 0.05}) as b:
        fut = b.submit(RECIPE, 5, key="victim")
        first = tmp_path / "victim" / "attempt-1"
        wait_for(lambda: (first / PROGRESS_FILE).exists())
        os.kill(read_task_record(first)["pid"], signal.SIGKILL)
        outcome = fut.result(60)
    assert outcome.status is Status.OK
    assert outcome.details["worker"]["attempts"] == 2
    assert attempts(tmp_path, "victim") == ["attempt-1", "attempt-2"]
    assert read_result(first) is None
    assert read_task_record(first)["signal"] == signal.SIGKILL
    assert outcome.run_dir == str(tmp_path / "victim" / "attempt-2")


def test_valid_result_with_nonzero_exit_is_kept_and_not_retried(tmp_path):
    with backend(tmp_path, options={"exit_code_after_result": 9}) as b:
        outcome = b.submit(RECIPE, 5, key="k").result(60)
    assert outcome.status is Status.OK and outcome.twist_deg is not None
    assert outcome.details["worker"]["exit_code"] == 9
    assert attempts(tmp_path, "k") == ["attempt-1"]


def test_timeout_is_an_outcome_not_a_retry(tmp_path):
    with backend(tmp_path, options={"sleep_s": 60}, time_limit_s=1.5) as b:
        outcome = b.submit(RECIPE, 5, key="slow").result(60)
    assert outcome.status is Status.TIMEOUT and "time limit" in outcome.error
    assert outcome.history, "progress written before the limit is kept"
    assert attempts(tmp_path, "slow") == ["attempt-1"]


def test_worker_that_never_starts_is_retried_then_reported(tmp_path):
    with backend(tmp_path, python="/nonexistent/bin/python", max_retries=2) as b:
        outcome = b.submit(RECIPE, 5, key="nostart").result(60)
    assert outcome.status is Status.FAILED
    assert outcome.error.startswith("infrastructure:") and "never started" in outcome.error
    assert attempts(tmp_path, "nostart") == ["attempt-1", "attempt-2", "attempt-3"]


def test_repeated_infrastructure_failure_gives_up_after_max_retries(tmp_path):
    with backend(tmp_path, options={"kill_signal": int(signal.SIGKILL)}, max_retries=1) as b:
        outcome = b.submit(RECIPE, 5, key="doomed").result(60)
    assert outcome.status is Status.FAILED
    assert outcome.error == "infrastructure: killed by signal SIGKILL (after 2 attempts)"
    assert attempts(tmp_path, "doomed") == ["attempt-1", "attempt-2"]


def test_simulation_error_is_told_not_retried(tmp_path):
    with backend(tmp_path, options={"fail": "atoms lost"}) as b:
        outcome = b.submit(RECIPE, 5, key="sim").result(60)
    assert outcome.status is Status.FAILED
    assert outcome.error == "InjectedFault: atoms lost"
    assert attempts(tmp_path, "sim") == ["attempt-1"]


def test_cancel_gives_a_cancelled_outcome(tmp_path):
    with backend(tmp_path, options={"sleep_s": 60}) as b:
        by_key = b.submit(RECIPE, 5, key="c")
        by_future = b.submit(RECIPE, 6, key="f")
        wait_for(lambda: all(read_task_record(tmp_path / k / "attempt-1") is not None
                             for k in ("c", "f")))
        assert b.cancel("c")
        assert by_future.cancel()
        for fut in (by_key, by_future):
            outcome = fut.result(60)
            assert outcome.status is Status.CANCELLED and not fut.cancelled()
        assert not b.cancel("c") and not by_future.cancel()  # already done
    assert attempts(tmp_path, "c") == ["attempt-1"]


def test_bad_input_never_reaches_a_worker(tmp_path):
    with pytest.raises(ValidationError, match="sleep_s"):
        backend(tmp_path, options={"sleep_s": "long"})
    with pytest.raises(ValidationError, match="kind"):
        backend(tmp_path, kind="quantum")
    with backend(tmp_path) as b:
        with pytest.raises(ValidationError, match="temperature_K"):
            b.submit({**RECIPE, "temperature_K": 9000.0}, 1, key="hot")
        with pytest.raises(ValidationError, match="seed"):
            b.submit(RECIPE, -1, key="neg")
        with pytest.raises(ValidationError, match="key"):
            b.submit(RECIPE, 1, key="../outside")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_key_cannot_be_reused_for_another_recipe(tmp_path):
    with backend(tmp_path) as b:
        b.submit(RECIPE, 1, key="e1").result(60)
        with pytest.raises(ValidationError, match=r"e1/attempt-1/params.json:seed: expected 2"):
            b.submit(RECIPE, 2, key="e1")


def test_poll_progress_streams_every_line_once(tmp_path):
    with backend(tmp_path, options={"sleep_s": 1.0, "progress_interval_s": 0.05}) as b:
        fut = b.submit(RECIPE, 5, key="p")
        seen = []
        while not fut.done():
            seen += b.poll_progress().get("p", [])
            time.sleep(0.1)
        seen += b.poll_progress().get("p", [])
        assert b.poll_progress() == {}
    outcome = fut.result()
    assert len(seen) >= 10
    assert seen == outcome.history
    assert [x["step"] for x in seen] == list(range(len(seen)))


CONTROLLER = """
import sys, time
from vdwgym.space import Recipe
from vdwgym.backends.worker import WorkerBackend
from vdwgym.engines.runfiles import read_task_record
root = sys.argv[1]
recipe = Recipe(temperature_K=2300.0, lattice_strain=0.0138, shear_strain=0.0565)
fast = WorkerBackend(root=root)
fast.submit(recipe, 1, key="done").result(60)
slow = WorkerBackend(root=root, options={"sleep_s": 2.0, "progress_interval_s": 0.05})
slow.submit(recipe, 2, key="running")
doomed = WorkerBackend(root=root, options={"sleep_s": 2.0, "progress_interval_s": 0.05})
doomed.submit(recipe, 3, key="crashed")
while any("pid" not in (read_task_record(f"{root}/{k}/attempt-1") or {}) for k in ("running", "crashed")):
    time.sleep(0.02)
print("ready", flush=True)
time.sleep(600)
"""


def test_restarted_controller_reuses_finished_reattaches_running_retries_crashed(tmp_path):
    controller = subprocess.Popen([sys.executable, "-c", CONTROLLER, str(tmp_path)],
                                  stdout=subprocess.PIPE, text=True)
    try:
        assert controller.stdout.readline().strip() == "ready"
    finally:
        controller.kill()  # SIGKILL: the controller dies, its workers live on
        controller.wait()
    running = tmp_path / "running" / "attempt-1"
    pid = read_task_record(running)["pid"]
    assert pid_alive(pid)
    done_result = (tmp_path / "done" / "attempt-1" / RESULT_FILE).read_text()
    crashed_pid = read_task_record(tmp_path / "crashed" / "attempt-1")["pid"]
    os.kill(crashed_pid, signal.SIGKILL)  # it dies while no controller watches
    wait_for(lambda: not pid_alive(crashed_pid))

    # Each key is resumed by a backend with the options it was started with (another
    # configuration is refused: test_reattach_checks_the_whole_evaluation).
    with backend(tmp_path) as b:
        done = b.submit(RECIPE, 1, key="done")
        assert done.done(), "a finished evaluation is answered at once"
        assert done.result().details["worker"]["resumed"] is True
    with backend(tmp_path, options={"sleep_s": 2.0, "progress_interval_s": 0.05}) as b:
        resumed = b.submit(RECIPE, 2, key="running").result(60)
        retried = b.submit(RECIPE, 3, key="crashed").result(60)
    assert (tmp_path / "done" / "attempt-1" / RESULT_FILE).read_text() == done_result
    assert attempts(tmp_path, "done") == ["attempt-1"]
    assert resumed.status is Status.OK
    assert attempts(tmp_path, "running") == ["attempt-1"]
    assert resumed.details["worker"]["job_id"].endswith(f":{pid}")
    assert resumed.history and resumed.history[-1]["fraction"] == 1.0
    assert retried.status is Status.OK  # infrastructure failure seen on resume: fresh attempt
    assert attempts(tmp_path, "crashed") == ["attempt-1", "attempt-2"]
    record = read_task_record(tmp_path / "crashed" / "attempt-1")
    assert record["ended_unseen"] is True and record["returncode"] is None
