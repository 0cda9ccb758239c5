"""Issue 19: pages of one account share their written transactions (body_cache.ItemCache) and write each page's
items through one TransactionWriter (bank/item_json.py). Neither may change a byte: overlapping windows answer exactly
what rules without any cache answer, and a service that withholds fields inside the items neither uses the shared
items nor damages them."""

from __future__ import annotations

from datetime import timedelta

import orjson

from sandbox.bank import wire
from sandbox.bank.body_cache import ItemCache
from sandbox.bank.rules import BankRules
from sandbox.profiles.grant import _drop
from sandbox.world import Period

WITHHELD = ("transactions[].counterParties[].accountIdentifier", "transactions[].counterParties[].postalAddress",
            "transactions[].currencyExchange")


class _Withholding:
    """A grant that lets everything through but withholds fields inside the items (as Politi's profile does)."""

    withheld = WITHHELD

    def bind(self, world, party, identifier):
        return self

    def check_account(self, account):
        return None

    def withhold(self, body: dict) -> dict:
        for path in self.withheld:
            _drop(body, path.split("."))
        return body


def _pages(world, rules, shifts=range(0, 400, 37)):
    """(account, reference, window, body) of the first page of overlapping windows on every account."""
    for account in world.accounts.values():
        if account.data_not_delivered or not account.owners:
            continue
        bank = world.banks[account.bank_id]
        reference = rules.codec.encode(account.id, account.owners[0].party_id)
        for k in shifts:
            start = max(account.opened, world.today - timedelta(days=3000)) + timedelta(days=k)
            if start > world.today:
                break
            window = Period(start, world.today)
            query = {"fromDate": start.isoformat(), "toDate": world.today.isoformat()}
            try:
                body = rules.transactions(bank, reference, window, None, f"/accounts/{reference}/transactions", query)
            except Exception:  # noqa: BLE001 - no relation of that owner in this window: not a page to compare
                continue
            yield account, reference, window, body


def test_overlapping_windows_answer_the_bytes_of_an_uncached_render(world):
    cached, plain = BankRules(world, 50), BankRules(world, 50, 0, cache_items=0)
    compared = 0
    for account, reference, window, body in _pages(world, cached):
        query = {"fromDate": window.start.isoformat(), "toDate": window.end.isoformat()}
        fresh = plain.transactions(world.banks[account.bank_id], reference, window, None,
                                   f"/accounts/{reference}/transactions", query)
        assert body.json == fresh.json
        compared += 1
    assert compared > 20
    rendered = sum(len(b["transactions"]) for *_, b in _pages(world, BankRules(world, 50, 0, cache_items=0)))
    assert 0 < len(cached.items) < rendered  # the windows overlap: items were shared, not rendered again


def test_a_service_that_withholds_item_fields_neither_uses_nor_damages_shared_items(world):
    rules = BankRules(world, 50)
    pages = [p for p in _pages(world, rules) if any("counterParties" in t for t in p[3]["transactions"])]
    assert pages
    account, reference, window, full = pages[0]
    kept = len(rules.items)
    bank = world.banks[account.bank_id]
    query = {"fromDate": window.start.isoformat(), "toDate": window.end.isoformat(), "x": "withheld"}
    withheld = rules.transactions(bank, reference, window, None, f"/accounts/{reference}/transactions", query,
                                  _Withholding())
    assert len(rules.items) == kept  # rendered apart
    assert not any("postalAddress" in cp or "accountIdentifier" in cp
                   for t in withheld["transactions"] for cp in t.get("counterParties", []))
    again = rules.transactions(bank, reference, window, None, f"/accounts/{reference}/transactions",
                               {k: v for k, v in query.items() if k != "x"} | {"y": "1"})
    plain = BankRules(world, 50, 0, cache_items=0).transactions(
        bank, reference, window, None, f"/accounts/{reference}/transactions",
        {k: v for k, v in query.items() if k != "x"} | {"y": "1"})
    assert again.json == plain.json  # the shared items still carry what the withholding page removed


