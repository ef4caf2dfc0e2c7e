"""``python -P -m vdwgym.worker [--wait-launch] RUN_DIR``: run one evaluation from files.

Engines start the worker with ``python -P`` so nothing in the run directory (its working
directory) is importable; ``--wait-launch`` makes it compute only once the engine has
recorded the launch in task.json.  Exit codes: see :mod:`vdwgym.worker.runner`.
"""

from __future__ import annotations

import logging
import signal
import sys
from pathlib import Path

from vdwgym.worker.runner import (
    EXIT_ABANDONED,
    EXIT_BAD_INPUT,
    run,
    wait_for_launch_record,
)

__all__ = ["main"]

log = logging.getLogger("vdwgym.worker")

USAGE = "usage: python -m vdwgym.worker [--wait-launch] RUN_DIR"


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    wait_launch = "--wait-launch" in args
    if wait_launch:
        args.remove("--wait-launch")
    if len(args) != 1 or not Path(args[0]).is_dir():
        log.error("%s (RUN_DIR an existing directory); got %s", USAGE, args)
        return EXIT_BAD_INPUT
    if wait_launch and not wait_for_launch_record(Path(args[0])):
        log.error("%s: the launch of this attempt was never recorded; nothing run", args[0])
        return EXIT_ABANDONED
    return run(Path(args[0]))


if __name__ == "__main__":
    sys.exit(main())
