"""Write a :class:`~vdwgym.structures.Structure` as a LAMMPS ``dump custom`` frame (id type x y z),
as ``write_dump`` does, for tests that read dumps (pictures, ``vdwgym analyze``)."""

from __future__ import annotations

from pathlib import Path

from vdwgym.geometry import Cell
from vdwgym.structures import Structure

__all__ = ["write_dump"]


def write_dump(structure: Structure, path: str | Path, timestep: int = 0) -> Path:
    """One frame with LAMMPS's triclinic bounding-box convention; returns ``path``."""
    bounds = Cell(structure.cell).dump_bounds()
    lines = ["ITEM: TIMESTEP", str(timestep), "ITEM: NUMBER OF ATOMS", str(len(structure.positions)),
             "ITEM: BOX BOUNDS xy xz yz pp pp ff",
             *(" ".join(repr(float(v)) for v in row) for row in bounds),
             "ITEM: ATOMS id type x y z"]
    lines += [f"{i + 1} {t} {x!r} {y!r} {z!r}" for i, (t, (x, y, z))
              in enumerate(zip(structure.types.tolist(), structure.positions.tolist(), strict=True))]
    path = Path(path)
    path.write_text("\n".join(lines) + "\n")
    return path
