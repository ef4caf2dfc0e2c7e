"""``vdwgym status``, ``vdwgym watch`` and ``vdwgym report``: look at a campaign folder from any
shell, read-only (the store is opened ``mode=ro``), while it runs or after it stopped."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

SHOWN_PROGRESS = ("stage", "time_ps", "temperature_K", "crystallinity", "twist_deg", "step",
                  "elapsed_s", "fraction")
"""Progress-line fields shown for running evaluations, in this order (others are left out)."""


def add_parser(sub) -> None:
    p = sub.add_parser(
        "status", help="one screen on a campaign: budget, running evaluations, best, failures, ETA",
        description="Read a campaign folder (written by vdwgym campaign --out) without writing "
                    "to it and print one screen: budget, running evaluations with their latest "
                    "progress (temperature, crystallinity, twist), best so far, failures, ETA.")
    p.add_argument("directory", type=Path, help="campaign folder (or its campaign.sqlite)")
    p.add_argument("--recent", type=int, default=5, help="finished evaluations listed")

    w = sub.add_parser(
        "watch", help="the status screen refreshed live (read-only)",
        description="The status screen, redrawn every --interval seconds from the store and the "
                    "run directories, read-only and safe beside the running controller; ends "
                    "when the campaign stops (or after --count refreshes).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    w.add_argument("directory", type=Path, help="campaign folder (or its campaign.sqlite)")
    w.add_argument("--interval", type=float, default=2.0, help="seconds between refreshes")
    w.add_argument("--count", type=int, default=None, help="stop after this many refreshes")
    w.add_argument("--recent", type=int, default=5, help="finished evaluations listed")

    r = sub.add_parser(
        "report", help="rebuild report.md and the plots from a campaign's store alone",
        description="Rebuild report.md, evaluations.csv, regret.png and recipes.png from the "
                    "campaign store (running, finished or killed campaigns).")
    r.add_argument("directory", type=Path, help="campaign folder (or its campaign.sqlite)")
    r.add_argument("--out", type=Path, default=None, help="output folder (default: the campaign folder)")


def _value(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    return "-" if v is None else str(v)


def _ago(t: float | None, now: float) -> str:
    return "-" if t is None else f"{now - t:.0f} s ago"


def _duration(s: float | None) -> str:
    if s is None:
        return "-"
    h, rest = divmod(int(round(s)), 3600)
    m, sec = divmod(rest, 60)
    return f"{h}h{m:02d}m" if h else (f"{m}m{sec:02d}s" if m else f"{sec}s")


def format_status(snap, recent: int = 5) -> str:
    """The status screen of a :class:`~vdwgym.monitor.CampaignSnapshot` as text."""
    cfg, now = snap.config, snap.taken_at
    target = snap.target_deg
    lines = [f"campaign {snap.directory}",
             f"  agent {cfg.agent}, {cfg.mode} q={cfg.batch}, backend {cfg.backend}, "
             f"target {cfg.target_deg:g} deg (tolerance {cfg.tolerance_deg:g}), seed {cfg.seed}"]
    stop = snap.stop
    if stop is not None:
        state = f"finished: {stop.get('reason')}"
    else:
        state = f"running (no stop recorded; last store write {_ago(snap.last_activity, now)})"
    lines.append(f"state       {state}")
    done, running = snap.completed, snap.running
    ok = sum(e.outcome.ok for e in done)
    lines.append(f"budget      {len(done)} done of {cfg.budget} ({len(running)} running, "
                 f"{len(snap.evaluations)} launched; {ok} with a twist, {len(snap.failures)} failed)")
    best = snap.best
    if best is None:
        lines.append("best        - (no twist measured yet)")
    else:
        recipe = ", ".join(f"{k}={v:.4g}" for k, v in best.recipe.items())
        lines.append(f"best        regret {best.outcome.regret(target):.4g} deg, twist "
                     f"{best.outcome.twist_deg:.4g} deg ({best.key}: {recipe})")
    if snap.evaluations_to_target is not None:
        lines.append(f"            target reached after {snap.evaluations_to_target} evaluations")
    lines.append(f"ETA         {_duration(snap.eta_s())}")
    lines.append(f"running     {len(running)}")
    for e in running:
        _, launched, _ = snap.times.get(e.idx, (None, None, None))
        line = snap.progress.get(e.idx)
        shown = "no progress yet" if line is None else ", ".join(
            f"{k}={_value(line[k])}" for k in SHOWN_PROGRESS if k in line)
        since = "queued" if launched is None else f"for {_duration(now - launched)}"
        lines.append(f"  #{e.idx + 1:<4} {e.key} {since}: {shown}")
    lines.append(f"failures    {len(snap.failures)}")
    for e in snap.failures[-recent:]:
        lines.append(f"  #{e.idx + 1:<4} {e.key} {e.outcome.status.value}: {e.outcome.error[:100]}")
    lines.append(f"finished    last {min(recent, len(done))} of {len(done)}")
    for e in done[-recent:]:
        o = e.outcome
        r = o.regret(target)
        lines.append(f"  #{e.idx + 1:<4} {e.key} {o.status.value:<9} twist {_value(o.twist_deg)} deg"
                     f", regret {_value(r)} deg")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from vdwgym.errors import ValidationError
    from vdwgym.monitor import load_snapshot

    if args.command == "report":
        from vdwgym.report import write_report

        snap = load_snapshot(args.directory)
        path = write_report(snap, args.out or snap.directory)
        print(f"vdwgym report: {path} ({len(snap.completed)} of {len(snap.evaluations)} "
              f"evaluations finished; {snap.state})")
        return 0
    if args.command == "status":
        print(format_status(load_snapshot(args.directory), args.recent))
        return 0
    if not args.interval > 0:
        raise ValidationError("--interval", "> 0 s", args.interval)
    n = 0
    tty = sys.stdout.isatty()
    while True:
        snap = load_snapshot(args.directory)
        screen = format_status(snap, args.recent)
        if tty:
            sys.stdout.write("\x1b[H\x1b[2J")
        print(screen + f"\n(refreshed {time.strftime('%H:%M:%S')}; every {args.interval:g} s)",
              flush=True)
        n += 1
        if snap.state == "finished" or (args.count is not None and n >= args.count):
            return 0
        time.sleep(args.interval)
