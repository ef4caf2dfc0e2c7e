"""``import vdwgym`` loads neither gymnasium nor torch, yet the environment is registered
whichever of ``import vdwgym`` and ``import gymnasium`` comes first; the worker process's
imports are measured with ``python -X importtime``."""

import subprocess
import sys

import pytest

ENV_ID = "vdwgym/Recrystallization-v0"
HEAVY = ("gymnasium", "torch", "botorch", "matplotlib")


def run_python(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=120,
                          check=check)


def imported_modules(importtime_stderr: str) -> set[str]:
    """Module names from ``-X importtime`` lines ``import time: self | cumulative | name``."""
    names = set()
    for line in importtime_stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    return names


def heavy_in(names: set[str]) -> set[str]:
    return {n for n in names if n.split(".")[0] in HEAVY}


@pytest.mark.parametrize("task_module", [None, "vdwgym.surrogate.task", "vdwgym.md.task"])
def test_the_worker_process_imports_neither_gymnasium_nor_torch(task_module):
    if task_module is None:
        proc = run_python("-X", "importtime", "-m", "vdwgym.worker", "--help", check=False)
        assert "usage" in proc.stderr.lower() and proc.returncode == 2  # the usage line
    else:  # what the worker imports to run a surrogate or a LAMMPS task
        proc = run_python("-X", "importtime", "-c", f"import vdwgym.worker, {task_module}")
    names = imported_modules(proc.stderr)
    assert "vdwgym.engines.runfiles" in names  # the worker's own imports were seen
    assert task_module is None or task_module in names
    assert heavy_in(names) == set()


def test_a_surrogate_worker_run_imports_neither_gymnasium_nor_torch(tmp_path):
    """A whole worker process that evaluates a surrogate task, measured end to end."""
    from vdwgym.engines.runfiles import write_json_atomic
    from vdwgym.space import PAPER_SPACE
    from vdwgym.worker import PARAMS_FILE, make_params, read_result

    recipe = {"temperature_K": 2100.0, "lattice_strain": 0.0104, "shear_strain": 0.0562}
    params = make_params("surrogate", "e000001", 1, recipe, 7, PAPER_SPACE)
    write_json_atomic(tmp_path / PARAMS_FILE, params.to_dict())
    proc = run_python("-X", "importtime", "-P", "-m", "vdwgym.worker", str(tmp_path), check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert read_result(tmp_path) is not None
    names = imported_modules(proc.stderr)
    assert {"vdwgym.surrogate.commensurate", "vdwgym.surrogate.outcomes"} <= names  # the task ran
    assert heavy_in(names) == set()


def test_importtime_parser_sees_a_heavy_import():
    proc = run_python("-X", "importtime", "-c", "import vdwgym.envs")
    assert "gymnasium" in heavy_in(imported_modules(proc.stderr))


@pytest.mark.parametrize("order", ["vdwgym first", "gymnasium first"])
def test_import_vdwgym_registers_the_environment_in_either_order(order):
    imports = ("import vdwgym; import sys; assert 'gymnasium' not in sys.modules; "
               "import gymnasium as gym" if order == "vdwgym first"
               else "import gymnasium as gym; import vdwgym")
    proc = run_python("-c", f"{imports}; env = gym.make({ENV_ID!r}, budget=3); "
                      "print(type(env.unwrapped).__name__)")
    assert proc.stdout.strip() == "RecrystallizationEnv"


def test_gymnasium_module_id_form_needs_no_import_of_vdwgym():
    proc = run_python("-c", "import gymnasium as gym, sys; "
                      f"env = gym.make('vdwgym.envs:{ENV_ID}', budget=3); "
                      "print(type(env.unwrapped).__name__)")
    assert proc.stdout.strip() == "RecrystallizationEnv"


def test_without_gymnasium_imported_the_hook_waits_and_leaves_after_use():
    proc = run_python("-c", "import sys, vdwgym; "
                      "from vdwgym.gym_registration import _GymnasiumHook as H; "
                      "before = sum(isinstance(f, H) for f in sys.meta_path); "
                      "vdwgym.gym_registration.register_on_gymnasium_import(); "
                      "again = sum(isinstance(f, H) for f in sys.meta_path); "
                      "import gymnasium; "
                      "after = sum(isinstance(f, H) for f in sys.meta_path); "
                      f"print(before, again, after, {ENV_ID!r} in gymnasium.registry)")
    assert proc.stdout.split() == ["1", "1", "0", "True"]
