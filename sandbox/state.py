"""The store for mutable run-time state shared by all gunicorn workers (DESIGN §2): the embedded SQLite one.

Everything else in the sandbox is rebuilt identically in every worker from the scenario; only what must be shared
across workers and requests lives here: client-assertion `jti`s already used (replay protection), the request log
(sandbox/audit/) and the sandbox clock (sandbox/clock.py). Two stores answer the same interface:

- `StateStore` (this module), the embedded default: SQLite in WAL mode, one file under the state directory, for
  the workers of one server. Zero setup (`make run`); psycopg is never imported on this path.
- `PostgresStore` (sandbox/state_postgres.py), chosen by `--state-url postgresql://...`: one database for N
  replicas behind a load balancer, which then show one request log, one clock and so one fault plan.

The interface: `claim_jti`, `clock_get`/`clock_set`/`clock_clear`/`clock_start`, `open_audit(keep)` (the request
log of this store), `describe()` (for the banner and /health), `shared` (True when other servers may use the same
state). sandbox/stores.py chooses one from the settings. Each process opens its own connection lazily (a
connection must not cross a fork: gunicorn preloads the app and then forks its workers; sandbox/sqlite_fork.py).
"""

from __future__ import annotations

import mmap
import os
import sqlite3
import tempfile
from pathlib import Path

from sandbox.sqlite_fork import PerThread

SCHEMA = """
CREATE TABLE IF NOT EXISTS used_jti (
    jti TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sandbox_clock (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    today TEXT NOT NULL,
    changed_at TEXT NOT NULL
);
"""


def _remove_at_exit(directory: str) -> None:
    """A temporary state directory lives as long as the process that made it (gunicorn's master, not the
    forked workers, which also run atexit handlers)."""
    import atexit
    import shutil

    owner = os.getpid()
    atexit.register(lambda: os.getpid() == owner and shutil.rmtree(directory, ignore_errors=True))


class StateUrlError(ValueError):
    """A --state-url the sandbox cannot use; the message says what was expected."""


def _map_stamp(path: Path) -> mmap.mmap:
    """The change stamp's 8 bytes, mapped shared (created zero-filled if missing; a shorter file is extended)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if os.fstat(fd).st_size < 8:
            os.ftruncate(fd, 8)
        return mmap.mmap(fd, 8)
    finally:
        os.close(fd)


class StateStore:
    """A handle on the state file; safe to create before fork and use from any worker or thread."""

    shared = False  # only this server's workers use the file (a --state-dir is one server's)

    def __init__(self, directory: str | os.PathLike | None = None):
        if directory is None:
            directory = tempfile.mkdtemp(prefix="dsop-sandbox-state-")
            _remove_at_exit(directory)
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.path = self.directory / "state.sqlite3"
        self._connections = PerThread()
        self._schemas: list[str] = [SCHEMA]
        self._stamp = _map_stamp(self.directory / "state.stamp")
        self._clock_seen: tuple[bytes, str | None] | None = None  # (change stamp, stored value)
        self.connection()  # create the file and tables now, so a bad directory fails at start-up

    def add_schema(self, ddl: str) -> None:
        """Register more tables (used by features that keep state here); applied now and on every connect."""
        self._schemas.append(ddl)
        self.connection().executescript(ddl)

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (sandbox/sqlite_fork.py: never one that crossed a fork)."""
        return self._connections.get(self._connect)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        for ddl in self._schemas:
            conn.executescript(ddl)
        return conn

    def sql(self, statement: str, args=()):
        """Run one statement of the features that keep tables here (rooms, stored runs), written with `?`
        placeholders and SQL both stores speak; PostgresStore.sql runs the same text there."""
        return self.connection().execute(statement, args)

    def claim_jti(self, jti: str, expires_at: int, now: int) -> bool:
        """True the first time a `jti` is seen (until it expires); False on a replay."""
        conn = self.connection()
        conn.execute("DELETE FROM used_jti WHERE expires_at < ?", (now - 300,))
        cur = conn.execute("INSERT OR IGNORE INTO used_jti (jti, expires_at) VALUES (?, ?)", (jti, expires_at))
        return cur.rowcount == 1

    def describe(self) -> str:
        return str(self.path)

    def close(self) -> None:
        """Close this thread's connection (the next statement reopens it)."""
        self._connections.close()

    def open_audit(self, keep: int):
        from sandbox.audit.log import AuditLog

        return AuditLog(self, keep)

    # ---- what changed (the clock, sandbox/clock.py; the rooms, sandbox/rooms.py) -------------------------------
    # Every change of the clock or the rooms writes 8 new random bytes into one small stamp file beside the
    # database, which every process of this state directory has mapped into memory (MAP_SHARED: they all see the
    # same page). Asking "did anything change?" costs one memory read per request, no system call (a stat() per
    # request was 3 % of a bank call); a table is read only after a change.
    def stamp(self) -> bytes:
        """The stamp's current 8 bytes (equal bytes: nothing changed since they were read)."""
        return self._stamp[:8]

    def touch(self) -> None:
        """Publish a change, after it was committed."""
        self._stamp[:8] = os.urandom(8)

    def clock_get(self) -> str | None:
        """The date set through the admin API (YYYY-MM-DD), or None when nobody set one."""
        key = self.stamp()
        seen = self._clock_seen
        if seen is not None and seen[0] == key:
            return seen[1]
        row = self.connection().execute("SELECT today FROM sandbox_clock WHERE id = 1").fetchone()
        value = row[0] if row else None
        self._clock_seen = (key, value)
        return value

    def clock_set(self, today: str, changed_at: str, started_with: str) -> None:
        self.connection().execute(
            "INSERT INTO sandbox_clock (id, today, changed_at) VALUES (1, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET today = excluded.today, changed_at = excluded.changed_at",
            (today, changed_at))
        self.touch()

    def clock_clear(self) -> None:
        self.connection().execute("DELETE FROM sandbox_clock")
        self.touch()

    def clock_start(self, started_with: str) -> None:
        """A server starting on this store: a date an earlier run left is cleared (the state directory is this
        server's alone, so what it answers starts from its own --today)."""
        self.clock_clear()
