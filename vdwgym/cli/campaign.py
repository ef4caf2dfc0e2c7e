"""``vdwgym campaign``: run (or resume) one search campaign with a progress bar and a report."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import Any

from vdwgym import agents as agent_registry
from vdwgym.backends.registry import backend_names
from vdwgym.cli.options import parse_options
from vdwgym.engines import ENGINES
from vdwgym.errors import ConfigError, ValidationError

STORE_NAME = "campaign.sqlite"


def add_parser(sub) -> None:
    p = sub.add_parser(
        "campaign", help="run a search campaign for a target twist",
        description="Run a search campaign: an agent proposes recipes, the lab evaluates them, "
                    "until the target twist is reached or the budget is spent.  Writes "
                    f"{STORE_NAME}, report.md, regret.png, recipes.png and evaluations.csv to --out.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--target", type=float, default=8.5, help="target twist (deg, folded to [0, 30])")
    p.add_argument("--config", type=Path, default=None, metavar="FILE.toml",
                   help="campaign from a TOML file with the bench schema (one agent, seed, target "
                        "and batch size); the flags below then set nothing but --out/--resume/--overwrite")
    p.add_argument("--agent", default="random",
                   help=f"agent: one of {', '.join(agent_registry.names())} (vdwgym list "
                        "agents), an entry point of group vdwgym.agents, or module:Class")
    p.add_argument("--backend", default="surrogate", choices=backend_names(),
                   help="worker: the surrogate as one worker process per evaluation (engines "
                        "without MD); lammps: MD (vdwgym list backends)")
    p.add_argument("--engine", choices=list(ENGINES), default=None,
                   help="execution engine of the worker and lammps backends (default local)")
    p.add_argument("--ranks", type=int, default=None, help="MPI ranks per evaluation (worker, lammps)")
    p.add_argument("--slots", type=int, default=None,
                   help="evaluations the local engine runs at once (worker, lammps)")
    p.add_argument("--batch", type=int, default=5, help="batch size q (sync) or concurrent slots (async)")
    p.add_argument("--budget", type=int, default=60, help="evaluations in all, initial design included")
    p.add_argument("--n-init", type=int, default=10, help="initial-design size (identical for every agent)")
    p.add_argument("--seed", type=int, default=0, help="root seed of the campaign")
    p.add_argument("--mode", choices=["sync", "async"], default="sync")
    p.add_argument("--clock", choices=["real", "virtual"], default="real",
                   help="virtual: use the surrogate's simulated run times to order completions")
    p.add_argument("--tolerance", type=float, default=0.1, help="regret (deg) that counts as reaching the target")
    p.add_argument("--no-stop-at-target", dest="stop_at_target", action="store_false",
                   help="spend the whole budget even after the target is reached")
    p.add_argument("--max-wall-s", type=float, default=None, help="wall-time limit (s)")
    p.add_argument("--agent-option", action="append", metavar="KEY=VALUE", help="agent option (repeatable)")
    p.add_argument("--backend-option", action="append", metavar="KEY=VALUE", help="backend option (repeatable)")
    p.add_argument("--out", type=Path, default=Path("runs/campaign"), help="output folder")
    p.set_defaults(_defaults={a.dest: a.default for a in p._actions if a.dest in CONFIG_FLAGS})
    g = p.add_mutually_exclusive_group()
    g.add_argument("--resume", action="store_true", help=f"continue the campaign in --out/{STORE_NAME}")
    g.add_argument("--overwrite", action="store_true", help="delete an existing campaign in --out first")


CONFIG_FLAGS = ("target", "agent", "backend", "engine", "ranks", "slots", "batch", "budget", "n_init",
                "seed", "mode", "clock", "tolerance", "stop_at_target", "max_wall_s", "agent_option",
                "backend_option")
"""Destinations of the flags that define a campaign (refused beside --config)."""


def engine_options(args: argparse.Namespace) -> dict[str, Any]:
    """``--engine``, ``--ranks``, ``--slots`` as backend options (worker and lammps only)."""
    given = {k: v for k, v in (("engine", args.engine), ("ranks", args.ranks), ("slots", args.slots))
             if v is not None}
    if not given:
        return {}
    if args.backend == "surrogate":
        raise ValidationError("--" + next(iter(given)), "--backend worker or lammps", "surrogate")
    for flag in ("ranks", "slots"):
        if flag in given and (given[flag] < 1):
            raise ValidationError(f"--{flag}", "an integer >= 1", given[flag])
    out: dict[str, Any] = {}
    if "engine" in given:
        out["engine"] = given["engine"]
    if "ranks" in given:
        out["ranks"] = given["ranks"]
    if "slots" in given:
        if given.get("engine", "local") != "local":
            raise ValidationError("--slots", "the local engine (--engine local)", given["engine"])
        out["engine_options"] = {"slots": given["slots"]}
    return out


def config_from_args(args: argparse.Namespace):
    from vdwgym.campaign import CampaignConfig

    backend_options = parse_options(args.backend_option, "--backend-option")
    for key, value in engine_options(args).items():
        if key in backend_options:
            raise ValidationError(f"--backend-option {key}", f"not also given as --{key}",
                                  backend_options[key])
        backend_options[key] = value
    return CampaignConfig(
        target_deg=args.target, budget=args.budget, batch=args.batch, n_init=args.n_init,
        mode=args.mode, agent=args.agent, agent_options=parse_options(args.agent_option, "--agent-option"),
        backend=args.backend, backend_options=backend_options,
        seed=args.seed, tolerance_deg=args.tolerance, stop_at_target=args.stop_at_target,
        max_wall_s=args.max_wall_s, clock=args.clock)


def config_from_file(path: Path):
    """The one campaign a bench-schema TOML file describes (vdwgym.bench.config)."""
    from vdwgym.bench.config import load_config

    bench = load_config(path)
    runs = bench.runs()
    if len(runs) != 1:
        raise ConfigError(f"{path}: describes {len(runs)} campaigns (agents x seeds x targets x "
                          "batch_sizes); vdwgym campaign runs one: use vdwgym bench, or list one each")
    return bench.campaign_config(runs[0])


class ProgressDisplay:
    """tqdm bar over the budget, updated as evaluations complete."""

    def __init__(self, total: int, initial: int, desc: str) -> None:
        from tqdm import tqdm

        self.bar = tqdm(total=total, initial=initial, desc=desc, unit="eval", file=sys.stderr,
                        dynamic_ncols=True)

    def __call__(self, kind: str, payload: dict[str, Any]) -> None:
        if kind == "told":
            self.bar.update(len(payload["evaluations"]))
            best = payload["best_regret"]
            self.bar.set_postfix_str(f"best regret {best:.3f} deg" if best is not None else "no twist yet")
        elif kind == "progress":
            last = payload["lines"][-1]
            self.bar.set_postfix_str(f"{payload['key']}: " + ", ".join(
                f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                for k, v in last.items() if k in ("stage", "time_ps", "temperature_K", "twist_deg")))

    def close(self) -> None:
        self.bar.close()


def run(args: argparse.Namespace) -> int:
    from vdwgym.campaign import Campaign
    from vdwgym.report import write_campaign_report

    store_path = args.out / STORE_NAME
    if args.out.exists() and not args.out.is_dir():
        raise ValidationError("--out", "a folder, or a path where one can be made", str(args.out),
                              "it is a file")
    if args.overwrite and args.out.exists():
        shutil.rmtree(args.out)
    if args.resume:
        campaign = Campaign.resume(store_path)
        print(describe_resume(campaign), file=sys.stderr)
    else:
        if args.config is not None:
            given = sorted(k for k, v in args._defaults.items() if getattr(args, k) != v)
            if given:
                raise ValidationError("--config", "no other campaign flags beside it (the file "
                                      "defines the campaign)", ["--" + k.replace("_", "-") for k in given])
            config = config_from_file(args.config)
        else:
            config = config_from_args(args)
        # The store appears with its config or not at all (Campaign -> Store.create); a
        # store left holding nothing by an interrupted start-up is replaced.  Run directories
        # go to the campaign folder's runs/ (Campaign's default for file backends).
        campaign = Campaign(config, store_path)
    cfg = campaign.config
    display = ProgressDisplay(cfg.budget, len(campaign.lab.completed),
                              f"{cfg.agent} -> {cfg.target_deg:g} deg")
    campaign.on_event = display
    try:
        result = campaign.run()
    finally:
        display.close()
    report = write_campaign_report(campaign, result, args.out)
    print_summary(campaign, result, report)
    campaign.store.close()  # the store alone is then complete (docs/guarantees.md)
    return 0


def describe_resume(campaign) -> str:
    """What ``--resume`` found in the store: counts by state and what happens next."""
    lab, cfg = campaign.lab, campaign.config
    running = [e.idx for e in lab.running]
    told = len(campaign._told)
    return (f"vdwgym campaign: resuming {campaign.store.path}: {cfg.agent} / {cfg.mode} / "
            f"{cfg.backend}, {lab.n_submitted} of {cfg.budget} evaluations recorded "
            f"({len(lab.completed)} done, {told} told to the agent, {len(running)} re-launched"
            + (f": {running}" if running else "") + f"), {lab.budget_left} left to propose")


def print_summary(campaign, result, report: Path) -> None:
    cfg = campaign.config
    best = min((e for e in campaign.lab.completed if e.outcome.ok),
               key=lambda e: e.outcome.regret(campaign.lab.target_deg), default=None)
    rows = [
        ("target", f"{cfg.target_deg:g} deg"),
        ("agent / mode / batch", f"{cfg.agent} / {cfg.mode} / {cfg.batch}"),
        ("evaluations", f"{len(result.evaluations)} of {cfg.budget}"),
        ("stopped because", result.stop_reason),
        ("best regret", "-" if result.best_regret is None else f"{result.best_regret:.3f} deg"),
        ("evaluations to tolerance", str(result.evaluations_to_target or "-")),
    ]
    if best is not None:
        rows.append(("best twist", f"{best.outcome.twist_deg:.3f} deg ({best.key})"))
        rows += [(f"  {k}", f"{v:.6g}") for k, v in best.recipe.items()]
    rows += [("wall time", f"{result.wall_s:.1f} s"), ("report", str(report))]
    width = max(len(k) for k, _ in rows)
    print()
    for k, v in rows:
        print(f"{k:<{width}}  {v}")
