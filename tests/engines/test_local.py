"""The local engine with real subprocesses: exit statuses, time limits, cancellation,
bounded concurrency, process-group cleanup and re-attach."""

import json
import signal
import sys
import time
from concurrent.futures import CancelledError
from pathlib import Path

import pytest

from vdwgym.engines import Resources, Task, make_engine
from vdwgym.engines.local import LocalEngine
from vdwgym.engines.process import pid_alive, task_environment
from vdwgym.engines.runfiles import read_task_record
from vdwgym.errors import EngineError, ValidationError

PY = sys.executable


def py_task(run_dir: Path, code: str, **resources) -> Task:
    return Task((PY, "-c", code), run_dir, Resources(**resources))


def wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.02)


@pytest.fixture
def engine():
    eng = LocalEngine(slots=2, grace_s=1.0, poll_s=0.02)
    yield eng
    eng.shutdown(cancel_futures=True)


def test_exit_status_output_files_and_task_record(engine, tmp_path):
    result = engine.submit(py_task(tmp_path / "a", "import sys; print('hello'); sys.exit(3)")).result(30)
    assert result.returncode == 3 and result.signal is None
    assert not result.timed_out and not result.cancelled
    assert result.stdout.read_text().strip() == "hello"
    record = read_task_record(tmp_path / "a")
    assert record["engine"] == "local" and record["returncode"] == 3
    assert record["pid"] == record["pgid"] and record["job_id"].endswith(f":{record['pid']}")
    assert record["ended"] >= record["started"]


def test_time_limit_sends_sigterm(engine, tmp_path):
    task = py_task(tmp_path, "import time; time.sleep(60)", time_limit_s=0.3)
    result = engine.submit(task).result(30)
    assert result.timed_out and result.signal == signal.SIGTERM
    assert read_task_record(tmp_path)["timed_out"] is True


def test_sigkill_after_grace_when_sigterm_is_ignored(engine, tmp_path):
    code = ("import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
            "open('ready', 'w').close(); time.sleep(60)")
    task = py_task(tmp_path, code)
    fut = engine.submit(task)
    wait_for(lambda: (tmp_path / "ready").exists())
    assert engine.cancel(task)
    result = fut.result(30)
    assert result.cancelled and result.signal == signal.SIGKILL


def test_command_that_does_not_exist_never_starts(engine, tmp_path):
    fut = engine.submit(Task(("/nonexistent/interpreter", "x"), tmp_path))
    with pytest.raises(EngineError, match="never started"):
        fut.result(30)


def test_cancel_running_and_queued_tasks(tmp_path):
    eng = LocalEngine(slots=1, grace_s=1.0, poll_s=0.02)
    try:
        running = py_task(tmp_path / "run", "import time; time.sleep(60)")
        queued = py_task(tmp_path / "queued", "print('never')")
        f_run, f_queued = eng.submit(running), eng.submit(queued)
        wait_for(lambda: read_task_record(running.run_dir) is not None)
        assert eng.cancel(queued) and f_queued.cancelled()
        assert eng.cancel(running)
        result = f_run.result(30)
        assert result.cancelled and result.signal == signal.SIGTERM
        assert not (tmp_path / "queued").exists()
        with pytest.raises(CancelledError):
            f_queued.result()
    finally:
        eng.shutdown(cancel_futures=True)


def test_no_more_than_slots_tasks_run_at_once(engine, tmp_path):
    log = tmp_path / "intervals.jsonl"
    code = (f"import json, os, time; t0 = time.time(); time.sleep(0.3); "
            f"open({str(log)!r}, 'a').write(json.dumps([t0, time.time()]) + '\\n')")
    futures = [engine.submit(py_task(tmp_path / f"t{i}", code)) for i in range(5)]
    assert all(f.result(60).returncode == 0 for f in futures)
    intervals = [json.loads(line) for line in log.read_text().splitlines()]
    assert len(intervals) == 5
    for start, _ in intervals:
        overlapping = sum(1 for s, e in intervals if s <= start < e)
        assert overlapping <= engine.slots


