"""A transaction's JSON written straight from the world's Transaction, without building its dict (issue 19).

The first render of a 1000-item transactions page was mostly building 1000 dicts (and the garbage collector's
passes over them) only to have orjson write them out. `TransactionWriter.write_all` writes a page's items as
JSON bytes joined from parts that are JSON already: the parts many items share are dumped by orjson once per
page (counterParties, paymentCard) or per process (the code and indicators of a kind, a day, a text, a
merchant), the id and reference by orjson each time (its escaping is every other string's), a timestamp's and
an amount's digits from kept tables (as the dict renderer writes them, without printf). Each part is a column
computed by one map/zip loop in C over the page; Python runs only for the parts not written yet and the rare
shapes (another time zone, two different days, an amount past _PLAIN, a foreign currency, no reference).

The bytes are what orjson.dumps writes for the dict that `TransactionRenderer` (wire.py) builds for the same
item, byte for byte: tests/bank/test_item_json.py checks it on every item of the test world and on generated
pages (hypothesis), and fixtures/default (tests/cli/test_export.py) did not change. The dict renderer stays for
the callers that need dicts (a service that withholds fields inside the items deletes keys in them).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from itertools import repeat
from operator import add, attrgetter, floordiv, is_, mod, mul

import orjson

from sandbox.dsop import wire as dsop_wire
from sandbox.world.transaction import CODES

from .wire import _HIDDEN, TransactionRenderer

_dumps = orjson.dumps


class TransactionWriter(TransactionRenderer):
    """A TransactionRenderer (call it for an item's dict) that also writes items' JSON bytes (`write_all`)."""

    __slots__ = ("_tail", "_party_texts", "_card_texts", "_card_by_id", "_version_texts")

    def __init__(self, account, bank, cards_by_id, holders, today, shield=None):
        super().__init__(account, bank, cards_by_id, holders, today, shield)
        self._tail = b',"currency":' + _dumps(self.currency) + b"}"
        # (id(cp), direction) → ,"counterParties":[…], or b"" (hidden, or no counterparty: id(None))
        self._party_texts: dict = {(id(None), "debit"): b"", (id(None), "credit"): b""}
        self._card_by_id: dict = {}  # card id → ,"paymentCard":{…} (one version), or b"" (a card not listed)
        self._card_texts: dict = {}  # (card id, day) → ,"paymentCard":{…} of a reissued card's version that day
        self._version_texts: dict = {}  # id(a card version's paymentCard) → ,"paymentCard":{…}

    def write(self, t) -> bytes:
        """The JSON of one item: orjson.dumps(self(t)), written without the dict."""
        return self.write_all([t])[0]

    def write_all(self, txs: list) -> list[bytes]:
        """write() of each of `txs`. Column by column, each a loop in C (map, zip): a field of every item, then its
        part looked up in a table of written parts (a day's, a text's, a counterparty's …); then, in Python, only
        the parts not kept yet and the rare shapes; then each item joined from its parts."""
        n = len(txs)
        ids = list(map(_dumps, map(_ID, txs)))
        references = list(map(_REFERENCE, txs))
        refs, ref_open, ref_close = list(map(_dumps, references)), [_REF_OPEN] * n, [_REF_CLOSE] * n
        directions = list(map(_DIRECTION, txs))
        heads = list(map(_HEADS.get, zip(map(_KIND, txs), directions, map(_STATUS, txs), map(_REVERSAL, txs),
                                          strict=True)))
        booked = list(map(_BOOKED, txs))
        dates = list(map(_BOOKINGS.get, booked))
        cps = list(map(_COUNTERPARTY, txs))
        parties = list(map(self._party_texts.get, zip(map(id, cps), directions, strict=True)))
        texts = list(map(_TEXT, txs))
        infos = list(map(_INFOS.get, texts))
        merchant_names = list(map(_MERCHANT, txs))
        merchants = list(map(_MERCHANTS.get, merchant_names))
        card_ids = list(map(_CARD, txs))
        # no card: b"" (the default); a card of one version: its part by id; a reissued one: item by item below
        cards = list(map(self._card_by_id.get, card_ids, map(_ABSENT.get, card_ids)))
        registered = list(map(_REGISTERED_AT, txs))
        ordinals = list(map(_TOORDINAL, registered))
        moments = list(map(_MOMENTS.get, ordinals))
        minutes = list(map(_MINUTES.__getitem__, map(add, map(mul, map(_HOUR, registered), repeat(60)),
                                                       map(_MINUTE, registered))))
        seconds = list(map(_SECONDS.__getitem__, map(_SECOND, registered)))
        amounts = list(map(abs, map(_AMOUNT, txs)))
        kroner = list(map(_INTEGER.__mod__, map(floordiv, amounts, repeat(100))))
        cents = list(map(_CENTS.__getitem__, map(mod, amounts, repeat(100))))
        exchanges = [b""] * n
        # the parts not kept yet, and the rare shapes, item by item
        if None in references or "" in references:
            for i in _where(references, _falsy):
                ref_open[i] = refs[i] = ref_close[i] = b""
        for i in _where(heads, None):
            t = txs[i]
            heads[i] = _HEADS.get((t.kind, t.direction, t.status, t.reversal)) or self._head(
                t.kind, t.direction, t.status, t.reversal)
        values = list(map(_VALUE, txs))
        if values != booked:
            for i in _where(dates, None):  # first the days not kept yet: then the pairs of two days
                dates[i] = _BOOKINGS.get(booked[i]) or _booking(booked[i])
            for i in range(n):
                if values[i] != booked[i]:
                    dates[i] = _BOOKING_ONLY.get(booked[i]) or _booking_only(booked[i])
                    dates[i] += _VALUES.get(values[i]) or _value(values[i])
        else:
            for i in _where(dates, None):
                dates[i] = _BOOKINGS.get(booked[i]) or _booking(booked[i])
        party_texts = self._party_texts
        for i in _where(parties, None):  # a page's first item of a counterparty writes it; the others find it
            if (text := party_texts.get((id(cps[i]), directions[i]))) is None:
                text = self._party_text(cps[i], directions[i])
            parties[i] = text
        for i in _where(infos, None):
            infos[i] = _INFOS.get(texts[i]) or _info(texts[i])
        for i in _where(merchants, None):
            merchants[i] = _MERCHANTS.get(merchant_names[i]) or _merchant(merchant_names[i])
        for i in _where(cards, None):
            cards[i] = self._card_text(card_ids[i], booked[i] or registered[i].date())
        for i in _where(moments, None):
            moments[i] = _MOMENTS.get(ordinals[i]) or _moment(ordinals[i])
        if not all(map(is_, map(_TZINFO, registered), repeat(UTC))):
            for i in range(n):
                if registered[i].tzinfo is not UTC:
                    moments[i] = b',"registered":"' + dsop_wire.datetime_z(registered[i]).encode() + b'","amount":'
                    minutes[i] = seconds[i] = b""
        if amounts and max(amounts) >= _PLAIN:
            for i in range(n):
                if amounts[i] >= _PLAIN:
                    kroner[i], cents[i] = _amount(amounts[i]), b""
        if any(map(_ORIGINAL_CURRENCY, txs)):
            for i in range(n):
                if txs[i].original_currency:
                    exchanges[i] = self._exchange(txs[i])
        return list(map(b"".join, zip(repeat(_OPEN), ids, ref_open, refs, ref_close, heads, dates, parties, infos,
                                      exchanges, merchants, cards, moments, minutes, seconds, kroner, cents,
                                      repeat(self._tail), strict=False)))  # the repeats are endless

    def _head(self, kind: str, direction: str, status: str, reversal) -> bytes:
        """creditDebitIndicator, reversalIndicator, status and transactionCode: one part for the four."""
        code = self._codes.get(kind) or self._code(kind, CODES[kind])
        text = _HEADS[kind, direction, status, reversal] = (
            b',"creditDebitIndicator":' + _dumps(direction) + b',"reversalIndicator":' + _dumps(reversal)
            + b',"status":' + _dumps(status) + b',"transactionCode":' + _dumps(code))
        return text

    def _party_text(self, cp, direction: str) -> bytes:
        key = (id(cp), direction)  # the page's transactions hold cp: its id is its own while writing
        if cp is None:
            text = b""
        else:
            parties = self._parties.get(key) or self._counterparties(key, cp, direction)
            text = b"" if parties is _HIDDEN else b',"counterParties":' + _dumps(parties)
        self._party_texts[key] = text
        return text

    def _card_text(self, card_id: str, day) -> bytes:
        """The paymentCard part of the version of card `card_id` that paid on `day` (b"" for a card not listed):
        kept by card id when the card has one version (the one that pays on every day: model.card_in_use), else
        by (card id, day)."""
        versions = self.cards_by_id.get(card_id)
        single = versions is None or len(versions) == 1
        key = card_id if single else (card_id, day)
        kept = self._card_by_id if single else self._card_texts
        if (text := kept.get(key)) is None:
            shown = self._card((card_id, day), card_id, day)
            if shown is None:
                text = b""
            elif (text := self._version_texts.get(id(shown))) is None:  # one dict per card version, kept
                text = self._version_texts[id(shown)] = b',"paymentCard":' + _dumps(shown)
            kept[key] = text
        return text

    def _exchange(self, t) -> bytes:
        return b',"currencyExchange":' + _dumps({
            "originalAmount": dsop_wire.money(t.original_amount), "sourceCurrency": t.original_currency,
            "targetCurrency": self.currency, "unitCurrency": t.original_currency, "exchangeRate": t.exchange_rate})


def _falsy(value) -> bool:
    return not value


def _where(column: list, missing) -> list[int]:
    """The places in `column` of None (missing None), or of the values for which `missing` is true."""
    if missing is None:
        return [i for i, x in enumerate(column) if x is None] if None in column else []
    return [i for i, x in enumerate(column) if missing(x)]


_ID, _REFERENCE, _DIRECTION, _KIND, _STATUS, _REVERSAL = map(
    attrgetter, ("id", "reference", "direction", "kind", "status", "reversal"))
_BOOKED, _VALUE, _COUNTERPARTY, _TEXT, _MERCHANT, _CARD = map(
    attrgetter, ("booking_date", "value_date", "counterparty", "text", "merchant", "card_id"))
_REGISTERED_AT, _AMOUNT, _ORIGINAL_CURRENCY = map(attrgetter, ("registered", "amount", "original_currency"))
_HOUR, _MINUTE, _SECOND, _TZINFO = map(attrgetter, ("hour", "minute", "second", "tzinfo"))
_TOORDINAL = datetime.toordinal
_OPEN = b'{"transactionIdentifier":'
_REF_OPEN, _REF_CLOSE = b',"references":[{"value":', b',"type":"archiveReference"}]'
_INTEGER = b"%d"


def _kept(table: dict, key, text: bytes) -> bytes:
    if len(table) >= _KEPT:
        table.clear()
        table.update(_ABSENT)
    table[key] = text
    return text


def _moment(ordinal: int) -> bytes:
    return _kept(_MOMENTS, ordinal, b',"registered":"' + date.fromordinal(ordinal).isoformat().encode())


def _booking(day) -> bytes:
    """bookingDate and valueDate, the same day."""
    midnight = _dumps(dsop_wire.midnight_z(day))
    return _kept(_BOOKINGS, day, b',"bookingDate":' + midnight + b',"valueDate":' + midnight)


def _booking_only(day) -> bytes:
    return _kept(_BOOKING_ONLY, day, b',"bookingDate":' + _dumps(dsop_wire.midnight_z(day)))


def _value(day) -> bytes:
    return _kept(_VALUES, day, b',"valueDate":' + _dumps(dsop_wire.midnight_z(day)))


def _info(text: str) -> bytes:
    return _kept(_INFOS, text, b',"additionalInfo":' + _dumps(text[:500]) if text else b"")


def _merchant(merchant: str) -> bytes:
    return _kept(_MERCHANTS, merchant, b',"merchant":' + _dumps(merchant[:140]) if merchant else b"")


def _amount(amount: int) -> bytes:
    return _dumps(amount // 100 if amount % 100 == 0 else amount / 100)


#: Parts written once per process (pure functions of their key; each table emptied past _KEPT entries): a day's
#: registered date, bookingDate and valueDate, a text's additionalInfo, a merchant; no text, merchant or booking
#: day (None, "") is no part (_ABSENT, kept in every table).
_ABSENT = {None: b"", "": b""}
_MOMENTS: dict = {}
_BOOKINGS: dict = dict(_ABSENT)
_BOOKING_ONLY: dict = {}
_VALUES: dict = {}
_INFOS: dict = dict(_ABSENT)
_MERCHANTS: dict = dict(_ABSENT)
#: (kind, direction, status, reversal) → the part from creditDebitIndicator to transactionCode (the codes are
#: constants of the ledger: kept per process).
_HEADS: dict[tuple, bytes] = {}
_KEPT = 30_000
#: A timestamp's time of day in two parts, "THH:MM:" by minute of the day and "SSZ" by second (a leap second too),
#: the second closing the registered date-time and opening the amount.
_MINUTES = tuple(f"T{h:02d}:{m:02d}:".encode() for h in range(24) for m in range(60))
_SECONDS = tuple(f'{s:02d}Z","amount":'.encode() for s in range(61))
#: An amount in øre below _PLAIN is written as its kroner and _CENTS (orjson writes the float amount / 100 with the
#: same digits: a decimal of at most 15 significant digits is the shortest text of its nearest double); above it,
#: orjson writes it.
_PLAIN = 10**15
_CENTS = (b"", *(f".{c:02d}".rstrip("0").encode() for c in range(1, 100)))
