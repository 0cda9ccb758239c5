"""sandbox/state.py's change stamp: a clock or room change made through one store (another worker, another process)
is seen by every other store of the same directory on its next read, without a system call per read."""

from __future__ import annotations

import os

from sandbox.state import StateStore


def test_a_change_through_one_store_is_seen_by_another_at_once(tmp_path):
    one, two = StateStore(tmp_path), StateStore(tmp_path)
    assert two.clock_get() is None
    before = two.stamp()
    one.clock_set("2030-01-02", "2026-12-03T10:00:00+00:00", "2025-06-30")
    assert two.stamp() != before and two.clock_get() == "2030-01-02"
    one.clock_clear()
    assert two.clock_get() is None


def test_a_forked_worker_sees_the_parents_later_change(tmp_path):
    store = StateStore(tmp_path)
    assert store.clock_get() is None
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the worker: reads once (caches), waits for the change, reads again
        try:
            first = store.clock_get()
            os.write(ready_w, b"x")
            os.read(go_r, 1)
            os._exit(0 if first is None and store.clock_get() == "2031-03-04" else 1)
        except BaseException:
            os._exit(2)
    os.read(ready_r, 1)
    StateStore(tmp_path).clock_set("2031-03-04", "2026-12-03T10:00:00+00:00", "2025-06-30")
    os.write(go_w, b"x")
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_a_stamp_file_of_an_earlier_version_is_taken_over(tmp_path):
    (tmp_path / "state.stamp").write_bytes(b"")
    store = StateStore(tmp_path)
    assert len(store.stamp()) == 8 and (tmp_path / "state.stamp").stat().st_size == 8
    before = store.stamp()
    store.touch()
    assert store.stamp() != before
