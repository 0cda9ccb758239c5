"""A transactions page reads the ledger's months only up to its own end and one transaction more (ledger.booked's
`limit`): every page of every account, with pending transactions (a window ending today) and without, answers the
bytes of rules that gather the whole window first, and the links say the same about the next page."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from sandbox.bank.rules import BankRules
from sandbox.world import Period


class _WholeWindow:
    """The world, except that transactions() always gathers the whole window (the answer before the limit)."""

    def __init__(self, world):
        self._world = world
        self.limits: list = []

    def transactions(self, account, window, limit=None):
        self.limits.append(limit)
        return self._world.transactions(account, window)

    def transaction_months(self, account, window, limit=None):
        self.limits.append(limit)
        return self._world.transaction_months(account, window)

    def __getattr__(self, name):
        return getattr(self._world, name)


def _walk(rules, bank, reference, window):
    """Every page of the window: (page cursor, body bytes), following the `next` links."""
    base = f"/accounts/{reference}/transactions"
    query = {"fromDate": window.start.isoformat(), "toDate": window.end.isoformat()}
    cursor, out = None, []
    while True:
        body = rules.transactions(bank, reference, window, cursor, base, query)
        out.append((cursor, body.json))
        nxt = [link["href"] for link in body["links"] if link["rel"] == "next"]
        if not nxt or len(out) > 200:
            return out
        cursor = parse_qs(urlsplit(nxt[0]).query)["page"][0]


def test_every_page_answers_what_the_whole_window_gives(world):
    whole = _WholeWindow(world)
    limited, reference_rules = BankRules(world, 13, 0, cache_items=0), BankRules(whole, 13, 0, cache_items=0)
    pages = with_pending = 0
    for account in world.accounts.values():
        if account.data_not_delivered or not account.owners:
            continue
        bank = world.banks[account.bank_id]
        reference = limited.codec.encode(account.id, account.owners[0].party_id)
        for end in (world.today, world.today - timedelta(days=40)):
            window = Period(max(account.opened, end - timedelta(days=700)), end)
            if window.start > end:
                continue
            try:
                got = _walk(limited, bank, reference, window)
            except Exception:  # noqa: BLE001 - that owner had no relation in the window: not a page to compare
                continue
            assert got == _walk(reference_rules, bank, reference, window), (account.number, window)
            pages += len(got)
            with_pending += end == world.today and bool(world.ledger.pending(account))
    assert pages > 100 and with_pending > 0
    assert set(whole.limits) - {None}, "the rules ask for a limit"
