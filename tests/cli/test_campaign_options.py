"""vdwgym campaign: --engine/--ranks/--slots, registry choices and --config FILE.toml."""

from __future__ import annotations

import pytest

from vdwgym.cli import build_parser, main
from vdwgym.cli.campaign import config_from_args, config_from_file
from vdwgym.errors import ConfigError, ValidationError
from vdwgym.monitor import load_snapshot


def parse(*argv: str):
    return build_parser().parse_args(["campaign", *argv])


def test_engine_flags_become_backend_options():
    cfg = config_from_args(parse("--backend", "worker", "--engine", "local", "--ranks", "2", "--slots", "3"))
    assert cfg.backend_options == {"engine": "local", "ranks": 2, "engine_options": {"slots": 3}}
    assert config_from_args(parse("--backend", "lammps", "--engine", "mpi")).backend_options == {"engine": "mpi"}


@pytest.mark.parametrize("argv, field", [
    (("--slots", "2"), "--slots"),                                   # surrogate has no engine
    (("--backend", "worker", "--slots", "0"), "--slots"),
    (("--backend", "worker", "--ranks", "0"), "--ranks"),
    (("--backend", "worker", "--engine", "mpi", "--slots", "2"), "--slots"),
    (("--backend", "worker", "--engine", "mpi", "--backend-option", "engine=local"), "--backend-option engine"),
])
def test_bad_engine_flags_name_the_flag(argv, field):
    with pytest.raises(ValidationError) as info:
        config_from_args(parse(*argv))
    assert info.value.field == field


def test_agent_and_backend_choices_come_from_the_registries(capsys):
    # --agent also takes an entry point or module:Class, so it is checked against the
    # registry when the config is built, not by argparse; its help lists the registry
    with pytest.raises(ValidationError) as info:
        config_from_args(parse("--agent", "nosuch"))
    assert info.value.field == "agent" and "qei" in str(info.value) and "ts" in str(info.value)
    with pytest.raises(SystemExit):
        parse("--help")
    assert "qei" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        parse("--backend", "nosuch")
    assert "emulator" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parse("--engine", "slurm")
    assert "local" in capsys.readouterr().err


BENCH = """
[bench]
backend = "surrogate"
budget = 7
n_init = 3
seeds = [4]
targets = [12.0]
batch_sizes = [2]

[[agents]]
name = "random"
"""


def test_campaign_from_a_bench_toml(tmp_path, capsys):
    path = tmp_path / "one.toml"
    path.write_text(BENCH)
    cfg = config_from_file(path)
    assert (cfg.budget, cfg.n_init, cfg.seed, cfg.target_deg, cfg.batch, cfg.agent) == (7, 3, 4, 12.0, 2, "random")
    assert main(["campaign", "--config", str(path), "--out", str(tmp_path / "c")]) == 0
    snap = load_snapshot(tmp_path / "c")
    assert len(snap.evaluations) == 7 and snap.config.target_deg == 12.0 and snap.config.seed == 4
    assert main(["campaign", "--config", str(path), "--agent", "ts", "--budget", "9",
                 "--out", str(tmp_path / "d")]) == 2
    err = capsys.readouterr().err
    assert "--config" in err and "'--agent'" in err and "'--budget'" in err
    assert not (tmp_path / "d").exists()
    path.write_text(BENCH.replace("seeds = [4]", "seeds = [4, 5]"))
    with pytest.raises(ConfigError, match="describes 2 campaigns"):
        config_from_file(path)


def test_worker_runs_default_to_the_campaign_folder(tmp_path):
    out = tmp_path / "c"
    assert main(["campaign", "--backend", "worker", "--budget", "2", "--batch", "2", "--n-init", "2",
                 "--out", str(out)]) == 0
    assert load_snapshot(out).backend["root"] == str((out / "runs").absolute())
    assert sorted(p.name for p in (out / "runs").iterdir()) == ["e000000", "e000001"]


def test_summary_names_the_best_evaluation_by_key(tmp_path, capsys):
    import re

    from vdwgym.store import Store

    out = tmp_path / "c"
    assert main(["campaign", "--budget", "6", "--batch", "2", "--n-init", "2", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    twist, key = re.search(r"^best twist\s+([\d.]+) deg \((e\d{6})\)$", text, re.M).groups()
    with Store.read_only(out / "campaign.sqlite") as store:
        by_key = {r.key: r for r in store.evaluations()}
    assert by_key[key].outcome.twist_deg == pytest.approx(float(twist), abs=5e-4)
