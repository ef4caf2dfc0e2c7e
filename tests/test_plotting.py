"""Library plotting takes and returns matplotlib Axes and never selects a backend or loads
pyplot (checked in a fresh interpreter, where nothing else has touched matplotlib)."""

import subprocess
import sys
import textwrap

import numpy as np
from matplotlib.figure import Figure

from vdwgym.lab import Evaluation
from vdwgym.outcome import Outcome, Status
from vdwgym.plotting import draw_recipes, draw_regret
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
