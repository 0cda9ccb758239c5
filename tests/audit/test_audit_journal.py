"""The request log's write path (sandbox/audit/journal.py, AuditLog.sync in sandbox/audit/log.py).

Rows go to one append-only journal file per worker and are imported into SQLite in batches. What a user of
the log relies on: a row is never lost or doubled, whoever imports and however often; rows come back in the
order they were served, across workers; a worker never waits for another worker to write its row; a worker
killed mid-write costs at most the row of the request it never answered; journals and the WAL stay bounded.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sqlite3
import subprocess
import sys

import orjson
import pytest

from sandbox.audit.log import COLUMNS, AuditLog
from sandbox.state import StateStore


def row(n: int, **more) -> dict:
    return {c: None for c in COLUMNS} | {"time": "2025-06-30T12:00:00.000Z", "api": "bank", "method": "GET",
                                         "path": f"/banks/x/v2/accounts/{n}", "status": 200, "latency_ms": 1.0,
                                         "correlation_id": f"cid-{n}", "case_id": "case"} | more


def dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def journal_line(seq: int, n: int) -> bytes:
    values = row(n)
    return orjson.dumps([seq, *(values[c] for c in COLUMNS)]) + b"\n"


def cids(log: AuditLog) -> list[str]:
    return [r["correlation_id"] for r in log.case("case", limit=100000)]


def test_a_write_never_waits_for_another_workers_lock(tmp_path):
    """While another process holds SQLite's write lock, rows are still written (to the journal); an import
    after a response gives up at once instead of waiting; the rows show up once the lock is free."""
    log = AuditLog(StateStore(tmp_path))
    other = sqlite3.connect(log.store.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    for n in range(50):
        log.write(row(n))
    assert log.sync(wait=False) == 0
    log.after_response()  # never raises, never blocks
    other.execute("COMMIT")
    other.close()
    assert log.count() == 50
    assert cids(log) == [f"cid-{n}" for n in range(50)]


def _worker(directory: str, start: int, count: int) -> None:
    """A worker process: writes rows and imports as the hook does, racing the other workers' imports. Exits
    with 3 if an import failed (the hook logs and swallows it: a broken state file shows up only there)."""
    failures = []
    handler = logging.Handler()
    handler.emit = failures.append
    logging.getLogger("dsop-sandbox.audit").addHandler(handler)
    log = AuditLog(StateStore(directory))
    log.sync_every = (7, 0.0)
    log.journal.rotate_bytes = 4096
    for n in range(start, start + count):
        log.write(row(n))
        if log.sync_due():
            log.after_response()
    os._exit(3 if failures else 0)


def test_concurrent_importers_import_every_row_exactly_once(tmp_path):
    """Forked like gunicorn's workers, from a parent that has the state file open (sandbox/sqlite_fork.py):
    before that module, SQLite's lock bookkeeping copied into the children broke the file now and then
    ("disk I/O error", "database disk image is malformed") when the parent had dropped a store
    whose connection the garbage collector had not closed yet, as here."""
    StateStore(tmp_path)
    AuditLog(StateStore(tmp_path))
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_worker, args=(str(tmp_path), k * 1000, 400)) for k in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    log = AuditLog(StateStore(tmp_path))
    seen = cids(log)
    assert len(seen) == len(set(seen)) == 1600
    assert set(seen) == {f"cid-{k * 1000 + n}" for k in range(4) for n in range(400)}
    # each worker's own rows keep its order; the workers' files were rotated, imported and deleted
    for k in range(4):
        mine = [int(c[4:]) for c in seen if int(c[4:]) // 1000 == k]
        assert mine == sorted(mine)
    assert len(log.journal.files()) <= 4  # at most each dead worker's last file, fully imported
    assert log.sync() == 0


def test_rows_come_back_in_served_order_across_journals_and_imports(tmp_path):
    """A row written earlier by a slow worker, imported after later rows of another worker, still comes first."""
    log = AuditLog(StateStore(tmp_path))
    a, b = dead_pid(), dead_pid()
    (log.journal.directory / f"{b}-bbbb.jsonl").write_bytes(journal_line(20, 2) + journal_line(40, 4))
    assert log.sync() == 2
    (log.journal.directory / f"{a}-aaaa.jsonl").write_bytes(journal_line(10, 1) + journal_line(30, 3))
    assert log.sync() == 2
    assert cids(log) == ["cid-1", "cid-2", "cid-3", "cid-4"]
    newest_first = [r["correlation_id"] for r in log.query(limit=10)]
    assert newest_first == ["cid-4", "cid-3", "cid-2", "cid-1"]
    # the cursors follow the served order, not the import order
    first = log.query(limit=2)
    assert [r["correlation_id"] for r in log.query(limit=10, before=first[-1]["id"])] == ["cid-2", "cid-1"]
    one = log.case("case", limit=1)
    assert [r["correlation_id"] for r in log.case("case", after=one[0]["id"])] == ["cid-2", "cid-3", "cid-4"]
    assert log.query(before=999999) == [] and log.case("case", after=999999) == []
    # both dead workers' files were imported to the end and deleted
    assert log.journal.files() == []


def test_a_torn_line_waits_for_a_live_writer_and_is_dropped_for_a_dead_one(tmp_path):
    log = AuditLog(StateStore(tmp_path))
    line = journal_line(10, 1)
    dead = log.journal.directory / f"{dead_pid()}-dead.jsonl"
    dead.write_bytes(journal_line(5, 0) + line[:40])  # killed in the middle of its second row
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        live = log.journal.directory / f"{alive.pid}-live.jsonl"
        live.write_bytes(line[:30])  # a row being written right now
        assert log.sync() == 1
        assert cids(log) == ["cid-0"] and not dead.exists() and live.exists()
        with open(live, "ab") as fh:
            fh.write(line[30:])
        assert log.sync() == 1
        assert cids(log) == ["cid-0", "cid-1"]
        assert log.sync() == 0
    finally:
        alive.kill()
        alive.wait()
    assert log.sync() == 0 and not live.exists()  # its writer is gone: the file goes


def test_rows_of_a_stopped_server_are_imported_when_the_next_one_starts(tmp_path):
    log = AuditLog(StateStore(tmp_path))
    log.write(row(1))
    log.write(row(2))
    later = AuditLog(StateStore(tmp_path))  # the next `serve` with the same --state-dir
    assert cids(later) == ["cid-1", "cid-2"]
    assert log.count() == 2  # and the first process does not import them again


def test_a_state_file_of_the_previous_version_gains_seq_and_keeps_its_rows(tmp_path):
    conn = sqlite3.connect(tmp_path / "state.sqlite3", isolation_level=None)
    columns = ", ".join(c for c in COLUMNS)
    conn.execute(f"CREATE TABLE audit_log (id INTEGER PRIMARY KEY, {columns})")
    conn.execute("CREATE INDEX audit_log_case ON audit_log (case_id, id)")
    old = row(0)
    conn.execute(f"INSERT INTO audit_log ({columns}) VALUES ({', '.join('?' * len(COLUMNS))})",
                 [old[c] for c in COLUMNS])
    conn.close()
    log = AuditLog(StateStore(tmp_path))
    log.write(row(1))
    assert cids(log) == ["cid-0", "cid-1"]


def test_journals_and_the_wal_stay_bounded(tmp_path):
    log = AuditLog(StateStore(tmp_path))
    log.wal_limit = 256 * 1024
    log.journal.rotate_bytes = 16 * 1024
    log.sync_every = (50, 60.0)
    for n in range(3000):
        log.write(row(n, legal_mandate="x" * 200))
        if log.sync_due():
            log.after_response()
    assert len(log.journal.files()) <= 2
    assert sum(os.path.getsize(log.journal.directory / f) for f in log.journal.files()) <= 2 * 16 * 1024 + 4096
    assert (tmp_path / "state.sqlite3-wal").stat().st_size <= log.wal_limit + 50 * 1024
    assert log.count() == 3000


def test_a_forked_worker_writes_its_own_journal(tmp_path):
    """gunicorn preloads the app and forks: a child must not append to a descriptor it inherited."""
    log = AuditLog(StateStore(tmp_path))
    log.write(row(1))
    pid = os.fork()
    if pid == 0:  # the child: one row, then exit without running the parent's cleanup
        try:
            log.write(row(2))
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    names = log.journal.files()
    assert len(names) == 2 and any(n.startswith(f"{pid}-") for n in names)
    assert sorted(cids(log)) == ["cid-1", "cid-2"]


@pytest.mark.parametrize("junk", [b"not json\n", b"[\"no seq\"]\n", b"{}\n", b"\n\n", b"[1,\n", b"[1],[2]\n"])
def test_an_unreadable_journal_line_is_skipped_not_fatal(tmp_path, junk):
    log = AuditLog(StateStore(tmp_path))
    (log.journal.directory / f"{dead_pid()}-junk.jsonl").write_bytes(journal_line(1, 1) + junk + journal_line(2, 2))
    assert log.sync() == 2 and cids(log) == ["cid-1", "cid-2"]


def test_the_log_keeps_its_newest_rows_up_to_audit_keep(tmp_path):
    """A load test must not fill the disk: past `keep` rows the oldest go, at import."""
    log = AuditLog(StateStore(tmp_path), keep=100)
    for n in range(250):
        log.write(row(n))
        if n % 40 == 39:
            log.sync()
    assert log.count() == 100
    assert cids(log) == [f"cid-{n}" for n in range(150, 250)]
    everything = AuditLog(StateStore(tmp_path / "all"), keep=0)
    for n in range(250):
        everything.write(row(n))
    assert everything.count() == 250


def test_serve_flags_reach_the_settings():
    from sandbox.cli.main import build_parser
    from sandbox.cli.serve import settings_from_args

    args = build_parser().parse_args(["serve", "--audit-keep", "1000", "--body-cache-mb", "0"])
    settings = settings_from_args(args)
    assert settings.audit_keep == 1000 and settings.body_cache_mb == 0
    defaults = settings_from_args(build_parser().parse_args(["serve"]))
    assert defaults.audit_keep == 500_000 and defaults.body_cache_mb == 64
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--audit-keep", "-1"])


def test_rows_with_different_empty_columns_import_as_they_were_written_in_order(tmp_path):
    """The import binds no NULLs (it inserts runs of rows with the same columns present): every column of every row
    comes back as written, empty ones as NULL, and the rows keep the order they were served in, however the
    empty columns alternate between neighbours."""
    log = AuditLog(StateStore(tmp_path))
    shapes = [{}, {"error_code": "ACC-400", "status": 400}, {"fault": "delay 10ms", "page": "2"},
              {"token_id": "57c661798e8dee2a", "token_exp": 1796317698, "result_count": 0, "room": "r1"}]
    written = [row(n, **shapes[(n * 7 // 3) % len(shapes)]) for n in range(40)]
    for values in written:
        log.write(values)
    assert log.sync() == 40
    conn = log.store.connection()
    stored = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM audit_log ORDER BY id").fetchall()
    assert [dict(zip(COLUMNS, r, strict=True)) for r in stored] == written
    seqs = [s for (s,) in conn.execute("SELECT seq FROM audit_log ORDER BY id")]
    assert seqs == sorted(seqs)
