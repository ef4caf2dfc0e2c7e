"""The campaign store: one SQLite file per campaign, written before anything is acted on.

Tables
------
``meta``
    ``key -> JSON``: schema version, campaign config, package versions, creation time.
``evaluations``
    One row per evaluation, keyed by its index: recipe, seed, cycle, status
    (``proposed`` -> ``launched`` -> ``done``), the outcome JSON, whether the agent has been
    told, wall and virtual times, and a summary of streamed progress.
``agent_states``
    The agent's ``state_dict()`` after each ask and each tell (the latest is what a resumed
    campaign loads).
``events``
    An append-only log (proposal, launch, completion, tell, resume, stop) for provenance.

Every write is one transaction (``with store.tx():``) committed before the caller acts on
it, with SQLite in WAL mode and ``synchronous=FULL``, so a process killed at any moment
(SIGKILL included) leaves a consistent file that :class:`~vdwgym.campaign.Campaign` resumes
from with nothing lost.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vdwgym.errors import StoreError
from vdwgym.outcome import Outcome
from vdwgym.space import Recipe

__all__ = ["Store", "EvaluationRecord"]

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS evaluations (
    idx INTEGER PRIMARY KEY,
    key TEXT UNIQUE NOT NULL,
    recipe TEXT NOT NULL,
    seed INTEGER NOT NULL,
    cycle INTEGER NOT NULL,
    source TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('proposed', 'launched', 'done')),
    outcome TEXT,
    told INTEGER NOT NULL DEFAULT 0,
    proposed_at REAL NOT NULL,
    launched_at REAL,
    done_at REAL,
    done_order INTEGER,
    vstart REAL,
    vend REAL,
    progress TEXT
);
CREATE TABLE IF NOT EXISTS agent_states (
    id INTEGER PRIMARY KEY AUTOINCREMENT, t REAL NOT NULL, state TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT, t REAL NOT NULL, kind TEXT NOT NULL, payload TEXT
);
"""


@dataclass
class EvaluationRecord:
    """One row of ``evaluations`` as Python objects."""

    idx: int
    key: str
    recipe: Recipe
    seed: int
    cycle: int
    source: str
    status: str
    outcome: Outcome | None
    told: bool
    done_order: int | None
    vstart: float | None
    vend: float | None
    progress: dict[str, Any] | None


