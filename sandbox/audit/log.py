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
`g.audit` dict of column overrides) and the response body it already holds, and appends the row to this
worker's journal (sandbox/audit/journal.py) before the response leaves: a request a client saw answered has
its row on disk, even if the worker is killed right after. Journals are imported into the `audit_log` table
in batches: by each worker after its answer has left (every `sync_every` rows or seconds) and by every read
(the admin API, the UI), so a query always sees every row written before it.

That is the SQLite store's log (`StateStore.open_audit`). On PostgreSQL (`--state-url`, replicas sharing one
database) the row is INSERTed before the answer leaves instead: sandbox/audit/postgres.py. Both read through
sandbox/audit/query.py and take their columns from `FIELDS` below.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from functools import lru_cache
from itertools import compress, groupby, repeat
from operator import is_not, itemgetter

from sandbox.audit.columns import BASE_WIDTH, COLUMNS, FIELDS, row_values
from sandbox.audit.journal import Journal
from sandbox.audit.query import LogQueries
from sandbox.audit.row import api_of, build_row
from sandbox.sqlite_fork import PerThread

log = logging.getLogger("dsop-sandbox.audit")


SCHEMA = ("CREATE TABLE IF NOT EXISTS audit_log (\n    id INTEGER PRIMARY KEY,\n    seq INTEGER,\n"
          + ",\n".join(f"    {name} {kind}" for name, kind in FIELDS) + "\n);\n" + """
CREATE TABLE IF NOT EXISTS audit_journal (
    name TEXT PRIMARY KEY,
    offset INTEGER NOT NULL
);
""")

#: Rows are served in `seq` order (when they were written, across workers); `id` numbers them as imported.
#: No index on correlation_id: random UUIDs dirty a random index page per row, and checkpointing those pages
#: makes a row's cost grow with the log (tests/perf/bench_audit.py measures it); a correlationId filter
#: walks the log newest first instead, which finds a recent request at once.
INDEXES = """
CREATE INDEX IF NOT EXISTS audit_log_seq ON audit_log (seq, id);
CREATE INDEX IF NOT EXISTS audit_log_case_seq ON audit_log (case_id, seq, id);
CREATE INDEX IF NOT EXISTS audit_log_room_seq ON audit_log (room, seq, id);
DROP INDEX IF EXISTS audit_log_correlation;
DROP INDEX IF EXISTS audit_log_case;
"""

_OFFSET = ("INSERT INTO audit_journal (name, offset) VALUES (?, ?) "
           "ON CONFLICT (name) DO UPDATE SET offset = excluded.offset")

class AuditLog(LogQueries):
    """The `audit_log` table of a StateStore: append a row (to this worker's journal), import, query rows.

    Imports after a response go through a connection of their own (per process and thread) that never waits:
    if another worker holds the write lock (it is importing too), this import is skipped and the rows wait
    for the next one. That connection does not checkpoint the WAL on commit (a sync, milliseconds): the
    hook checkpoints after imports, and past `wal_limit` bytes restarts the WAL. Reads (the admin API, the
    UI) import first, waiting for the lock if they must, then query through the store's shared connection.
    """

    sync_every = (1000, 2.0)  # rows written by this process, seconds since its last import
    wal_limit = 64 * 1024 * 1024  # bytes of WAL before a checkpoint that restarts it

    def __init__(self, store, keep: int = 0):
        self.store = store
        self.keep = max(0, int(keep))  # rows kept (the newest imports); 0 = every row
        store.add_schema(SCHEMA)
        _add_missing_columns(store.connection())
        store.add_schema(INDEXES)
        self.journal = Journal(store.directory / "audit-journal")
        self._writers = PerThread()
        self.sync()  # rows a previous run left in its journals (a server stopped with a persistent --state-dir)

    def _writer(self) -> sqlite3.Connection:
        return self._writers.get(self._connect_writer)

    def _connect_writer(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.store.path, timeout=0, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout = 0")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA wal_autocheckpoint = 0")
        conn.execute(f"PRAGMA journal_size_limit = {self.wal_limit}")  # a restarted WAL shrinks back
        return conn

    def write(self, row: dict) -> None:
        """Append one row to this worker's journal: one write(2), no lock shared with other workers."""
        self.journal.append(row_values(row))

    def sync_due(self) -> bool:
        rows, seconds = self.sync_every
        unsynced = self.journal.unsynced
        return unsynced >= rows or (unsynced > 0 and time.monotonic() - self.journal.synced_at >= seconds)

    def sync(self, wait: bool = True) -> int:
        """Import every journal line not imported yet, in `seq` order, in one transaction that also moves each
        file's offset (so a line is imported exactly once, whoever imports). `wait=False` gives up at once if
        another process holds the write lock. Returns the number of rows imported."""
        journal = self.journal
        if not journal.files():
            return 0
        conn = self.store.connection() if wait else self._writer()
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if not wait and _is_busy(exc):
                return 0
            raise
        try:
            names = journal.files()  # listed under the lock: an offset without a file is a deleted file
            offsets = dict(conn.execute("SELECT name, offset FROM audit_journal"))
            chunks = [c for c in (journal.read(n, offsets.get(n, 0)) for n in names) if c is not None]
            width = len(COLUMNS) + 1
            # each file's lines are in seq order already: the sort merges the files' runs
            records = sorted((r if len(r) == width else r + [None] * (width - len(r)) for c in chunks
                              for r in c.records if BASE_WIDTH <= len(r) <= width), key=itemgetter(0))
            insert_records(conn, records)
            conn.executemany(_OFFSET, [(c.name, c.end) for c in chunks if c.end != offsets.get(c.name)])
            if self.keep and records:  # the oldest imports go: ids count imports, so one range delete
                conn.execute("DELETE FROM audit_log WHERE id <= (SELECT max(id) FROM audit_log) - ?", (self.keep,))
            gone = set(offsets) - set(names)
            conn.executemany("DELETE FROM audit_journal WHERE name = ?", [(n,) for n in gone])
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        # A finished file is deleted only once its offset is committed; its offset row goes in a later import.
        for chunk in chunks:
            if chunk.finished:
                journal.remove(chunk.name)
        if any(c.name == journal.current() for c in chunks):
            journal.unsynced, journal.synced_at = 0, time.monotonic()
        return len(records)

    def after_response(self) -> None:
        """Run after an answer has left: start a new journal file if this one is big, import, checkpoint.
        Never raises (the next import will do)."""
        try:
            self.journal.rotate_if_big()
            if self.sync(wait=False):
                self.checkpoint()
        except Exception:  # noqa: BLE001 - never break a worker over the log; the rows stay in the journal
            log.exception("importing the request log's journal failed")

    def checkpoint(self) -> None:
        """Copy the WAL into the database without waiting for anyone (PASSIVE). Under a steady stream of
        writes a passive checkpoint never catches the last frame, so the WAL would only grow: past
        `wal_limit` bytes one RESTART checkpoint briefly holds the other writers off and starts the WAL
        over. Never raises."""
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

    # ---- reading (sandbox/audit/query.py) -------------------------------------------------------------
    def _execute(self, sql: str, args):
        return self.store.connection().execute(sql, args)


