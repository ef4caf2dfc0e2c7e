"""Write a :class:`~vdwgym.structures.Structure` as a LAMMPS data file (the file the MD
protocol reads its start structure from; :func:`vdwgym.analysis.readers.read_data` reads it
back)."""

from __future__ import annotations

from pathlib import Path

from vdwgym.errors import ValidationError
from vdwgym.structures.structure import DEFAULT_MASSES, Structure

__all__ = ["write_lammps_data"]


def write_lammps_data(structure: Structure, path: str | Path, atom_style: str = "atomic",
                      masses: dict[str, float] | None = None, title: str = "") -> Path:
    """Write a LAMMPS data file (always triclinic: ``xy xz yz`` line present).

    ``atom_style``: ``"atomic"`` (``id type x y z``) or ``"charge"`` (``id type q x y z``,
    q = 0).  ``masses``: element -> amu (defaults :data:`DEFAULT_MASSES`), one ``Masses`` line
    per type in ``structure.type_names`` (types 1..max).  Positions are written as given;
    call :meth:`Structure.wrapped` first if they may lie outside the box.
    """
    if atom_style not in ("atomic", "charge"):
        raise ValidationError("atom_style", "'atomic' or 'charge'", atom_style)
    masses = dict(DEFAULT_MASSES if masses is None else masses)
    c = structure.cell
    ntypes = max(max(structure.type_names), int(structure.types.max(initial=0)))
    lines = [title or f"vdwgym structure {structure.info.get('builder', '')}".strip(), "",
             f"{len(structure)} atoms", f"{ntypes} atom types", "",
             f"0.0 {c[0, 0]:.10f} xlo xhi", f"0.0 {c[1, 1]:.10f} ylo yhi",
             f"0.0 {c[2, 2]:.10f} zlo zhi", f"{c[1, 0]:.10f} {c[2, 0]:.10f} {c[2, 1]:.10f} xy xz yz",
             "", "Masses", ""]
    for t in range(1, ntypes + 1):
        name = structure.type_names.get(t)
        if name not in masses:
            raise ValidationError("masses", f"a mass for type {t} ({name})", masses)
        lines.append(f"{t} {masses[name]:.4f} # {name}")
    lines += ["", f"Atoms # {atom_style}", ""]
    q = " 0.0" if atom_style == "charge" else ""
    for i, (t, p) in enumerate(zip(structure.types, structure.positions, strict=True), start=1):
        lines.append(f"{i} {int(t)}{q} {p[0]:.10f} {p[1]:.10f} {p[2]:.10f}")
    path = Path(path)
    path.write_text("\n".join(lines) + "\n")
    return path
