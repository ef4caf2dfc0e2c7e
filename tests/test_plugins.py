"""Plugins by entry point: a real distribution (dist-info with entry_points.txt) put on the
path adds an agent, a backend, a worker task and a potential, which ``vdwgym list`` shows with
where they come from, the registries build, the CLI accepts as choices, and a worker process
(started fresh) runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from vdwgym.testing.plugins import install_plugin

PLUGIN = '''"""A vdwgym plugin used by the tests."""
from vdwgym.agents.random import RandomAgent
from vdwgym.backends.base import Backend, completed_future
from vdwgym.md.potentials import Potential
from vdwgym.outcome import Outcome, Status


class ConstantBackend(Backend):
    """Answers the same twist for every recipe."""

    name = "constant"
    answers_at_once = True

    def __init__(self, space, twist_deg: float = 12.0):
        super().__init__(space)
        self.twist_deg = twist_deg

    def submit(self, recipe, seed, key=None):
        return completed_future(Outcome(
            status=Status.OK, recipe=self.space.validate(recipe), seed=seed,
            twist_deg=self.twist_deg, order=1.0, crystalline=True,
            details={"backend": self.name}))

    def config(self):
        return {"name": self.name, "twist_deg": self.twist_deg}


class PluginAgent(RandomAgent):
    """The random agent, installed as a plugin."""


def run(recipe, seed, options, run_dir, progress):
    """A worker task that answers the twist in its options."""
    progress({"step": 1})
    return Outcome(status=Status.OK, recipe=recipe, seed=seed,
                   twist_deg=float(options.get("twist_deg", 7.0)), order=1.0,
                   crystalline=True, details={"backend": "plugin-task"})


def potential():
    return Potential(name="plugpot", pair_style="rebomos", description="a plugin potential")
'''

ENTRY_POINTS = {
    "vdwgym.agents": {"plugagent": "vdwgym_plugin_example:PluginAgent"},
    "vdwgym.backends": {"constant": "vdwgym_plugin_example:ConstantBackend"},
    "vdwgym.tasks": {"plugtask": "vdwgym_plugin_example:run"},
    "vdwgym.potentials": {"plugpot": "vdwgym_plugin_example:potential"},
}
SOURCE = "vdwgym-plugin-example 0.3 (entry point)"


@pytest.fixture
def plugin(tmp_path, monkeypatch) -> Path:
    folder = install_plugin(tmp_path / "site", "vdwgym-plugin-example", "0.3", ENTRY_POINTS,
                            {"vdwgym_plugin_example.py": PLUGIN})
    monkeypatch.syspath_prepend(str(folder))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(folder), os.environ.get("PYTHONPATH", "")]))
    return folder


def test_no_plugin_no_entry_point():
    from vdwgym.plugins import GROUPS, entry_points

    assert all(entry_points(kind) == {} for kind in GROUPS)


def test_each_registry_finds_its_entry_point(plugin):
    from vdwgym.agents import registry as agents
    from vdwgym.backends import registry as backends
    from vdwgym.md import potentials
    from vdwgym.worker import tasks

    for kind, module, name, own in (("agents", agents, "plugagent", "random"),
                                    ("backends", backends, "constant", "surrogate"),
                                    ("tasks", tasks, "plugtask", "lammps"),
                                    ("potentials", potentials, "plugpot", "rebomos")):
        found = module.installed()
        assert found[name].kind == kind
        assert [n for n, p in found.items() if p.source == SOURCE] == [name]
        assert found[own].source == "built in"
    assert potentials.resolve_potential("plugpot").description == "a plugin potential"
    assert "plugtask" in tasks.allowed_tasks()


def test_a_plugin_backend_runs_a_campaign_by_name(plugin, tmp_path):
    from vdwgym.backends.registry import backend_names, make_backend
    from vdwgym.campaign import Campaign, CampaignConfig
    from vdwgym.errors import ValidationError

    assert backend_names()[:4] == ["surrogate", "worker", "lammps", "emulator"]
    assert make_backend("constant", twist_deg=4.0).config() == {"name": "constant", "twist_deg": 4.0}
    with pytest.raises(ValidationError, match="backend_options.colour"):
        make_backend("constant", colour="red")
    config = CampaignConfig(agent="plugagent", backend="constant", budget=4, batch=2, n_init=2,
                            backend_options={"twist_deg": 9.0})
    result = Campaign(config, tmp_path / "c.sqlite").run()
    assert [e.outcome.twist_deg for e in result.evaluations] == [9.0] * 4


def test_a_plugin_task_runs_in_a_fresh_worker_process(plugin, tmp_path):
    from vdwgym.backends.worker import WorkerBackend
    from vdwgym.outcome import Status
    from vdwgym.space import PAPER_SPACE, Recipe

    recipe = Recipe(temperature_K=2100.0, lattice_strain=0.0104, shear_strain=0.0562)
    with WorkerBackend(PAPER_SPACE, root=tmp_path / "runs", kind="plugtask",
                       options={"twist_deg": 3.5}) as backend:
        outcome = backend.submit(recipe, 5, key="e000000").result(timeout=120)
    assert outcome.status is Status.OK, outcome.error
    assert outcome.twist_deg == 3.5 and outcome.details["backend"] == "plugin-task"
    assert outcome.history == [{"step": 1}]


def test_vdwgym_list_shows_where_each_name_comes_from(plugin):
    env = {**os.environ, "PYTHONPATH": os.environ["PYTHONPATH"]}
    proc = subprocess.run([sys.executable, "-m", "vdwgym", "list"], capture_output=True,
                          text=True, timeout=120, env=env, check=True)
    lines = {line.split()[0]: line for line in proc.stdout.splitlines() if line.startswith("  ")}
    assert lines["constant"].endswith(f"[{SOURCE}]") and "Answers the same twist" in lines["constant"]
    assert lines["plugtask"].endswith(f"[{SOURCE}]")
    assert lines["plugagent"].endswith(f"[{SOURCE}]")
    assert lines["plugpot"].endswith(f"[{SOURCE}]")
    assert lines["surrogate"].endswith("[built in]")


def test_cli_choices_come_from_the_registry(plugin):
    from vdwgym.cli import build_parser

    parser = build_parser()
    args = parser.parse_args(["campaign", "--backend", "constant", "--out", "x"])
    assert args.backend == "constant"
    with pytest.raises(SystemExit):
        parser.parse_args(["campaign", "--backend", "nonesuch", "--out", "x"])


def test_a_plugin_that_cannot_be_imported_is_refused_by_name(tmp_path, monkeypatch):
    from vdwgym.backends.registry import backend_names, make_backend
    from vdwgym.errors import ValidationError
    from vdwgym.md.potentials import resolve_potential

    folder = install_plugin(tmp_path / "site", "broken-plugin", "1.0",
                            {"vdwgym.backends": {"broken": "no_such_module:Lab"},
                             "vdwgym.potentials": {"brokenpot": "no_such_module:factory"}}, {})
    monkeypatch.syspath_prepend(str(folder))
    assert "broken" in backend_names()
    with pytest.raises(ValidationError, match=r"backend: expected an importable backend class \(no_such_module:Lab\), got 'broken'"):
        make_backend("broken")
    with pytest.raises(ValidationError, match="potential: expected an importable factory"):
        resolve_potential("brokenpot")
