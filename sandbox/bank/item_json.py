"""A transaction's JSON written straight from the world's Transaction, without building its dict (issue 19).

The first render of a 1000-item transactions page was mostly building 1000 dicts (with the garbage collector's
passes over them) only to have orjson write them out. `TransactionWriter.write` writes an item's JSON text
directly: one f-string per item, whose parts are either JSON already (the parts many items share are dumped by
orjson once per page or per process: transactionCode, counterParties, paymentCard, currencyExchange, the written
days, texts and merchants) or cannot need escaping (an id or reference made of letters and digits, the
digits of a timestamp or an amount). The text is the bytes orjson.dumps writes for the dict that
`TransactionRenderer` (wire.py) builds for the same item, byte for byte: tests/bank/test_item_json.py checks it on
every item of the default world and on generated values. The dict renderer stays for the callers that need dicts
(a service that withholds fields inside the items deletes keys in them).
"""

from __future__ import annotations

from datetime import UTC

import orjson

from sandbox.dsop import wire as dsop_wire

from .wire import _DATES, _HIDDEN, _MINUTES, _SECONDS, TransactionRenderer


def _json(value) -> str:
    """orjson's text for a value (the escaping every other part of a body gets)."""
    return orjson.dumps(value).decode()


class TransactionWriter(TransactionRenderer):
    """A TransactionRenderer (call it for an item's dict) that also writes an item's JSON text (`write`)."""

    __slots__ = ("_tail", "_code_texts", "_party_texts", "_card_texts")

    def __init__(self, account, bank, cards_by_id, holders, today, shield=None):
        super().__init__(account, bank, cards_by_id, holders, today, shield)
        self._tail = f',"currency":{_json(self.currency)}}}'
        self._code_texts: dict = {}  # kind → ',"transactionCode":{…}'
        self._party_texts: dict = {}  # (id(cp), direction) → ',"counterParties":[…]', or "" when hidden
        self._card_texts: dict = {}  # (card id, day) → ',"paymentCard":{…}', or "" for a card not listed

    def _code_text(self, kind: str, t) -> str:
        code = self._codes.get(kind) or self._code(kind, t.code)
        text = self._code_texts[kind] = ',"transactionCode":' + _json(code)
        return text

    def _party_text(self, key, cp, direction: str) -> str:
        parties = self._parties.get(key) or self._counterparties(key, cp, direction)
        text = self._party_texts[key] = "" if parties is _HIDDEN else ',"counterParties":' + _json(parties)
        return text

    def _card_text(self, key, card_id: str) -> str:
        shown = self._card(key, card_id, key[1])
        text = self._card_texts[key] = "" if shown is None else ',"paymentCard":' + _json(shown)
        return text

    def write(self, t) -> str:
        """The JSON text of one item: orjson.dumps(self(t)), written without the dict."""
        kind, direction = t.kind, t.direction
        code = self._code_texts.get(kind) or self._code_text(kind, t)
        tid = t.id
        tid = f'"{tid}"' if tid.isalnum() else _json(tid)  # letters and digits: nothing to escape
        reference = t.reference
        if not reference:
            refs = ""
        elif reference.isalnum():
            refs = f',"references":[{{"value":"{reference}","type":"archiveReference"}}]'
        else:
            refs = f',"references":[{{"value":{_json(reference)},"type":"archiveReference"}}]'
        booked = t.booking_date
        if booked is not None:
            dates = (_BOOKINGS.get(booked) or _booking(booked)) + (_VALUES.get(t.value_date) or _value(t.value_date))
        else:
            dates = ""
        cp = t.counterparty
        if cp is not None:
            key = (id(cp), direction)  # the page's transactions hold cp: its id is its own while writing
            parties = self._party_texts.get(key)
            if parties is None:
                parties = self._party_text(key, cp, direction)
        else:
            parties = ""
        text = t.text
        info = (_INFOS.get(text) or _info(text)) if text else ""
        fx = (',"currencyExchange":' + _json({
            "originalAmount": dsop_wire.money(t.original_amount), "sourceCurrency": t.original_currency,
            "targetCurrency": self.currency, "unitCurrency": t.original_currency,
            "exchangeRate": t.exchange_rate})) if t.original_currency else ""
        merchant = t.merchant
        merchant = (_MERCHANTS.get(merchant) or _merchant(merchant)) if merchant else ""
        registered = t.registered
        card_id = t.card_id
        if card_id:
            key = (card_id, booked or registered.date())
            card = self._card_texts.get(key)
            if card is None:
                card = self._card_text(key, card_id)
        else:
            card = ""
        if registered.tzinfo is UTC:  # dsop_wire.datetime_z from kept parts, as the dict renderer writes it
            registered = ((_DATES.get(registered.toordinal()) or self._date(registered))
                          + _MINUTES[registered.hour * 60 + registered.minute] + _SECONDS[registered.second])
        else:
            registered = dsop_wire.datetime_z(registered)
        amount = t.amount
        if amount < 0:
            amount = -amount
        amount = f"{amount // 100}{_CENTS[amount % 100]}" if amount < _PLAIN else _json(
            amount // 100 if amount % 100 == 0 else amount / 100)
        reversal = t.reversal
        reversal = "true" if reversal is True else "false" if reversal is False else _json(reversal)
        return (f'{{"transactionIdentifier":{tid}{refs},"creditDebitIndicator":'
                f'{_WORDS.get(direction) or _word(direction)},"reversalIndicator":{reversal},"status":'
                f'{_WORDS.get(t.status) or _word(t.status)}{code}{dates}{parties}{info}{fx}{merchant}{card}'
                f',"registered":"{registered}","amount":{amount}{self._tail}')


def _kept(table: dict, key, text: str) -> str:
    if len(table) >= _KEPT:
        table.clear()
    table[key] = text
    return text


def _booking(day) -> str:
    return _kept(_BOOKINGS, day, f',"bookingDate":"{dsop_wire.midnight_z(day)}"')


def _value(day) -> str:
    return _kept(_VALUES, day, f',"valueDate":"{dsop_wire.midnight_z(day)}"')


def _info(text: str) -> str:
    return _kept(_INFOS, text, ',"additionalInfo":' + _json(text[:500]))


def _merchant(merchant: str) -> str:
    return _kept(_MERCHANTS, merchant, ',"merchant":' + _json(merchant[:140]))


def _word(word: str) -> str:
    return _kept(_WORDS, word, _json(word))


#: Parts written once per process (pure functions of their key; each table emptied past _KEPT entries): a day's
#: bookingDate and valueDate, a text's additionalInfo, a merchant, a status or direction.
_BOOKINGS: dict = {}
_VALUES: dict = {}
_INFOS: dict[str, str] = {}
_MERCHANTS: dict[str, str] = {}
_WORDS: dict[str, str] = {}
_KEPT = 30_000
#: An amount in øre below this is written as its kroner and _CENTS (orjson writes the float amount / 100 with the
#: same digits: a decimal of at most 15 significant digits is the shortest text of its nearest double); above it,
#: orjson writes it.
_PLAIN = 10**15
_CENTS = ("", *(f".{c:02d}".rstrip("0") for c in range(1, 100)))
