"""sandbox/sqlite_fork.py: no SQLite connection crosses a fork, and none outlives the store that opened it.

What a user relies on: a server whose preloaded app had the state file open forks workers that each get their
own connection, and the file stays sound (tests/audit/test_audit_journal.py races four forked importers).
"""

from __future__ import annotations

import gc
import os
import sqlite3

from sandbox.sqlite_fork import PerThread
from sandbox.state import StateStore


def _is_open(conn: sqlite3.Connection) -> bool:
    try:
        conn.execute("SELECT 1")
    except sqlite3.ProgrammingError:  # "Cannot operate on a closed database."
        return False
    return True


def test_a_dropped_store_closes_its_connection_at_once(tmp_path):
    gc.disable()  # a sqlite3 connection sits in a reference cycle: without this module only gc closes it
    try:
        conn = StateStore(tmp_path).connection()
        assert not _is_open(conn)
    finally:
        gc.enable()


def test_a_fork_gives_parent_and_child_new_connections(tmp_path):
    store = StateStore(tmp_path)
    before = store.connection()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: a new connection that works; the parent's was closed before the fork
        try:
            conn = store.connection()
            conn.execute("INSERT INTO used_jti VALUES ('child', 1)")
            os.write(write, b"ok" if conn is not before and not _is_open(before) else b"shared")
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    assert os.read(read, 16) == b"ok"
    assert not _is_open(before)
    assert store.connection() is not before
    assert store.connection().execute("SELECT jti FROM used_jti").fetchall() == [("child",)]


def test_a_connection_inside_a_transaction_is_kept_and_never_closed_in_the_child(tmp_path):
    """Another thread's open transaction at the fork: the parent keeps its connection; the child neither uses
    nor closes its copy (closing it there would release the parent's locks)."""
    def opener():
        return sqlite3.connect(tmp_path / "x.sqlite3", isolation_level=None)

    connections = PerThread()
    busy = connections.get(opener)
    busy.execute("BEGIN IMMEDIATE")
    busy.execute("CREATE TABLE t (x)")
    pid = os.fork()
    if pid == 0:
        from sandbox import sqlite_fork

        os._exit(0 if busy in sqlite_fork._inherited and connections.get(opener) is not busy else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert connections.get(opener) is busy and busy.in_transaction
    busy.execute("COMMIT")


def test_close_then_use_reopens(tmp_path):
    store = StateStore(tmp_path)
    first = store.connection()
    store.close()
    assert not _is_open(first)
    assert store.connection() is not first and _is_open(store.connection())
