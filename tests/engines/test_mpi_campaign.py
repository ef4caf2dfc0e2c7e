"""A whole campaign under ``mpiexec -n 3`` (one controller, two mpi4py pool workers), each
evaluation a real ``python -m vdwgym.worker`` task launched by the mpi engine; its record must
equal the same campaign run in-process on the surrogate, evaluation by evaluation."""

import json
import os
import subprocess
import sys

import pytest

from vdwgym.engines.process import find_mpiexec
from vdwgym.store import Store

ARGS = ["campaign", "--agent", "random", "--budget", "8", "--batch", "3", "--n-init", "3",
        "--seed", "11", "--no-stop-at-target"]


def records(path):
    with Store(path) as st:
        return [(r.recipe, r.seed, r.outcome.status.value, r.outcome.twist_deg) for r in st.evaluations()]


@pytest.mark.mpi
def test_campaign_runs_under_mpiexec_with_the_mpi_engine(tmp_path):
    pytest.importorskip("mpi4py")
    mpiexec = find_mpiexec()
    assert mpiexec, "mpiexec not found (pip install mpich)"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    out = tmp_path / "mpi"
    proc = subprocess.run(
        [mpiexec, "-n", "3", sys.executable, "-m", "mpi4py.futures", "-m", "vdwgym.cli", *ARGS,
         "--backend", "worker", "--backend-option", "engine=mpi",
         "--backend-option", f"root={tmp_path / 'runs'}", "--out", str(out)],
        env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    subprocess.run([sys.executable, "-m", "vdwgym.cli", *ARGS, "--out", str(tmp_path / "ref")],
                   env=env, check=True, capture_output=True, timeout=300)
    got = records(out / "campaign.sqlite")
    assert len(got) == 8 and all(status == "ok" for _, _, status, _ in got)
    assert got == records(tmp_path / "ref" / "campaign.sqlite")
    tasks = [json.loads(p.read_text()) for p in sorted((tmp_path / "runs").glob("e*/attempt-1/task.json"))]
    assert len(tasks) == 8 and {t["engine"] for t in tasks} == {"mpi"}
