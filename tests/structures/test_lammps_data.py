"""The LAMMPS data writer."""

import pytest

from vdwgym.structures import mx2_bilayer, write_lammps_data


def test_write_lammps_data(tmp_path):
    s = mx2_bilayer(3, 3).deformed(0.01, 0.0575)
    path = write_lammps_data(s, tmp_path / "x.data", atom_style="charge")
    text = path.read_text().splitlines()
    assert "54 atoms" in text and "2 atom types" in text
    tilt = next(line for line in text if line.endswith("xy xz yz")).split()
    assert float(tilt[0]) == pytest.approx(s.cell[1, 0])
    assert "Atoms # charge" in text
    first = text[text.index("Atoms # charge") + 2].split()
    assert len(first) == 6 and float(first[2]) == 0.0
