"""Property-based fuzz of the input layers (issue 13): the dump and data readers, the
worker's params.json and the campaign CLI's options.  The property everywhere: a clear
error of the vdwgym hierarchy (naming where) or a valid result, never another exception.
The example counts keep the CI cost to seconds; raise them with ``--hypothesis-profile``.
"""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vdwgym.analysis.readers import MAX_LENGTH_A, read_data, read_dump
from vdwgym.cli.options import parse_options
from vdwgym.errors import AnalysisError, ValidationError, VdwgymError
from vdwgym.space import PAPER_SPACE, Recipe
from vdwgym.worker.protocol import make_params, parse_params

FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**31), max_value=10**31),
    st.sampled_from(["nan", "inf", "-inf", "1e300", "1e-300", "abc", "", "0x10", "1_0"]),
)


def _num(x) -> str:
    return x if isinstance(x, str) else repr(x)


def dump_text(n: int, box: list, atoms: list[list]) -> str:
    lines = ["ITEM: TIMESTEP", "0", "ITEM: NUMBER OF ATOMS", str(n), "ITEM: BOX BOUNDS pp pp pp"]
    lines += [f"{_num(lo)} {_num(hi)}" for lo, hi in box]
    lines.append("ITEM: ATOMS id type x y z")
    lines += [" ".join(_num(v) for v in row) for row in atoms]
    return "\n".join(lines) + "\n"


@FUZZ
@given(n=st.integers(-2, 6) | st.sampled_from([10**12, 10**30]),
       box=st.lists(st.tuples(NUMBERS, NUMBERS), min_size=3, max_size=3),
       atoms=st.lists(st.lists(NUMBERS, min_size=5, max_size=5), max_size=5))
def test_dump_reader_clear_error_or_valid_frame(tmp_path, n, box, atoms):
    path = tmp_path / "f.dump"
    path.write_text(dump_text(n, box, atoms))
    try:
        (frame,) = read_dump(path)
    except AnalysisError as exc:
        assert str(path) in str(exc) or "frame" in str(exc)
        return
    assert np.all(np.isfinite(frame.positions)) and np.all(np.isfinite(frame.cell))
    assert np.max(np.abs(frame.cell), initial=0) <= MAX_LENGTH_A


