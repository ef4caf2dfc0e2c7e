"""On-the-fly histories drawn on matplotlib Axes (vdwgym/md/history_plot.py)."""

import matplotlib

matplotlib.use("Agg")

from vdwgym.md.history_plot import main, plot_histories  # noqa: E402


def _line(t, stage, twist, cryst):
    return {"time_ps": t, "stage": stage, "temperature_K": 2500.0 - 50 * t, "twist_deg": twist,
            "crystallinity": [0.9, cryst], "psi6_global": [0.9, cryst]}


HISTORY = [_line(0.0, "equilibrate", None, 0.1), _line(1.0, "anneal", None, 0.1),
           _line(2.0, "quench", None, 0.2), _line(3.0, "quench", 20.5, 0.5),
           _line(4.0, "quench", 20.7, 0.6)]


def test_only_recipe_stages_and_crystalline_twists_are_drawn():
    ax_t, ax_c, ax_w = plot_histories({"a": HISTORY})
    assert list(ax_t.lines[0].get_xdata()) == [1.0, 2.0, 3.0, 4.0]
    assert list(ax_w.lines[0].get_ydata()) == [20.5, 20.7]
    assert len(ax_c.lines) == 2 + 1           # S/N, |<psi6>|, the quench marker
    assert ax_t.figure is ax_w.figure


def test_cli_writes_a_png(tmp_path):
    import json

    p = tmp_path / "progress.jsonl"
    p.write_text("\n".join(json.dumps(x) for x in HISTORY))
    out = tmp_path / "h.png"
    assert main([str(out), f"run={p}"]) == 0
    assert out.read_bytes()[:4] == b"\x89PNG"
    assert main([str(out)]) == 2
