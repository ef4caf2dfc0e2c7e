"""Fixtures of the LAMMPS tests: one smoke run shared by a module (seconds) and the ReaxFF
geometry relaxed once per session.  Markers and constants are in ``markers.py``."""

import pytest

from tests.md.markers import FFIELD, FIG2_RECIPE


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory):
    """The smoke preset end to end on the paper's Figure 2 recipe: (outcome, progress lines,
    run_dir, cache_dir)."""
    from vdwgym.md.task import run

    base = tmp_path_factory.mktemp("md")
    cache = base / "cache"
    lines: list[dict] = []
    outcome = run(FIG2_RECIPE, 11, {"preset": "smoke", "amorphous_cache": str(cache)},
                  base / "e1", lines.append)
    return outcome, lines, base / "e1", cache


@pytest.fixture(scope="session")
def reaxff_geometry(tmp_path_factory):
    """The ReaxFF bilayer relaxed once per test session (about 40 s on one core)."""
    from vdwgym.md.potentials import resolve_potential
    from vdwgym.md.relax import relaxed_geometry

    cache = tmp_path_factory.mktemp("geometry")
    return relaxed_geometry(resolve_potential("reaxff", ffield=str(FFIELD)), cache), cache
