"""The flux engine: contract tests of its pure parts (no flux-core needed) and one real run
when ``flux`` imports and a broker answers."""

import signal
from concurrent.futures import CancelledError
from pathlib import Path

import pytest

from vdwgym.engines import Resources, Task
from vdwgym.engines.flux import (
    build_jobspec,
    classify_exception,
    jobspec_arguments,
    reattach_job_id,
    result_from_exception,
    result_from_status,
)
from vdwgym.engines.runfiles import update_task_record
from vdwgym.errors import EngineError


class RecordingJobspec:
    """Stand-in for flux.job.JobspecV1 (flux-core is not installable here): records the
    from_command arguments and the attributes the engine sets."""

    def __init__(self, **kwargs):
        self.kwargs = kwargs

    @classmethod
    def from_command(cls, **kwargs):
        return cls(**kwargs)


class JobExceptionLike(Exception):
    """Shaped as flux.job.JobException: ``type`` and ``severity`` attributes."""

    def __init__(self, job_type):
        self.type, self.severity = job_type, 0
        super().__init__(f"job.exception: type={job_type}")


def make_task(tmp_path, **resources):
    return Task(("python", "-m", "vdwgym.worker", str(tmp_path)), tmp_path, Resources(**resources))


def test_jobspec_from_task(tmp_path):
    task = make_task(tmp_path, ranks=4, cores_per_rank=2, gpus_per_rank=1, time_limit_s=90.0,
                     env={"A": "1"})
    assert jobspec_arguments(task) == {"command": list(task.command), "num_tasks": 4,
                                       "cores_per_task": 2, "gpus_per_task": 1, "num_nodes": None}
    spec = build_jobspec(task, RecordingJobspec, environment={"A": "1"})
    assert spec.kwargs["num_tasks"] == 4 and spec.duration == 90.0
    assert spec.cwd == str(tmp_path) and spec.environment == {"A": "1"}
    assert spec.stdout == str(tmp_path / "stdout.txt") and spec.stderr == str(tmp_path / "stderr.txt")
    no_gpu = build_jobspec(make_task(tmp_path), RecordingJobspec)
    assert no_gpu.kwargs["gpus_per_task"] is None and not hasattr(no_gpu, "duration")
    assert no_gpu.environment["OMP_NUM_THREADS"] == "1"


@pytest.mark.parametrize(("exc", "kind"), [
    (JobExceptionLike("timeout"), "timeout"),
    (JobExceptionLike("cancel"), "cancelled"),
    (JobExceptionLike("exec"), "infrastructure"),
    (RuntimeError("reactor start failed"), "infrastructure"),
    (OSError("connection reset"), "infrastructure"),
    (CancelledError(), "cancelled"),
    (Exception("job.exception: type=timeout note=duration"), "timeout"),
])
def test_exception_mapping(exc, kind):
    assert classify_exception(exc)[0] == kind


def test_results_from_status_and_exceptions(tmp_path):
    task = make_task(tmp_path)
    ok = result_from_status(task, "1234", 3, 10.0, 12.0)
    assert (ok.returncode, ok.signal, ok.job_id) == (3, None, "1234")
    killed = result_from_status(task, "1234", -signal.SIGKILL, 10.0, 12.0)
    assert killed.signal == signal.SIGKILL
    timed_out = result_from_exception(task, "9", JobExceptionLike("timeout"), 1.0, 2.0)
    assert timed_out.timed_out and timed_out.returncode is None
    assert result_from_exception(task, "9", JobExceptionLike("cancel"), 1.0, 2.0).cancelled
    with pytest.raises(EngineError, match="broker lost"):
        result_from_exception(task, "9", RuntimeError("reactor start failed"), None, 2.0)


def test_reattach_bookkeeping(tmp_path):
    assert reattach_job_id(tmp_path) is None
    update_task_record(tmp_path, engine="local", job_id="vm:12")
    assert reattach_job_id(tmp_path) is None
    update_task_record(tmp_path, engine="flux", job_id="123456789")
    assert reattach_job_id(tmp_path) == 123456789
    update_task_record(tmp_path, ended=5.0, returncode=0)
    assert reattach_job_id(tmp_path) is None


def test_make_engine_explains_a_missing_flux(tmp_path):
    if not flux_broker_answers().startswith("flux-python is not installed"):
        pytest.skip("flux-python is installed here")
    from vdwgym.engines import make_engine

    with pytest.raises(EngineError, match="flux-python"):
        make_engine("flux")


def flux_broker_answers() -> str:
    try:
        import flux
    except ImportError:
        return "flux-python is not installed (needs libflux-core)"
    try:
        flux.Flux()
    except Exception as exc:
        return f"no Flux broker answers: {exc}"
    return ""


@pytest.mark.flux
def test_worker_tasks_run_as_flux_jobs_and_reattach(tmp_path):
    reason = flux_broker_answers()
    if reason:
        pytest.skip(reason)
    from vdwgym.backends.worker import WorkerBackend
    from vdwgym.engines.runfiles import read_task_record
    from vdwgym.space import Recipe

    recipe = Recipe(temperature_K=2000.0, lattice_strain=0.01, shear_strain=0.056)
    with WorkerBackend(root=tmp_path, engine="flux") as backend:
        ok = backend.submit(recipe, 3, key="ok").result(300)
    assert ok.status.value == "ok" and ok.details["worker"]["engine"] == "flux"
    assert read_task_record(Path(ok.run_dir))["job_id"].isdigit()
    with WorkerBackend(root=tmp_path, engine="flux", time_limit_s=2,
                       options={"sleep_s": 60}) as backend:
        slow = backend.submit(recipe, 4, key="slow").result(300)
    assert slow.status.value == "timeout"
    with WorkerBackend(root=tmp_path, engine="flux") as backend:
        again = backend.submit(recipe, 3, key="ok").result(300)
    assert again.details["worker"]["resumed"] and again.twist_deg == ok.twist_deg
