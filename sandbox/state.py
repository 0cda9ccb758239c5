"""The one embedded store for mutable run-time state shared by all gunicorn workers (DESIGN §2).

SQLite in WAL mode, one file under the state directory. Everything else in the sandbox is rebuilt
identically in every worker from the scenario; only what must be shared across workers and requests lives
here: client-assertion `jti`s already used (replay protection), and — added by later features — the audit
log and the sandbox clock. Each process opens its own connection lazily (a connection must not cross a
fork: gunicorn preloads the app and then forks its workers).
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import threading
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS used_jti (
    jti TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
);
"""


def _remove_at_exit(directory: str) -> None:
    """A temporary state directory lives as long as the process that made it (gunicorn's master, not the
    forked workers, which also run atexit handlers)."""
    import atexit
    import shutil

    owner = os.getpid()
    atexit.register(lambda: os.getpid() == owner and shutil.rmtree(directory, ignore_errors=True))


class StateStore:
    """A handle on the state file; safe to create before fork and use from any worker or thread."""

    def __init__(self, directory: str | os.PathLike | None = None):
        if directory is None:
            directory = tempfile.mkdtemp(prefix="dsop-sandbox-state-")
            _remove_at_exit(directory)
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.path = self.directory / "state.sqlite3"
        self._local = threading.local()
        self._schemas: list[str] = [SCHEMA]
        self.connection()  # create the file and tables now, so a bad directory fails at start-up

    def add_schema(self, ddl: str) -> None:
        """Register more tables (used by features that keep state here); applied now and on every connect."""
        self._schemas.append(ddl)
        self.connection().executescript(ddl)

    def connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None or self._local.pid != os.getpid():
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            for ddl in self._schemas:
                conn.executescript(ddl)
            self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    def claim_jti(self, jti: str, expires_at: int, now: int) -> bool:
        """True the first time a `jti` is seen (until it expires); False on a replay."""
        conn = self.connection()
        conn.execute("DELETE FROM used_jti WHERE expires_at < ?", (now - 300,))
        cur = conn.execute("INSERT OR IGNORE INTO used_jti (jti, expires_at) VALUES (?, ?)", (jti, expires_at))
        return cur.rowcount == 1
