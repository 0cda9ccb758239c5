"""The PostgreSQL state store: one database shared by N sandbox replicas (`--state-url postgresql://...`).

Same interface as the SQLite `StateStore` (sandbox/state.py); what changes is who shares it. With SQLite the
workers of one server share a file; here every replica behind a load balancer shares the database, so they show
one request log (sandbox/audit/postgres.py), one clock (a one-row table read once per request) and — since the
fault plan is a pure function of the scenario, the seed and the sandbox date — one fault plan: the same
CorrelationID meets the same fate on every replica, and an outage starts on all of them when the clock moves.

Connections: one per process and thread, opened lazily (never across gunicorn's fork), in autocommit mode. A
connection the server dropped (a database restart, an idle timeout) is replaced once, on the next statement.
Tables are created at start-up under an advisory lock, so replicas starting together do not race on DDL.

psycopg (the `postgres` extra) is imported only here: the SQLite default never loads it.
"""

from __future__ import annotations

import os
import threading
from urllib.parse import urlsplit, urlunsplit

from sandbox.state import StateUrlError

SCHEMA = """
CREATE TABLE IF NOT EXISTS used_jti (
    jti TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS sandbox_clock (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    today TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    started_with TEXT NOT NULL
);
"""

#: pg_advisory_xact_lock key for the DDL at start-up ("dsopsbx" in ASCII).
_DDL_LOCK = 0x64736F70736278


def redacted(url: str) -> str:
    """The URL without its password (for the banner, /health and error messages)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


class PostgresStore:
    """A handle on the shared database; safe to create before fork and use from any worker or thread."""

    shared = True  # other replicas use the same database
    directory = None  # no state directory: nothing of the state lives on this machine's disk
    connect_timeout = 10

    def __init__(self, url: str):
        try:
            import psycopg
        except ImportError:
            raise StateUrlError("--state-url postgresql://... needs the PostgreSQL driver: "
                                "pip install 'dsop-sandbox[postgres]'") from None
        self._psycopg = psycopg
        self.url = url
        self.path = redacted(url)
        self._local = threading.local()
        self._opened: list = []  # every connection of every thread, for close()
        try:
            self.ddl(SCHEMA)  # fails at start-up, with the reason, when the database cannot be reached
        except psycopg.Error as exc:
            raise StateUrlError(f"cannot use the state database {self.path}: {str(exc).strip()}") from None

    def describe(self) -> str:
        return self.path

    def connection(self):
        conn = getattr(self._local, "conn", None)
        if conn is None or self._local.pid != os.getpid() or conn.closed:
            conn = self._psycopg.connect(self.url, autocommit=True, connect_timeout=self.connect_timeout,
                                         application_name=f"dsop-sandbox/{os.getpid()}")
            # A commit returns once the change is in the server's memory, not its disk: safe from any sandbox
            # process dying (what the request log promises), lost only if the database server crashes at once.
            conn.execute("SET synchronous_commit = off")
            self._local.conn, self._local.pid = conn, os.getpid()
            self._opened.append((os.getpid(), conn))
        return conn

    def close(self) -> None:
        """Close this process's connections (tests, and a server shutting down); the next statement reconnects."""
        for pid, conn in self._opened:
            if pid == os.getpid():
                conn.close()
        self._opened = [(pid, conn) for pid, conn in self._opened if pid != os.getpid()]
        self._local = threading.local()

    def execute(self, sql: str, args=()):
        """Run one statement; a connection that broke since its last use is replaced and the statement run once
        more (a statement on a broken connection never reached the database)."""
        conn = self.connection()
        try:
            return conn.execute(sql, args, prepare=True)
        except self._psycopg.OperationalError:
            if not conn.broken:
                raise
            self._local.conn = None
            return self.connection().execute(sql, args, prepare=True)

    def ddl(self, script: str) -> None:
        """Create tables (idempotent), serialised across replicas by an advisory lock."""
        conn = self.connection()
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_DDL_LOCK,))
            for statement in filter(str.strip, script.split(";")):
                conn.execute(statement)

    def add_schema(self, ddl: str) -> None:
        """The tables of features written for both stores (rooms, stored runs): their SQLite DDL, with the two
        spellings PostgreSQL lacks translated."""
        self.ddl(ddl.replace("INTEGER PRIMARY KEY AUTOINCREMENT", "BIGSERIAL PRIMARY KEY").replace(" BLOB", " BYTEA"))

    def sql(self, statement: str, args=()):
        """StateStore.sql's statements (`?` placeholders; no `?` in their literals) on this database."""
        return self.execute(statement.replace("?", "%s"), args)

    def open_audit(self, keep: int):
        from sandbox.audit.postgres import PostgresAuditLog

        return PostgresAuditLog(self, keep)

    def claim_jti(self, jti: str, expires_at: int, now: int) -> bool:
        """True the first time a `jti` is seen by any replica (until it expires); False on a replay."""
        self.execute("DELETE FROM used_jti WHERE expires_at < %s", (now - 300,))
        cur = self.execute("INSERT INTO used_jti (jti, expires_at) VALUES (%s, %s) ON CONFLICT (jti) DO NOTHING",
                           (jti, expires_at))
        return cur.rowcount == 1

    # ---- the sandbox clock (sandbox/clock.py) ------------------------------------------------------------
    def clock_get(self) -> str | None:
        row = self.execute("SELECT today FROM sandbox_clock WHERE id = 1").fetchone()
        return row[0] if row else None

    def clock_set(self, today: str, changed_at: str, started_with: str) -> None:
        self.execute("INSERT INTO sandbox_clock (id, today, changed_at, started_with) VALUES (1, %s, %s, %s) "
                     "ON CONFLICT (id) DO UPDATE SET today = excluded.today, changed_at = excluded.changed_at, "
                     "started_with = excluded.started_with", (today, changed_at, started_with))

    def clock_clear(self) -> None:
        self.execute("DELETE FROM sandbox_clock")

    def clock_start(self, started_with: str) -> None:
        """A replica starting: it keeps the date the others set (a restarted pod must not move everyone's clock),
        unless that date was set on a world started for another date (a new deployment with a new --today)."""
        self.execute("DELETE FROM sandbox_clock WHERE started_with <> %s", (started_with,))
