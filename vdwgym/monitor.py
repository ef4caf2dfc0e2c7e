"""Read-only views of a campaign folder, for ``vdwgym status``, ``watch`` and ``report``.

A :class:`CampaignSnapshot` is read from the campaign's SQLite store opened read-only
(:meth:`vdwgym.store.Store.read_only`) and, for file-based backends (worker, lammps), from
the latest line of each running attempt's ``progress.jsonl``.  Nothing is written, so it is
safe beside the controller that runs the campaign, and it works alike for running, finished
and killed campaigns.

Units: seconds for times (Unix time for instants), degrees for twists and regrets.
"""

from __future__ import annotations

import json
import math
import re
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vdwgym.campaign import CampaignConfig
from vdwgym.errors import StoreError
from vdwgym.lab import Evaluation
from vdwgym.outcome import fold_twist
from vdwgym.store import Store
from vdwgym.worker.protocol import PROGRESS_FILE

__all__ = ["STORE_NAME", "CampaignSnapshot", "load_snapshot", "store_path"]

STORE_NAME = "campaign.sqlite"
"""The store's file name inside a campaign folder (``vdwgym campaign --out``)."""

_ATTEMPT = re.compile(r"attempt-(\d+)")


SERVICE_META = "service"
"""Meta key of a campaign served by ``vdwgym serve`` (:mod:`vdwgym.service.campaigns`)."""


def served_config(data: dict[str, Any]) -> CampaignConfig:
    """A served campaign's stored config as a :class:`CampaignConfig`: recipes come from
    outside controllers (agent ``external``), one at a time as far as the ETA knows."""
    return CampaignConfig(target_deg=data["target_deg"], budget=data["budget"], batch=1, n_init=0,
                          agent="external", backend=data["backend"], seed=data["seed"],
                          tolerance_deg=data["tolerance_deg"], stop_at_target=False,
                          space=data.get("space") or CampaignConfig().space)


def store_path(directory: str | Path) -> Path:
    """The store of a campaign folder (or the path itself when it names a ``.sqlite`` file)."""
    directory = Path(directory)
    return directory if directory.suffix == ".sqlite" else directory / STORE_NAME


@dataclass
class CampaignSnapshot:
    """What a campaign's store (and run directories) held at ``taken_at``.

    Attributes
    ----------
    directory:
        The campaign folder.
    config:
        The stored :class:`~vdwgym.campaign.CampaignConfig`.
    evaluations:
        Every evaluation in index order; ``outcome`` is ``None`` while it runs.
    completed:
        The finished ones in completion order.
    times:
        ``idx -> (proposed_at, launched_at, done_at)``, Unix seconds.
    progress:
        ``idx -> latest progress line`` of running evaluations (run directory first, else
        the store's summary).
    events:
        The store's event log ``(t, kind, payload)``.
    """

    directory: Path
    config: CampaignConfig
    evaluations: list[Evaluation]
    completed: list[Evaluation]
    times: dict[int, tuple[float, float | None, float | None]]
    progress: dict[int, dict[str, Any]]
    events: list[tuple[float, str, dict]]
    provenance: dict[str, Any] | None = None
    backend: dict[str, Any] | None = None
    taken_at: float = field(default_factory=time.time)

    # ------------------------------------------------------------------ figures
    @property
    def target_deg(self) -> float:
        return fold_twist(self.config.target_deg)

    @property
    def running(self) -> list[Evaluation]:
        return [e for e in self.evaluations if not e.done]

    @property
    def best(self) -> Evaluation | None:
        """The finished evaluation of least regret (first in completion order on ties)."""
        ok = [e for e in self.completed if e.outcome.regret(self.target_deg) is not None]
        return min(ok, key=lambda e: e.outcome.regret(self.target_deg)) if ok else None

    @property
    def best_regret(self) -> float | None:
        best = self.best
        return None if best is None else best.outcome.regret(self.target_deg)

    @property
    def evaluations_to_target(self) -> int | None:
        """Completions until the first regret within the tolerance (1-based), or None."""
        for i, e in enumerate(self.completed):
            r = e.outcome.regret(self.target_deg)
            if r is not None and r <= self.config.tolerance_deg:
                return i + 1
        return None

    @property
    def failures(self) -> list[Evaluation]:
        return [e for e in self.completed if e.outcome.status.value != "ok"]

    @property
    def stop(self) -> dict[str, Any] | None:
        """The payload of the last ``stop`` event not followed by a ``resume``, or None."""
        last = None
        for _, kind, payload in self.events:
            if kind == "stop":
                last = payload
            elif kind == "resume":
                last = None
        return last

    @property
    def last_activity(self) -> float | None:
        """Unix time of the store's latest write we can date (event or evaluation time)."""
        stamps = [t for t, _, _ in self.events]
        stamps += [t for ts in self.times.values() for t in ts if t is not None]
        return max(stamps) if stamps else None

    @property
    def state(self) -> str:
        """``"finished"`` (a stop is recorded) or ``"running"`` (none yet: the controller
        runs, or was killed; :attr:`last_activity` tells how long it has been quiet)."""
        return "finished" if self.stop is not None else "running"

    def durations(self) -> list[float]:
        """Wall seconds from launch to completion of each finished evaluation."""
        out = []
        for e in self.completed:
            _, launched, done = self.times.get(e.idx, (None, None, None))
            if launched is not None and done is not None:
                out.append(done - launched)
        return out

    def eta_s(self) -> float | None:
        """Rough seconds until the budget is spent: the median evaluation time per round of
        ``batch`` concurrent evaluations still to finish; None when finished or unknown."""
        if self.state == "finished":
            return None
        d = self.durations()
        if not d:
            return None
        left = self.config.budget - len(self.completed)
        return statistics.median(d) * math.ceil(max(left, 0) / self.config.batch)

    def run_dir(self, e: Evaluation) -> Path | None:
        """The evaluation's run directory: its outcome's, else the latest attempt under the
        file-based backend's root."""
        if e.outcome is not None and e.outcome.run_dir:
            return Path(e.outcome.run_dir)
        root = (self.backend or {}).get("root")
        if not root:
            return None
        return latest_attempt(Path(root) / e.key)


