"""SQLite connections, one per thread and process, that never cross a fork.

Why this exists: gunicorn preloads the app (which opens the state file) and then forks its workers, and the
tests fork importers. SQLite keeps per-process bookkeeping of the locks it holds on a database and its WAL
index (which a fork copies, while the kernel's fcntl locks are not inherited), and a connection closed in a
child releases locks its parent still needs. Both corrupt the file ("disk I/O error", "database disk image
is malformed": https://www.sqlite.org/howtocorrupt.html section 2.6, "Carrying an open database connection
across a fork()"). A connection that only becomes unreachable is closed whenever the cyclic garbage
collector gets to it (a Python sqlite3 connection sits in a reference cycle with its statement cache), so
dropping the reference is not enough.

So, for every connection opened through `PerThread`:
- it is closed as soon as its holder goes away, in the process that opened it;
- just before any fork, this process closes every connection that is not inside a transaction (the holders
  reopen lazily, in the parent and in the child);
- a connection still inside a transaction at the fork (another thread's) is kept alive for ever in the child
  and never used or closed there.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import weakref
from collections.abc import Callable

_open: weakref.WeakSet[_Held] = weakref.WeakSet()  # every live connection of this process
_inherited: list[sqlite3.Connection] = []  # a child's copies of connections its parent was using: never closed


class _Held:
    """One connection and the process that opened it (sqlite3.Connection takes no weak references)."""

    __slots__ = ("conn", "pid", "closed", "__weakref__")

    def __init__(self, conn: sqlite3.Connection):
        self.conn, self.pid, self.closed = conn, os.getpid(), False
        _open.add(self)

    def close(self, _getpid=os.getpid, _error=sqlite3.Error) -> None:
        # (bound as defaults: __del__ may run at interpreter exit, after the modules' globals are gone)
        if not self.closed and self.pid == _getpid():
            self.closed = True
            try:
                self.conn.close()
            except _error:  # closing never fails the caller
                pass

    def __del__(self):
        self.close()


class PerThread:
    """The connection of the calling thread, opened by `opener` on first use and after a fork. The opener is
    passed on each call, not kept: a bound method kept here would put its owner in a reference cycle, and
    the owner would then outlive its last reference (and keep its connection open) until a garbage
    collection."""

    def __init__(self):
        self._local = threading.local()

    def get(self, opener: Callable[[], sqlite3.Connection]) -> sqlite3.Connection:
        held = getattr(self._local, "held", None)
        if held is None or held.closed:
            held = self._local.held = _Held(opener())
        return held.conn

    def close(self) -> None:
        """Close this thread's connection (the next `get` reopens one)."""
        held = getattr(self._local, "held", None)
        if held is not None:
            held.close()


def _before_fork() -> None:
    for held in list(_open):
        if not held.closed and held.pid == os.getpid() and not held.conn.in_transaction:
            held.close()


def _after_fork_in_child() -> None:
    for held in list(_open):
        if not held.closed:
            _inherited.append(held.conn)
            held.closed = True  # its holder opens a new one; this copy is never closed here
    _open.clear()


os.register_at_fork(before=_before_fork, after_in_child=_after_fork_in_child)
