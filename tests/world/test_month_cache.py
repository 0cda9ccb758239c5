"""world/ledger.py MonthCache: generated months by (account id, year, month), least recently used evicted."""

from __future__ import annotations

from types import SimpleNamespace

from sandbox.world.ledger import MonthCache


def test_months_are_kept_by_account_id_and_the_least_recently_used_goes_first():
    made = []

    def generate(account, y, m):
        made.append((account.id, y, m))
        return (account.id, y, m)

    cache = MonthCache(generate, 2)
    a, same_a, b = SimpleNamespace(id="a"), SimpleNamespace(id="a"), SimpleNamespace(id="b")
    assert cache(a, 2020, 1) == ("a", 2020, 1)
    assert cache(same_a, 2020, 1) == ("a", 2020, 1)  # another object with the same id: the same month
    cache(b, 2020, 1)
    cache(a, 2020, 1)  # used again: b is now the oldest
    cache(a, 2020, 2)
    assert len(cache) == 2
    assert made == [("a", 2020, 1), ("b", 2020, 1), ("a", 2020, 2)]
    cache(b, 2020, 1)  # evicted: generated again
    assert made[-1] == ("b", 2020, 1)
    cache.cache_clear()
    assert len(cache) == 0
