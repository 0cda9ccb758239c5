"""Issue 19: pages of one account share their written transactions (body_cache.ItemCache) and write each page's
items through one TransactionWriter (bank/item_json.py). Neither may change a byte: overlapping windows answer exactly
what rules without any cache answer, and a service that withholds fields inside the items neither uses the shared
items nor damages them."""

from __future__ import annotations

from datetime import timedelta

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


def test_the_item_cache_is_bounded_and_can_keep_nothing():
    calls = []

    def write(sources):
        calls.extend(sources)
        return [f'{{"n":{source}}}' for source in sources]

    cache = ItemCache(3)
    assert cache.page("scope", [1, 2, 1, 3], write, lambda s: s) == ['{"n":1}', '{"n":2}', '{"n":1}', '{"n":3}']
    assert calls == [1, 2, 3]  # the item listed twice is written once
    assert cache.page("scope", [3, 1], write, lambda s: s) == ['{"n":3}', '{"n":1}'] and calls == [1, 2, 3]
    cache.page("scope", [4], write, lambda s: s)
    assert len(cache) <= 3
    calls.clear()
    assert ItemCache(0).page("scope", [1, 1], write, lambda s: s) == ['{"n":1}', '{"n":1}']
    assert calls == [1, 1]


def test_one_renderer_per_page_renders_as_the_single_item_function(world):
    for account in world.accounts.values():
        txs = world.transactions(account, Period(account.opened, world.today))
        if not txs:
            continue
        bank, cards = world.banks[account.bank_id], wire.card_versions(account.cards)
        page = wire.TransactionRenderer(account, bank, cards, world.parties, world.today)
        assert [page(t) for t in txs] == [wire.transaction(t, account, bank, cards, world.parties, world.today)
                                          for t in txs]


def test_a_page_writes_only_what_is_not_kept_in_one_call_in_page_order():
    calls = []

    def write(sources):
        calls.append(list(sources))
        return [f"<{source}>" for source in sources]

    cache = ItemCache(100)
    first = list(range(10))
    assert cache.page("s", first, write, lambda s: s) == [f"<{n}>" for n in first]
    assert calls == [first] and len(cache) == 10  # nothing kept: the whole page in one call, every item kept
    shifted = list(range(5, 15))
    assert cache.page("s", shifted, write, lambda s: s) == [f"<{n}>" for n in shifted]
    assert calls[1:] == [[10, 11, 12, 13, 14]] and len(cache) == 15  # only the new ones, in page order
    assert cache.page("other scope", [1, 2], write, lambda s: s) == ["<1>", "<2>"] and calls[2:] == [[1, 2]]
    assert cache.page("s", shifted, write, lambda s: s) == [f"<{n}>" for n in shifted] and len(calls) == 3
