"""The dump reader against ASE's ``lammps-dump-text`` reader, side by side in one run.

    OMP_NUM_THREADS=1 python benchmarks/bench_readers.py

Correctness: for a restricted-triclinic box with a non-zero origin, ``x y z``, ``xu yu zu``
and ``xs ys zs`` coordinates, an ``element`` column, shuffled ids and ``.gz``, whether ASE's
cell and positions (made relative to the box origin, as vdwgym holds them) equal what
:func:`vdwgym.analysis.read_dump` reads.  Speed: CPU (process) time per file, median of
repeats, for the worker's own files (``final.dump``: ``id type x y z``, origin 0) of an
864-atom and a 10,086-atom bilayer, plain and gzipped; ratio = ASE / vdwgym (above 1: vdwgym's
reader is faster).  ASE's time includes making the :class:`~vdwgym.structures.Structure`.
"""

from __future__ import annotations

import argparse
import gzip
import os
import statistics
import tempfile
import time
import warnings
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from vdwgym.analysis import read_dump  # noqa: E402
from vdwgym.geometry import Cell  # noqa: E402
from vdwgym.structures import Structure, mx2_bilayer, twisted_bilayer  # noqa: E402
from vdwgym.testing.dumps import write_dump  # noqa: E402


def _write(s: Structure, path: Path, cols: str, origin: np.ndarray, rng: np.random.Generator) -> Path:
    rows = [(lo + o, hi + o, t) for (lo, hi, t), o in zip(Cell(s.cell).dump_bounds(), origin, strict=True)]
    values = {"x y z": s.positions + origin, "xu yu zu": s.positions + origin + [40.0, -25.0, 0.0],
              "xs ys zs": s.fractional()}[cols]
    lines = ["ITEM: TIMESTEP", "0", "ITEM: NUMBER OF ATOMS", str(len(s)),
             "ITEM: BOX BOUNDS xy xz yz pp pp ff", *(" ".join(repr(float(v)) for v in r) for r in rows),
             f"ITEM: ATOMS id element type {cols}"]
    el = s.elements.tolist()
    for k in rng.permutation(len(s)).tolist():
        x, y, z = values[k].tolist()
        lines.append(f"{k + 1} {el[k]} {int(s.types[k])} {x!r} {y!r} {z!r}")
    path.write_text("\n".join(lines) + "\n")
    return path


def _ase_structure(path: Path) -> Structure:
    import ase.io

    atoms = ase.io.read(str(path), format="lammps-dump-text", index=-1)
    origin = atoms.get_celldisp().reshape(3)
    return Structure(atoms.get_positions() - origin, atoms.arrays["type"], np.array(atoms.cell[:]),
                     origin=origin)


def correctness(tmp: Path) -> None:
    s, _ = twisted_bilayer(6, 7)
    s = s.deformed(0.03, 0.0575)
    origin = np.array([-3.0, 2.0, 0.5])
    print("| coordinates (origin -3, 2, 0.5; element column; shuffled ids) | file | cell equal | positions equal |")
    print("|---|---|---|---|")
    for cols in ("x y z", "xu yu zu", "xs ys zs"):
        path = _write(s, tmp / "c.dump", cols, origin, np.random.default_rng(0))
        gz = tmp / "c.dump.gz"
        gz.write_bytes(gzip.compress(path.read_bytes()))
        for p in (path, gz):
            ours, theirs = read_dump(p)[-1], _ase_structure(p)
            print(f"| {cols} | {p.name} | {np.allclose(ours.cell, theirs.cell)} | "
                  f"{np.allclose(ours.positions, theirs.positions)} |")


def _cpu_ms(fn, repeats: int) -> float:
    fn()
    ts = []
    for _ in range(repeats):
        t0 = time.process_time()
        fn()
        ts.append(1e3 * (time.process_time() - t0))
    return statistics.median(ts)


def speed(tmp: Path, repeats: int) -> None:
    print("\nCPU time per file, median (ms); worker's final.dump: id type x y z, origin 0")
    print(f"{'atoms':>7} {'file':>10} {'vdwgym':>8} {'ASE':>8} {'ASE/vdwgym':>11}")
    for n in (12, 41):
        s = mx2_bilayer(n, n)
        plain = write_dump(s, tmp / f"final{n}.dump")
        gz = tmp / f"final{n}.dump.gz"
        gz.write_bytes(gzip.compress(plain.read_bytes()))
        reps = repeats if n == 12 else max(3, repeats // 6)
        for p in (plain, gz):
            ours = _cpu_ms(lambda p=p: read_dump(p), reps)
            theirs = _cpu_ms(lambda p=p: _ase_structure(p), reps)
            print(f"{len(s):>7} {p.suffix:>10} {ours:>8.2f} {theirs:>8.2f} {theirs / ours:>11.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=30)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as d:
        correctness(Path(d))
        speed(Path(d), args.repeats)


if __name__ == "__main__":
    main()
