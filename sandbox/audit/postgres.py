"""The request log on PostgreSQL (`--state-url postgresql://...`): one log for every replica sharing the database.

Why a row is INSERTed by the request itself (in the `after_request` hook, before the answer leaves) and not
appended to a journal file as on SQLite (sandbox/audit/journal.py): a replica's disk is not the log's. A pod that
is killed and rescheduled loses its filesystem, so a journal not yet imported would lose rows of requests already
answered. The INSERT is committed before the response is sent, so nothing answered is lost when a worker or a
whole replica dies. It costs one round trip per request (tests/perf/bench_replicas.py measures it); the session
runs with `synchronous_commit = off`, which makes the commit return without waiting for the WAL flush: a row is
then safe from any sandbox process dying, and could only be lost by the database server itself crashing in the
next fraction of a second (the store sets it on every connection: sandbox/state_postgres.py).

Order across replicas: `id` is drawn from one database sequence by the INSERT, after the response was built and
before it is sent, so rows sort in the order the database saw the answers, whatever the replicas' clocks say
(each row's `time` is still its replica's wall clock). `seq` is exposed as the same number, so the admin API's
rows have the same keys on either store.

The columns are sandbox/audit/columns.py's `FIELDS`: adding one there adds it here (and to an existing table at
start-up).
"""

from __future__ import annotations

import logging

from sandbox.audit.columns import COLUMNS, FIELDS, row_values
from sandbox.audit.query import LogQueries

log = logging.getLogger("dsop-sandbox.audit")

_PG_TYPES = {"TEXT": "TEXT", "INTEGER": "BIGINT", "REAL": "DOUBLE PRECISION"}


def _pg(kind: str) -> str:
    base, _, rest = kind.partition(" ")
    return " ".join(filter(None, (_PG_TYPES[base], rest)))


SCHEMA = ("CREATE TABLE IF NOT EXISTS audit_log (id BIGSERIAL PRIMARY KEY, "
          + ", ".join(f"{name} {_pg(kind)}" for name, kind in FIELDS) + ");"
          + "CREATE INDEX IF NOT EXISTS audit_log_case ON audit_log (case_id, id);"
          + "CREATE INDEX IF NOT EXISTS audit_log_room ON audit_log (room, id);")

_INSERT = f"INSERT INTO audit_log ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"


class PostgresAuditLog(LogQueries):
    """The `audit_log` table of a PostgresStore: write a row (one INSERT), query rows (sandbox/audit/query.py)."""

    mark = "%s"
    order = ("id",)
    select = "id, id AS seq, " + ", ".join(COLUMNS)
    trim_every = 1000  # rows written by this process between two trims to `keep` rows

    def __init__(self, store, keep: int = 0):
        self.store = store
        self.keep = max(0, int(keep))  # rows kept (the newest); 0 = every row
        store.ddl(SCHEMA)
        present = {r[0] for r in store.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'audit_log' "
            "AND table_schema = current_schema()").fetchall()}
        missing = [(n, k) for n, k in FIELDS if n not in present]
        if missing:  # a table an earlier version made
            store.ddl(";".join(f"ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS {n} {_pg(k).replace(' NOT NULL', '')}"
                               for n, k in missing))
        self._written = 0

    def write(self, row: dict) -> None:
        """One INSERT, committed before this returns (the answer has not left yet)."""
        self.store.execute(_INSERT, row_values(row))
        self._written += 1

    def sync_due(self) -> bool:
        return bool(self.keep) and self._written >= self.trim_every

    def sync(self, wait: bool = True) -> int:
        """Nothing to import: every row is in the table once its request was answered."""
        return 0

    def after_response(self) -> None:
        """After an answer has left: drop the oldest rows past `keep`. Never raises."""
        self._written = 0
        try:
            self.trim()
        except Exception:  # noqa: BLE001 - never break a worker over trimming; the next one will do
            log.exception("trimming the request log failed")

    def trim(self) -> int:
        """Keep the newest `keep` rows (ids come from one sequence, so one range delete)."""
        if not self.keep:
            return 0
        return self.store.execute("DELETE FROM audit_log WHERE id <= (SELECT max(id) FROM audit_log) - %s",
                                  (self.keep,)).rowcount

    def checkpoint(self) -> None:
        """The database checkpoints by itself."""

    def _execute(self, sql: str, args):
        return self.store.execute(sql, tuple(args))

