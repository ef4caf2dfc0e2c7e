"""The worker protocol: ``python -m vdwgym.worker RUN_DIR`` run for real as a subprocess."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from vdwgym.backends.surrogate import SurrogateBackend
from vdwgym.engines.runfiles import write_json_atomic
from vdwgym.errors import ValidationError
from vdwgym.outcome import Status
from vdwgym.space import PAPER_SPACE, Recipe
from vdwgym.worker.protocol import (
    ERROR_FILE,
    PARAMS_FILE,
    PROGRESS_FILE,
    RESULT_FILE,
    ProgressWriter,
    make_params,
    parse_params,
    read_result,
    tail_progress,
    write_result,
)
from vdwgym.worker.runner import run

RECIPE = Recipe(temperature_K=2100.0, lattice_strain=0.0104, shear_strain=0.0562)


def write_params(run_dir: Path, options=None, seed=5, **overrides) -> dict:
    data = make_params("surrogate", "e000001", 1, RECIPE, seed, PAPER_SPACE, options).to_dict()
    data.update(overrides)
    write_json_atomic(run_dir / PARAMS_FILE, data)
    return data


def run_worker(run_dir: Path, env=None, timeout=60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "vdwgym.worker", str(run_dir)],
                          capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


def test_worker_answers_like_the_surrogate_backend_and_streams_progress(tmp_path):
    write_params(tmp_path, {"sleep_s": 0.35, "progress_interval_s": 0.1}, seed=123)
    proc = run_worker(tmp_path)
    assert proc.returncode == 0, proc.stderr
    outcome = read_result(tmp_path)
    expected = SurrogateBackend(PAPER_SPACE).evaluate([RECIPE], [123])[0]
    assert outcome.status is Status.OK
    assert outcome.seed == 123 and outcome.recipe == RECIPE
    assert outcome.twist_deg == expected.twist_deg
    assert outcome.order == expected.order
    assert outcome.run_dir == str(tmp_path)
    lines, _ = tail_progress(tmp_path / PROGRESS_FILE)
    assert len(lines) >= 3
    fractions = [line["fraction"] for line in lines]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert not (tmp_path / ERROR_FILE).exists()


@pytest.mark.parametrize(("mutate", "field", "value"), [
    (lambda d: d["recipe"].update(temperature_K=5000.0), "params.json:recipe.temperature_K", "5000"),
    (lambda d: d.update(seed=-3), "params.json:seed", "-3"),
    (lambda d: d.update(seed="seven"), "params.json:seed", "seven"),
    (lambda d: d.pop("recipe"), "params.json:recipe", "missing field"),
    (lambda d: d["recipe"].pop("shear_strain"), "params.json:recipe.shear_strain", "missing field"),
    (lambda d: d.update(kind="nope", task=None), "params.json:kind", "nope"),
    (lambda d: d.update(schema=2), "params.json:schema", "2"),
    (lambda d: d.update(options={"sleep_s": -1}), "params.json:options.sleep_s", "-1"),
    (lambda d: d.update(options={"bogus": 1}), "params.json:options.bogus", "unknown option"),
    (lambda d: d.update(key="../escape"), "params.json:key", "../escape"),
])
def test_bad_params_never_run(tmp_path, caplog, mutate, field, value):
    data = make_params("surrogate", "e000001", 1, RECIPE, 5, PAPER_SPACE, {}).to_dict()
    mutate(data)
    if data.get("task") is None:
        data.pop("task", None)
    (tmp_path / PARAMS_FILE).write_text(json.dumps(data))
    assert run(tmp_path) == 2  # in process; the exit path is run for real below
    assert field in caplog.text and value in caplog.text
    assert sorted(p.name for p in tmp_path.iterdir()) == [PARAMS_FILE]


def test_bad_params_exit_2_with_the_error_on_stderr(tmp_path):
    data = write_params(tmp_path)
    (tmp_path / PARAMS_FILE).write_text(json.dumps({**data, "seed": 2**70}))
    proc = run_worker(tmp_path)
    assert proc.returncode == 2
    assert "params.json:seed" in proc.stderr and str(2**70) in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [PARAMS_FILE]


def test_malformed_json_and_missing_dir_exit_2(tmp_path):
    (tmp_path / PARAMS_FILE).write_text('{"schema": 1, "kind": ')
    proc = run_worker(tmp_path)
    assert proc.returncode == 2 and "valid JSON" in proc.stderr
    assert not (tmp_path / RESULT_FILE).exists()
    proc = run_worker(tmp_path / "absent")
    assert proc.returncode == 2 and "RUN_DIR" in proc.stderr


def test_simulation_error_writes_error_json_and_no_result(tmp_path):
    write_params(tmp_path, {"sleep_s": 0.1, "fail": "lost atoms at step 400"})
    proc = run_worker(tmp_path)
    assert proc.returncode == 1
    error = json.loads((tmp_path / ERROR_FILE).read_text())
    assert error["type"] == "InjectedFault"
    assert error["message"] == "lost atoms at step 400"
    assert "Traceback" in error["traceback"]
    assert read_result(tmp_path) is None
    assert tail_progress(tmp_path / PROGRESS_FILE)[0]  # progress before the error is kept


def test_nonzero_exit_after_a_valid_result(tmp_path):
    write_params(tmp_path, {"exit_code_after_result": 7})
    proc = run_worker(tmp_path)
    assert proc.returncode == 7
    assert read_result(tmp_path).status is Status.OK


def test_sigterm_keeps_progress_and_writes_no_result(tmp_path):
    write_params(tmp_path, {"sleep_s": 60, "progress_interval_s": 0.05})
    proc = subprocess.Popen([sys.executable, "-m", "vdwgym.worker", str(tmp_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while len(tail_progress(tmp_path / PROGRESS_FILE)[0]) < 3:
            assert time.monotonic() < deadline, "the worker wrote no progress"
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == -signal.SIGTERM
    finally:
        proc.kill()
    lines, offset = tail_progress(tmp_path / PROGRESS_FILE)
    assert len(lines) >= 3 and offset == (tmp_path / PROGRESS_FILE).stat().st_size
    assert read_result(tmp_path) is None and not (tmp_path / ERROR_FILE).exists()


def test_ranks_other_than_zero_write_nothing(tmp_path):
    write_params(tmp_path, {"sleep_s": 0.2})
    proc = run_worker(tmp_path, env={"PMI_RANK": "1"})
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [PARAMS_FILE]


def test_tail_progress_is_incremental_and_waits_for_partial_lines(tmp_path):
    path = tmp_path / PROGRESS_FILE
    assert tail_progress(path) == ([], 0)
    path.write_text('{"step": 0}\n{"step": 1}\n{"ste')
    lines, offset = tail_progress(path)
    assert [x["step"] for x in lines] == [0, 1]
    assert tail_progress(path, offset) == ([], offset)
    with open(path, "a") as fh:
        fh.write('p": 2}\nnot json\n{"step": 3}\n')
    lines, offset2 = tail_progress(path, offset)
    assert [x["step"] for x in lines] == [2, 3]
    assert offset2 == path.stat().st_size


def test_read_result_rejects_invalid_files(tmp_path):
    assert read_result(tmp_path) is None
    (tmp_path / RESULT_FILE).write_text('{"schema": 1, "outcome": {"status": "ok"')
    assert read_result(tmp_path) is None
    (tmp_path / RESULT_FILE).write_text('{"schema": 1, "outcome": {"status": "bogus"}}')
    assert read_result(tmp_path) is None
    outcome = SurrogateBackend(PAPER_SPACE).evaluate([RECIPE], [1])[0]
    write_result(tmp_path, outcome)
    assert read_result(tmp_path) == outcome


def test_make_params_names_field_bound_and_value():
    with pytest.raises(ValidationError) as info:
        make_params("surrogate", "e1", 1, {**RECIPE, "lattice_strain": 0.2}, 1, PAPER_SPACE)
    assert info.value.field == "params.json:recipe.lattice_strain"
    assert info.value.value == 0.2 and "0.05" in info.value.bound
    with pytest.raises(ValidationError) as info:
        make_params("surrogate", "e1", 0, RECIPE, 1, PAPER_SPACE)
    assert info.value.field == "params.json:attempt"
    with pytest.raises(ValidationError) as info:
        make_params("surrogate", "e1", 1, RECIPE, 1, PAPER_SPACE, {"model": {"nx": 12, "zz": 1}})
    assert info.value.field == "params.json:options.model.zz"
    params = make_params("surrogate", "e1", 2, RECIPE, 9, PAPER_SPACE, {"sleep_s": 1})
    assert parse_params(json.loads(json.dumps(params.to_dict()))) == params


def test_progress_lines_with_numpy_values_and_nan_are_written_as_strict_json(tmp_path):
    progress = ProgressWriter(tmp_path / PROGRESS_FILE)
    progress({"step": np.int64(4), "twist_deg": float("nan"), "psi6": np.array([0.5, np.inf])})
    ProgressWriter(tmp_path / PROGRESS_FILE, enabled=False)({"step": 5})
    text = (tmp_path / PROGRESS_FILE).read_text()
    assert json.loads(text) == {"step": 4, "twist_deg": None, "psi6": [0.5, None]}
    assert text.count("\n") == 1
