"""The request log's write path: one append-only journal file per worker process, imported into SQLite in batches.

Why not an INSERT per request: every gunicorn worker writing its own autocommit into the one SQLite file
serialises them on SQLite's write lock; under load every request waits for that lock and the log takes a large
share of the sandbox's throughput (tests/perf/bench_audit.py measures it). A journal line costs one `write(2)` of a
few hundred bytes to a file only this process appends to: no lock, no fsync, and once `write` returned the
line is in the kernel's page cache, so a worker killed with SIGKILL right after answering loses nothing
(only a power cut could, as with WAL and synchronous=NORMAL before).

Files are `<directory>/<pid>-<nonce>.jsonl`; each line is a JSON array: the row's sequence number (wall-clock
nanoseconds when the row was written, which orders rows across workers in the order served) followed by
the values of `COLUMNS`. `AuditLog.sync` (sandbox/audit/log.py) imports what is new in every file in one
SQLite transaction that also records how far each file was read, so a line is imported exactly once even when
several workers import at the same time. A writer starts a new file once its file has grown past
`rotate_bytes` and has been imported; the importer deletes files that are fully imported and not being
written any more.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import orjson

log = logging.getLogger("dsop-sandbox.audit")

SUFFIX = ".jsonl"

_pid = [os.getpid()]  # os.getpid() is a system call: read it once per process (and again after a fork)
os.register_at_fork(after_in_child=lambda: _pid.__setitem__(0, os.getpid()))


def current_pid() -> int:
    """This process's pid, without a system call per request (the journal's name and the row's `worker`)."""
    return _pid[0]


def _writer_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process now has that pid: ours is gone, but play safe
        return True
    return True


@dataclass
class Chunk:
    """What is new in one journal file since `start`: complete lines up to `end`, and whether the file is
    finished (its writer is gone or moved on) so that, once imported, it can be deleted."""

    name: str
    start: int
    end: int
    records: list
    finished: bool


class Journal:
    """This process's journal file (opened lazily, reopened after fork) and the reader of all journals."""

    rotate_bytes = 8 * 1024 * 1024

    def __init__(self, directory: str | os.PathLike):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()  # the dev server is threaded; gunicorn's sync workers are not
        self._pid = None
        self._fd = -1
        self._name = ""
        self._size = 0
        self.unsynced = 0  # lines this process wrote since it last imported
        self.synced_at = time.monotonic()

    # ---- writing -----------------------------------------------------------------------------------
    def _open(self) -> None:
        self._pid = current_pid()
        self._name = f"{self._pid}-{secrets.token_hex(4)}{SUFFIX}"
        self._fd = os.open(self.directory / self._name, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._size, self.unsynced = 0, 0

    def append(self, values: tuple) -> None:
        """One row as one line, in one write(2): on disk (page cache) when this returns."""
        line = orjson.dumps((time.time_ns(), *values), option=orjson.OPT_APPEND_NEWLINE)
        with self._lock:
            if self._pid != current_pid():
                self._open()  # first row of this process, or a fork copied the parent's descriptor
            written = os.write(self._fd, line)
            while written < len(line):  # short writes happen only on a full disk or a pending fatal signal
                written += os.write(self._fd, line[written:])
            self._size += len(line)
            self.unsynced += 1

    def current(self) -> str:
        return self._name if self._pid == current_pid() else ""

    def rotate_if_big(self) -> str | None:
        """Start a new file once this one is past `rotate_bytes`; the old one's name (to import and delete)."""
        with self._lock:
            if self._pid != current_pid() or self._size < self.rotate_bytes:
                return None
            old, fd = self._name, self._fd
            self._open()
            os.close(fd)
            return old

    # ---- reading -----------------------------------------------------------------------------------
    def files(self) -> list[str]:
        try:
            return sorted(e.name for e in os.scandir(self.directory) if e.name.endswith(SUFFIX))
        except FileNotFoundError:
            return []

    def read(self, name: str, start: int) -> Chunk | None:
        """The complete lines of `name` after byte `start`. A last line without its newline is being written
        (left for the next import) unless its writer is dead: then it is a torn write of a request that was
        never answered, and it is skipped."""
        path = self.directory / name
        try:
            with open(path, "rb") as fh:
                fh.seek(start)
                data = fh.read()
        except FileNotFoundError:
            return None
        pid = _pid_of(name)
        if name == self.current():
            finished = False
        elif pid is None or pid == current_pid():
            finished = True  # not a worker's file, or this process rotated away from it
        else:
            finished = not _writer_alive(pid)
        end = data.rfind(b"\n") + 1
        if end < len(data) and finished:
            log.warning("journal %s ends with a torn line of %d bytes (its worker died mid-write): skipped",
                        name, len(data) - end)
            end = len(data)
        records = [r for r in _records(data[:end], name) if isinstance(r, list) and r and isinstance(r[0], int)]
        return Chunk(name, start, start + end, records, finished)

    def remove(self, name: str) -> None:
        try:
            os.unlink(self.directory / name)
        except FileNotFoundError:
            pass


def _records(data: bytes, name: str) -> list:
    """The JSON values of a run of journal lines: parsed as one array (one orjson call, not one per line); only
    when that fails, line by line, skipping what does not parse."""
    lines = data.rstrip(b"\n")
    if not lines:
        return []
    try:
        return orjson.loads(b"[" + lines.replace(b"\n", b",") + b"]")
    except orjson.JSONDecodeError:
        pass
    records = []
    for line in data.splitlines():
        if not line:
            continue
        try:
            records.append(orjson.loads(line))
        except orjson.JSONDecodeError:
            log.warning("journal %s: an unreadable line of %d bytes skipped", name, len(line))
    return records


def _pid_of(name: str) -> int | None:
    head = name.split("-", 1)[0]
    return int(head) if head.isdigit() else None
