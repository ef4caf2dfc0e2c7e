"""Decision speed and regret of the BO agents: default settings vs BoTorch's tutorial ones.

    OMP_NUM_THREADS=1 python benchmarks/bench_decision.py [--reps 3] [--part time campaign ratio memory]

Parts (all printed as markdown tables):

``time``
    Median wall time of ``ask(q)`` for q in ``--qs`` after ``n`` in ``--ns`` observations
    (uniform recipes on :class:`vdwgym.testing.TwistLandscape`, twist noise 0.1 deg, the
    same data for every agent), over ``--reps`` agent seeds; with the noise-free regret of
    the proposed batch (best point and median point), target 8.5 deg.  Settings:
    ``default`` (the agents' defaults) and ``tutorial`` (BoTorch's tutorial settings:
    ``optimize_acqf`` sequential, 10 restarts, 512 raw samples, 512 MC samples, 200
    iterations) for qei / qlogei; for ts ``N=5000`` (default) and ``N=20000`` candidates.
``campaign``
    Best regret reached after ``--batches`` synchronous batches of ``--campaign-q`` from a
    shared initial design of 10 uniform recipes, over ``--campaign-seeds`` seeds, for each
    agent, setting and objective (``twist`` / ``regret``), on the landscape (``--lab
    function``) or the commensurate surrogate (``--lab surrogate``, regret of the
    noise-free lattice twist, non-crystalline outcomes count as failed).
``ratio``
    Side by side: median wall time of ``ask(15)`` after ``n = 300`` observations (the
    ``time`` part's data) for ``--ratio-agents`` (default ``ts``, ``qei``, ``hit``, their
    default settings), the agents interleaved within each repetition so that load on a
    shared machine hits them alike; prints each median and the ratio of the last agent's to
    each other's (``hit`` should stay within 2x of ``ts``).
``memory``
    Thompson sampling at n=150, q=15: peak resident memory added by one ``ask`` and its
    time, for N = 5,000 and 20,000 candidates, chunked (default) and unchunked; each in a
    fresh subprocess, after a warm-up ask; the resident set size is polled every 1 ms from
    ``/proc/self/statm`` during the ask (Linux only) and the peak minus the RSS before is
    reported.

torch runs on one thread.  Timings on a shared machine are noisy: the tables give medians.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import threading
import time

import numpy as np

from vdwgym.agents import make
from vdwgym.outcome import Outcome, Status
from vdwgym.space import PAPER_SPACE
from vdwgym.testing import TwistLandscape

TARGET = 8.5
TUTORIAL = {"optimizer": "lbfgs", "num_restarts": 10, "raw_samples": 512, "mc_samples": 512,
            "maxiter": 200}
SETTINGS = {
    "qei": {"default": {}, "tutorial": TUTORIAL},
    "qlogei": {"default": {}, "tutorial": TUTORIAL},
    "ts": {"default": {}, "N=20000": {"n_candidates": 20000}},
    "hit": {"default": {}},
}


def data(n: int):
    """``n`` uniform recipes and their outcomes (twist noise 0.1 deg): a function of ``n``."""
    rng = np.random.default_rng([2026, n])
    recipes = PAPER_SPACE.to_recipes(PAPER_SPACE.from_unit(rng.random((n, 3))))
    return recipes, TwistLandscape(PAPER_SPACE, noise_deg=0.1, seed=n).evaluate(recipes)


def unit(recipes) -> np.ndarray:
    return PAPER_SPACE.to_unit(PAPER_SPACE.to_array(recipes))


def part_time(args) -> None:
    landscape = TwistLandscape(PAPER_SPACE)
    print("| agent | setting | n | q | ask median s | min s | best regret deg | median regret deg |")
    print("|---|---|---|---|---|---|---|---|")
    for name in args.agents:
        for setting, opts in SETTINGS[name].items():
            for n in args.ns:
                recipes, outcomes = data(n)
                for q in args.qs:
                    times, best, med = [], [], []
                    for rep in range(args.reps):
                        agent = make(name, space=PAPER_SPACE, target_deg=TARGET, seed=rep, **opts)
                        agent.tell(recipes, outcomes)
                        t = time.perf_counter()
                        proposal = agent.ask(q)
                        times.append(time.perf_counter() - t)
                        r = landscape.regret(unit(proposal), TARGET)
                        best.append(r.min())
                        med.append(np.median(r))
                    print(f"| {name} | {setting} | {n} | {q} | {statistics.median(times):.2f} | "
                          f"{min(times):.2f} | {np.median(best):.3f} | {np.median(med):.3f} |",
                          flush=True)


class SurrogateLab:
    """The commensurate surrogate as a lab for the campaign part."""

    def __init__(self, seed: int) -> None:
        from vdwgym.surrogate import CommensurateSurrogate

        self.model = CommensurateSurrogate()
        self.seed, self.evaluations = seed, 0

    def evaluate(self, recipes):
        seeds = np.random.SeedSequence([self.seed, self.evaluations]).generate_state(len(recipes), np.uint64)
        self.evaluations += len(recipes)
        res = self.model.evaluate(PAPER_SPACE.to_array(recipes), seeds)
        out = [Outcome(Status.OK, r, seed=int(s), twist_deg=float(t) if c else None, crystalline=bool(c))
               for r, s, t, c in zip(recipes, seeds, res.twist_deg, res.crystalline, strict=True)]
        regret = np.where(res.crystalline, np.abs(res.lattice_twist_deg - TARGET), np.nan)
        return out, regret


class FunctionLab:
    def __init__(self, seed: int) -> None:
        self.landscape = TwistLandscape(PAPER_SPACE, noise_deg=0.1, fail_corner=True, seed=seed)

    def evaluate(self, recipes):
        U = unit(recipes)
        regret = np.where(self.landscape.crystalline(U), self.landscape.regret(U, TARGET), np.nan)
        return self.landscape.evaluate(recipes), regret


def part_campaign(args) -> None:
    lab_cls = SurrogateLab if args.lab == "surrogate" else FunctionLab
    print(f"lab: {args.lab}; {args.batches} batches of q={args.campaign_q} after 10 initial recipes")
    print("| agent | setting | objective | best regret deg (median over seeds) | per seed | "
          "ask median s |")
    print("|---|---|---|---|---|---|")
    for name in args.agents:
        for setting, opts in SETTINGS[name].items():
            if setting not in args.campaign_settings:
                continue
            for objective in args.objectives:
                finals, times = [], []
                for seed in range(args.campaign_seeds):
                    lab = lab_cls(seed)
                    rng = np.random.default_rng([7, seed])
                    init = PAPER_SPACE.to_recipes(PAPER_SPACE.from_unit(rng.random((10, 3))))
                    agent = make(name, space=PAPER_SPACE, target_deg=TARGET, seed=seed,
                                 objective=objective, **opts)
                    outcomes, regret = lab.evaluate(init)
                    agent.tell(init, outcomes)
                    best = np.nanmin(np.append(regret, np.inf))
                    for _ in range(args.batches):
                        t = time.perf_counter()
                        recipes = agent.ask(args.campaign_q)
                        times.append(time.perf_counter() - t)
                        outcomes, regret = lab.evaluate(recipes)
                        agent.tell(recipes, outcomes)
                        best = min(best, np.nanmin(np.append(regret, np.inf)))
                    finals.append(best)
                per_seed = " ".join(f"{f:.3f}" for f in finals)
                print(f"| {name} | {setting} | {objective} | {np.median(finals):.3f} | {per_seed} | "
                      f"{statistics.median(times):.2f} |", flush=True)


def part_ratio(args) -> None:
    n, q = 300, 15
    recipes, outcomes = data(n)
    times: dict[str, list[float]] = {name: [] for name in args.ratio_agents}
    for rep in range(args.reps):
        for name in args.ratio_agents:
            agent = make(name, space=PAPER_SPACE, target_deg=TARGET, seed=rep)
            agent.tell(recipes, outcomes)
            t = time.perf_counter()
            agent.ask(q)
            times[name].append(time.perf_counter() - t)
    med = {name: statistics.median(v) for name, v in times.items()}
    last = args.ratio_agents[-1]
    print(f"n = {n}, q = {q}, {args.reps} repetitions, agents interleaved")
    print("| agent | ask median s | min s | " + f"{last} / agent |")
    print("|---|---|---|---|")
    for name in args.ratio_agents:
        print(f"| {name} | {med[name]:.3f} | {min(times[name]):.3f} | {med[last] / med[name]:.2f} |", flush=True)


def current_rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def memory_child(n_candidates: int, chunk: int) -> None:
    recipes, outcomes = data(150)
    agent = make("ts", space=PAPER_SPACE, target_deg=TARGET, seed=0, n_candidates=500)
    agent.tell(recipes, outcomes)
    agent.ask(15)  # warm-up: imports, first-call allocations
    agent.n_candidates, agent.chunk = n_candidates, chunk
    base, peak, done = current_rss_mib(), [0.0], threading.Event()

    def poll() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], current_rss_mib())
            time.sleep(0.001)

    poller = threading.Thread(target=poll)
    poller.start()
    t = time.perf_counter()
    agent.ask(15)
    dt = time.perf_counter() - t
    done.set()
    poller.join()
    print(json.dumps({"seconds": dt, "peak_growth_MiB": peak[0] - base, "base_rss_MiB": base}))


def part_memory(args) -> None:
    print("| N candidates | chunk | ask s | peak RSS growth MiB | RSS before MiB |")
    print("|---|---|---|---|---|")
    for n_cand in (5000, 20000):
        for chunk in (2048, n_cand):
            rows = []
            for _ in range(args.reps):
                out = subprocess.run([sys.executable, __file__, "--memory-child", str(n_cand), str(chunk)],
                                     check=True, capture_output=True, text=True).stdout
                rows.append(json.loads(out.strip().splitlines()[-1]))
            med = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
            print(f"| {n_cand} | {chunk} | {med['seconds']:.2f} | {med['peak_growth_MiB']:.0f} | "
                  f"{med['base_rss_MiB']:.0f} |", flush=True)


def main() -> None:
    import torch

    torch.set_num_threads(1)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", nargs="+", default=["time", "campaign", "ratio", "memory"],
                        choices=["time", "campaign", "ratio", "memory"])
    parser.add_argument("--agents", nargs="+", default=["qei", "qlogei", "ts"])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--ratio-agents", nargs="+", default=["ts", "qei", "hit"])
    parser.add_argument("--ns", type=int, nargs="+", default=[50, 150, 300])
    parser.add_argument("--qs", type=int, nargs="+", default=[5, 15])
    parser.add_argument("--lab", choices=["function", "surrogate"], default="function")
    parser.add_argument("--campaign-seeds", type=int, default=3)
    parser.add_argument("--campaign-q", type=int, default=5)
    parser.add_argument("--batches", type=int, default=4)
    parser.add_argument("--campaign-settings", nargs="+", default=["default", "tutorial"])
    parser.add_argument("--objectives", nargs="+", default=["twist", "regret"])
    parser.add_argument("--memory-child", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(*args.memory_child)
        return
    print(f"torch threads: {torch.get_num_threads()}")
    for part in args.part:
        {"time": part_time, "campaign": part_campaign, "ratio": part_ratio, "memory": part_memory}[part](args)
        print()


if __name__ == "__main__":
    main()