@FUZZ
@given(data=st.binary(max_size=300))
def test_dump_reader_on_random_bytes_and_corrupt_gzip(tmp_path, data):
    for path, payload in ((tmp_path / "r.dump", data),
                          (tmp_path / "r.dump.gz", gzip.compress(data)[:max(1, len(data) // 2)]),
                          (tmp_path / "s.dump.gz", b"\x1f\x8b" + data)):
        path.write_bytes(payload)
        try:
            read_dump(path)
        except AnalysisError:
            pass


@FUZZ
@given(natoms=NUMBERS, box=st.lists(NUMBERS, min_size=2, max_size=2),
       atom=st.lists(NUMBERS, min_size=5, max_size=5))
def test_data_reader_clear_error_or_valid_frame(tmp_path, natoms, box, atom):
    text = (f"title\n\n{_num(natoms)} atoms\n1 atom types\n{_num(box[0])} {_num(box[1])} xlo xhi\n"
            "0 10 ylo yhi\n0 10 zlo zhi\n\nAtoms # atomic\n\n" + " ".join(_num(v) for v in atom) + "\n")
    path = tmp_path / "f.data"
    path.write_text(text)
    try:
        frame = read_data(path)
    except AnalysisError:
        return
    assert np.all(np.isfinite(frame.positions))


def test_huge_line_and_huge_box_are_refused_fast(tmp_path):
    path = tmp_path / "long.dump"
    path.write_text(dump_text(1, [(0, 10)] * 3, [[1, 1, 0, 0, 0]]).replace("0 0 0", "0 0 " + "1" * 20_000_000))
    with pytest.raises(AnalysisError, match="line: expected at most 1048576 characters, got more"):
        read_dump(path)
    path.write_text(dump_text(1, [(0, 1e12)] * 3, [[1, 1, 0, 0, 0]]))
    with pytest.raises(AnalysisError, match=r"cell: expected values within \+-100000 A"):
        read_dump(path)
    path.write_text(dump_text(1, [(0, 10)] * 3, [[10**30, 1, 0, 0, 0]]))
    with pytest.raises(AnalysisError, match=r"id: expected an integer in \[-2\*\*63, 2\*\*63\), got \'1000000000000000000000000000000\'"):
        read_dump(path)


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=10)
GOOD = make_params("surrogate", "e000001", 1, Recipe(temperature_K=2100.0, lattice_strain=0.01,
                                                     shear_strain=0.056), 5, PAPER_SPACE).to_dict()


@FUZZ
@given(field=st.sampled_from(sorted(GOOD) + ["extra"]), value=JSONISH,
       sub=st.sampled_from([None, "temperature_K", "model", "names", "bounds"]))
def test_params_json_clear_error_or_valid_params(field, value, sub):
    data = json.loads(json.dumps(GOOD))
    if sub is not None and isinstance(data.get(field), dict):
        data[field][sub] = value
    else:
        data[field] = value
    try:
        params = parse_params(json.loads(json.dumps(data, allow_nan=True)))
    except ValidationError as exc:
        assert exc.field.startswith("params.json")
        return
    assert params.task == "vdwgym.surrogate.task:run"
    assert all(math.isfinite(v) for v in params.recipe.values())


@FUZZ
@given(pairs=st.lists(st.tuples(st.sampled_from(["nx", "ny", "method", "bogus", "seed", "root",
                                                  "engine", "options", "kind", "1x", ""]),
                                JSONISH.map(json.dumps) | st.text(max_size=12)), max_size=3),
       which=st.sampled_from(["agent", "surrogate", "worker"]))
def test_campaign_options_clear_error_or_valid_campaign(tmp_path, pairs, which):
    """The CLI path in process (parse, config, backend, agent), stopped before any
    evaluation: a VdwgymError or a campaign, nothing else."""
    from vdwgym.campaign import Campaign, CampaignConfig

    flag = "--agent-option" if which == "agent" else "--backend-option"
    try:
        opts = parse_options([f"{k}={v}" for k, v in pairs], flag)
        cfg = CampaignConfig(budget=1, n_init=1, batch=1,
                             backend="worker" if which == "worker" else "surrogate",
                             **({"agent_options": opts} if which == "agent" else {"backend_options": opts}))
        out = Path(tmp_path) / f"c{abs(hash(json.dumps(pairs, default=str)))}"
        camp = Campaign(cfg, out / "campaign.sqlite")
    except VdwgymError as exc:
        assert str(exc)
        return
    camp.store.close()
    camp.backend.close()


VALUES = st.one_of(st.sampled_from(["nan", "inf", "-1", "0", "1", "2.7", "1e300", "abc", "", "true",
                                    "30.5", "1e-300", '{"a": 1}', "[1]"]),
                   st.integers(-5, 40).map(str), st.floats(allow_nan=True).map(repr))


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(flags=st.lists(st.tuples(st.sampled_from(["--target", "--batch", "--n-init", "--seed",
                                                 "--tolerance", "--max-wall-s", "--agent-option",
                                                 "--backend-option", "--mode", "--clock",
                                                 "--agent"]), VALUES), max_size=3),
       opt_key=st.sampled_from(["nx", "method", "seed", "bogus", "kind"]))
def test_campaign_cli_exit_0_or_2_never_a_traceback(tmp_path, capsys, flags, opt_key):
    """``vdwgym campaign`` in process on random flag values (budget 1): exit code 0 or 2
    (argparse's usage errors included), never an uncaught exception."""
    from vdwgym.cli import main

    argv = ["campaign", "--budget", "1", "--out", str(tmp_path / f"o{abs(hash(str(flags)))}")]
    for flag, value in flags:
        argv += [flag, f"{opt_key}={value}" if flag.endswith("-option") else value]
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse: bad type or choice
        code = exc.code
    assert code in (0, 2), capsys.readouterr().err
