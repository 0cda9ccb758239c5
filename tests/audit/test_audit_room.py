"""The request log's `room` column (workshop rooms, sandbox/rooms.py): a state file of an earlier version gets it,
its rows belong to no room, and the room is a filter and a per-room summary (the presenter board)."""

from __future__ import annotations

from sandbox.audit.log import COLUMNS, SCHEMA, AuditLog
from sandbox.state import StateStore


def test_an_old_state_file_gets_the_room_column(tmp_path):
    store = StateStore(tmp_path)
    old = SCHEMA.replace("    seq INTEGER,\n", "").replace(",\n    room TEXT\n", "\n")
    assert "room" not in old and "seq" not in old.split("audit_journal")[0]
    store.connection().executescript(old)
    store.connection().execute("INSERT INTO audit_log (time, api, method, path, status, latency_ms) "
                               "VALUES ('2025-06-30T10:00:00.000Z', 'bank', 'GET', '/banks/x', 200, 1.0)")
    audit = AuditLog(store)
    columns = {row[1] for row in store.connection().execute("PRAGMA table_info(audit_log)")}
    assert {"seq", "room"} <= columns
    row = {c: None for c in COLUMNS} | {"time": "2025-06-30T10:00:01.000Z", "api": "bank", "method": "GET",
                                        "path": "/banks/y", "status": 404, "latency_ms": 2.0, "room": "team-1",
                                        "endpoint": "accounts", "case_id": "c-1"}
    audit.write(row)
    audit.write(row | {"status": 200, "case_id": "c-2"})
    assert [r["room"] for r in audit.query(limit=10)] == ["team-1", "team-1", None]
    assert len(audit.query(room="team-1")) == 2
    summary = audit.by_room()
    assert set(summary) == {"team-1"}
    assert {k: summary["team-1"][k] for k in ("requests", "errors", "cases")} == {"requests": 2, "errors": 1, "cases": 2}
    assert summary["team-1"]["last"]["status"] == 200