def latest_attempt(key_dir: Path) -> Path | None:
    """``KEY/attempt-<n>`` with the largest ``n``, or None."""
    if not key_dir.is_dir():
        return None
    attempts = [(int(m.group(1)), p) for p in key_dir.iterdir() if (m := _ATTEMPT.fullmatch(p.name))]
    return max(attempts)[1] if attempts else None


def last_progress_line(path: Path) -> dict[str, Any] | None:
    """The last complete JSON line of a ``progress.jsonl`` (a partly written tail is skipped)."""
    try:
        with open(path, "rb") as fh:
            fh.seek(0, 2)
            size = fh.tell()
            fh.seek(max(size - 65536, 0))
            tail = fh.read().decode("utf-8", errors="replace")
    except OSError:
        return None
    for line in reversed(tail.splitlines()):
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            return value
    return None


def load_snapshot(directory: str | Path) -> CampaignSnapshot:
    """Read a campaign folder (or its ``.sqlite`` file) without writing anything."""
    path = store_path(directory)
    store = Store.read_only(path)
    try:
        data = store.get_meta("campaign")
        served = store.get_meta(SERVICE_META) if data is None else None
        if data is None and served is None:
            raise StoreError(f"{path}: holds no campaign yet (or was not written by vdwgym)")
        config = CampaignConfig(**data) if data is not None else served_config(served)
        records = store.evaluations()
        times = store.times()
        events = store.events()
        provenance = store.get_meta("provenance")
        backend = store.get_meta("backend")
    finally:
        store.close()
    evaluations = [Evaluation(r.idx, r.key, r.recipe, r.seed, r.cycle, r.source, outcome=r.outcome,
                              vstart=r.vstart, vend=r.vend) for r in records]
    by_idx = {e.idx: e for e in evaluations}
    done = sorted((r for r in records if r.status == "done"), key=lambda r: r.done_order)
    snap = CampaignSnapshot(path.parent, config, evaluations, [by_idx[r.idx] for r in done], times,
                            {}, events, provenance, backend)
    for r in records:
        if r.status == "done":
            continue
        rd = snap.run_dir(by_idx[r.idx])
        line = last_progress_line(rd / PROGRESS_FILE) if rd is not None else None
        if line is None and r.progress:
            line = r.progress.get("last")
        if line is not None:
            snap.progress[r.idx] = line
    return snap
