"""The request log: one row per API request, as the standard asks banks to keep (spec/protocol.md §4.4).

Every call to the register, the banks, the directory and Maskinporten leaves one row in the shared state store
(SQLite, WAL mode, one file for all gunicorn workers): real time and sandbox date, API, bank, endpoint,
status and error code, consumer, supplier, scope and service profile, CorrelationID, AccountInfoRequestID,
the decoded Legal-Mandate, AdditionalReferenceIDType (and the AdditionalReferenceID, only for `pol1`, where
it is the extradition order's id), RequesterID, party or account reference, period, page, result count,
responseDetails.status, injected fault and latency. Never the bearer token, never a request body.

Plugged in from outside the views (create_app calls `install`): a `before_request` hook starts the timer,
an `after_request` hook reads the request, what the layers before it left on `flask.g` (`g.caller` from the
token check, `g.grant` from the service profile, `g.audit_fault` from sandbox/faults.py, and an optional
`g.audit` dict of column overrides) and the response body it already holds, and INSERTs the row in autocommit
before the response leaves: a request a client saw answered has its row committed, even if the worker is
killed right after (WAL with synchronous=NORMAL survives a process crash; only a power cut can lose the last
commits).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time

from sandbox.audit_row import api_of, build_row

log = logging.getLogger("dsop-sandbox.audit")

COLUMNS = (
    "time", "sandbox_date", "api", "bank", "method", "endpoint", "path", "status", "error_code",
    "consumer", "supplier", "scope", "service", "correlation_id", "case_id", "legal_mandate",
    "additional_reference_id_type", "additional_reference_id", "requester_id", "party", "account_reference",
    "from_date", "to_date", "page", "result_count", "response_status", "fault", "latency_ms", "worker",
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS audit_log (
    id INTEGER PRIMARY KEY,
    time TEXT NOT NULL,
    sandbox_date TEXT,
    api TEXT NOT NULL,
    bank TEXT,
    method TEXT NOT NULL,
    endpoint TEXT,
    path TEXT NOT NULL,
    status INTEGER NOT NULL,
    error_code TEXT,
    consumer TEXT,
    supplier TEXT,
    scope TEXT,
    service TEXT,
    correlation_id TEXT,
    case_id TEXT,
    legal_mandate TEXT,
    additional_reference_id_type TEXT,
    additional_reference_id TEXT,
    requester_id TEXT,
    party TEXT,
    account_reference TEXT,
    from_date TEXT,
    to_date TEXT,
    page TEXT,
    result_count INTEGER,
    response_status TEXT,
    fault TEXT,
    latency_ms REAL NOT NULL,
    worker INTEGER
);
CREATE INDEX IF NOT EXISTS audit_log_case ON audit_log (case_id, id);
CREATE INDEX IF NOT EXISTS audit_log_correlation ON audit_log (correlation_id);
"""

_INSERT = f"INSERT INTO audit_log ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"

#: Query filter → column (the admin API's /sandbox/v1/requests parameters).
FILTERS = {"case": "case_id", "correlation_id": "correlation_id", "consumer": "consumer", "bank": "bank",
           "api": "api", "endpoint": "endpoint"}


