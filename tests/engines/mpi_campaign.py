"""Run a small set of worker tasks through the mpi engine; run it as
``mpiexec -n 3 python -m mpi4py.futures tests/engines/mpi_campaign.py ROOT OUT.json``.

Writes ``{"world_size", "outcomes": {key: Outcome.to_dict()}, "host", "controller_pid"}``
to OUT.json.
"""

import json
import os
import socket
import sys
import time
from pathlib import Path


def main(root: Path, out: Path) -> None:
    from mpi4py import MPI

    from vdwgym.backends.worker import WorkerBackend
    from vdwgym.engines import make_engine
    from vdwgym.engines.runfiles import read_task_record
    from vdwgym.space import Recipe

    recipe = Recipe(temperature_K=2200.0, lattice_strain=0.012, shear_strain=0.056)
    jobs = {
        "ok0": {"sleep_s": 0.3},
        "ok1": {"sleep_s": 0.3},
        "ok2": {},
        "sim_error": {"fail": "injected simulation error"},
        "killed": {"kill_signal": 9},
    }
    engine = make_engine("mpi", grace_s=2.0, poll_s=0.05)
    futures = {}
    for key, options in jobs.items():
        backend = WorkerBackend(root=root, options=options, engine=engine, max_retries=1)
        futures[key] = backend.submit(recipe, 11, key=key)
    outcomes = {key: f.result(timeout=300).to_dict() for key, f in futures.items()}
    slow = WorkerBackend(root=root, options={"sleep_s": 60}, engine=engine, time_limit_s=1.0)
    futures = {"timeout": slow.submit(recipe, 12, key="timeout"),
               "cancelled": slow.submit(recipe, 13, key="cancelled")}
    while read_task_record(root / "cancelled" / "attempt-1") is None:
        time.sleep(0.05)
    futures["cancelled"].cancel()  # through RUN_DIR/cancel.request, seen by the pool worker
    outcomes.update({key: f.result(timeout=300).to_dict() for key, f in futures.items()})
    engine.shutdown()
    summary = {"world_size": MPI.COMM_WORLD.Get_size(), "outcomes": outcomes,
               "host": socket.gethostname(), "controller_pid": os.getpid()}
    out.write_text(json.dumps(summary))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