_MONTHS = {(2024, m): tuple(range(10 * m, 10 * m + 3)) for m in range(1, 6)}  # three items a month


def _parts(*specs):
    """[(key, the month's sources, lo, hi)] as the ledger hands a window out (Ledger.booked_months)."""
    return [((2024, m), _MONTHS[2024, m], lo, hi) for m, lo, hi in specs]


def _items(chunks) -> list:
    assert all(chunks)  # no chunk is empty: each holds whole items joined with commas
    return [item["n"] for item in orjson.loads(b"[" + b",".join(chunks) + b"]")]


def test_the_item_cache_is_bounded_and_can_keep_nothing():
    calls = []

    def write(sources):
        calls.extend(sources)
        return [b'{"n":%d}' % source for source in sources]

    cache = ItemCache(7)
    assert cache.page("s", _parts((1, 0, 3), (2, 1, 3)), write) == ([b'{"n":10},{"n":11},{"n":12}', b'{"n":21},{"n":22}'], 5)
    assert calls == [10, 11, 12, 20, 21, 22] and len(cache) == 6  # whole months, the edge month's too, one call
    chunks, count = cache.page("s", _parts((2, 0, 2)), write, extra=[99])
    assert (_items(chunks), count) == ([20, 21, 99], 3) and calls[6:] == [99]  # pending items: written each time
    cache.page("s", _parts((3, 0, 3)), write)
    assert len(cache) == 3  # 6 + 3 > 7: emptied, then the new month kept
    calls.clear()
    assert _items(ItemCache(2).page("s", _parts((1, 0, 3)), write)[0]) == [10, 11, 12] and calls == [10, 11, 12]
    calls.clear()
    assert ItemCache(0).page("s", _parts((1, 1, 3), (2, 0, 1)), write, [99]) == ([b'{"n":11},{"n":12},{"n":20},{"n":99}'], 4)
    assert calls == [11, 12, 20, 99]  # keeping nothing: only the page's own items


def test_one_renderer_per_page_renders_as_the_single_item_function(world):
    for account in world.accounts.values():
        txs = world.transactions(account, Period(account.opened, world.today))
        if not txs:
            continue
        bank, cards = world.banks[account.bank_id], wire.card_versions(account.cards)
        page = wire.TransactionRenderer(account, bank, cards, world.parties, world.today)
        assert [page(t) for t in txs] == [wire.transaction(t, account, bank, cards, world.parties, world.today)
                                          for t in txs]


def test_a_page_writes_only_the_months_not_kept_in_one_call_and_hands_out_kept_months_as_they_are():
    calls = []

    def write(sources):
        calls.append(list(sources))
        return [b"<%d>" % source for source in sources]

    cache = ItemCache(100)
    first, count = cache.page("s", _parts((1, 2, 3), (2, 0, 3), (3, 0, 3)), write)
    assert count == 7 and b",".join(first) == b"<12>,<20>,<21>,<22>,<30>,<31>,<32>"
    assert calls == [[10, 11, 12, 20, 21, 22, 30, 31, 32]] and len(cache) == 9
    shifted, count = cache.page("s", _parts((2, 1, 3), (3, 0, 3), (4, 0, 3), (5, 0, 1)), write)
    assert count == 9 and b",".join(shifted) == b"<21>,<22>,<30>,<31>,<32>,<40>,<41>,<42>,<50>"
    assert calls[1:] == [[40, 41, 42, 50, 51, 52]]  # only the months not kept, in page order, in one call
    assert shifted[1] is first[2]  # a whole kept month is handed out as it is kept: no copy
    assert cache.page("other scope", _parts((1, 0, 1)), write)[0] == [b"<10>"] and calls[2:] == [[10, 11, 12]]
    again, _ = cache.page("s", _parts((2, 1, 3), (3, 0, 3), (4, 0, 3), (5, 0, 1)), write)
    assert again == shifted and len(calls) == 3