class AuditLog:
    """The `audit_log` table of a StateStore: write one row, query rows.

    Rows go through a connection of their own (per process and thread), tuned for a cheap commit: no
    automatic WAL checkpoint on commit (it syncs, a pause of milliseconds every few hundred rows): the hook
    runs `checkpoint()` after the response has left, every `checkpoint_every` rows or seconds; and no 1 ms
    busy sleeps (SQLite's own handler) while another worker commits: retry after 50 µs, doubling up to 2 ms,
    for up to 10 s. Reads (the admin API) go through the store's shared connection.
    """

    checkpoint_every = (1000, 1.0)  # rows, seconds
    wal_limit = 64 * 1024 * 1024  # bytes of WAL before a checkpoint that restarts it

    def __init__(self, store):
        self.store = store
        store.add_schema(SCHEMA)
        self._local = threading.local()

    def _writer(self) -> sqlite3.Connection:
        local = self._local
        conn = getattr(local, "conn", None)
        if conn is None or local.pid != os.getpid():
            conn = sqlite3.connect(self.store.path, timeout=0, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA busy_timeout = 0")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA wal_autocheckpoint = 0")
            conn.execute(f"PRAGMA journal_size_limit = {self.wal_limit}")  # a restarted WAL shrinks back
            local.conn, local.pid, local.rows, local.checked = conn, os.getpid(), 0, time.monotonic()
        return conn

    def write(self, row: dict) -> None:
        values = tuple(row.get(c) for c in COLUMNS)
        conn = self._writer()
        delay, deadline = 50e-6, None
        while True:
            try:
                conn.execute(_INSERT, values)
                break
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc):
                    raise
                now = time.monotonic()
                deadline = deadline or now + 10
                if now > deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 0.002)
        self._local.rows += 1

    def checkpoint_due(self) -> bool:
        local = self._local
        rows, seconds = self.checkpoint_every
        return getattr(local, "rows", 0) >= rows or (
            getattr(local, "rows", 0) > 0 and time.monotonic() - local.checked >= seconds)

    def checkpoint(self) -> None:
        """Copy the WAL into the database without waiting for anyone (PASSIVE). Under a steady stream of
        writes a passive checkpoint never catches the last frame, so the WAL would only grow: past
        `wal_limit` bytes one RESTART checkpoint briefly holds the other writers off and starts the WAL
        over. Never raises."""
        local = self._local
        local.rows, local.checked = 0, time.monotonic()
        try:
            conn = self._writer()
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
            wal = f"{self.store.path}-wal"
            if os.path.exists(wal) and os.path.getsize(wal) > self.wal_limit:
                conn.execute("PRAGMA busy_timeout = 500")
                try:
                    conn.execute("PRAGMA wal_checkpoint(RESTART)")
                finally:
                    conn.execute("PRAGMA busy_timeout = 0")
        except sqlite3.Error:  # busy with another worker's checkpoint: the next one will do
            pass

    # ---- reading ---------------------------------------------------------------------------------
    def query(self, *, limit: int = 50, before: int | None = None, status: str | None = None, **filters) -> list[dict]:
        """Rows matching every filter, newest first; `before` is the id cursor of the next page."""
        where, args = self._where(filters, status)
        if before is not None:
            where.append("id < ?")
            args.append(before)
        sql = "SELECT * FROM audit_log" + (" WHERE " + " AND ".join(where) if where else "")
        return self._rows(sql + " ORDER BY id DESC LIMIT ?", args + [limit])

    def case(self, case_id: str, *, limit: int = 1000, after: int | None = None) -> list[dict]:
        """Every request of one case (AccountInfoRequestID), across register and banks, in the order served."""
        sql, args = "SELECT * FROM audit_log WHERE case_id = ?", [case_id]
        if after is not None:
            sql += " AND id > ?"
            args.append(after)
        return self._rows(sql + " ORDER BY id LIMIT ?", args + [limit])

    def get(self, row_id: int) -> dict | None:
        rows = self._rows("SELECT * FROM audit_log WHERE id = ?", [row_id])
        return rows[0] if rows else None

    def count(self) -> int:
        return self.store.connection().execute("SELECT count(*) FROM audit_log").fetchone()[0]

    def clear(self) -> int:
        return self.store.connection().execute("DELETE FROM audit_log").rowcount

    @staticmethod
    def _where(filters: dict, status: str | None) -> tuple[list[str], list]:
        where, args = [], []
        for key, value in filters.items():
            if value is None:
                continue
            if key not in FILTERS:
                raise ValueError(f"unknown filter {key}")
            values = value if isinstance(value, (list, tuple)) else [value]
            where.append(f"{FILTERS[key]} IN ({', '.join('?' * len(values))})")
            args.extend(values)
        if status:
            low, high = status_range(status)
            where.append("status BETWEEN ? AND ?")
            args += [low, high]
        return where, args

    def _rows(self, sql: str, args: list) -> list[dict]:
        cur = self.store.connection().execute(sql, args)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, values)) for values in cur.fetchall()]


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    text = str(exc)
    return "locked" in text or "busy" in text


def status_range(text: str) -> tuple[int, int]:
    """`500` → (500, 500); `5xx` → (500, 599); `error` → (400, 599); `ok` → (100, 399); `dropped` → (0, 0)."""
    text = text.strip().lower()
    named = {"error": (400, 599), "ok": (100, 399), "dropped": (0, 0)}
    if text in named:
        return named[text]
    if len(text) == 3 and text[0] in "12345" and text[1:] == "xx":
        return int(text[0]) * 100, int(text[0]) * 100 + 99
    if text.isdigit() and len(text) == 3:
        return int(text), int(text)
    raise ValueError("status must be a code (500), a class (5xx), error, ok or dropped")


# ---- building a row ------------------------------------------------------------------------------
def install(app, services):
    """Log every API request (unless the server runs with --no-audit) and serve the admin log routes."""
    from flask import g, request

    from sandbox.admin.requests import bp

    store = getattr(services, "state", None)
    audit = AuditLog(store) if services.settings.audit and store is not None else None
    app.extensions["sandbox.audit"] = audit
    app.register_blueprint(bp)
    if audit is None:
        return None
    world = services.world

    @app.before_request
    def _start_timer():
        g._audit_started = time.perf_counter()

    @app.after_request
    def _write_row(response):
        started = g.get("_audit_started")
        if started is None or api_of(request.path) is None:
            return response
        try:
            audit.write(build_row(request, response, g, started, world.today))
        except Exception:  # noqa: BLE001 - the log must never break an answer; say so loudly instead
            log.exception("audit row for %s %s was not written", request.method, request.path[:200])
        if audit.checkpoint_due():
            response.call_on_close(audit.checkpoint)  # after the body has left
        return response

    return audit
