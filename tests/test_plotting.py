"""Library plotting takes and returns matplotlib Axes and never selects a backend or loads
pyplot (checked in a fresh interpreter, where nothing else has touched matplotlib)."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest
from matplotlib.figure import Figure

from vdwgym.lab import Evaluation
from vdwgym.outcome import Outcome, Status
from vdwgym.plotting import NO_TWIST_Y, draw_recipes, draw_regret, draw_twist_vs_temperature
from vdwgym.space import PAPER_SPACE, Recipe

RECIPE = Recipe({"temperature_K": 2500.0, "lattice_strain": 0.02, "shear_strain": 0.056})


def evaluations():
    ok = Evaluation(0, "e000000", RECIPE, 1, 0, "init", outcome=Outcome(
        Status.OK, RECIPE, 1, twist_deg=9.0, crystalline=True))
    failed = Evaluation(1, "e000001", RECIPE, 2, 0, "agent", outcome=Outcome(
        Status.FAILED, RECIPE, 2, error="x"))
    return [ok, failed]


def test_draw_functions_draw_on_the_axes_given_and_return_them():
    ax = Figure().subplots()
    assert draw_regret(evaluations(), 8.5, ax=ax) is ax
    assert len(ax.collections) == 2 and ax.get_yscale() == "log"  # ok dots, failed crosses
    axes = Figure().subplots(1, 3)
    out = draw_recipes(evaluations(), PAPER_SPACE, axes=axes, target_deg=8.5)
    assert [a for a in out] == list(axes)
    assert all(len(a.collections) == 3 for a in axes)  # twists, no-twist crosses, best circle


def test_new_axes_when_none_given():
    ax = draw_regret(evaluations(), 8.5)
    assert isinstance(ax.figure, Figure) and ax.get_xlabel() == "evaluation"
    assert np.asarray(draw_recipes(evaluations(), PAPER_SPACE)).shape == (3,)


def test_library_plotting_selects_no_backend_and_loads_no_pyplot(tmp_path):
    code = textwrap.dedent(f"""
        import sys, matplotlib
        sys.path.insert(0, {str(__import__("pathlib").Path(__file__).parent)!r})
        from test_plotting import evaluations
        from vdwgym.plotting import plot_recipes, plot_regret
        from vdwgym.space import PAPER_SPACE
        from vdwgym.md.history_plot import plot_histories
        plot_regret(evaluations(), 8.5, {str(tmp_path / "regret.png")!r})
        plot_recipes(evaluations(), PAPER_SPACE, {str(tmp_path / "recipes.png")!r})
        plot_histories({{}})
        import vdwgym.bench.report
        print(matplotlib.rcParams._get_backend_or_none(), "matplotlib.pyplot" in sys.modules)
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True)
    assert proc.stdout.split() == ["None", "False"]
    assert (tmp_path / "regret.png").stat().st_size > 1000
    assert (tmp_path / "recipes.png").stat().st_size > 1000


def test_twist_vs_temperature_puts_layers_without_a_twist_on_the_strip():
    ax = Figure().subplots()
    out = draw_twist_vs_temperature([1500.0, 2500.0, 3000.0], [5.8, None, float("nan")],
                                    color=[1.0, 2.0, 3.0], color_label="lattice strain (%)", ax=ax)
    assert out is ax
    dots, crosses = (c.get_offsets() for c in ax.collections)
    assert np.allclose(dots, [[1500.0, 5.8]])
    assert np.allclose(crosses, [[2500.0, NO_TWIST_Y], [3000.0, NO_TWIST_Y]])
    with pytest.raises(ValueError, match="twist_deg"):
        draw_twist_vs_temperature([1500.0], [1.0, 2.0])
