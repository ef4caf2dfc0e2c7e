"""``vdwgym md``: one LAMMPS evaluation of one recipe, with live progress.

    vdwgym md --preset quick --temperature 2500 --lattice-strain 0.015 \\
              --shear-strain 0.015 --out runs/md/fig2 [--potential rebomos] [--ranks 2]

Writes ``result.json`` (the Outcome), ``progress.jsonl``, ``final.dump`` and ``log.lammps``
in ``--out``.  With ``--ranks k > 1`` the command re-runs itself under ``mpiexec -n k``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

__all__ = ["add_parser", "run"]

_INNER_ENV = "VDWGYM_MD_UNDER_MPIEXEC"


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``md`` sub-command to an argparse ``subparsers`` object."""
    p = subparsers.add_parser("md", help="run one LAMMPS recrystallization evaluation",
                              description=__doc__,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_arguments(p)
    return p


def _add_arguments(p: argparse.ArgumentParser) -> None:
    from vdwgym.md.protocol import PRESETS

    p.add_argument("--preset", default="quick", choices=sorted(PRESETS),
                   help="protocol preset (default: quick)")
    p.add_argument("--temperature", type=float, required=True, help="anneal temperature, K")
    p.add_argument("--lattice-strain", type=float, default=0.0,
                   help="in-plane lattice strain, fraction (0.015 = 1.5 %%)")
    p.add_argument("--shear-strain", type=float, default=0.0,
                   help="in-plane shear strain, fraction (engineering: xy += eps * ly)")
    p.add_argument("--out", required=True, help="run directory")
    p.add_argument("--potential", default="rebomos", help="potential name (default rebomos)")
    p.add_argument("--ffield", default=None, help="ReaxFF ffield file (--potential reaxff)")
    p.add_argument("--ranks", type=int, default=1, help="MPI ranks (default 1)")
    p.add_argument("--seed", type=int, default=0, help="evaluation seed (velocities)")
    p.add_argument("--nx", type=int, default=None, help="cells along a1 (preset default)")
    p.add_argument("--ny", type=int, default=None, help="cells along a2 (preset default)")
    p.add_argument("--analysis-every", type=int, default=None,
                   help="steps between on-the-fly analyses (preset default)")
    p.add_argument("--amorphous-cache", default=None,
                   help="directory of cached amorphous starts (default OUT/../amorphous_cache)")
    p.add_argument("--amorphous-seed", type=int, default=0,
                   help="seed of the shared amorphous start")
    p.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                   help="protocol override, e.g. --set quench.time_ps=100 (repeatable)")


