"""The mpi engine for real: a small set of worker tasks run by an mpi4py.futures pool under
``mpiexec -n 3`` (one controller, two pool workers)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from vdwgym.engines.process import find_mpiexec
from vdwgym.engines.runfiles import read_task_record

pytestmark = pytest.mark.mpi

SCRIPT = Path(__file__).with_name("mpi_campaign.py")


def test_mpi_pool_runs_worker_tasks_with_faults(tmp_path):
    pytest.importorskip("mpi4py")
    mpiexec = find_mpiexec()
    assert mpiexec, "mpiexec not found (pip install mpich)"
    out = tmp_path / "summary.json"
    proc = subprocess.run(
        [mpiexec, "-n", "3", sys.executable, "-m", "mpi4py.futures", str(SCRIPT),
         str(tmp_path / "runs"), str(out)],
        capture_output=True, text=True, timeout=300, cwd=SCRIPT.parents[2],
        env={**os.environ, "PYTHONPATH": str(SCRIPT.parents[2])})
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads(out.read_text())
    assert summary["world_size"] == 3
    outcomes = summary["outcomes"]
    for key in ("ok0", "ok1", "ok2"):
        assert outcomes[key]["status"] == "ok"
        assert outcomes[key]["details"]["worker"]["engine"] == "mpi"
    assert outcomes["sim_error"]["status"] == "failed"
    assert outcomes["sim_error"]["error"] == "InjectedFault: injected simulation error"
    assert outcomes["killed"]["status"] == "failed"
    assert outcomes["killed"]["error"].startswith("infrastructure: killed by signal SIGKILL")
    assert outcomes["timeout"]["status"] == "timeout"
    assert outcomes["cancelled"]["status"] == "cancelled"
    runs = tmp_path / "runs"
    assert (runs / "cancelled" / "attempt-1" / "cancel.request").exists()
    assert sorted(p.name for p in (runs / "killed").iterdir()) == ["attempt-1", "attempt-2"]
    supervisors = {read_task_record(runs / key / "attempt-1")["supervisor"]
                   for key in ("ok0", "ok1", "ok2", "sim_error")}
    controller = f"{summary['host']}:{summary['controller_pid']}"
    assert controller not in supervisors  # the tasks ran on the pool's ranks
    assert 1 <= len(supervisors) <= 2
