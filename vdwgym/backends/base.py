"""The backend contract: ``submit(recipe, seed, key=...) -> Future[Outcome]``.

Every method a caller uses is declared here, with a default where a backend may have nothing
to do: :meth:`Backend.cancel` (``False``: nothing stopped), :meth:`Backend.poll_progress`
(``{}``: no progress lines), :meth:`Backend.recorded_keys` (``[]``: no files),
:meth:`Backend.close`.  The lab and the service call them directly, never by probing.

``key`` is the evaluation's stable name in its campaign (``"e000017"``).  A backend that
keeps files uses it to find an earlier attempt of the same evaluation, so a resumed campaign
re-attaches to (or re-uses the finished result of) a task instead of running it twice.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from concurrent.futures import Future
from typing import Any, ClassVar

from vdwgym.outcome import Outcome
from vdwgym.space import PAPER_SPACE, ParameterSpace, Recipe

__all__ = ["Backend", "completed_future"]


def completed_future(outcome: Outcome) -> Future:
    """A future already resolved to ``outcome`` (for backends that answer at once)."""
    fut: Future = Future()
    fut.set_result(outcome)
    return fut


class Backend(abc.ABC):
    """Evaluates recipes.  Subclasses implement :meth:`submit` and :meth:`config`."""

    name: ClassVar[str] = "backend"
    #: True when :meth:`submit` returns an already-resolved future (required by the
    #: virtual clock, which orders completions by their simulated run time).
    answers_at_once: ClassVar[bool] = False
    #: True when the backend keeps one run directory per evaluation under its option
    #: ``root`` (a campaign then gives it its own folder's ``runs/``).
    keeps_run_directories: ClassVar[bool] = False

    def __init__(self, space: ParameterSpace = PAPER_SPACE) -> None:
        self.space = space

    @abc.abstractmethod
    def submit(self, recipe: Recipe, seed: int, key: str | None = None) -> Future:
        """Start evaluating ``recipe`` with ``seed``; the future resolves to an Outcome."""

    @abc.abstractmethod
    def config(self) -> dict[str, Any]:
        """JSON-serializable description, stored with every campaign (``{"name": ...}``)."""

    def evaluate(self, recipes: Sequence[Recipe], seeds: Sequence[int]) -> list[Outcome]:
        """Evaluate a batch and wait for all of it (the order of ``recipes`` is kept)."""
        futures = [self.submit(r, s) for r, s in zip(recipes, seeds, strict=True)]
        return [f.result() for f in futures]

    def cancel(self, key: str) -> bool:
        """Ask to stop the running evaluation ``key``; ``True`` when a stop was sent (its
        future then resolves to an Outcome with status ``cancelled`` unless it finished
        first).  Default: ``False`` (nothing to stop: an in-process backend answers at once)."""
        return False

    def poll_progress(self) -> dict[str, list[dict]]:
        """Progress lines written since the last call, per evaluation key.  Default: ``{}``."""
        return {}

    def recorded_keys(self) -> list[str]:
        """Keys of evaluations this backend holds files of (a fresh campaign must find
        none: it never re-uses another campaign's runs).  Default: ``[]`` (no files)."""
        return []

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release engines, pools and files."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
