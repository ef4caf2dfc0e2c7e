"""``vdwgym md``: one LAMMPS evaluation of one recipe, with live progress.

    vdwgym md --preset quick --temperature 2500 --lattice-strain 0.015 \\
              --shear-strain 0.015 --out runs/md/fig2 [--potential rebomos] [--ranks 2]

``--out`` becomes a worker run directory: params.json is written there, the worker runs it
(in this process, or with ``--ranks k > 1`` as ``python -m vdwgym.worker`` under
``mpiexec -n k`` through the local engine) and its progress.jsonl is tailed live.  The
directory then holds ``result.json`` (read by :func:`vdwgym.worker.read_result`),
``progress.jsonl``, ``final.dump`` and ``log.lammps``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

__all__ = ["add_parser", "run"]

#: Key of the one evaluation in a ``vdwgym md`` run directory's params.json.
KEY = "md"
#: Files of an earlier run in ``--out`` that a new run replaces.
REPLACED = ("params.json", "task.json", "progress.jsonl", "result.json", "error.json")


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``md`` sub-command to an argparse ``subparsers`` object."""
    p = subparsers.add_parser("md", help="run one LAMMPS recrystallization evaluation",
                              description=__doc__,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_arguments(p)
    return p


def _add_arguments(p: argparse.ArgumentParser) -> None:
    from vdwgym.md.potentials import potential_names
    from vdwgym.md.protocol import PRESETS

    p.add_argument("--preset", default="quick", choices=sorted(PRESETS),
                   help="protocol preset (default: quick)")
    p.add_argument("--temperature", type=float, required=True, help="anneal temperature, K")
    p.add_argument("--lattice-strain", type=float, default=0.0,
                   help="in-plane lattice strain, fraction (0.015 = 1.5 %%)")
    p.add_argument("--shear-strain", type=float, default=0.0,
                   help="in-plane shear strain, fraction (engineering: xy += eps * ly)")
    p.add_argument("--out", required=True, help="run directory")
    p.add_argument("--potential", default="rebomos", choices=potential_names(),
                   help="potential name (default rebomos; vdwgym list potentials)")
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


class _ProgressBar:
    """A tqdm bar over the protocol's steps, fed with progress lines."""

    def __init__(self, cfg) -> None:
        from tqdm import tqdm

        p = cfg.protocol
        self.total = sum(p.steps(t) for t in (p.amorphize.time_ps, p.equilibrate.time_ps,
                                              p.anneal.time_ps, p.quench.time_ps))
        self.bar = tqdm(total=self.total, unit="step", dynamic_ncols=True)
        self.stage, self.step = None, 0

    def __call__(self, line: dict) -> None:
        if "stage" not in line or "step" not in line:
            return
        if line["stage"] != self.stage and line["step"] < self.step:
            self.step = 0  # the step counter restarts at the recipe
        self.bar.update(max(0, min(line["step"] - self.step, self.total - self.bar.n)))
        self.stage, self.step = line["stage"], line["step"]
        self.bar.set_description(line["stage"])
        twist = "-" if line.get("twist_deg") is None else f"{line['twist_deg']:.2f}"
        cryst = "/".join(f"{c:.2f}" for c in line.get("crystallinity") or [])
        self.bar.set_postfix_str(f"T={line['temperature_K']:.0f}K cryst={cryst} twist={twist}")

    def close(self) -> None:
        self.bar.close()


def _write_params(out: Path, recipe: dict, seed: int, options: dict) -> None:
    """``out`` as a fresh worker run directory holding params.json (an earlier run's
    :data:`REPLACED` files removed)."""
    from vdwgym.engines.runfiles import write_json_atomic
    from vdwgym.md.config import recipe_space
    from vdwgym.worker.protocol import PARAMS_FILE, make_params

    params = make_params("lammps", KEY, 1, recipe, seed, recipe_space(), options)
    out.mkdir(parents=True, exist_ok=True)
    for name in REPLACED:
        (out / name).unlink(missing_ok=True)
    write_json_atomic(out / PARAMS_FILE, params.to_dict())


def _run_under_engine(out: Path, ranks: int, progress) -> int:
    """``python -P -m vdwgym.worker --wait-launch OUT`` on ``ranks`` ranks through the local
    engine (``mpiexec -n ranks``), its progress.jsonl tailed into ``progress``."""
    from vdwgym.engines import Resources, Task
    from vdwgym.engines.local import LocalEngine
    from vdwgym.worker.protocol import PROGRESS_FILE, tail_progress

    engine = LocalEngine()
    task = Task((sys.executable, "-P", "-m", "vdwgym.worker", "--wait-launch", str(out)), out,
                Resources(ranks=ranks))
    offset = 0
    try:
        fut = engine.submit(task)
        while True:
            done = fut.done()
            lines, offset = tail_progress(out / PROGRESS_FILE, offset)
            for line in lines:
                progress(line)
            if done:
                break
            time.sleep(0.2)
        result = fut.result()
    except KeyboardInterrupt:
        engine.cancel(task)
        raise
    finally:
        engine.shutdown(wait=True)
    return 0 if result.returncode == 0 else 1


def run(args) -> int:
    """Run one evaluation; returns the exit code (0 ok, 1 failed, 2 bad input)."""
    from vdwgym.errors import ValidationError
    from vdwgym.md.config import check_recipe, parse_options

    recipe = {"temperature_K": args.temperature, "lattice_strain": args.lattice_strain,
              "shear_strain": args.shear_strain}
    out = Path(args.out)
    try:
        if args.ranks < 1:
            raise ValidationError("--ranks", "an integer >= 1", args.ranks)
        options = _options(args)
        cfg = parse_options(options)
        check_recipe(recipe)
        from vdwgym.md.potentials import quote_path

        try:  # the run directory goes into LAMMPS commands: checked before it is made
            quote_path(out.absolute())
        except ValidationError as exc:
            raise ValidationError("--out", exc.bound, args.out) from exc
        if out.exists() and not out.is_dir():
            raise ValidationError("--out", "a folder, or a path where one can be made", args.out)
        _write_params(out, recipe, args.seed, options)
    except ValidationError as exc:
        print(f"vdwgym md: {exc}", file=sys.stderr)
        return 2

    from vdwgym.worker.protocol import read_error, read_result

    bar = _ProgressBar(cfg)
    try:
        if args.ranks > 1:
            code = _run_under_engine(out, args.ranks, bar)
        else:
            from vdwgym.worker.runner import run as run_worker

            code = run_worker(out, on_progress=bar)
    finally:
        bar.close()
    outcome = read_result(out)
    if outcome is None:
        error = read_error(out)
        reason = (error["message"] if error is not None else
                  f"the worker exited with code {code} without a result (see {out / 'stderr.txt'})")
        print(f"vdwgym md: {reason}", file=sys.stderr)
        return 2 if code == 2 else 1
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
