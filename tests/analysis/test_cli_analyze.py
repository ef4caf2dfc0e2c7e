"""``vdwgym analyze`` (run through ``python -m vdwgym.cli.analyze`` in a subprocess)."""

import argparse
import json
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
    assert out.returncode == 2
    recs = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["file"] for r in recs] == [str(good), str(am)]
    assert recs[0]["twist_deg"] == pytest.approx(theta, abs=0.5)
    assert recs[0]["method"] == "psi6" and recs[0]["crystalline"]
    assert recs[1]["twist_deg"] is None and not recs[1]["crystalline"]
    for r in recs:
        assert {"layers", "order", "frame"} <= set(r)
    assert "bad.dump:2" in out.stderr


def _dump(path, box=("0 20", "0 20", "0 20"), atoms=("1 1 1 1 1", "2 2 2 2 4")):
    path.write_text("\n".join(["ITEM: TIMESTEP", "0", "ITEM: NUMBER OF ATOMS", str(len(atoms)),
                               "ITEM: BOX BOUNDS pp pp ff", *box, "ITEM: ATOMS id type x y z",
                               *atoms]) + "\n")
    return path


def _bad_inputs(folder):
    """The bad inputs of issue 13 (item 10): name -> (file, the error's field: bound, value)."""
    import gzip

    long_line = folder / "long.dump"
    _dump(long_line, atoms=("1 1 1 1 " + "1" * 20_000_000, "2 2 2 2 4"))
    blob = gzip.compress(_dump(folder / "plain.dump").read_bytes() * 50)
    corrupt = folder / "corrupt.dump.gz"
    corrupt.write_bytes(blob[:40] + bytes(100) + blob[140:])
    return {
        "nan coordinate": (_dump(folder / "nan.dump", atoms=("1 1 nan 1 1", "2 2 2 2 4")),
                           r"positions: expected finite numbers, got \[nan\]"),
        "inf coordinate": (_dump(folder / "inf.dump", atoms=("1 1 inf 1 1", "2 2 2 2 4")),
                           r"positions: expected finite numbers, got \[inf\]"),
        "nan box": (_dump(folder / "nanbox.dump", box=("0 nan", "0 20", "0 20")),
                    r"cell: expected finite numbers.*got \[\[nan"),
        "inf box": (_dump(folder / "infbox.dump", box=("0 inf", "0 20", "0 20")),
                    r"cell: expected finite numbers.*got \[\[inf"),
        "1e300 value": (_dump(folder / "e300.dump", atoms=("1 1 1e300 1 1", "2 2 2 2 4")),
                        r"positions: expected values within \+-100000 A, got 1e\+300"),
        "1e12 A box": (_dump(folder / "bigbox.dump", box=("0 1e12", "0 1e12", "0 20")),
                       r"cell: expected values within \+-100000 A, got 1000000000000\.0"),
        "id 10**30": (_dump(folder / "bigid.dump", atoms=(f"{10**30} 1 1 1 1", "2 2 2 2 4")),
                      r":10: id: expected an integer in \[-2\*\*63, 2\*\*63\), got '1000000000000000000000000000000'"),
        "20 MB line": (long_line, r":10: line: expected at most 1048576 characters, got more \('1 1 1 1 1111"),
        "corrupt gzip": (corrupt, r"corrupt.dump.gz:\d+: file: expected readable gzip text, got "
                                  r"corrupt data \(zlib: "),
    }


BAD = ["nan coordinate", "inf coordinate", "nan box", "inf box", "1e300 value", "1e12 A box",
       "id 10**30", "20 MB line", "corrupt gzip"]


@pytest.mark.parametrize("name", BAD)
def test_bad_input_exits_2_naming_field_bound_and_value(tmp_path, capsys, name):
    """Each bad input of issue 13 gets exit status 2 and one error line naming the file,
    the field, the bound and the value (in process: ``vdwgym.cli.analyze.main``)."""
    import re

    from vdwgym.cli.analyze import main

    path, message = _bad_inputs(tmp_path)[name]
    assert main([str(path), "--json"]) == 2
    out = capsys.readouterr()
    assert out.out == ""
    (line,) = out.err.splitlines()
    assert line.startswith(f"vdwgym analyze: {path}")
    assert re.search(message, line), line


