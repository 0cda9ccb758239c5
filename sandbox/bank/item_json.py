"""A transaction's JSON written straight from the world's Transaction, without building its dict (issue 19).

The first render of a 1000-item transactions page was mostly building 1000 dicts (with the garbage collector's
passes over them) only to have orjson write them out. `TransactionWriter.write` writes an item's JSON text
directly as bytes joined from parts that are JSON already: the parts many items share are dumped by orjson once
per page (transactionCode, counterParties, paymentCard) or per process (days, texts, merchants), the id and
reference by orjson each time (its escaping is every other string's), a timestamp's and an amount's digits from
kept tables (as the dict renderer writes them, without printf). The bytes are the bytes orjson.dumps writes for the dict that
`TransactionRenderer` (wire.py) builds for the same item, byte for byte: tests/bank/test_item_json.py checks it on
every item of the default world and on generated values. The dict renderer stays for the callers that need dicts
(a service that withholds fields inside the items deletes keys in them).
"""

from __future__ import annotations

from datetime import UTC, date
from operator import attrgetter

import orjson

from sandbox.dsop import wire as dsop_wire
from sandbox.world.transaction import CODES

from .wire import _HIDDEN, TransactionRenderer


def _json(value) -> str:
    """orjson's JSON of a value as a "byte string": the UTF-8 bytes as the characters U+0000–U+00FF (latin-1), so
    that an item's parts are joined by one f-string and the item turned back into exactly those bytes by
    encode("latin-1"), a copy (a str of one-byte characters is its latin-1 bytes)."""
    return orjson.dumps(value).decode("latin-1")


class TransactionWriter(TransactionRenderer):
    """A TransactionRenderer (call it for an item's dict) that also writes an item's JSON bytes (`write`)."""

    __slots__ = ("_tail", "_code_texts", "_party_texts", "_card_texts")

    def __init__(self, account, bank, cards_by_id, holders, today, shield=None):
        super().__init__(account, bank, cards_by_id, holders, today, shield)
        self._tail = f',"currency":{_json(self.currency)}}}'
        self._code_texts: dict = {}  # kind → ,"transactionCode":{…}
        self._party_texts: dict = {}  # (id(cp), direction) → ,"counterParties":[…], or "" when hidden
        self._card_texts: dict = {}  # (card id, day) → ,"paymentCard":{…}, or "" for a card not listed

    def _code_text(self, kind: str) -> str:
        code = self._codes.get(kind) or self._code(kind, CODES[kind])
        text = self._code_texts[kind] = ',"transactionCode":' + _json(code)
        return text

    def _party_text(self, cp, direction: str) -> str:
        key = (id(cp), direction)  # the page's transactions hold cp: its id is its own while writing
        parties = self._counterparties(key, cp, direction)
        text = self._party_texts[key] = "" if parties is _HIDDEN else ',"counterParties":' + _json(parties)
        return text

    def _card_text(self, key) -> str:
        shown = self._card(key, key[0], key[1])
        text = self._card_texts[key] = "" if shown is None else ',"paymentCard":' + _json(shown)
        return text

    def write(self, t) -> str:
        """The JSON of one item as a byte string (see _json): orjson.dumps(self(t)), written without the dict."""
        return self.write_all((t,))[0]

    def write_all(self, txs) -> list[str]:
        """write() of each of `txs`, in one loop: the per-item work is the loop's body, with every table a local."""
        party_texts, party_text, card_texts, card_text = self._party_texts, self._party_text, self._card_texts, self._card_text
        tail = self._tail
        bookings, values, infos, merchants, moments = _BOOKINGS, _VALUES, _INFOS, _MERCHANTS, _REGISTERED
        heads, minutes, seconds, cents, plain, json = _HEADS, _MINUTES, _SECONDS, _CENTS, _PLAIN, _json
        out = []
        append = out.append
        for (tid, reference, direction, reversal, status, kind, booked, value, cp, text, currency, merchant, card_id,
             registered, amount) in map(_FIELDS, txs):
            head = heads.get((kind, direction, status, reversal)) or self._head(kind, direction, status, reversal)
            if not reference:
                refs = ""
            elif reference.isdecimal():  # digits (as the ledger makes them): nothing to escape
                refs = f',"references":[{{"value":"{reference}","type":"archiveReference"}}]'
            else:
                refs = f',"references":[{{"value":{json(reference)},"type":"archiveReference"}}]'
            if booked is None:
                dates = ""
            elif value is booked or value == booked:
                dates = bookings.get(booked) or _booking(booked)
            else:
                dates = (bookings.get(booked) or _booking(booked))[:-len(_SAME_DAY)] + (values.get(value) or _value(value))
            if cp is None:
                parties = ""
            elif (parties := party_texts.get((id(cp), direction))) is None:
                parties = party_text(cp, direction)
            if not card_id:
                card = ""
            elif (card := card_texts.get(key := (card_id, booked or registered.date()))) is None:
                card = card_text(key)
            if registered.tzinfo is UTC:  # dsop_wire.datetime_z from kept parts, as the dict renderer writes it
                ordinal = registered.toordinal()
                moment = (f"{moments.get(ordinal) or _registered(ordinal)}"
                          f"{minutes[registered.hour * 60 + registered.minute]}{seconds[registered.second]}")
            else:
                moment = f',"registered":"{dsop_wire.datetime_z(registered)}","amount":'
            if amount < 0:
                amount = -amount
            append(f'{{"transactionIdentifier":{json(tid)}{refs}{head}{dates}{parties}'
                   f'{(infos.get(text) or _info(text)) if text else ""}'
                   f'{self._exchange(txs[len(out)]) if currency else ""}'  # rare: from the item itself
                   f'{(merchants.get(merchant) or _merchant(merchant)) if merchant else ""}{card}{moment}'
                   f'{f"{amount // 100}{cents[amount % 100]}" if amount < plain else _amount(amount)}{tail}')
        return out

    def _head(self, kind: str, direction: str, status: str, reversal) -> str:
        """creditDebitIndicator, reversalIndicator, status and transactionCode: one part for the four."""
        text = _HEADS[kind, direction, status, reversal] = (
            f',"creditDebitIndicator":{_json(direction)},"reversalIndicator":{_json(reversal)}'
            f',"status":{_json(status)}{self._code_texts.get(kind) or self._code_text(kind)}')
        return text

    def _exchange(self, t) -> str:
        return ',"currencyExchange":' + _json({
            "originalAmount": dsop_wire.money(t.original_amount), "sourceCurrency": t.original_currency,
            "targetCurrency": self.currency, "unitCurrency": t.original_currency, "exchangeRate": t.exchange_rate})


