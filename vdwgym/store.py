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

A store open for writing is *marked open* in its main file (``meta`` key ``writer``,
checkpointed into the file before anything else is written) until :meth:`Store.close`
checkpoints the write-ahead log and removes the mark.  A main file that is marked open
holds only part of what was committed unless its ``-wal`` file is beside it, so opening
one whose ``-wal`` is missing (``campaign.sqlite`` copied alone from a running or killed
campaign) is refused with a :class:`~vdwgym.errors.StoreError`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vdwgym.crashpoints import write_point
from vdwgym.errors import StoreError
from vdwgym.outcome import Outcome
from vdwgym.space import Recipe

__all__ = ["Store", "EvaluationRecord"]

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
#: ``meta`` key of the open mark: who holds the store for writing (see module docstring).
WRITER_KEY = "writer"

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE evaluations (
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
CREATE TABLE agent_states (
    id INTEGER PRIMARY KEY AUTOINCREMENT, t REAL NOT NULL, state TEXT NOT NULL
);
CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT, t REAL NOT NULL, kind TEXT NOT NULL, payload TEXT
);
"""

_COLUMNS = {
    "meta": ("key", "value"),
    "evaluations": ("idx", "key", "recipe", "seed", "cycle", "source", "status", "outcome", "told",
                    "proposed_at", "launched_at", "done_at", "done_order", "vstart", "vend",
                    "progress"),
    "agent_states": ("id", "t", "state"),
    "events": ("id", "t", "kind", "payload"),
}


def _json_field(path: Path, table: str, row: str, name: str, text: Any, kind: type) -> Any:
    """``text`` decoded, or a StoreError naming the table, row and field."""
    try:
        value = json.loads(text)
    except (TypeError, ValueError) as exc:
        raise StoreError(f"{path}: table {table}, row {row}, field {name}: not valid JSON "
                         f"({exc}): {str(text)[:120]!r}") from exc
    if not isinstance(value, kind):
        raise StoreError(f"{path}: table {table}, row {row}, field {name}: expected a JSON "
                         f"{'object' if kind is dict else 'value'}, got {str(text)[:120]!r}")
    return value


def _in_wal_mode(path: Path) -> bool:
    """Whether the SQLite file at ``path`` is in WAL mode (header bytes 18-19 are 2)."""
    try:
        with open(path, "rb") as fh:
            header = fh.read(20)
    except OSError:
        return False
    return header[:16] == b"SQLite format 3\x00" and header[18:20] == b"\x02\x02"


def _refuse_incomplete(path: Path) -> None:
    """Refuse a main file marked open (its writer never closed it) in WAL mode whose
    ``-wal`` file is missing: what was committed after its last checkpoint is not in it.
    The mark is read from the main file alone (an immutable read-only connection), before
    anything opens the store and creates a new, empty ``-wal`` beside it."""
    if not _in_wal_mode(path) or Path(f"{path}-wal").exists():
        return
    try:
        db = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro&immutable=1", uri=True)
        try:
            row = db.execute("SELECT value FROM meta WHERE key = ?", (WRITER_KEY,)).fetchone()
        finally:
            db.close()
        writer = None if row is None else json.loads(row[0])
    except (sqlite3.Error, ValueError):
        return  # not readable as a store: the full check on open names the problem
    if writer is None:
        return
    who = (f"pid {writer.get('pid')} on {writer.get('host')}, opened "
           f"{time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(writer.get('opened_at', 0)))}"
           if isinstance(writer, dict) else repr(writer))
    raise StoreError(
        f"{path}: table meta, row key={WRITER_KEY!r}: the store is marked open ({who}) and "
        f"its write-ahead log {path.name}-wal is not beside it, so evaluations committed after "
        f"its last checkpoint would be missing; copy the store together with {path.name}-wal, "
        "or copy it once its campaign has closed it")


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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
        The ``.sqlite`` file.
    create:
        Create the file with its tables when missing (default); with ``False`` a missing
        file is a :class:`~vdwgym.errors.StoreError` (resume never creates a store).

    An existing file is checked on open (:meth:`check`): ``PRAGMA quick_check``, the
    tables and columns of the schema, every JSON field and the bookkeeping (contiguous
    indices, completion orders); the first problem raises :class:`StoreError` naming the
    table, the row and the field.  The write-ahead log is checkpointed into the main file
    after every tell (:meth:`mark_told`, once per round) and emptied on close.  While open
    the store is marked open in its main file (see the module docstring): a main file
    marked open whose ``-wal`` is missing is refused, since evaluations committed after
    the last checkpoint would be silently missing; a closed store is complete on its own.
    One writing connection per store at a time.
    """

    def __init__(self, path: str | Path, *, create: bool = True) -> None:
        self.path = Path(path)
        if self.path.is_dir():
            raise StoreError(f"{self.path}: a folder, not a campaign store")
        existed = self.path.is_file() and self.path.stat().st_size > 0
        if not existed and not create:
            raise StoreError(f"{self.path}: no campaign store there")
        if existed:
            _refuse_incomplete(self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._in_tx = False
        self._writer = False  # True once the open mark is committed (see _mark_open)
        self._closed = True
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, timeout=30.0,
                                       check_same_thread=False)
            self._closed = False
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: not a vdwgym campaign store ({exc})") from exc
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            if existed:
                self.check()
            else:
                with self.tx() as db:
                    for statement in _SCHEMA.split(";"):
                        if statement.strip():
                            db.execute(statement.replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS"))
                    db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                               ("schema_version", json.dumps(SCHEMA_VERSION)))
            self._mark_open()
        except sqlite3.DatabaseError as exc:
            self.close()
            raise StoreError(f"{self.path}: not a vdwgym campaign store ({exc})") from exc
        except BaseException:
            self.close()  # removes the open mark if it was written
            raise

    @classmethod
    def create(cls, path: str | Path, meta: dict[str, Any]) -> Store:
        """Create a store holding ``meta`` atomically: the file appears at ``path`` with
        its meta committed, or not at all (written beside it under a temporary name, then
        linked into place).  Raises :class:`StoreError` if ``path`` already holds a
        campaign; an empty store left by an older start-up is replaced."""
        path = Path(path)
        if path.is_file() and path.stat().st_size > 0:
            with cls(path, create=False) as old:
                if old.has_content():
                    raise StoreError(f"{path} already holds a campaign: resume it (CLI: --resume) "
                                     "or use another --out")
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        for stale in path.parent.glob(f".{path.name}.new-*"):
            stale.unlink(missing_ok=True)
        tmp = path.parent / f".{path.name}.new-{os.getpid()}-{threading.get_ident()}"
        try:
            with cls(tmp) as st, st.tx():
                for key, value in meta.items():
                    st.set_meta(key, value)
            for suffix in ("-wal", "-shm"):
                Path(f"{tmp}{suffix}").unlink(missing_ok=True)
            try:
                os.link(tmp, path)  # fails if path exists: never clobbers a concurrent one
            except FileExistsError as exc:
                if path.stat().st_size:
                    raise StoreError(f"{path} already holds a campaign") from exc
                os.replace(tmp, path)  # an empty file (a reader's connect made it)
            _fsync_dir(path.parent)
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{tmp}{suffix}").unlink(missing_ok=True)
        return cls(path, create=False)

    def has_content(self) -> bool:
        """Whether the store holds anything beyond its schema (meta other than the schema
        version, or any evaluation)."""
        with self._lock:
            (n,) = self._db.execute("SELECT COUNT(*) FROM meta WHERE key NOT IN (?, ?)",
                                    ("schema_version", WRITER_KEY)).fetchone()
        return bool(n) or self.n_evaluations() > 0

    # ------------------------------------------------------------------ integrity
    def check(self) -> None:
        """Check the file (see the class docstring); raises :class:`StoreError` naming the
        table, the row and the field of the first problem found."""
        with self._lock:
            rows = self._db.execute("PRAGMA quick_check").fetchall()
            if [r[0] for r in rows] != ["ok"]:
                raise StoreError(f"{self.path}: damaged file (PRAGMA quick_check: "
                                 f"{'; '.join(str(r[0]) for r in rows[:3])})")
            for table, columns in _COLUMNS.items():
                have = {r[1] for r in self._db.execute(f"PRAGMA table_info({table})")}
                if not have:
                    raise StoreError(f"{self.path}: table {table} is missing")
                if missing := [c for c in columns if c not in have]:
                    raise StoreError(f"{self.path}: table {table} lacks column(s) {missing}")
            for key, value in self._db.execute("SELECT key, value FROM meta"):
                _json_field(self.path, "meta", f"key={key!r}", "value", value, object)
            row = self._db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            version = None if row is None else json.loads(row[0])
            if version != SCHEMA_VERSION:
                raise StoreError(f"{self.path}: table meta, row key='schema_version': "
                                 f"expected {SCHEMA_VERSION}, got {version!r}")
            for sid, state in self._db.execute("SELECT id, state FROM agent_states"):
                _json_field(self.path, "agent_states", f"id={sid}", "state", state, dict)
            rows = self._db.execute(
                "SELECT idx, recipe, seed, status, outcome, done_order, progress FROM evaluations"
                " ORDER BY idx").fetchall()
        orders = []
        for n, (idx, recipe, seed, status, outcome, order, progress) in enumerate(rows):
            where = f"idx={idx}"
            if idx != n:
                raise StoreError(f"{self.path}: table evaluations: row idx={n} is missing "
                                 f"(next row is idx={idx})")
            rec = _json_field(self.path, "evaluations", where, "recipe", recipe, dict)
            if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                       for v in rec.values()):
                raise StoreError(f"{self.path}: table evaluations, row {where}, field recipe: "
                                 f"expected finite numbers, got {recipe[:200]!r}")
            if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
                raise StoreError(f"{self.path}: table evaluations, row {where}, field seed: "
                                 f"expected an integer >= 0, got {seed!r}")
            if progress is not None:
                _json_field(self.path, "evaluations", where, "progress", progress, dict)
            if status == "done":
                data = _json_field(self.path, "evaluations", where, "outcome", outcome, dict)
                try:
                    Outcome.from_dict(data)
                except (TypeError, ValueError, KeyError) as exc:
                    raise StoreError(f"{self.path}: table evaluations, row {where}, field outcome: "
                                     f"not a valid outcome ({exc})") from exc
                orders.append((order, idx))
            elif outcome is not None or order is not None:
                raise StoreError(f"{self.path}: table evaluations, row {where}: status {status!r} "
                                 "with an outcome or a completion order")
        seen = sorted(o for o, _ in orders if isinstance(o, int))
        if seen != list(range(len(orders))):
            bad = next((i for o, i in sorted(orders, key=lambda t: (str(t[0]), t[1]))
                        if not isinstance(o, int) or seen.count(o) != 1 or not 0 <= o < len(orders)),
                       orders[0][1] if orders else None)
            raise StoreError(f"{self.path}: table evaluations, row idx={bad}, field done_order: "
                             f"expected each of 0..{len(orders) - 1} once over the done rows")

    def _mark_open(self) -> None:
        """Mark the store open in its main file (committed, then checkpointed into the
        file before anything else is written; see the module docstring)."""
        import socket

        mark = {"pid": os.getpid(), "host": socket.gethostname(), "opened_at": time.time()}
        with self.tx() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (WRITER_KEY, json.dumps(mark)))
        self._writer = True
        _, logged, copied = self._checkpoint("TRUNCATE")
        if copied < logged:
            raise StoreError(f"{self.path}: could not checkpoint the open mark into the file "
                             "(another connection kept a read transaction open for 30 s)")

    def _checkpoint(self, mode: str) -> tuple[int, int, int]:
        """``PRAGMA wal_checkpoint(mode)``: ``(busy, frames in the log, frames copied)``."""
        with self._lock:
            return tuple(self._db.execute(f"PRAGMA wal_checkpoint({mode})").fetchone())

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
        self._writer = False
        self._closed = True
        _refuse_incomplete(path)
        try:
            self._db = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True,
                                       isolation_level=None, timeout=30.0, check_same_thread=False)
            self._closed = False
            version = self.get_meta("schema_version")
        except sqlite3.DatabaseError as exc:
            self.close()
            raise StoreError(f"{path}: not a vdwgym campaign store ({exc})") from exc
        if version != SCHEMA_VERSION:
            self.close()
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
                write_point("store:before-commit")
                self._db.execute("COMMIT")
                write_point("store:after-commit")
            finally:
                self._in_tx = False

    def close(self) -> None:
        """Remove the open mark, checkpoint the write-ahead log into the file (the -wal
        file is then empty: the file alone is complete) and close.  A store dropped
        without it is closed the same way when collected (a connection closed with the
        mark in place would leave a complete file that is refused as incomplete)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if self._writer:
                try:
                    with self.tx() as db:
                        db.execute("DELETE FROM meta WHERE key = ?", (WRITER_KEY,))
                    _, logged, copied = self._checkpoint("TRUNCATE")
                    if copied < logged:  # the file keeps its open mark: copy it with its -wal
                        log.warning("%s: no checkpoint on close (busy)", self.path)
                except sqlite3.Error as exc:  # the -wal file keeps the data
                    log.warning("%s: no checkpoint on close (%s)", self.path, exc)
            self._db.close()

    def __del__(self) -> None:
        if getattr(self, "_closed", True) is False:
            try:
                self.close()
            except Exception:  # noqa: BLE001 - at interpreter exit: the -wal keeps the data
                pass

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
        self._checkpoint("PASSIVE")  # the main file alone now holds this round

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
