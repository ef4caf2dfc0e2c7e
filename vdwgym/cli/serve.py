"""``vdwgym serve``: the HTTP lab service over the campaigns under ``--root`` (serve extra)."""

from __future__ import annotations

import argparse
import ipaddress
import os
import socket
import sys
from pathlib import Path

from vdwgym.backends.registry import backend_names
from vdwgym.errors import ConfigError

TOKEN_ENV = "VDWGYM_TOKEN"


def add_parser(sub) -> None:
    p = sub.add_parser(
        "serve", help="serve the lab and its campaigns over HTTP (serve extra)",
        description="An HTTP JSON API over the lab: create campaigns, submit recipes, poll or "
                    "stream results.  Campaigns live under --root, one folder and one SQLite "
                    "store each; a restarted server reopens them and re-launches unfinished "
                    "evaluations.  The API is described at /openapi.json; see docs/service.md.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--root", type=Path, default=Path("runs/service"), help="campaigns folder")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to bind; any non-loopback address needs a token")
    p.add_argument("--port", type=int, default=8000, help="TCP port (0: pick a free one)")
    p.add_argument("--token", default=None,
                   help=f"bearer token required on every request but /health (default: ${TOKEN_ENV})")
    p.add_argument("--backend", dest="backends", action="append", default=None,
                   choices=backend_names(),
                   help="backend clients may ask for (repeatable; default: surrogate)")
    p.add_argument("--max-processes", type=int, default=None,
                   help="most worker processes running at once over all campaigns (default: "
                        "os.cpu_count())")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port``."""
    if not 0 <= port <= 65535:
        raise ConfigError(f"--port: expected 0..65535, got {port}")
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host}:{port}: {exc}") from exc
    return sock


def run(args: argparse.Namespace) -> int:
    try:
        import uvicorn

        from vdwgym.service.app import create_app
        from vdwgym.service.campaigns import CampaignRegistry
    except ModuleNotFoundError as exc:
        raise ConfigError(f"vdwgym serve needs the serve extra (pip install 'vdwgym[serve]'): {exc}") from exc
    token = args.token or os.environ.get(TOKEN_ENV) or None
    if not is_loopback(args.host) and token is None:
        raise ConfigError(f"--host {args.host} is not a loopback address: refusing to serve it "
                          f"without a bearer token (--token or ${TOKEN_ENV})")
    from vdwgym.engines.local import set_max_processes

    set_max_processes(args.max_processes if args.max_processes is not None else (os.cpu_count() or 1))
    registry = CampaignRegistry(args.root, backends=args.backends or ["surrogate"])
    sock = bind(args.host, args.port)
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    print(f"vdwgym serve: listening on http://{shown}:{port} (root {args.root})", flush=True)
    config = uvicorn.Config(create_app(registry, token=token), log_level="warning",
                            timeout_graceful_shutdown=5)
    uvicorn.Server(config).run(sockets=[sock])
    print("vdwgym serve: stopped", file=sys.stderr)
    return 0
