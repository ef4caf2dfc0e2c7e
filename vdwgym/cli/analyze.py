"""``vdwgym analyze FILE...``: twist, crystallinity, layers and order of snapshots.

Prints one line per file and frame: a JSON object with ``--json`` (keys ``file``,
``frame``, ``timestep``, ``twist_deg``, ``crystalline``, ``method``, ``layers``, ``order``,
...), a short summary otherwise.  Exit status 0 when every file was read and analysed, 2 when
any file was refused (bad input: its error, ``FILE:LINE: field: expected BOUND, got VALUE``,
is printed on stderr; the other files are still analysed).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from vdwgym.errors import VdwgymError

__all__ = ["add_parser", "parse_types", "run"]


def parse_types(text: str) -> dict[int, str]:
    """``"1=Mo,2=S"`` -> ``{1: "Mo", 2: "S"}``."""
    out: dict[int, str] = {}
    for item in text.split(","):
        if not item.strip():
            continue
        try:
            k, v = item.split("=")
            t, element = int(k), v.strip()
        except ValueError:
            t, element = 0, ""
        if not (1 <= t < 2**31 and element.isalpha() and len(element) <= 3):
            raise argparse.ArgumentTypeError(
                "--types: expected TYPE=ELEMENT[,TYPE=ELEMENT...] (TYPE an integer in "
                f"[1, 2**31), ELEMENT a chemical symbol), got {text!r}")
        out[t] = element
    return out


def _frame_sel(text: str) -> str | int:
    if text in ("all", "last"):
        return text
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--frame: expected N, 'last' or 'all', got {text!r}") from None


def _configure(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    from vdwgym.analysis.twist import METHODS

    p.add_argument("files", nargs="+", metavar="FILE",
                   help="LAMMPS dump (.gz too), LAMMPS data file, or extxyz (needs ASE)")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.add_argument("--method", choices=METHODS, default="sf",
                   help="twist method (default sf: structure factor)")
    p.add_argument("--types", type=parse_types, default=None, metavar="1=Mo,2=S",
                   help="type -> element map (default 1=Mo,2=S; an element column wins)")
    p.add_argument("--frame", type=_frame_sel, default="all", metavar="N|last|all",
                   help="frame(s) of each file to analyse (0-based; negative counts from the end)")
    p.add_argument("--format", choices=("dump", "data", "extxyz"), default=None,
                   help="file format (default: from the file name)")
    p.add_argument("--lattice-constant", type=float, default=3.16, metavar="A",
                   help="expected Mo lattice constant in Angstrom (default 3.16)")
    p.add_argument("--plot", action="store_true",
                   help="also write STEM-structure.png (top view) and STEM-diffraction.png "
                        "(electron diffraction) of each file's last analysed frame beside it")
    return p


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``analyze`` subcommand."""
    p = subparsers.add_parser("analyze", help="twist angle and order of bilayer snapshots",
                              description=__doc__.split("\n\n")[0])
    return _configure(p)


def _summary(rec: dict) -> str:
    tw = "amorphous" if rec["twist_deg"] is None else f"{rec['twist_deg']:.3f} deg"
    lay = " ".join(f"L{ly['index']}: sf/N={ly['peak_sn']:.2f} psi6={ly['mean_abs_psi6']:.2f}"
                   for ly in rec["layers"])
    return (f"{rec['file']}[{rec['frame']}] twist {tw} ({rec['method']}) "
            f"crystalline={rec['crystalline']} {lay} pairs/atom={rec['order']['per_atom']:.3f}")


def run(args: argparse.Namespace) -> int:
    """Analyse every file; print results (module docstring)."""
    from vdwgym.analysis.readers import read_frames
    from vdwgym.analysis.twist import TwistAnalyzer

    status = 0
    for path in args.files:
        try:
            frames = read_frames(path, fmt=args.format)
            if args.frame == "last":
                frames = frames[-1:]
            elif args.frame != "all":
                try:
                    frames = [frames[args.frame]]
                except IndexError:
                    raise VdwgymError(f"{path}: no frame {args.frame} "
                                      f"({len(frames)} frames)") from None
            for fr in frames:
                names = args.types or fr.type_names
                an = TwistAnalyzer(method=args.method, type_names=names,
                                   a=args.lattice_constant)
                res = an.compute(fr.positions, fr.types, fr.cell, fr.symbols).result
                rec = {"file": str(path), "frame": fr.index, "timestep": fr.timestep}
                rec.update(res.to_dict())
                print(json.dumps(rec) if args.json else _summary(rec), flush=True)
            if args.plot and frames:
                from vdwgym.pictures import write_frame_pictures

                if args.types:
                    frames[-1].type_names = args.types
                stem = Path(path).name.removesuffix(".gz").rsplit(".", 1)[0]
                written = write_frame_pictures(
                    frames[-1], Path(path).parent, (f"{stem}-structure.png", f"{stem}-diffraction.png"),
                    a=args.lattice_constant, analysis=res)
                print("pictures: " + ", ".join(map(str, written)), file=sys.stderr, flush=True)
        except VdwgymError as exc:
            print(f"vdwgym analyze: {exc}", file=sys.stderr)
            status = 2
    return status


def main(argv: list[str] | None = None) -> int:
    """Entry point for ``python -m vdwgym.cli.analyze``."""
    parser = _configure(argparse.ArgumentParser(prog="vdwgym analyze",
                                                description=__doc__.split("\n\n")[0]))
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