def test_leftover_processes_of_the_group_are_killed(engine, tmp_path):
    code = ("import subprocess, sys; "
            "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); "
            "open('child.pid', 'w').write(str(p.pid))")
    assert engine.submit(py_task(tmp_path, code)).result(30).returncode == 0
    child = int((tmp_path / "child.pid").read_text())
    wait_for(lambda: not pid_alive(child), timeout=10)


def test_restarted_controller_reattaches_to_a_running_task(tmp_path):
    first = LocalEngine(slots=1, poll_s=0.02)
    task = py_task(tmp_path, "import time; time.sleep(1.0)")
    first_future = first.submit(task)
    wait_for(lambda: "pid" in (read_task_record(tmp_path) or {}))  # launched, not only claimed
    pid = read_task_record(tmp_path)["pid"]
    second = LocalEngine(slots=1, poll_s=0.02)
    try:
        attached = second.attach(task)
        assert attached is not None
        result = attached.result(30)
        assert result.returncode is None and result.job_id.endswith(f":{pid}")
        assert not pid_alive(pid)
        assert first_future.result(30).returncode == 0
        assert second.attach(task) is None  # ended: nothing to attach to
    finally:
        first.shutdown()
        second.shutdown()


def test_environment_drops_launcher_variables_and_sets_threads(tmp_path):
    task = py_task(tmp_path, "pass", cores_per_rank=3, env={"EXTRA": "1"})
    env = task_environment(task, {"PMI_RANK": "2", "HYDI_CONTROL_FD": "7", "HOME": "/h"})
    assert env == {"HOME": "/h", "OMP_NUM_THREADS": "3", "EXTRA": "1"}


@pytest.mark.mpi
def test_multi_rank_task_runs_under_mpiexec(engine, tmp_path):
    assert engine.mpiexec, "mpiexec not found (pip install mpich)"
    code = ("import os, pathlib; r = os.environ['PMI_RANK']; "
            "pathlib.Path(f'rank{r}.txt').write_text(f\"rank {r} {os.environ['OMP_NUM_THREADS']}\")")
    result = engine.submit(py_task(tmp_path, code, ranks=2, cores_per_rank=1)).result(60)
    assert result.returncode == 0
    # one file per rank: two ranks printing to one stdout file can interleave their bytes
    assert sorted(p.read_text() for p in tmp_path.glob("rank*.txt")) == ["rank 0 1", "rank 1 1"]
    assert read_task_record(tmp_path)["command"][:3] == [engine.mpiexec, "-n", "2"]


def test_bad_configuration_is_refused(tmp_path):
    with pytest.raises(ValidationError, match="engine"):
        make_engine("slurm")
    with pytest.raises(ValidationError, match="slots"):
        LocalEngine(slots=0)
    with pytest.raises(ValidationError, match="ranks"):
        Resources(ranks=0)
    with pytest.raises(ValidationError, match="time_limit_s"):
        Resources(time_limit_s=float("nan"))
    with pytest.raises(ValidationError, match="task.command"):
        Task("python -c pass", tmp_path)


def test_process_cap_holds_across_engines(tmp_path):
    """Two engines of 3 slots each under a process-wide cap of 2: never more than 2 tasks
    run at once, and every task still runs (issue 13, defect 7)."""
    from vdwgym.engines.local import PROCESSES, set_max_processes

    set_max_processes(2)
    engines = [LocalEngine(slots=3, poll_s=0.02) for _ in range(2)]
    try:
        futs = [e.submit(py_task(tmp_path / f"e{j}t{i}", "import time; time.sleep(0.4)"))
                for j, e in enumerate(engines) for i in range(3)]
        peak = 0
        while not all(f.done() for f in futs):
            peak = max(peak, PROCESSES.running)
            time.sleep(0.01)
        assert all(f.result().returncode == 0 for f in futs)
        spans = sorted((read_task_record(tmp_path / f"e{j}t{i}")["started"],
                        read_task_record(tmp_path / f"e{j}t{i}")["ended"])
                       for j in range(2) for i in range(3))
        overlap = max(sum(1 for s, e in spans if s <= t < e) for t, _ in spans)
        assert peak == 2 and overlap <= 2
    finally:
        set_max_processes(None)
        for e in engines:
            e.shutdown()
    assert PROCESSES.running == 0
    with pytest.raises(ValidationError, match="max_processes"):
        set_max_processes(0)