@pytest.mark.parametrize(("a", "message"), [
    ("nan", r"a: expected > 0 \(Angstrom\), got nan"),
    ("1e300", r"a: expected a lattice constant with a reflection of this 36.4429x36.4429 A box "
              r"within 0.25 of \|G0\| = 4 pi / \(sqrt\(3\) a\), got 1e\+300"),
    ("50", r"a: expected a lattice constant with a reflection .*, got 50.0 "),
    ("0.01", r"a: expected a lattice constant whose reflections in this 36.4429x36.4429 A box "
             r"number at most 1e\+06 .*, got 0.01 \(5.54e\+07 reciprocal points\)"),
    ("1e-300", r"a: expected a lattice constant whose reflections .* number at most 1e\+06"),
])
def test_a_lattice_constant_the_box_cannot_resolve_exits_2(tmp_path, capsys, a, message):
    """Too large for the box (no reflection to find: it was an IndexError) or so small that
    the reciprocal grid to search explodes (it ran out of memory): exit 2, naming ``a``."""
    import re

    from vdwgym.cli.analyze import main

    s, _ = twisted_bilayer(4, 9)
    path = write_lammps_data(s, tmp_path / "good.data")
    assert main([str(path), "--lattice-constant", a]) == 2
    err = capsys.readouterr().err
    assert re.search(message, err), err


def test_bad_inputs_through_the_cli_exit_2_and_good_files_still_analysed(tmp_path):
    """The real command on all of them at once, with a good file between: exit 2, one
    error per bad file, no traceback, the good file's result printed."""
    s, theta = twisted_bilayer(4, 9)
    good = write_lammps_data(s, tmp_path / "good.data")
    bad = {name: path for name, (path, _) in _bad_inputs(tmp_path).items()}
    out = subprocess.run([sys.executable, "-m", "vdwgym.cli", "analyze", "--json", good,
                          *bad.values()], capture_output=True, text=True, timeout=300)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert sorted(out.stderr.splitlines()) == sorted(
        line for line in out.stderr.splitlines() if line.startswith("vdwgym analyze: "))
    assert len(out.stderr.splitlines()) == len(bad)
    (rec,) = [json.loads(line) for line in out.stdout.splitlines()]
    assert rec["file"] == str(good) and rec["twist_deg"] == pytest.approx(theta, abs=0.5)


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
    for bad in ("Mo", "1=Mo,2=", "0=Mo", f"{10**30}=Mo", "1=M o", "1=12"):
        with pytest.raises(argparse.ArgumentTypeError, match=r"TYPE an integer in \[1, 2\*\*31\)"):
            parse_types(bad)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(atoms=st.lists(st.tuples(st.sampled_from([1, 2, 3]),
                                st.floats(-5, 25), st.floats(-5, 25), st.floats(-5, 25)),
                      max_size=12),
       lz=st.sampled_from([0.5, 20.0, 1e5]), method=st.sampled_from(["sf", "psi6", "chain", "histogram"]))
def test_analyze_on_any_small_frame_answers_or_refuses(tmp_path, capsys, atoms, lz, method):
    """``vdwgym analyze`` on any readable frame (few atoms, atoms outside the box, thin or
    tall boxes, every method): a result (exit 0) or a clear error (exit 2), never a
    traceback."""
    from vdwgym.cli.analyze import main

    rows = [f"{i + 1} {t} {x!r} {y!r} {z!r}" for i, (t, x, y, z) in enumerate(atoms)]
    path = _dump(tmp_path / "f.dump", box=("0 20", "0 20", f"0 {lz!r}"), atoms=rows)
    code = main([str(path), "--json", "--method", method])
    out = capsys.readouterr()
    assert code in (0, 2)
    if code == 0:
        (rec,) = [json.loads(line) for line in out.out.splitlines()]
        assert rec["twist_deg"] is None or 0 <= rec["twist_deg"] <= 30
    else:
        assert out.err.startswith(f"vdwgym analyze: {path}")