def _overrides(pairs: list[str]) -> dict:
    from vdwgym.errors import ValidationError

    out = {}
    for item in pairs:
        key, sep, raw = item.partition("=")
        if not sep:
            raise ValidationError("--set", "FIELD=VALUE", item)
        try:
            out[key.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            out[key.strip()] = raw
    return out


def _options(args) -> dict:
    opts = {"preset": args.preset, "potential": args.potential, "nx": args.nx, "ny": args.ny,
            "analysis_every": args.analysis_every, "amorphous_seed": args.amorphous_seed,
            "overrides": _overrides(args.set)}
    if args.ffield:
        opts["potential_options"] = {"ffield": args.ffield}
    if args.amorphous_cache:
        opts["amorphous_cache"] = args.amorphous_cache
    return {k: v for k, v in opts.items() if v is not None}


def _under_mpiexec(args) -> int:
    """Re-run this command on ``args.ranks`` ranks."""
    mpiexec = shutil.which("mpiexec", path=str(Path(sys.executable).parent) + os.pathsep
                           + os.environ.get("PATH", ""))
    if mpiexec is None:
        print("vdwgym md: mpiexec not found (install the md extra: mpich)", file=sys.stderr)
        return 2
    argv = ["--preset", args.preset, "--temperature", repr(args.temperature),
            "--lattice-strain", repr(args.lattice_strain),
            "--shear-strain", repr(args.shear_strain), "--out", str(args.out),
            "--potential", args.potential, "--ranks", str(args.ranks),
            "--seed", str(args.seed), "--amorphous-seed", str(args.amorphous_seed)]
    for flag, value in (("--ffield", args.ffield), ("--nx", args.nx), ("--ny", args.ny),
                        ("--analysis-every", args.analysis_every),
                        ("--amorphous-cache", args.amorphous_cache)):
        if value is not None:
            argv += [flag, str(value)]
    for item in args.set:
        argv += ["--set", item]
    cmd = [mpiexec, "-n", str(args.ranks), sys.executable, "-m", "vdwgym.cli.md", *argv]
    env = dict(os.environ, **{_INNER_ENV: "1"})
    return subprocess.call(cmd, env=env)


def run(args) -> int:
    """Run one evaluation; returns the exit code (0 ok, 1 failed, 2 bad input)."""
    from vdwgym.errors import ValidationError, VdwgymError
    from vdwgym.md.task import check_recipe, parse_options

    recipe = {"temperature_K": args.temperature, "lattice_strain": args.lattice_strain,
              "shear_strain": args.shear_strain}
    try:
        if args.ranks < 1:
            raise ValidationError("--ranks", "an integer >= 1", args.ranks)
        options = _options(args)
        cfg = parse_options(options)
        check_recipe(recipe)
        from vdwgym.md.potentials import quote_path

        try:  # the run directory goes into LAMMPS commands: checked before it is made
            quote_path(Path(args.out).absolute())
        except ValidationError as exc:
            raise ValidationError("--out", exc.bound, args.out) from exc
        if Path(args.out).exists() and not Path(args.out).is_dir():
            raise ValidationError("--out", "a folder, or a path where one can be made", args.out)
    except ValidationError as exc:
        print(f"vdwgym md: {exc}", file=sys.stderr)
        return 2
    if args.ranks > 1 and os.environ.get(_INNER_ENV) != "1":
        return _under_mpiexec(args)

    import mpi4py.MPI as MPI  # noqa: N817 - before lammps
    from tqdm import tqdm

    from vdwgym.md.task import run as run_task

    root = MPI.COMM_WORLD.Get_rank() == 0
    out = Path(args.out)
    p = cfg.protocol
    total = sum(p.steps(t) for t in (p.amorphize.time_ps, p.equilibrate.time_ps,
                                     p.anneal.time_ps, p.quench.time_ps))
    bar = tqdm(total=total, unit="step", disable=not root, dynamic_ncols=True)
    progress_file = None
    if root:
        out.mkdir(parents=True, exist_ok=True)
        progress_file = (out / "progress.jsonl").open("w")

    last = {"stage": None, "step": 0}

    def progress(line: dict) -> None:
        progress_file.write(json.dumps(line) + "\n")
        progress_file.flush()
        if line["stage"] != last["stage"] and line["step"] < last["step"]:
            last["step"] = 0  # the step counter restarts at the recipe
        bar.update(max(0, min(line["step"] - last["step"], total - bar.n)))
        last.update(stage=line["stage"], step=line["step"])
        bar.set_description(line["stage"])
        twist = "-" if line["twist_deg"] is None else f"{line['twist_deg']:.2f}"
        cryst = "/".join(f"{c:.2f}" for c in line["crystallinity"])
        bar.set_postfix_str(f"T={line['temperature_K']:.0f}K cryst={cryst} twist={twist}")

    try:
        outcome = run_task(recipe, args.seed, options, out, progress)
    except VdwgymError as exc:
        bar.close()
        if root:
            print(f"vdwgym md: {exc}", file=sys.stderr)
        return 1
    finally:
        if progress_file is not None:
            progress_file.close()
    bar.close()
    if not root:
        return 0
    (out / "result.json").write_text(json.dumps(outcome.to_dict(), indent=1))
    final = outcome.details["final_analysis"]
    layers = ", ".join(f"layer {ly['index']}: S/N {ly['peak_sn']:.3f} "
                       f"|psi6| {ly['mean_abs_psi6']:.3f}" for ly in final["layers"])
    twist = "not crystalline" if outcome.twist_deg is None else f"{outcome.twist_deg:.2f} deg"
    t = outcome.details["timings"]
    rate = t.get("atom_steps_per_s")
    print(f"twist: {twist}\n{layers}\norder (pairs/atom): {outcome.order:.3f}\n"
          f"wall time {outcome.wall_time_s:.1f} s, "
          f"{'-' if rate is None else f'{rate:,.0f}'} atom-steps/s, "
          f"{outcome.details['natoms']} atoms, {outcome.details['mpi_ranks']} rank(s)\n"
          f"files: {out / 'result.json'}, {out / 'final.dump'}, {out / 'log.lammps'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m vdwgym.cli.md ...`` (used by ``--ranks k``)."""
    parser = argparse.ArgumentParser(prog="vdwgym md", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
