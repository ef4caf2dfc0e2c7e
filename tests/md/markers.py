"""Markers and constants of the LAMMPS tests: the skips when LAMMPS or the paper's ReaxFF
file is missing, and the paper's Figure 2 recipe.  Imported by test modules (a conftest is
not imported by name); the fixtures live in ``conftest.py``."""

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

#: The paper's ReaxFF (Ponomarev, Polcar, Nicolini 2022), laid beside the project for tests;
#: never copied into it.
FFIELD = Path(__file__).resolve().parents[2].parent / "shared" / "potentials" / \
    "ffield.MoS.ponomarev2022"
needs_ffield = pytest.mark.skipif(
    not FFIELD.is_file(), reason=f"the paper's ReaxFF file is not at {FFIELD} (it is laid "
    "beside the project in ../shared/potentials; users pass --ffield PATH)")