#: A transaction's fields in the order write_all reads them (one C call per item).
_FIELDS = attrgetter("id", "reference", "direction", "reversal", "status", "kind", "booking_date", "value_date",
                     "counterparty", "text", "original_currency", "merchant", "card_id", "registered", "amount")
#: The end of a bookingDate part, its valueDate the same day: cut off when the valueDate is another day.
_SAME_DAY = ',"valueDate":"0000-00-00T00:00:00Z"'


def _kept(table: dict, key, text: str) -> str:
    if len(table) >= _KEPT:
        table.clear()
    table[key] = text
    return text


def _registered(ordinal: int) -> str:
    return _kept(_REGISTERED, ordinal, ',"registered":"' + date.fromordinal(ordinal).isoformat())


def _booking(day) -> str:
    """bookingDate, and valueDate the same day (a part that ends in _SAME_DAY)."""
    midnight = _json(dsop_wire.midnight_z(day))
    return _kept(_BOOKINGS, day, f',"bookingDate":{midnight},"valueDate":{midnight}')


def _value(day) -> str:
    return _kept(_VALUES, day, ',"valueDate":' + _json(dsop_wire.midnight_z(day)))


def _info(text: str) -> str:
    return _kept(_INFOS, text, ',"additionalInfo":' + _json(text[:500]))


def _merchant(merchant: str) -> str:
    return _kept(_MERCHANTS, merchant, ',"merchant":' + _json(merchant[:140]))


def _amount(amount: int) -> str:
    return _json(amount // 100 if amount % 100 == 0 else amount / 100)


#: Parts written once per process (pure functions of their key; each table emptied past _KEPT entries): a day's
#: registered date, bookingDate and valueDate, a text's additionalInfo, a merchant, a direction, a status.
_REGISTERED: dict[int, str] = {}
_BOOKINGS: dict = {}
_VALUES: dict = {}
_INFOS: dict[str, str] = {}
_MERCHANTS: dict[str, str] = {}
#: (kind, direction, status, reversal) → the part from creditDebitIndicator to transactionCode (a page's codes are
#: the same: kept per process, as the codes are constants of the ledger).
_HEADS: dict[tuple, str] = {}
_KEPT = 30_000
#: A timestamp's time of day in two parts, "THH:MM:" by minute of the day and "SSZ" by second (a leap second too),
#: the second closing the registered date-time and opening the amount.
_MINUTES = tuple(f"T{h:02d}:{m:02d}:" for h in range(24) for m in range(60))
_SECONDS = tuple(f'{s:02d}Z","amount":' for s in range(61))
#: An amount in øre below _PLAIN is written as its kroner and _CENTS (orjson writes the float amount / 100 with the
#: same digits: a decimal of at most 15 significant digits is the shortest text of its nearest double); above it,
#: orjson writes it.
_PLAIN = 10**15
_CENTS = ("", *(f".{c:02d}".rstrip("0") for c in range(1, 100)))
