"""The ``vdwgym`` command line.  Only this package prints; the library logs.

Subcommands live in their own modules (``vdwgym.cli.campaign``, ``.analyze``, ``.md``,
``.bench``, ...), each with ``add_parser(subparsers)`` and ``run(args) -> int``, imported
lazily enough that ``vdwgym --help`` needs no LAMMPS, MPI or stable-baselines3.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from vdwgym.errors import VdwgymError

__all__ = ["main"]

SUBCOMMANDS = (
    "vdwgym.cli.campaign",
    "vdwgym.cli.bench",
    "vdwgym.cli.analyze",
    "vdwgym.cli.md",
    "vdwgym.cli.train_rl",
    "vdwgym.cli.serve",
    "vdwgym.cli.monitor",
    "vdwgym.cli.listing",
    "vdwgym.cli.controllers",
)


def build_parser() -> argparse.ArgumentParser:
    from vdwgym import __version__

    parser = argparse.ArgumentParser(
        prog="vdwgym",
        description="A virtual lab for autonomous van der Waals epitaxy: search recrystallization "
                    "recipes (temperature, lattice strain, shear strain) for a target MoS2 twist.")
    parser.add_argument("--version", action="version", version=f"vdwgym {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv: debug)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        before = set(sub.choices)
        module.add_parser(sub)
        for new in set(sub.choices) - before:
            sub.choices[new].set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return int(args._run(args) or 0)
    except VdwgymError as exc:
        print(f"vdwgym {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"vdwgym {args.command}: interrupted; what was computed is in the store", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