class Store:
    """A campaign's SQLite file.

    Parameters
    ----------
    path:
        The ``.sqlite`` file; created with its tables if missing.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, timeout=30.0,
                                       check_same_thread=False)
            self._lock = threading.RLock()
            self._in_tx = False
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: not a vdwgym campaign store ({exc})") from exc
        version = self.get_meta("schema_version")
        if version is None:
            self.set_meta("schema_version", SCHEMA_VERSION)
        elif version != SCHEMA_VERSION:
            raise StoreError(f"{self.path}: schema version {version}, this vdwgym reads {SCHEMA_VERSION}")

    @classmethod
    def read_only(cls, path: str | Path) -> Store:
        """Open an existing store for reading only (``mode=ro``): safe beside the process
        that writes it; any write raises.  For ``vdwgym status``, ``watch`` and ``report``."""
        path = Path(path)
        if not path.is_file():
            raise StoreError(f"{path}: no campaign store there")
        self = cls.__new__(cls)
        self.path = path
        self._lock = threading.RLock()
        self._in_tx = False
        try:
            self._db = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True,
                                       isolation_level=None, timeout=30.0, check_same_thread=False)
            version = self.get_meta("schema_version")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path}: not a vdwgym campaign store ({exc})") from exc
        if version != SCHEMA_VERSION:
            raise StoreError(f"{path}: schema version {version}, this vdwgym reads {SCHEMA_VERSION}")
        return self

    def times(self) -> dict[int, tuple[float, float | None, float | None]]:
        """Wall-clock ``(proposed_at, launched_at, done_at)`` (Unix seconds) per evaluation."""
        with self._lock:
            rows = self._db.execute(
                "SELECT idx, proposed_at, launched_at, done_at FROM evaluations").fetchall()
        return {int(i): (p, la, d) for i, p, la, d in rows}

    # ------------------------------------------------------------------ plumbing
    @contextlib.contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """One transaction, committed durably when the block exits without error; nested
        blocks join the outer one.  Thread-safe (one lock per store)."""
        with self._lock:
            if self._in_tx:
                yield self._db
                return
            self._in_tx = True
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            else:
                self._db.execute("COMMIT")
            finally:
                self._in_tx = False

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ meta and events
    def set_meta(self, key: str, value: Any) -> None:
        with self.tx() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(value)))

    def get_meta(self, key: str, default: Any = None) -> Any:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return default if row is None else json.loads(row[0])

    def event(self, kind: str, **payload: Any) -> None:
        with self.tx() as db:
            db.execute("INSERT INTO events (t, kind, payload) VALUES (?, ?, ?)",
                       (time.time(), kind, json.dumps(payload)))

    def events(self, kind: str | None = None) -> list[tuple[float, str, dict]]:
        q = "SELECT t, kind, payload FROM events"
        args: tuple = ()
        if kind is not None:
            q += " WHERE kind = ?"
            args = (kind,)
        with self._lock:
            rows = self._db.execute(q + " ORDER BY id", args).fetchall()
        return [(t, k, json.loads(p)) for t, k, p in rows]

    # ------------------------------------------------------------------ evaluations
    def add_proposals(self, rows: list[tuple[int, str, Recipe, int, int, str]],
                      agent_state: dict | None) -> None:
        """Record proposals ``(idx, key, recipe, seed, cycle, source)`` and the agent state
        after the ask that made them, in one transaction."""
        now = time.time()
        with self.tx() as db:
            db.executemany(
                "INSERT INTO evaluations (idx, key, recipe, seed, cycle, source, status, proposed_at)"
                " VALUES (?, ?, ?, ?, ?, ?, 'proposed', ?)",
                [(i, k, json.dumps(r.to_dict()), s, c, src, now) for i, k, r, s, c, src in rows])
            if agent_state is not None:
                db.execute("INSERT INTO agent_states (t, state) VALUES (?, ?)", (now, json.dumps(agent_state)))
            db.execute("INSERT INTO events (t, kind, payload) VALUES (?, 'proposed', ?)",
                       (now, json.dumps([r[0] for r in rows])))

    def mark_launched(self, idx: int, vstart: float | None = None) -> None:
        with self.tx() as db:
            db.execute("UPDATE evaluations SET status = 'launched', launched_at = ?, vstart = ?"
                       " WHERE idx = ? AND status != 'done'", (time.time(), vstart, idx))

    def mark_done(self, idx: int, outcome: Outcome, vend: float | None = None) -> None:
        with self.tx() as db:
            (n,) = db.execute("SELECT COUNT(*) FROM evaluations WHERE status = 'done'").fetchone()
            cur = db.execute(
                "UPDATE evaluations SET status = 'done', outcome = ?, done_at = ?, done_order = ?,"
                " vend = ? WHERE idx = ? AND status != 'done'",
                (json.dumps(outcome.to_dict()), time.time(), n, vend, idx))
            if cur.rowcount != 1:
                raise StoreError(f"{self.path}: evaluation {idx} is unknown or already done")
            db.execute("INSERT INTO events (t, kind, payload) VALUES (?, 'done', ?)",
                       (time.time(), json.dumps({"idx": idx, "status": outcome.status.value})))

    def mark_told(self, idxs: list[int], agent_state: dict | None) -> None:
        now = time.time()
        with self.tx() as db:
            db.executemany("UPDATE evaluations SET told = 1 WHERE idx = ?", [(i,) for i in idxs])
            if agent_state is not None:
                db.execute("INSERT INTO agent_states (t, state) VALUES (?, ?)", (now, json.dumps(agent_state)))
            db.execute("INSERT INTO events (t, kind, payload) VALUES (?, 'told', ?)", (now, json.dumps(idxs)))

    def set_progress(self, idx: int, summary: dict[str, Any]) -> None:
        with self.tx() as db:
            db.execute("UPDATE evaluations SET progress = ? WHERE idx = ?", (json.dumps(summary), idx))

    def latest_agent_state(self) -> dict | None:
        with self._lock:
            row = self._db.execute("SELECT state FROM agent_states ORDER BY id DESC LIMIT 1").fetchone()
        return None if row is None else json.loads(row[0])

    def evaluations(self, status: str | None = None) -> list[EvaluationRecord]:
        q = ("SELECT idx, key, recipe, seed, cycle, source, status, outcome, told, done_order,"
             " vstart, vend, progress FROM evaluations")
        args: tuple = ()
        if status is not None:
            q += " WHERE status = ?"
            args = (status,)
        with self._lock:
            rows = self._db.execute(q + " ORDER BY idx", args).fetchall()
        out = []
        for row in rows:
            idx, key, recipe, seed, cycle, source, st, outcome, told, order, vs, ve, prog = row
            out.append(EvaluationRecord(
                idx, key, Recipe(json.loads(recipe)), int(seed), int(cycle), source, st,
                Outcome.from_dict(json.loads(outcome)) if outcome else None, bool(told),
                order, vs, ve, json.loads(prog) if prog else None))
        return out

    def n_evaluations(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM evaluations").fetchone()[0])
