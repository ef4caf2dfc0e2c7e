"""The ``surrogate`` worker task: one evaluation of the commensurate surrogate in a worker.

It gives the file-based worker path (engines, retries, re-attach, progress streaming) a task
that runs in a fraction of a second, with the same answers as
:class:`vdwgym.backends.SurrogateBackend` for the same (recipe, seed, model options): both
build it with :func:`vdwgym.surrogate.outcomes.outcome_from_result`.

Options (params.json ``options``):

``model``
    Fields of :class:`vdwgym.surrogate.SurrogateConfig` (default: its defaults).

Test-only fault injection (never set these in a campaign; they exist so that the engines'
and backends' fault handling can be exercised with real processes):

``sleep_s``
    Simulated run time in seconds before answering, writing one progress line
    ``{"step", "elapsed_s", "fraction"}`` every ``progress_interval_s`` (default 0.1 s).
``fail``
    A message: after the sleep, raise :class:`InjectedFault` with it (a simulation error:
    error.json, exit 1).
``kill_signal``
    A signal number: after the sleep, the worker sends it to itself (dies without
    error.json or result.json: an infrastructure failure).
``exit_code_after_result``
    1-255: write a valid result.json, then exit with this code at once.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from vdwgym.errors import ValidationError
from vdwgym.outcome import Outcome
from vdwgym.space import Recipe
from vdwgym.worker.protocol import launcher_rank, write_result

__all__ = ["InjectedFault", "check_options", "run"]

DRIVERS = ("temperature_K", "lattice_strain", "shear_strain")
OPTION_NAMES = ("model", "sleep_s", "progress_interval_s", "fail", "kill_signal",
                "exit_code_after_result")


class InjectedFault(RuntimeError):
    """The simulation error raised on request by the ``fail`` option (tests only)."""


def _number(options: dict, name: str, low: float, strict: bool) -> None:
    v = options.get(name)
    if v is None:
        return
    ok = (not isinstance(v, bool) and isinstance(v, (int, float)) and np.isfinite(v)
          and (v > low if strict else v >= low))
    if not ok:
        raise ValidationError(name, f"a number {'>' if strict else '>='} {low:g} (s)", v)


def check_options(options: dict[str, Any]) -> dict[str, Any]:
    """Validate the task's options; returns them unchanged (raises ValidationError)."""
    unknown = sorted(set(options) - set(OPTION_NAMES))
    if unknown:
        raise ValidationError(unknown[0], f"one of {list(OPTION_NAMES)}", options[unknown[0]],
                              "unknown option")
    model = options.get("model", {})
    if not isinstance(model, dict):
        raise ValidationError("model", "an object of SurrogateConfig fields", model)
    from vdwgym.surrogate import SurrogateConfig
    from vdwgym.validation import check_kwargs

    SurrogateConfig(**check_kwargs(SurrogateConfig, model, "model"))
    _number(options, "sleep_s", 0.0, strict=False)
    _number(options, "progress_interval_s", 0.0, strict=True)
    if "fail" in options and not isinstance(options["fail"], str):
        raise ValidationError("fail", "an error message (str)", options["fail"])
    sig = options.get("kill_signal")
    if sig is not None and (isinstance(sig, bool) or not isinstance(sig, int)
                            or sig not in {s.value for s in signal.Signals}):
        raise ValidationError("kill_signal", "a signal number", sig)
    code = options.get("exit_code_after_result")
    if code is not None and (isinstance(code, bool) or not isinstance(code, int)
                             or not 1 <= code <= 255):
        raise ValidationError("exit_code_after_result", "an integer in [1, 255]", code)
    return options


def _simulate_runtime(seconds: float, interval: float, progress: Callable[[dict], None]) -> None:
    t0 = time.monotonic()
    step = 0
    while True:
        elapsed = time.monotonic() - t0
        progress({"step": step, "elapsed_s": elapsed, "fraction": min(elapsed / seconds, 1.0)})
        if elapsed >= seconds:
            return
        step += 1
        time.sleep(min(interval, seconds - elapsed))


def run(recipe: Recipe, seed: int, options: dict, run_dir: Path,
        progress: Callable[[dict], None]) -> Outcome | None:
    """Evaluate ``recipe`` with ``seed`` on the surrogate (see module docstring).  Under an
    MPI launcher every rank sleeps and injects faults, only rank 0 answers (others: None)."""
    from vdwgym.surrogate import CommensurateSurrogate, SurrogateConfig
    from vdwgym.surrogate.outcomes import outcome_from_result

    t0 = time.perf_counter()
    options = check_options(options)
    missing = [n for n in DRIVERS if n not in recipe]
    if missing:
        raise ValidationError(f"recipe.{missing[0]}", f"the surrogate's drivers {list(DRIVERS)}",
                              None, "missing field")
    if options.get("sleep_s"):
        _simulate_runtime(float(options["sleep_s"]), float(options.get("progress_interval_s", 0.1)),
                          progress)
    if "fail" in options:
        raise InjectedFault(options["fail"])
    if options.get("kill_signal") is not None:
        os.kill(os.getpid(), options["kill_signal"])
    if launcher_rank() != 0:
        return None
    config = SurrogateConfig(**options.get("model", {}))
    res = CommensurateSurrogate(config).evaluate(
        np.array([[recipe[n] for n in DRIVERS]]), np.array([seed], dtype=np.uint64))
    outcome = outcome_from_result(res, 0, recipe, time.perf_counter() - t0,
                                  {"model": asdict(config)}, run_dir=str(run_dir))
    code = options.get("exit_code_after_result")
    if code is not None:
        write_result(run_dir, outcome)
        os._exit(code)
    return outcome
