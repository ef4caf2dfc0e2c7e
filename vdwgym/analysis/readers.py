"""Readers for LAMMPS text dumps, LAMMPS data files and (through ASE, when installed)
extended XYZ.

Every reader returns :class:`vdwgym.structures.Structure` objects (the one atom container)
whose ``positions`` are Cartesian Angstrom relative to the box origin ``origin``
(``xlo, ylo, zlo``), whose ``cell`` holds LAMMPS triclinic rows ``a = (lx, 0, 0)``,
``b = (xy, ly, 0)``, ``c = (xz, yz, lz)`` (:mod:`vdwgym.geometry.cell`), with ``timestep``,
``source`` and ``index`` (the frame number) set and every layer label -1.

Dumps: orthogonal (``ITEM: BOX BOUNDS pp pp ff``) and restricted triclinic
(``ITEM: BOX BOUNDS xy xz yz ...``, bounds converted from the ``*_bound`` values) boxes;
columns in any order; coordinates ``x y z`` / ``xu yu zu`` (Cartesian) or ``xs ys zs`` /
``xsu ysu zsu`` (scaled); ``type`` and/or ``element``; any number of frames; ``.gz``.
Atoms are sorted by ``id`` when there is one.  Data files: ``atomic``, ``charge``,
``molecular`` and ``full`` atom styles (from the ``Atoms # style`` comment, else
``atom_style``, else guessed from the column count); ``Masses`` comments such as
``1 95.95 # Mo`` give the frame's ``type_names``.

Unreadable or inconsistent input raises :class:`vdwgym.errors.AnalysisError` with
``FILE:LINE`` in the message, and so does input no analysis can use: non-finite
coordinates or boxes, values beyond
:data:`~vdwgym.structures.MAX_LENGTH_A`, more than :data:`MAX_ATOMS` atoms,
ids beyond 64 bits, lines longer than :data:`MAX_LINE`, a corrupt ``.gz``.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from vdwgym.errors import AnalysisError, ValidationError
from vdwgym.geometry import Cell
from vdwgym.structures import MAX_LENGTH_A, Structure

__all__ = ["MAX_ATOMS", "MAX_LENGTH_A", "MAX_LINE", "iter_dump", "read_data", "read_dump", "read_extxyz",
           "read_frames"]


#: Most atoms accepted in one frame.
MAX_ATOMS = 100_000_000
#: Longest line accepted (characters).
MAX_LINE = 1 << 20
_READ_ERRORS = (OSError, EOFError, UnicodeDecodeError, zlib.error)


def _check_atoms(path: Path, lineno: int, n: object) -> int:
    if isinstance(n, float) and not (np.isfinite(n) and n.is_integer()):
        raise AnalysisError(f"{path}:{lineno}: number of atoms: expected an integer in "
                            f"[0, {MAX_ATOMS}], got {n!r}")
    n = int(n)
    if not 0 <= n <= MAX_ATOMS:
        raise AnalysisError(f"{path}:{lineno}: number of atoms: expected an integer in "
                            f"[0, {MAX_ATOMS}], got {n}")
    return n


def _open_text(path: Path) -> io.TextIOBase:
    try:
        if path.suffix == ".gz":
            return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8")
        return open(path, encoding="utf-8")
    except OSError as exc:
        raise AnalysisError(f"{path}: cannot open ({exc})") from exc


class _Lines:
    """Line iterator that knows the current line number, for error messages."""

    def __init__(self, path: Path, fh: io.TextIOBase) -> None:
        self.path, self.fh, self.lineno = path, fh, 0

    def next(self, what: str) -> str:
        line = self.readline()
        if line == "":
            raise AnalysisError(f"{self.path}:{self.lineno + 1}: unexpected end of file, "
                                f"expected {what}")
        self.lineno += 1
        return line.rstrip("\n")

    def readline(self) -> str:
        """One raw line ('' at the end); unreadable input and lines longer than
        :data:`MAX_LINE` raise AnalysisError."""
        try:
            line = self.fh.readline(MAX_LINE + 1)
        except _READ_ERRORS as exc:
            raise self._unreadable(exc, self.lineno + 1) from exc
        if len(line) > MAX_LINE:
            raise self._too_long(line, self.lineno + 1)
        return line

    def _unreadable(self, exc: BaseException, lineno: int) -> AnalysisError:
        kind = "zlib" if isinstance(exc, zlib.error) else type(exc).__name__
        return AnalysisError(f"{self.path}:{lineno}: file: expected readable "
                             f"{'gzip' if self.path.suffix == '.gz' else 'UTF-8'} text, got "
                             f"corrupt data ({kind}: {exc})")

    def _too_long(self, line: str, lineno: int) -> AnalysisError:
        return AnalysisError(f"{self.path}:{lineno}: line: expected at most "
                             f"{MAX_LINE} characters, got more ({line[:20]!r}...)")

    def block(self, n: int, what: str) -> list[str]:
        """The next ``n`` lines, as ``n`` calls of :meth:`next` give them (same errors), read
        in one tight loop: the atom lines of a frame."""
        readline, limit = self.fh.readline, MAX_LINE + 1
        try:
            out = [readline(limit) for _ in range(n)]
        except _READ_ERRORS as exc:
            raise self._unreadable(exc, self.lineno + 1) from exc
        for k, line in enumerate(out):
            if line == "" or len(line) > MAX_LINE:
                self.lineno += k
                if line == "":
                    raise AnalysisError(f"{self.path}:{self.lineno + 1}: unexpected end of file, "
                                        f"expected {what}")
                raise self._too_long(line, self.lineno + 1)
        self.lineno += n
        return out

    def error(self, msg: str) -> AnalysisError:
        return AnalysisError(f"{self.path}:{self.lineno}: {msg}")


def _floats(lines: _Lines, line: str, n: int, what: str) -> list[float]:
    parts = line.split()
    try:
        vals = [float(x) for x in parts[:n]]
    except ValueError:
        raise lines.error(f"expected {n} numbers ({what}), got {line!r}") from None
    if len(vals) < n:
        raise lines.error(f"expected {n} numbers ({what}), got {line!r}")
    return vals


def _cell(lines_or_path: _Lines | Path, make, *args) -> tuple[np.ndarray, ...]:
    """``make(*args)`` (a :class:`~vdwgym.geometry.Cell` constructor), its refusal reported
    as an AnalysisError at the current line."""
    try:
        out = make(*args)
    except ValidationError as exc:
        if isinstance(lines_or_path, _Lines):
            raise lines_or_path.error(f"box: {exc}") from None
        raise AnalysisError(f"{lines_or_path}: box: {exc}") from None
    return out


def _structure(source: str, index: int, positions: np.ndarray, types: np.ndarray | None,
               cell: np.ndarray, **kw) -> Structure:
    """The :class:`Structure` read; what it refuses (non-finite or out-of-range coordinates,
    cells, origins) reported as an AnalysisError naming the file and frame."""
    try:
        return Structure(positions, types, cell, source=source, index=index, **kw)
    except ValidationError as exc:
        raise AnalysisError(f"{source or 'frame'} (frame {index}): {exc}") from None


_COORDS = (("x", "y", "z", False), ("xu", "yu", "zu", False), ("xs", "ys", "zs", True),
           ("xsu", "ysu", "zsu", True))


def iter_dump(path: str | Path) -> Iterator[Structure]:
    """Frames of a LAMMPS text dump (module docstring), one at a time."""
    path = Path(path)
    with _open_text(path) as fh:
        lines = _Lines(path, fh)
        index = 0
        while True:
            line = lines.readline()
            if line == "":
                if index == 0:
                    raise AnalysisError(f"{path}:1: empty file, no dump frame")
                return
            lines.lineno += 1
            if not line.strip():
                continue
            if not line.startswith("ITEM: TIMESTEP"):
                raise lines.error(f"expected 'ITEM: TIMESTEP', got {line.strip()!r}")
            yield _dump_frame(lines, index)
            index += 1


def _dump_frame(lines: _Lines, index: int) -> Structure:
    step_line = lines.next("the timestep")
    try:
        timestep = int(step_line.split()[0])
    except (ValueError, IndexError):
        raise lines.error(f"bad timestep {step_line!r}") from None
    item = lines.next("'ITEM: NUMBER OF ATOMS'")
    if not item.startswith("ITEM: NUMBER OF ATOMS"):
        raise lines.error(f"expected 'ITEM: NUMBER OF ATOMS', got {item!r}")
    n_line = lines.next("the number of atoms")
    try:
        n = int(n_line.split()[0])
    except (ValueError, IndexError):
        raise lines.error(f"bad number of atoms {n_line!r}") from None
    n = _check_atoms(lines.path, lines.lineno, n)
    item = lines.next("'ITEM: BOX BOUNDS'")
    if not item.startswith("ITEM: BOX BOUNDS"):
        raise lines.error(f"expected 'ITEM: BOX BOUNDS', got {item!r}")
    words = item.split()[3:]
    if "abc" in words or "origin" in words:
        raise lines.error("general triclinic dump boxes are not supported; "
                          "dump with the restricted triclinic box")
    triclinic = "xy" in words
    b = [_floats(lines, lines.next("box bounds"), 3 if triclinic else 2, "box bounds")
         for _ in range(3)]
    box, origin = _cell(lines, Cell.from_dump_bounds, b)
    cell = np.array(box.matrix)
    item = lines.next("'ITEM: ATOMS'")
    if not item.startswith("ITEM: ATOMS"):
        raise lines.error(f"expected 'ITEM: ATOMS', got {item!r}")
    cols = item.split()[2:]
    col = {c: i for i, c in enumerate(cols)}
    coord = next((c for c in _COORDS if all(k in col for k in c[:3])), None)
    if coord is None:
        raise lines.error(f"no coordinate columns (x y z, xu yu zu, xs ys zs) in {cols}")
    if "type" not in col and "element" not in col:
        raise lines.error(f"no 'type' or 'element' column in {cols}")
    first = lines.lineno + 1
    rows = [line.split() for line in lines.block(n, f"{n} atom lines")]
    bad = next((k for k, r in enumerate(rows) if len(r) != len(cols)), None)
    if bad is not None:
        raise AnalysisError(f"{lines.path}:{first + bad}: expected {len(cols)} columns "
                            f"({' '.join(cols)}), got {len(rows[bad])}")
    arr = np.array(rows, dtype=object).reshape(n, len(cols))

    def numeric(name: str, kind: type) -> np.ndarray:
        try:
            return arr[:, col[name]].astype(np.int64 if kind is int else kind)
        except (ValueError, OverflowError):
            for k, v in enumerate(arr[:, col[name]]):
                try:
                    np.array(kind(v)).astype(np.int64 if kind is int else kind)
                except (ValueError, OverflowError):
                    bound = "an integer in [-2**63, 2**63)" if kind is int else "a number"
                    raise AnalysisError(f"{lines.path}:{first + k}: {name}: expected {bound}, "
                                        f"got {v[:40]!r}") from None
            raise

    xyz = np.column_stack([numeric(c, float) for c in coord[:3]])
    pos = xyz @ cell if coord[3] else xyz - origin
    types = numeric("type", int) if "type" in col else None
    elements = arr[:, col["element"]].astype(str) if "element" in col else None
    if "id" in col:
        ids = numeric("id", int)
        order = np.argsort(ids, kind="stable")
        pos = pos[order]
        types = None if types is None else types[order]
        elements = None if elements is None else elements[order]
    return _structure(str(lines.path), index, pos, types, cell, symbols=elements, origin=origin,
                      timestep=timestep)


def read_dump(path: str | Path) -> list[Structure]:
    """All frames of a LAMMPS text dump."""
    return list(iter_dump(path))


_STYLE_COLS = {"atomic": (1, 2), "charge": (1, 3), "molecular": (2, 3), "full": (2, 4)}
_HEADER_KEYS = {"atoms", "atom types", "xlo xhi", "ylo yhi", "zlo zhi", "xy xz yz"}


def read_data(path: str | Path, atom_style: str | None = None) -> Structure:
    """One frame from a LAMMPS data file (module docstring)."""
    path = Path(path)
    with _open_text(path) as fh:
        lines = _Lines(path, fh)
        text = []
        while (line := lines.readline()) != "":
            text.append(line.rstrip("\n"))
            lines.lineno += 1
    header: dict[str, list[float]] = {}
    k = 1  # line 0 is the title
    while k < len(text):
        raw = text[k].split("#")[0].strip()
        if not raw:
            k += 1
            continue
        key = next((h for h in sorted(_HEADER_KEYS, key=len, reverse=True)
                    if raw.endswith(h)), None)
        if key is None:
            break
        try:
            header[key] = [float(x) for x in raw[: -len(key)].split()]
        except ValueError:
            raise AnalysisError(f"{path}:{k + 1}: bad header line {text[k]!r}") from None
        k += 1
    for need in ("atoms", "xlo xhi", "ylo yhi", "zlo zhi"):
        if need not in header:
            raise AnalysisError(f"{path}:{k + 1}: header has no '{need}' line")
    if not header["atoms"]:
        raise AnalysisError(f"{path}: header 'atoms' line has no count")
    n = _check_atoms(path, 2, header["atoms"][0])
    for need, count in (("xlo xhi", 2), ("ylo yhi", 2), ("zlo zhi", 2), ("xy xz yz", 3)):
        if need in header and len(header[need]) < count:
            raise AnalysisError(f"{path}: header '{need}' line: expected {count} numbers, got "
                                f"{header[need]}")
    xlo, xhi = header["xlo xhi"][:2]
    ylo, yhi = header["ylo yhi"][:2]
    zlo, zhi = header["zlo zhi"][:2]
    xy, xz, yz = header.get("xy xz yz", [0.0, 0.0, 0.0])[:3]
    cell = np.array(_cell(path, Cell.from_bounds, (xlo, ylo, zlo), (xhi, yhi, zhi), xy, xz,
                          yz).matrix)
    origin = np.array([xlo, ylo, zlo])
    type_names: dict[int, str] = {}
    atoms = None
    while k < len(text):
        line = text[k]
        name = line.split("#")[0].strip()
        if not name:
            k += 1
            continue
        if name not in ("Masses", "Atoms", "Velocities", "Bonds", "Angles", "Dihedrals",
                        "Impropers", "Pair Coeffs", "PairIJ Coeffs", "Bond Coeffs",
                        "Angle Coeffs", "Dihedral Coeffs", "Improper Coeffs", "Ellipsoids",
                        "Lines", "Triangles", "Bodies"):
            raise AnalysisError(f"{path}:{k + 1}: unknown section {name!r}")
        start = k + 1
        k += 1
        while k < len(text) and not text[k].strip():
            k += 1
        body_start = k
        while k < len(text) and text[k].strip() and text[k].split()[0].lstrip("-").isdigit():
            k += 1
        body = list(range(body_start, k))
        if name == "Masses":
            for j in body:
                if "#" in text[j]:
                    tname = text[j].split("#", 1)[1].strip().split()
                    if tname:
                        try:
                            type_names[int(text[j].split()[0])] = tname[0]
                        except ValueError:
                            raise AnalysisError(f"{path}:{j + 1}: bad Masses line {text[j]!r}") from None
        elif name == "Atoms":
            hint = line.split("#", 1)[1].split() if "#" in line else []
            style = hint[0] if hint else atom_style
            atoms = (style, body, start)
    if atoms is None:
        raise AnalysisError(f"{path}:{len(text)}: no Atoms section")
    style, body, start = atoms
    if len(body) != n:
        raise AnalysisError(f"{path}:{start}: header says {n} atoms, Atoms section has "
                            f"{len(body)} lines")
    first = text[body[0]].split("#")[0].split() if body else []
    if style is None:
        ncol = len(first)
        style = {5: "atomic", 8: "atomic", 6: "charge", 9: "charge", 7: "full",
                 10: "full"}.get(ncol)
        if style is None:
            raise AnalysisError(f"{path}:{body[0] + 1}: cannot guess the atom style from "
                                f"{ncol} columns; pass atom_style")
    if style not in _STYLE_COLS:
        raise AnalysisError(f"{path}:{start}: unsupported atom style {style!r}")
    tcol, xcol = _STYLE_COLS[style]
    ids = np.empty(n, dtype=np.int64)
    types = np.empty(n, dtype=np.int64)
    pos = np.empty((n, 3))
    for r, j in enumerate(body):
        parts = text[j].split("#")[0].split()
        try:
            ids[r] = int(parts[0])
            types[r] = int(parts[tcol])
            pos[r] = [float(x) for x in parts[xcol:xcol + 3]]
        except (ValueError, IndexError, OverflowError):
            raise AnalysisError(f"{path}:{j + 1}: bad {style} atom line {text[j]!r}") from None
    order = np.argsort(ids, kind="stable")
    return _structure(str(path), 0, pos[order] - origin, types[order], cell,
                      type_names=type_names or None, origin=origin)


def read_extxyz(path: str | Path) -> list[Structure]:
    """Frames of an (extended) XYZ file through ASE (:meth:`Structure.from_ase`: the cell is
    rotated into LAMMPS form together with the positions)."""
    try:
        import ase.io
    except ImportError as exc:
        raise AnalysisError(f"{path}: reading extxyz needs ASE (pip install ase)") from exc
    try:
        images = ase.io.read(str(path), index=":", format="extxyz")
    except Exception as exc:  # ASE raises many kinds; report them as one
        raise AnalysisError(f"{path}: unreadable extxyz ({exc})") from exc
    frames = []
    for i, atoms in enumerate(images):
        try:
            frames.append(Structure.from_ase(atoms, source=str(path), index=i))
        except ValidationError as exc:
            raise AnalysisError(f"{path}: frame {i}: {exc}") from None
    return frames


def read_frames(path: str | Path, fmt: str | None = None,
                atom_style: str | None = None) -> list[Structure]:
    """Read any supported file: ``fmt`` ``"dump"``, ``"data"`` or ``"extxyz"``, guessed from
    the name when None (``.data``, ``.lmp``, ``.lammps`` -> data; ``.xyz``, ``.extxyz`` ->
    extxyz; anything else, ``.gz`` included, -> dump)."""
    p = Path(path)
    if fmt is None:
        suffixes = [s for s in p.suffixes if s != ".gz"]
        last = suffixes[-1].lower() if suffixes else ""
        fmt = {".data": "data", ".lmp": "data", ".lammps": "data", ".xyz": "extxyz",
               ".extxyz": "extxyz"}.get(last, "dump")
    if fmt == "dump":
        return read_dump(p)
    if fmt == "data":
        return [read_data(p, atom_style)]
    if fmt == "extxyz":
        return read_extxyz(p)
    raise AnalysisError(f"{p}: unknown format {fmt!r} (dump, data, extxyz)")
