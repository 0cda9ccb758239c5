"""Issue 19: a transaction's JSON written without its dict (bank/item_json.py) is, byte for byte, what orjson
writes for the dict the renderer builds (bank/wire.py), on every item of the test world and on generated values
(texts that need escaping, any amount, other time zones); and a body's JsonItems (dsop/wire.py) reads as the
list of those dicts while orjson writes its kept bytes."""

from __future__ import annotations

import copy
import json
import pickle
from datetime import UTC, date, datetime, timedelta, timezone
from itertools import pairwise

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.bank import wire
from sandbox.bank.item_json import _CENTS, _PLAIN, CounterpartyTexts, TransactionWriter
from sandbox.bank.privacy import Shield
from sandbox.dsop.wire import _RUN, JsonItems, Rendered, body_bytes, dumps_body
from sandbox.world import Period
from sandbox.world.model import Address, Counterparty
from sandbox.world.transaction import CODES, Transaction


def _writer(world, account, shield=None):
    return TransactionWriter(account, world.banks[account.bank_id], wire.card_versions(account.cards),
                             world.parties, world.today, shield)


def test_every_item_of_the_world_is_the_json_of_its_dict(world):
    shield = Shield(world) or None
    written = 0
    for account in world.accounts.values():
        txs = world.transactions(account, Period(account.opened, world.today)) + world.ledger.pending(account)
        writer = _writer(world, account, shield)
        assert writer.write_all(txs) == [orjson.dumps(writer(t)) for t in txs], account.id
        written += len(txs)
    assert written > 5000


def _card_account(world):
    return next(a for a in world.accounts.values() if a.cards)


_text = st.text(st.characters(codec="utf-8"), max_size=600)
_counterparty = st.builds(
    Counterparty, name=_text, account=st.none() | st.text("0123456789", min_size=11, max_size=11),
    identifier=st.none() | _text, identifier_type=st.sampled_from([None, "nationalIdentityNumber",
                                                                   "countryIdentificationCode"]),
    address=st.none() | st.builds(Address, street=_text, building_number=st.none() | _text, post_code=_text,
                                  town=_text, country=st.sampled_from(["NO", "SE"])))
_moment = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2040, 1, 1),
                       timezones=st.sampled_from([UTC, timezone(timedelta(hours=2))]))


_transaction = st.fixed_dictionaries({
    "tid": st.text(st.characters(codec="utf-8"), min_size=1, max_size=40), "booked": st.none() | st.dates(date(1900, 1, 1), date(2200, 1, 1)),
    "value_shift": st.sampled_from([0, 0, 1, -3]), "registered": _moment,
    "amount": st.integers(0, 10**18) | st.integers(0, 10**7), "direction": st.sampled_from(["credit", "debit"]),
    "status": st.sampled_from(["booked", "pending"]), "kind": st.sampled_from(sorted(CODES)),
    "text": st.none() | _text, "counterparty": st.none() | _counterparty, "merchant": st.none() | _text,
    "card": st.booleans(), "reference": st.none() | st.text(max_size=20),
    "fx": st.none() | st.tuples(st.sampled_from(["EUR", "SEK"]), st.integers(0, 10**9),
                               st.floats(0.0001, 1e6, allow_nan=False)),
    "reversal": st.booleans()})


def _built(account, f) -> Transaction:
    booked, fx = f["booked"], f["fx"]
    value = booked + timedelta(days=f["value_shift"]) if booked else None
    return Transaction(f["tid"], booked, value, f["registered"], f["amount"], f["direction"], f["status"], f["kind"],
                       f["text"], f["counterparty"], f["merchant"], account.cards[0].id if f["card"] else None,
                       f["reference"], fx and fx[0], fx and fx[1], fx and fx[2], f["reversal"])


@settings(max_examples=200, deadline=None)
@given(fields=st.lists(_transaction, min_size=1, max_size=6))
def test_generated_items_are_the_json_of_their_dict(world, fields):
    # a page of several: write_all fills its columns' gaps item by item (parts not kept, rare shapes)
    account = _card_account(world)
    writer = _writer(world, account, Shield(world) or None)
    txs = [_built(account, f) for f in fields]
    assert writer.write_all(txs) == [orjson.dumps(writer(t)) for t in txs]
    assert [writer.write(t) for t in txs] == [orjson.dumps(writer(t)) for t in txs]


