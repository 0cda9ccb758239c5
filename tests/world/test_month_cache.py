"""world/month_cache.py MonthCache: generated months by (account id, year, month), least recently used evicted."""

from __future__ import annotations

from types import SimpleNamespace

from sandbox.world.month_cache import MonthCache


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


def test_a_window_month_by_month_is_each_months_booked_transactions_within_it(world):
    """Ledger.booked_months: for windows starting and ending anywhere in a month, each part is the whole month as
    month() gives it (so the texts the bank keeps of a month fit any window's part of it) and its slice is
    exactly the month's transactions booked within the window (a month is in booking order); `limit` stops after
    the month that passes it; booked() is the parts flattened."""
    from datetime import timedelta

    from sandbox.world import Period
    from sandbox.world.ledger import iter_months

    ledger, checked = world.ledger, 0
    for n, account in enumerate(world.accounts.values()):
        for start_back, end_back in ((400 + n % 29, 3 + n % 17), (45, 0), (2000, 31)):
            window = Period(world.today - timedelta(days=start_back), world.today - timedelta(days=end_back))
            parts = ledger.booked_months(account, window)
            expected = [(ym, [t for t in ledger.month(account, *ym) if window.start <= t.booking_date <= window.end])
                        for ym in iter_months(window.start, window.end)]
            assert [(key, list(txs[lo:hi])) for key, txs, lo, hi in parts] == [e for e in expected if e[1]]
            assert all(txs == ledger.month(account, *key) for key, txs, _, _ in parts)
            assert ledger.booked(account, window) == [t for _, txs, lo, hi in parts for t in txs[lo:hi]]
            limited = ledger.booked_months(account, window, 10)
            assert limited == parts[:len(limited)] and (sum(hi - lo for *_, lo, hi in limited[:-1]) <= 10)
            checked += sum(hi - lo for *_, lo, hi in parts)
    assert checked > 5000


def test_a_window_read_month_by_month_uses_the_month_cache_as_a_call_per_month_does(world):
    """booked_months reads the month cache without a call per month: a month it reads is the cache's most recently
    used (moved to the end), a month not kept is generated once and kept, and nothing outside the window is
    read, so the least recently used month is still the one evicted next."""
    from datetime import timedelta

    from sandbox.world import Period
    from sandbox.world.ledger import Ledger, iter_months

    base = world.ledger
    ledger = Ledger(base.seed, base.today, base.pools, base.household, cache_months=10_000)
    account = next(a for a in world.accounts.values() if a.opened < world.today - timedelta(days=400))
    window = Period(world.today - timedelta(days=200), world.today - timedelta(days=40))
    months = [(account.id, y, m) for y, m in iter_months(window.start, window.end)]
    y, m = divmod(window.start.year * 12 + window.start.month - 2, 12)
    other = (account.id, y, m + 1)  # the month before the window's
    ledger.month(account, *other[1:])  # kept before the window's months: the oldest
    first = ledger.booked_months(account, window)
    assert list(ledger._months.kept)[1:] == months  # each generated once, in window order, after the other one
    ledger.month(account, *months[0][1:])  # the window's first month used again: now the most recent
    again = ledger.booked_months(account, window)
    assert again == first and all(a[1] is b[1] for a, b in zip(again, first, strict=True))  # kept, not generated
    assert list(ledger._months.kept) == [other, *months]  # read again: moved to the end