def insert_records(conn: sqlite3.Connection, records: list) -> None:
    """INSERT journal records ([seq, *COLUMNS], in `seq` order) without binding their NULLs: each run of consecutive
    records with the same columns present goes in one executemany of an INSERT that names only those columns
    (the others are NULL, their default).

    Why not one INSERT of every column: Python's sqlite3 binds an int, float or str directly but sends every other
    value, None too, through its adapter registry (a tuple built, a dict missed, two attribute look-ups) before
    binding it. A bank request's row has about ten NULLs, and their adapting cost a third of its import
    (tests/perf/bench_audit.py's `import_us`). The ids stay in `seq` order: runs are taken in order."""
    for present, run in groupby(records, key=_present):
        conn.executemany(_insert_sql(present), [list(compress(r, present)) for r in run])


def _present(record: list) -> tuple[bool, ...]:
    return tuple(map(is_not, record, repeat(None)))


@lru_cache(maxsize=256)
def _insert_sql(present: tuple[bool, ...]) -> str:
    names = list(compress(("seq", *COLUMNS), present))
    return f"INSERT INTO audit_log ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"


def _add_missing_columns(conn: sqlite3.Connection) -> None:
    """A state file of an earlier version lacks the columns added since: add them (NULL in its old rows). Its rows
    have no `seq` either: they are numbered before any new one."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(audit_log)")}
    if "seq" not in columns:
        conn.execute("ALTER TABLE audit_log ADD COLUMN seq INTEGER")
        conn.execute("UPDATE audit_log SET seq = id")
    for name, kind in FIELDS:
        if name not in columns:
            conn.execute(f"ALTER TABLE audit_log ADD COLUMN {name} {kind.replace(' NOT NULL', '')}")


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    text = str(exc)
    return "locked" in text or "busy" in text


# ---- building a row ------------------------------------------------------------------------------
def install(app, services):
    """Log every API request (unless the server runs with --no-audit). Only hooks: the admin log routes
    (sandbox/audit/views.py, which answer 404 when the log is off) are registered by create_app."""
    from flask import g, request

    store = getattr(services, "state", None)
    audit = store.open_audit(services.settings.audit_keep) if services.settings.audit and store is not None else None
    app.extensions["sandbox.audit"] = audit
    if audit is None:
        return None
    world = services.world

    @app.before_request
    def _start_timer():
        g._audit_started = time.perf_counter()

    @app.after_request
    def _write_row(response):
        req = request._get_current_object()  # one proxy look-up each, not one per attribute read
        state = g._get_current_object()
        started = state.__dict__.get("_audit_started")
        if started is None or api_of(req.path) is None:
            return response
        try:
            row = build_row(req, response, state, started, world.today)
            rooms = app.extensions.get("sandbox.rooms")  # sandbox/rooms.py: the workshop room of the request
            row["room"] = rooms.room_of(req.environ, row["consumer"]) if rooms is not None else None
            audit.write(row)
        except Exception:  # noqa: BLE001 - the log must never break an answer; say so loudly instead
            log.exception("audit row for %s %s was not written", req.method, req.path[:200])
        if audit.sync_due():
            response.call_on_close(audit.after_response)  # after the body has left
        return response

    return audit
