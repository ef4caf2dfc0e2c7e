import json

from vdwgym.bench import load_config, load_runs, run_benchmark, write_bench_report

CFG = """
[bench]
name = "t"
budget = 16
n_init = 6
seeds = [0, 1]
targets = [8.5]
batch_sizes = [5]
workers = {workers}
[[agents]]
name = "random"
[[agents]]
name = "random"
label = "sobol"
options = {{ method = "sobol" }}
"""


def _load(tmp_path, workers):
    p = tmp_path / f"c{workers}.toml"
    p.write_text(CFG.format(workers=workers))
    return load_config(p)


def _strip(records):
    return sorted((r["run_id"], json.dumps(r["evaluations"], sort_keys=True)) for r in records)


def test_results_do_not_depend_on_workers_and_rerun_skips(tmp_path):
    one = run_benchmark(_load(tmp_path, 1), tmp_path / "one")
    two = run_benchmark(_load(tmp_path, 2), tmp_path / "two")
    assert _strip(one) == _strip(two) and len(one) == 4
    # identical initial design and lab seeds for both agents on a seed
    by = {(r["agent"], r["seed"]): r["evaluations"] for r in one}
    for s in (0, 1):
        a, b = by[("random", s)], by[("sobol", s)]
        assert [e["temperature_K"] for e in a[:6]] == [e["temperature_K"] for e in b[:6]]
        assert [e["seed"] for e in a] == [e["seed"] for e in b]
    # a rerun into the same folder finds every campaign done and runs nothing
    marker = tmp_path / "one" / "runs"
    mtimes = {p.name: p.stat().st_mtime_ns for p in marker.iterdir()}
    again = run_benchmark(_load(tmp_path, 1), tmp_path / "one", on_done=lambda r: 1 / 0)
    assert _strip(again) == _strip(one)
    assert mtimes == {p.name: p.stat().st_mtime_ns for p in marker.iterdir()}


def test_report_files(tmp_path):
    cfg = _load(tmp_path, 1)
    run_benchmark(cfg, tmp_path / "o")
    report = write_bench_report(cfg, load_runs(tmp_path / "o"), tmp_path / "o")
    text = report.read_text()
    assert "| random |" in text and "| sobol |" in text and "git_commit" in text
    assert "## Success (agent hits only)" in text and "### Pooled over targets" in text
    assert "Oracle (surrogate's selection law, report only)" in text
    for name in ("cummin.png", "per_cycle.png", "samples.png", "efficiency.png", "evaluations.csv",
                 "time_to_target.png"):
        assert (tmp_path / "o" / name).stat().st_size > 1000
    rows = (tmp_path / "o" / "evaluations.csv").read_text().splitlines()
    assert len(rows) == 1 + 4 * 16
    assert "lattice_twist_deg" in rows[0].split(",")
