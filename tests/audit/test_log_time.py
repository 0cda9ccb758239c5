"""audit/row.py log_time: the row's time as datetime.isoformat writes it (milliseconds, Z), second part kept."""

from __future__ import annotations

from datetime import UTC, datetime

from sandbox.audit.row import log_time


def test_log_time_is_the_isoformat_of_the_instant_with_milliseconds():
    for ns in (0, 999_999_999, 1_751_284_800_123_456_789, 1_751_284_800_999_000_000, 1_751_284_801_000_000_001,
               1_893_456_000_000_999_999):
        expected = datetime.fromtimestamp(ns // 1000 / 1_000_000, UTC)
        expected = expected.replace(microsecond=(ns // 1000) % 1_000_000)
        assert log_time(ns) == expected.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    assert log_time().endswith("Z") and len(log_time()) == 24
