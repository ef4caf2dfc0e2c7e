"""The one atom container: validation, symbols and types, copies, the way to ASE and back."""

import numpy as np
import pytest

from vdwgym.analysis import analyze_frame, read_dump
from vdwgym.errors import ValidationError
from vdwgym.structures import Structure, mx2_bilayer, twisted_bilayer
from vdwgym.testing.dumps import write_dump


def test_refuses_bad_boxes_lengths_and_values_naming_the_field():
    s = mx2_bilayer(2, 2)
    bad_cell = s.cell.copy()
    bad_cell[0, 1] = 0.5
    with pytest.raises(ValidationError) as exc:
        Structure(s.positions, s.types, bad_cell, s.layer)
    assert exc.value.field == "cell"
    with pytest.raises(ValidationError) as exc:
        Structure(s.positions, s.types[:-1], s.cell, s.layer)
    assert exc.value.field == "Structure"
    pos = s.positions.copy()
    pos[3, 2] = np.inf
    with pytest.raises(ValidationError) as exc:
        Structure(pos, s.types, s.cell)
    assert exc.value.field == "positions"
    with pytest.raises(ValidationError) as exc:
        Structure(s.positions, None, s.cell)
    assert exc.value.field == "types"


def test_symbols_make_types_and_win_in_elements():
    s = mx2_bilayer(2, 2)
    symbols = np.where(s.types == 1, "W", "Se")
    t = Structure(s.positions, None, s.cell, symbols=symbols)
    assert t.type_names == {1: "Mo", 2: "S", 3: "Se", 4: "W"}
    assert np.array_equal(t.elements, symbols) and np.array_equal(t.types, np.where(s.types == 1, 4, 3))
    assert (t.layer == -1).all()
    assert np.array_equal(mx2_bilayer(2, 2).elements[:3], ["Mo", "Mo", "Mo"])


def test_copy_and_subset_keep_every_field_and_do_not_share_arrays():
    s = mx2_bilayer(2, 2)
    s.timestep, s.source, s.index = 7, "x.dump", 2
    c = s.copy()
    c.positions[0, 0] += 1.0
    c.cell[2, 2] = 20.0
    assert s.positions[0, 0] != c.positions[0, 0] and s.cell[2, 2] == 12.0
    sub = s.subset(s.layer == 1)
    assert (sub.timestep, sub.source, sub.index) == (7, "x.dump", 2) and (sub.layer == 1).all()


def test_ase_round_trip_keeps_atoms_types_layers_and_the_twist():
    pytest.importorskip("ase")
    s, theta = twisted_bilayer(6, 7)
    s = s.deformed(0.03, 0.055)
    atoms = s.to_ase()
    assert atoms.get_chemical_symbols()[:1] == ["Mo"] and list(atoms.pbc) == [True, True, False]
    back = Structure.from_ase(atoms)
    assert np.allclose(back.positions, s.positions) and np.allclose(back.cell, s.cell)
    assert np.array_equal(back.types, s.types) and np.array_equal(back.layer, s.layer)
    # a rotated copy of the atoms comes back in LAMMPS form, same analysis
    atoms.rotate(37.0, "z", rotate_cell=True)
    rot = Structure.from_ase(atoms)
    assert abs(rot.cell[0, 1]) < 1e-9 and rot.cell[0, 0] > 0
    res = analyze_frame(rot.positions, rot.types, rot.cell)
    assert res.twist_deg == pytest.approx(analyze_frame(s.positions, s.types, s.cell).twist_deg,
                                          abs=1e-6)
    with pytest.raises(ValidationError):
        atoms.cell[:] = 0.0
        Structure.from_ase(atoms)


def test_readers_return_the_same_type(tmp_path):
    s, _ = twisted_bilayer(3, 4)
    (fr,) = read_dump(write_dump(s, tmp_path / "a.dump", timestep=5))
    assert isinstance(fr, Structure) and fr.timestep == 5 and fr.source.endswith("a.dump")
    assert np.allclose(fr.positions, s.positions) and np.array_equal(fr.types, s.types)
    assert fr.symbols is None and (fr.layer == -1).all()
