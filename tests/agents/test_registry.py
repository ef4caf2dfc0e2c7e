"""Custom agents by import path and entry point: TOML configs, the CLI and bench workers."""

import os
import subprocess
import sys
import textwrap

import pytest

from vdwgym import agents
from vdwgym.bench import load_config, run_benchmark
from vdwgym.campaign import CampaignConfig
from vdwgym.errors import ConfigError, ValidationError
from vdwgym.space import PAPER_SPACE

CFG = """
[bench]
name = "custom"
budget = 8
n_init = 2
seeds = [0, 1]
targets = [8.5]
batch_sizes = [3]
workers = 2
[[agents]]
name = "{name}"
label = "custom"
options = {{ offset = 0.25 }}
"""


def _entry_point_dir(tmp_path):
    """A dist-info folder on sys.path declaring entry point ``corner2`` in group vdwgym.agents."""
    d = tmp_path / "site" / "vdwgym_custom_agents-0.1.dist-info"
    d.mkdir(parents=True)
    (d / "METADATA").write_text("Metadata-Version: 2.1\nName: vdwgym-custom-agents\nVersion: 0.1\n")
    (d / "entry_points.txt").write_text("[vdwgym.agents]\ncorner2 = vdwgym.testing.agents:CornerAgent\n")
    return tmp_path / "site"


def test_import_path_agent_is_made_and_bad_paths_name_the_field():
    a = agents.make("vdwgym.testing.agents:CornerAgent", space=PAPER_SPACE, target_deg=8.5, seed=0, offset=0.1)
    assert a.ask(2)[0]["temperature_K"] == pytest.approx(1300 + 0.6 * 1900)
    with pytest.raises(ValidationError) as info:
        CampaignConfig(target_deg=8.5, agent="vdwgym.testing.agents:NoSuchAgent")
    assert info.value.field == "agent" and "NoSuchAgent" in str(info.value)
    with pytest.raises(ValidationError):
        CampaignConfig(target_deg=8.5, agent="no_such_agent")


def test_import_path_agent_in_a_toml_bench_with_two_workers(tmp_path):
    p = tmp_path / "c.toml"
    p.write_text(CFG.format(name="vdwgym.testing.agents:CornerAgent"))
    records = run_benchmark(load_config(p), tmp_path / "out")
    assert len(records) == 2
    for r in records:
        agent_rows = [e for e in r["evaluations"] if e["source"] == "agent"]
        assert len(agent_rows) == 6
        assert all(e["temperature_K"] == pytest.approx(1300 + 0.75 * 1900) for e in agent_rows)


def test_error_in_a_bench_worker_arrives_as_the_validation_error(tmp_path):
    p = tmp_path / "c.toml"
    p.write_text(CFG.format(name="vdwgym.testing.agents:FailingAgent"))
    with pytest.raises(ValidationError) as info:
        run_benchmark(load_config(p), tmp_path / "out")
    assert info.value.field == "failing.option"


def test_bad_agent_in_toml_is_a_config_error(tmp_path):
    p = tmp_path / "c.toml"
    p.write_text(CFG.format(name="nope.module:Agent"))
    with pytest.raises(ConfigError, match="agents.name"):
        load_config(p)


def test_entry_point_agent_in_cli_bench_with_two_workers(tmp_path):
    site = _entry_point_dir(tmp_path)
    p = tmp_path / "c.toml"
    p.write_text(CFG.format(name="corner2"))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}
    code = textwrap.dedent("""
        import sys
        from vdwgym.cli import main
        sys.exit(main(["bench", sys.argv[1], "--out", sys.argv[2]]))
    """)
    res = subprocess.run([sys.executable, "-c", code, str(p), str(tmp_path / "out")], env=env,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    assert len(list((tmp_path / "out" / "runs").glob("*.json"))) == 2
    listed = subprocess.run([sys.executable, "-c", "from vdwgym import agents; print(agents.names())"],
                            env=env, capture_output=True, text=True, timeout=120)
    assert "corner2" in listed.stdout