def test_amounts_below_the_plain_bound_are_written_as_orjson_writes_the_float():
    checked = 0
    for minor in [*range(0, 100_000, 3), *(10**k + d for k in range(3, 19) for d in (-1, 0, 1, 5, 50, 99))]:
        if minor < _PLAIN:
            expected = orjson.dumps(minor // 100 if minor % 100 == 0 else minor / 100)
            assert b"%d%s" % (minor // 100, _CENTS[minor % 100]) == expected, minor
            checked += 1
    assert checked > 30_000


def test_json_items_read_as_the_dicts_and_dump_as_their_bytes():
    items = [{"a": 1, "b": [2.5, "æ\"\n"]}, {"c": None, "d": True}]
    texts = list(map(orjson.dumps, items))
    kept = JsonItems.of(texts)
    body = Rendered({"head": {}, "transactions": kept, "links": []})
    fragments = lambda x: {type(list.__getitem__(x, n)) for n in range(list.__len__(x))}  # noqa: E731
    assert len(kept) == 2 and fragments(kept) == {orjson.Fragment}  # known without loading: still the Fragments
    assert body.json == orjson.dumps({"head": {}, "transactions": items, "links": []})
    again = body.copy()
    assert again["transactions"] == items and kept[0] == items[0] and fragments(kept) == {dict}  # loaded once, shared
    assert orjson.dumps(kept) == orjson.dumps(items) and json.dumps(JsonItems.of(texts)) == json.dumps(items)
    assert JsonItems.of(texts) == JsonItems.of(texts) and [*JsonItems.of(texts)] == items
    for twin in (copy.copy(JsonItems.of(texts)), copy.deepcopy(JsonItems.of(texts)), pickle.loads(pickle.dumps(JsonItems.of(texts)))):
        assert type(twin) is list and twin == items
    empty = JsonItems.of([])
    assert len(empty) == 0 and not empty and orjson.dumps(empty) == b"[]" and empty == []


def test_json_items_of_several_runs_dump_every_item_once_in_order():
    """JsonItems holds its texts in runs of _RUN items (one Fragment each): every count around a run's edge dumps
    the items with exactly one comma between each two, in order, and loads them back in order."""
    for n in (1, _RUN - 1, _RUN, _RUN + 1, 2 * _RUN, 3 * _RUN + 7):
        items = [{"n": i, "text": f"item {i}"} for i in range(n)]
        kept = JsonItems.of(list(map(orjson.dumps, items)))
        assert list.__len__(kept) == -(-n // _RUN) and len(kept) == n
        assert orjson.dumps({"transactions": kept}) == orjson.dumps({"transactions": items}), n
        assert list(kept) == items, n

_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-10**15, 10**15) | st.text(),  # text: NULs and other control characters
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=8)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(max_size=8), _JSON_VALUES | st.lists(st.dictionaries(st.text(max_size=4), _JSON_VALUES,
                                                                                    max_size=3), max_size=12),
                       max_size=5),
       st.data())
def test_a_body_with_lists_of_json_items_is_dumped_as_orjson_dumps_it(body, data):
    """dumps_body joins each top-level JsonItems not read yet into orjson's text of the rest of the body (at a NUL
    mark): byte for byte what orjson.dumps writes for the same body, whatever the keys and strings hold (NULs
    and other control characters among them), with none, one or several such lists, empty ones, and lists that
    were read (dicts again); Rendered and body_bytes write the same."""
    expected = orjson.dumps(body)
    held = dict(body)
    for key, value in body.items():
        if isinstance(value, list) and all(isinstance(item, dict) for item in value) and data.draw(st.booleans()):
            texts = list(map(orjson.dumps, value))  # in chunks of any sizes, as a page's kept months are
            cuts = sorted(data.draw(st.sets(st.integers(1, max(1, len(texts) - 1)), max_size=4))) if texts else []
            bounds = [0, *[c for c in cuts if c < len(texts)], len(texts)]
            chunks = [b",".join(texts[a:b]) for a, b in pairwise(bounds) if b > a]
            held[key] = JsonItems(chunks, len(texts))
            if data.draw(st.booleans()):
                held[key].load()  # read: dicts again, dumped by orjson
    assert dumps_body(held) == expected
    assert Rendered(held).json == expected and body_bytes(held) == expected


def test_a_body_that_is_not_an_object_is_dumped_by_orjson():
    """The API directory answers a list, an error body may be a string: no lists to join in, orjson writes it."""
    for body in ([{"env": "test"}], "text", [], 3):
        assert dumps_body(body) == orjson.dumps(body) == body_bytes(body)


def test_a_day_in_another_year_is_written_as_the_renderer_writes_it(world):
    # the kept parts (days, dates, times of day) are shared by every page of the process
    account = _card_account(world)
    writer = _writer(world, account)
    for day in (date(1999, 12, 31), date(2024, 2, 29), date(2038, 1, 19)):
        t = Transaction("TX1", day, day, datetime.combine(day, datetime.min.time(), UTC) + timedelta(seconds=86399),
                        1, "debit", "booked", "fee")
        assert writer.write(t) == orjson.dumps(writer(t))


def test_counterparty_parts_kept_for_every_page_are_each_pages_own(world):
    """One CounterpartyTexts shared by the writers of every account (as the bank rules share it), also when it is
    emptied on every page: each page's bytes are still those of its dicts, and every part kept is for an object
    it holds (so no other counterparty can take that object's id while the part is kept)."""
    shield = Shield(world) or None
    for limit in (None, 1):
        kept = CounterpartyTexts()
        if limit is not None:
            kept.limit = limit  # below a page's own: emptied before every page that misses one
        counted = 0
        for account in world.accounts.values():
            txs = world.transactions(account, Period(account.opened, world.today)) + world.ledger.pending(account)
            writer = TransactionWriter(account, world.banks[account.bank_id], wire.card_versions(account.cards),
                                       world.parties, world.today, shield, kept)
            assert writer.write_all(txs) == [orjson.dumps(writer(t)) for t in txs], (account.id, limit)
            assert all(key[0] in kept.held for key in kept.texts if key[0] != id(None))
            counted = max(counted, len(kept.texts))
        assert counted > 50 if limit is None else counted < 1000
