"""Run results at a stable URL (`/ui/runs/<id>`): a case run on the Run a case page is kept in the shared state
store, so its page survives a reload, a worker switch (gunicorn runs several) and a restart with a persistent
`--state-dir` — a presenter prepares the runs before a talk and bookmarks them. Plain Python: no Flask.

What is kept is the result as the page showed it (the rendered HTML of the summary and every step, zlib-compressed:
a 10-year case's steps hold megabytes of JSON that compress about tenfold) with the form that produced it and
the room it ran in. The result is a record of what the sandbox answered then; re-running it could answer
differently (the clock moves). Ids are random (not guessable from another room's), and only the newest `KEEP`
runs are kept.
"""

from __future__ import annotations

import json
import secrets
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime

KEEP = 500

SCHEMA = """
CREATE TABLE IF NOT EXISTS ui_runs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    room TEXT,
    created_at TEXT NOT NULL,
    service TEXT NOT NULL,
    party TEXT NOT NULL,
    case_id TEXT,
    errors INTEGER NOT NULL,
    form TEXT NOT NULL,
    html BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS ui_runs_room ON ui_runs (room, seq);
"""


@dataclass(frozen=True)
class StoredRun:
    id: str
    room: str | None
    created_at: str  # UTC, ISO 8601
    service: str
    party: str
    case_id: str | None
    errors: int
    form: dict
    html: str | None = None  # None in listings


def is_run_id(value: str) -> bool:
    return 8 <= len(value) <= 32 and all(c.isalnum() or c in "-_" for c in value)


class RunStore:
    def __init__(self, store):
        self.store = store
        store.add_schema(SCHEMA)

    def save(self, *, room: str | None, service: str, party: str, case_id: str | None, errors: int, form: dict,
             html: str) -> str:
        run_id = secrets.token_urlsafe(9)
        self.store.sql(
            "INSERT INTO ui_runs (id, room, created_at, service, party, case_id, errors, form, html) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (run_id, room, datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"), service, party,
             case_id, errors, json.dumps(form), zlib.compress(html.encode(), 6)))
        self.store.sql("DELETE FROM ui_runs WHERE seq <= (SELECT max(seq) FROM ui_runs) - ?", (KEEP,))
        return run_id

    def get(self, run_id: str) -> StoredRun | None:
        if not is_run_id(run_id):
            return None
        row = self.store.sql(
            "SELECT id, room, created_at, service, party, case_id, errors, form, html FROM ui_runs WHERE id = ?",
            (run_id,)).fetchone()
        if row is None:
            return None
        return StoredRun(*row[:7], json.loads(row[7]), zlib.decompress(bytes(row[8])).decode())

    def recent(self, room: str | None, *, every_room: bool = False, limit: int = 20) -> list[StoredRun]:
        """The newest runs of a room (`room` None: runs outside any room), or of every room."""
        sql = "SELECT id, room, created_at, service, party, case_id, errors, form FROM ui_runs"
        args: list = []
        if not every_room and room is None:
            sql += " WHERE room IS NULL"
        elif not every_room:
            sql += " WHERE room = ?"
            args.append(room)
        rows = self.store.sql(sql + " ORDER BY seq DESC LIMIT ?", [*args, limit]).fetchall()
        return [StoredRun(*r[:7], json.loads(r[7])) for r in rows]

    def count_by_room(self) -> dict[str, int]:
        return dict(self.store.sql(
            "SELECT room, count(*) FROM ui_runs WHERE room IS NOT NULL GROUP BY room").fetchall())
