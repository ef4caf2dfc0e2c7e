"""Running a benchmark grid: one campaign per (agent, seed, target, batch size).

Each campaign runs in its own process (one torch thread each), so results do not depend on
the number of workers: a campaign's answer is a function of its config alone.  Each
finished campaign is written at once to ``OUT/runs/<run_id>.json`` (atomically); a rerun
with the same ``OUT`` skips campaigns already there, so an interrupted benchmark loses at
most the campaigns that were running.
"""

from __future__ import annotations

import concurrent.futures as cf
import json
import logging
import multiprocessing
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vdwgym.bench.config import BenchConfig, RunSpec

__all__ = ["run_benchmark", "run_one", "load_runs"]

log = logging.getLogger(__name__)


def _init_worker() -> None:
    os.environ["OMP_NUM_THREADS"] = "1"
    import torch

    torch.set_num_threads(1)


def run_one(config: BenchConfig, spec: RunSpec) -> dict[str, Any]:
    """Run one campaign of the grid; returns its JSON-able record (one row per evaluation).

    Rows carry the measured ``twist_deg`` and, where the backend reports it (the surrogate),
    the noise-free ``lattice_twist_deg`` of the selected state (None otherwise)."""
    from vdwgym.campaign import Campaign

    t0 = time.perf_counter()
    camp = Campaign(config.campaign_config(spec), None)
    agent_s = 0.0
    ask = camp.agent.ask

    def timed_ask(*a, **kw):
        nonlocal agent_s
        t = time.perf_counter()
        try:
            return ask(*a, **kw)
        finally:
            agent_s += time.perf_counter() - t

    camp.agent.ask = timed_ask
    res = camp.run()
    rows = []
    for e in sorted(res.evaluations, key=lambda e: e.idx):
        o = e.outcome
        rows.append({"index": e.idx + 1, "cycle": e.cycle, "source": e.source, "seed": e.seed,
                     **e.recipe.to_dict(), "status": o.status.value, "crystalline": o.crystalline,
                     "twist_deg": o.twist_deg, "regret_deg": o.regret(camp.lab.target_deg),
                     "lattice_twist_deg": o.details.get("lattice_twist_deg"),
                     "vstart": e.vstart, "vend": e.vend})
    return {"run_id": spec.run_id, "agent": spec.agent.label, "agent_name": spec.agent.name,
            "seed": spec.seed, "target_deg": spec.target_deg, "batch": spec.batch,
            "wall_s": time.perf_counter() - t0, "agent_s": agent_s, "evaluations": rows}


def _write_atomic(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)


def load_runs(out: str | Path) -> list[dict[str, Any]]:
    """Every finished campaign record under ``OUT/runs``."""
    return [json.loads(p.read_text()) for p in sorted((Path(out) / "runs").glob("*.json"))]


def run_benchmark(config: BenchConfig, out: str | Path,
                  on_done: Callable[[dict[str, Any]], None] | None = None) -> list[dict[str, Any]]:
    """Run (or finish) the grid into ``out``; returns all campaign records."""
    runs_dir = Path(out) / "runs"
    runs_dir.mkdir(parents=True, exist_ok=True)
    (Path(out) / "config.json").write_text(json.dumps(config.to_dict(), indent=2))
    todo = [s for s in config.runs() if not (runs_dir / f"{s.run_id}.json").exists()]
    log.info("benchmark %s: %d campaigns, %d to run", config.name, len(config.runs()), len(todo))

    def finish(record: dict[str, Any]) -> None:
        _write_atomic(runs_dir / f"{record['run_id']}.json", record)
        if on_done is not None:
            on_done(record)

    if config.workers == 1 or len(todo) <= 1:
        _init_worker()
        for spec in todo:
            finish(run_one(config, spec))
    else:
        ctx = multiprocessing.get_context("spawn")
        with cf.ProcessPoolExecutor(config.workers, mp_context=ctx, initializer=_init_worker) as pool:
            futures = [pool.submit(run_one, config, spec) for spec in todo]
            for fut in cf.as_completed(futures):
                finish(fut.result())
    return load_runs(out)
