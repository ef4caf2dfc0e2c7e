"""``vdwgym check-controller URL`` (the conformance kit) and ``vdwgym serve-controller``
(a gest-api generator as an external-protocol controller over HTTP)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x]


def add_parser(sub) -> None:
    p = sub.add_parser(
        "check-controller", help="check an outside controller against the external protocol",
        description="Drive the controller at URL through the external protocol's semantics (pending "
                    "points, interleaved suggest/ingest, failures, foreign and duplicate points, "
                    "replays, restarts, two sessions, latency), print a pass/fail table, then "
                    "benchmark it beside built-in agents on identical seeds.  Exit status 1 when a "
                    "check fails.  See docs/service.md.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("url", help="the controller's base URL (POST URL/session, URL/suggest, URL/ingest)")
    p.add_argument("--latency-s", type=float, default=5.0, help="latency budget of one call, s")
    p.add_argument("--timeout-s", type=float, default=30.0, help="longest wait for one answer, s")
    p.add_argument("--token", default=None, help="bearer token sent to the controller")
    p.add_argument("--agents", default="random,ts", help="built-in agents to benchmark beside it")
    p.add_argument("--seeds", type=_ints, default=[0, 1], help="comma-separated benchmark seeds")
    p.add_argument("--budget", type=int, default=20, help="evaluations per benchmark campaign")
    p.add_argument("--batch", type=int, default=4, help="batch size of the benchmark campaigns")
    p.add_argument("--target", type=float, default=8.5, help="target twist, deg")
    p.add_argument("--no-bench", action="store_true", help="only the checks")
    p.add_argument("--json", type=Path, default=None, help="also write the results as JSON here")

    s = sub.add_parser(
        "serve-controller", help="serve a gest-api generator as an external controller",
        description="Serve a gest-api generator (module:Class, built from the session's VOCS) over "
                    "HTTP as an external-protocol controller, one generator per session.  The first "
                    "stdout line is 'ready PORT'.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    s.add_argument("--generator", required=True, help="module:Class of a gest-api generator")
    s.add_argument("--seed-option", default=None, help="the generator's seed argument (e.g. random_seed)")
    s.add_argument("--option", action="append", default=[], metavar="KEY=JSON",
                   help="a generator keyword argument with a JSON value (repeatable)")
    s.add_argument("--host", default="127.0.0.1", help="address to bind")
    s.add_argument("--port", type=int, default=0, help="TCP port (0: a free one)")


def run(args: argparse.Namespace) -> int:
    return _check(args) if args.command == "check-controller" else _serve(args)


def _check(args: argparse.Namespace) -> int:
    from vdwgym.service.conformance import benchmark, check_controller, format_benchmark

    report = check_controller(args.url, target_deg=args.target, latency_budget_s=args.latency_s,
                              timeout_s=args.timeout_s, token=args.token)
    print(report.table(), flush=True)
    out = {"checks": report.to_dict()}
    if report.passed and not args.no_bench:
        rows = benchmark(args.url, agents=[a for a in args.agents.split(",") if a], seeds=args.seeds,
                         target_deg=args.target, budget=args.budget, batch=args.batch,
                         timeout_s=args.timeout_s)
        print(f"\nbenchmark: target {args.target} deg, budget {args.budget}, batch {args.batch}, "
              f"identical seeds and initial design")
        print(format_benchmark(rows))
        out["benchmark"] = rows
    if args.json is not None:
        args.json.write_text(json.dumps(out, indent=1))
    return 0 if report.passed else 1


def _serve(args: argparse.Namespace) -> int:
    from vdwgym.agents.gest import GestController
    from vdwgym.errors import ConfigError
    from vdwgym.service.controller_server import ControllerServer

    options = {}
    for item in args.option:
        key, sep, raw = item.partition("=")
        try:
            options[key] = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"--option {item!r}: expected KEY=JSON") from exc
        if not sep or not key:
            raise ConfigError(f"--option {item!r}: expected KEY=JSON")
    server = ControllerServer(GestController(args.generator, options, args.seed_option), args.host, args.port)
    print(f"ready {server.port}", flush=True)
    try:
        server.httpd.serve_forever()
    finally:
        server.httpd.server_close()
    return 0
