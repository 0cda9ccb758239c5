"""The ledger's generated months, kept by (account id, year, month), least recently used evicted (issue 8).

A month is generated once (world/ledger.py `_generate_month_entry`: its transactions, last booking day and latest
registration time) and then handed out to every window that covers it; this bounds how many are kept. Plain
Python, no Flask.
"""

from __future__ import annotations

from collections import OrderedDict

from .model import Account


class MonthCache:
    """Generated months by (account id, year, month), least recently used evicted past `maxsize`. Keyed by the
    account's id, not the Account: a frozen dataclass hashes every field on every look-up, and a 10-year window
    looks up 120 months on every request, warm or cold."""

    def __init__(self, generate, maxsize: int):
        self._generate = generate
        self.maxsize = maxsize
        #: (account id, year, month) → entry, least recently used first. Ledger.booked_months reads it directly
        #: (a kept month moved to the end, as here): a window's months without a call per month.
        self.kept: OrderedDict = OrderedDict()

    def __call__(self, account: Account, y: int, m: int):
        key = (account.id, y, m)
        entries = self.kept
        entry = entries.get(key)
        if entry is None:
            entry = entries[key] = self._generate(account, y, m)
            while len(entries) > self.maxsize:
                entries.popitem(last=False)
        else:
            try:
                entries.move_to_end(key)
            except KeyError:  # evicted meanwhile by another thread (the dev server's): still the right answer
                pass
        return entry

    def __len__(self) -> int:
        return len(self.kept)

    def cache_clear(self) -> None:
        self.kept.clear()
