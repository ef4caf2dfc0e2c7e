"""``vdwgym analyze`` (run through ``python -m vdwgym.cli.analyze`` in a subprocess)."""

import argparse
import json
import subprocess
import sys

import numpy as np
import pytest

from vdwgym.cli.analyze import add_parser, parse_types
from vdwgym.structures import twisted_bilayer, write_lammps_data
from vdwgym.testing.disorder import amorphize_layer


def _run(*args):
    return subprocess.run([sys.executable, "-m", "vdwgym.cli.analyze", *map(str, args)],
                          capture_output=True, text=True, timeout=120)


def test_json_per_file_and_error_status(tmp_path):
    s, theta = twisted_bilayer(4, 9)
    good = write_lammps_data(s, tmp_path / "good.data")
    am = write_lammps_data(amorphize_layer(s, np.random.default_rng(0)), tmp_path / "am.data")
    bad = tmp_path / "bad.dump"
    bad.write_text("ITEM: TIMESTEP\nxx\n")
    out = _run(good, am, bad, "--json", "--method", "psi6")
    assert out.returncode == 1
    recs = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["file"] for r in recs] == [str(good), str(am)]
    assert recs[0]["twist_deg"] == pytest.approx(theta, abs=0.5)
    assert recs[0]["method"] == "psi6" and recs[0]["crystalline"]
    assert recs[1]["twist_deg"] is None and not recs[1]["crystalline"]
    for r in recs:
        assert {"layers", "order", "frame"} <= set(r)
    assert "bad.dump:2" in out.stderr


def test_types_option_and_text_output(tmp_path):
    s, theta = twisted_bilayer(5, 8)
    s.types = 3 - s.types
    p = write_lammps_data(s, tmp_path / "swapped.data", masses={"Mo": 32.06, "S": 95.95})
    out = _run(p, "--types", "2=Mo,1=S")
    assert out.returncode == 0, out.stderr
    assert f"twist {theta:.3f} deg" in out.stdout


def test_add_parser_registers_the_subcommand():
    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["analyze", "a.dump", "--frame", "-1", "--method", "chain"])
    assert args.files == ["a.dump"] and args.frame == -1 and args.method == "chain"
    assert parse_types("1=Mo, 2=S") == {1: "Mo", 2: "S"}
    with pytest.raises(argparse.ArgumentTypeError):
        parse_types("Mo")
