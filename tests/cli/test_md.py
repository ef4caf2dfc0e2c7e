"""``vdwgym md``: its --out is a worker run directory (params.json, progress.jsonl, result.json
read by :func:`vdwgym.worker.read_result`), on one rank in process and on two through the
local engine under mpiexec."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.md.markers import needs_lammps
from vdwgym.worker import load_params, read_result, tail_progress

pytestmark = needs_lammps

ARGS = ["--preset", "smoke", "--temperature", "2500", "--lattice-strain", "0.015",
        "--shear-strain", "0.015"]


def vdwgym_md(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "vdwgym", "md", *ARGS, *args],
                          capture_output=True, text=True, timeout=300)


@pytest.mark.md
def test_one_rank_in_process_leaves_a_worker_run_directory(tmp_path):
    out = tmp_path / "e"
    (out).mkdir()
    (out / "result.json").write_text("{}")  # an earlier run's file is replaced
    proc = vdwgym_md("--out", str(out), "--seed", "3")
    assert proc.returncode == 0, proc.stderr[-2000:]
    params = load_params(out)
    assert (params.kind, params.key, params.seed) == ("lammps", "md", 3)
    assert params.options["preset"] == "smoke"
    outcome = read_result(out)
    assert outcome is not None and outcome.details["mpi_ranks"] == 1
    lines, _ = tail_progress(out / "progress.jsonl")
    assert lines == outcome.history and lines
    assert proc.stdout.startswith("twist: ") and "files: " in proc.stdout
    assert not (out / "task.json").exists()  # not run through an engine


@pytest.mark.md
@pytest.mark.mpi
def test_cli_on_two_mpi_ranks(tmp_path):
    if shutil.which("mpiexec", path=str(Path(sys.executable).parent)) is None:
        pytest.skip("mpiexec not found next to the interpreter")
    out = tmp_path / "e"
    proc = vdwgym_md("--out", str(out), "--ranks", "2")
    assert proc.returncode == 0, proc.stderr[-2000:]
    outcome = read_result(out)  # a worker run directory
    assert outcome.details["mpi_ranks"] == 2
    assert json.loads((out / "task.json").read_text())["engine"] == "local"  # through the engine
    ana = subprocess.run([sys.executable, "-m", "vdwgym.cli.analyze", str(out / "final.dump"),
                          "--json", "--lattice-constant", "3.172"],
                         capture_output=True, text=True, timeout=120, check=True)
    rec = json.loads(ana.stdout.splitlines()[0])
    last = outcome.history[-1]
    assert rec["crystalline"] == last["crystalline"]
    assert [ly["peak_sn"] for ly in rec["layers"]] == pytest.approx(last["crystallinity"],
                                                                      abs=1e-5)


