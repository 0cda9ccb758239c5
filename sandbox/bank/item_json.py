"""A transaction's JSON written straight from the world's Transaction, without building its dict (issue 19).

The first render of a 1000-item transactions page was mostly building 1000 dicts (and the garbage collector's
passes over them) only to have orjson write them out. `TransactionWriter.write_all` writes a page's items as
JSON bytes joined from parts that are JSON already: the parts many items share are dumped by orjson once per
page (counterParties, paymentCard) or per process (the code and indicators of a kind, a day, a text, a
merchant), the ids and references of a page encoded in one go when none needs escaping, a timestamp's and an
amount's digits from kept tables or one join of the page's (as the dict renderer writes them, without printf).
A Transaction is a tuple, so `zip(*txs)` gives every field's column at once; each part is then a column
computed by one map/zip loop in C over the page; Python runs once per key not written yet and for the rare
shapes (another time zone, two different days, an amount past _PLAIN, a foreign currency, no reference, a
reissued card: its version by day, model.card_schedule).

The bytes are what orjson.dumps writes for the dict that `TransactionRenderer` (wire.py) builds for the same
item, byte for byte: tests/bank/test_item_json.py checks it on every item of the test world and on generated
pages (hypothesis), and fixtures/default (tests/cli/test_export.py) did not change. The dict renderer stays for
the callers that need dicts (a service that withholds fields inside the items deletes keys in them).
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from datetime import UTC, date, datetime
from itertools import compress, repeat
from operator import attrgetter, floordiv, getitem, is_, mod

import orjson

from sandbox.dsop import wire as dsop_wire
from sandbox.world.model import card_schedule
from sandbox.world.transaction import CODES, Transaction

from .wire import _HIDDEN, TransactionRenderer, card

_dumps = orjson.dumps


class TransactionWriter(TransactionRenderer):
    """A TransactionRenderer (call it for an item's dict) that also writes items' JSON bytes (`write_all`)."""

    __slots__ = ("_cents", "_parties_kept", "_party_texts", "_card_by_id", "_schedules", "_version_texts",
                 "_reissued")

    def __init__(self, account, bank, cards_by_id, holders, today, shield=None, parties=None):
        """`parties`: the counterparty parts kept for every page of one shield (CounterpartyTexts; the bank rules
        keep one), else this writer keeps its own."""
        super().__init__(account, bank, cards_by_id, holders, today, shield)
        self._cents = _cents_of(self.currency)  # an amount's cents (_CENTS), then its currency
        self._parties_kept = parties if parties is not None else CounterpartyTexts()
        self._party_texts = self._parties_kept.texts
        # card id → ,"paymentCard":{…} (one version), b"" (no card, a card not listed), None (reissued: by day)
        self._card_by_id: dict = dict(_ABSENT)
        self._reissued = False
        self._schedules: dict = {}  # card id → (days, parts): the part in use from each day (_schedule)
        self._version_texts: dict = {}  # id(a card version) → ,"paymentCard":{…}

    def write(self, t) -> bytes:
        """The JSON of one item: orjson.dumps(self(t)), written without the dict."""
        return self.write_all([t])[0]

    def write_all(self, txs: list) -> list[bytes]:
        """write() of each of `txs`. Column by column, each a loop in C (zip, map): the fields of every item at once
        (a Transaction is a tuple: `zip(*txs)` gives its columns), then each field's part looked up in a table of
        written parts (a day's, a text's, a counterparty's …), the strings that need no escaping encoded in one go;
        Python runs only for the parts not kept yet (one call per distinct key) and the rare shapes; then each item
        is joined from its parts."""
        n = len(txs)
        if not n:
            return []
        (tids, booked, values, registered, amounts, directions, statuses, kinds, texts, cps, merchant_names,
         card_ids, references, currencies, _, _, reversals) = zip(*txs, strict=True)
        ids = _wrapped(tids, _OPEN, '"')  # {"transactionIdentifier":"…"
        if all(references):  # the ledger gives every booked one an archive reference
            refs = _wrapped(references, _REF_OPEN, _REF_CLOSE)
        else:
            refs = [_wrapped((r,), _REF_OPEN, _REF_CLOSE)[0] if r else b"" for r in references]
        if statuses.count("booked") == n and not any(reversals):  # the ledger's: by kind, then direction
            heads = self._booked_heads(kinds, directions)
        else:
            heads = _parts(_HEADS, list(zip(kinds, directions, statuses, reversals, strict=True)), self._head)
        if values == booked:  # one day for both (the ledger's are one date object: compared by identity)
            dates = _parts(_BOOKINGS, booked, _booking)
        else:
            dates = [_part(_BOOKING_ONLY, b, _booking_only) + _part(_VALUES, v, _value) if b != v
                     else _part(_BOOKINGS, b, _booking) for b, v in zip(booked, values, strict=True)]
        party_keys = list(zip(map(id, cps), directions, strict=True))
        try:
            parties = list(map(self._party_texts.__getitem__, party_keys))
        except KeyError:  # the page's counterparties not kept yet are written once each, then all looked up
            parties = self._parties_kept.page(party_keys, cps, self._party_text)
        infos = _parts(_INFOS, texts, _info)
        merchants = _parts(_MERCHANTS, merchant_names, _merchant)
        cards = _parts(self._card_by_id, card_ids, self._schedule)  # None: a reissued card (by day, below)
        if self._reissued:
            for i in _where(cards):
                days, texts_from = self._schedules[card_ids[i]]
                cards[i] = texts_from[bisect_right(days, booked[i] or registered[i].date())]
        moments = _parts(_MOMENTS, list(map(_TOORDINAL, registered)), _moment)
        seconds = list(map(_SECONDS.__getitem__, map(_SECOND, registered)))
        zones = list(map(_ZONE, registered))
        if all(map(is_, zones, repeat(UTC))):  # the time of day "THH:MM:" by hour, then minute (no key to hash)
            clocks = list(map(getitem, map(_CLOCKS.__getitem__, map(_HOUR, registered)), map(_MINUTE, registered)))
        else:  # another time zone: that item's whole registered date-time is written by itself
            clocks = [_CLOCKS[r.hour][r.minute] if zone is UTC else None for r, zone in zip(registered, zones, strict=True)]
            for i in _where(clocks):
                moments[i] = b',"registered":"' + dsop_wire.datetime_z(registered[i]).encode() + b'","amount":'
                clocks[i] = seconds[i] = b""
        if min(amounts) < 0:
            amounts = list(map(abs, amounts))
        kroner = _decimals(map(floordiv, amounts, repeat(100)))
        cents = list(map(self._cents.__getitem__, map(mod, amounts, repeat(100))))  # the cents and the currency
        if max(amounts) >= _PLAIN:
            for i in range(n):
                if amounts[i] >= _PLAIN:
                    kroner[i], cents[i] = _amount(amounts[i]), self._cents[0]
        for i in compress(range(n), currencies):  # currencyExchange comes right before the merchant
            merchants[i] = self._exchange(txs[i]) + merchants[i]
        return list(map(b"".join, zip(ids, refs, heads, dates, parties, infos, merchants, cards, moments, clocks,
                                      seconds, kroner, cents, strict=True)))

    def _head(self, key: tuple) -> bytes:
        """creditDebitIndicator, reversalIndicator, status and transactionCode of (kind, direction, status,
        reversal): one part for the four."""
        kind, direction, status, reversal = key
        code = self._codes.get(kind) or self._code(kind, CODES[kind])
        text = _HEADS[key] = (
            b',"creditDebitIndicator":' + _dumps(direction) + b',"reversalIndicator":' + _dumps(reversal)
            + b',"status":' + _dumps(status) + b',"transactionCode":' + _dumps(code))
        return text

    def _booked_heads(self, kinds, directions) -> list[bytes]:
        """The heads of booked items that are not reversals, from _BOOKED_HEADS[kind][direction]: two look-ups in
        C per item, no key to build and hash."""
        try:
            return list(map(getitem, map(_BOOKED_HEADS.__getitem__, kinds), directions))
        except KeyError:
            for kind, direction in set(zip(kinds, directions, strict=True)):
                if direction not in _BOOKED_HEADS.get(kind, ()):
                    text = _HEADS.get((kind, direction, "booked", False)) or self._head((kind, direction, "booked", False))
                    _BOOKED_HEADS.setdefault(kind, {})[direction] = text
            return list(map(getitem, map(_BOOKED_HEADS.__getitem__, kinds), directions))

    def _party_text(self, cp, direction: str) -> bytes:
        """The counterParties part of (cp, direction) (not None): b"" when the shield hides cp."""
        parties = self._counterparties((id(cp), direction), cp, direction)
        return b"" if parties is _HIDDEN else b',"counterParties":' + _dumps(parties)

    def _schedule(self, card_id: str) -> tuple[list, list[bytes]]:
        """(days, parts): the paymentCard part of card `card_id` on `day` is parts[bisect_right(days, day)], kept by
        id. A card of one version has one part for every day (kept by id for the look-up in C too: b"" for a card
        not listed); a reissued card's parts follow model.card_schedule."""
        versions = self.cards_by_id.get(card_id)
        if versions is None or len(versions) == 1:
            text = self._card_by_id[card_id] = b"" if versions is None else self._version_text(versions[0])
            kept = self._schedules[card_id] = ([], [text])
        else:  # by day: None in _card_by_id sends write_all to the schedule
            self._card_by_id[card_id], self._reissued = None, True
            days, in_use = card_schedule(versions)
            kept = self._schedules[card_id] = (days, [self._version_text(c) for c in in_use])
        return kept

    def _version_text(self, c) -> bytes:
        """The paymentCard part of one card version (wire.card), written once per writer."""
        if (text := self._version_texts.get(id(c))) is None:
            text = self._version_texts[id(c)] = b',"paymentCard":' + _dumps(
                card(c, self.bank, self.holders[c.holder_id], self.today))
        return text

    def _exchange(self, t) -> bytes:
        return b',"currencyExchange":' + _dumps({
            "originalAmount": dsop_wire.money(t.original_amount), "sourceCurrency": t.original_currency,
            "targetCurrency": self.currency, "unitCurrency": t.original_currency, "exchangeRate": t.exchange_rate})


class CounterpartyTexts:
    """The ,"counterParties":[…] part of each (counterparty, direction) written so far, for every page of one shield
    (whether a counterparty is hidden depends on the world's shielded persons; the part on nothing else). Most of
    a page's counterparties are the world's payees, billers and shops, one object each (world/pools.py,
    activity.named) shared by every account's pages: written once, then looked up (issue 19).

    Keyed by (id(counterparty), direction), as a page's look-up in C needs. An id is an object's only while it
    lives, so the counterparty is held (`held`) for as long as its part is kept: no other object can have its id
    meanwhile. Emptied past `limit` parts (parts first, then the objects held: at no moment is a part kept for an
    object that is not held). The dev server's threads share it: what changes it holds a lock (a look-up
    that misses comes to `page`, which looks up again under the lock)."""

    __slots__ = ("texts", "held", "limit", "_lock")

    def __init__(self, limit: int = 20_000):
        self.texts: dict = {}
        self.held: dict = {}
        self.limit = max(limit, 2_000)  # a page's own (at most 2 × its items) always fit after emptying
        self._lock = threading.Lock()
        self._empty()

    def page(self, keys: list, cps, write) -> list[bytes]:
        """The part of each (key, counterparty) of a page: the ones not kept written by write(cp, direction)."""
        with self._lock:  # only pages with a counterparty not kept come here
            texts = self.texts
            if len(texts) + len(keys) > self.limit:
                self._empty()
            for key, cp in dict(zip(keys, cps, strict=True)).items():
                if key not in texts:
                    self.held[key[0]] = cp
                    texts[key] = write(cp, key[1])
            return list(map(texts.__getitem__, keys))

    def _empty(self) -> None:
        self.texts.clear()  # the parts first: a part is never kept for an object no longer held
        self.held.clear()
        self.texts.update({(id(None), "debit"): b"", (id(None), "credit"): b""})  # no counterparty: no part


def _where(column: list) -> list[int]:
    """The places of None in `column`."""
    return list(compress(range(len(column)), map(is_, column, repeat(None))))


def _parts(table: dict, keys, write) -> list[bytes]:
    """table[key] for each of `keys`, the keys not in the table written first (write(key) stores its part): one
    look-up per item in C when every part is kept, one write per distinct missing key otherwise."""
    try:
        return list(map(table.__getitem__, keys))
    except KeyError:
        missing = set(keys).difference(table)
        if len(table) + len(missing) > _KEPT:  # emptied first, so that no write empties it halfway
            table.clear()
            table.update(_ABSENT)
            missing = set(keys).difference(table)
        for key in missing:
            write(key)
        return list(map(table.__getitem__, keys))


def _part(table: dict, key, write) -> bytes:
    text = table.get(key)
    return write(key) if text is None else text


def _wrapped(strings, head: str, tail: str) -> list[bytes]:
    """head + each string's JSON text without its quotes (as orjson escapes it) + tail, all joined, encoded and
    split again in one go (NUL separating them) when no string needs escaping: ASCII letters and digits only (the
    ledger's ids and references), or else no quote, backslash or control character (translate counts them: the
    NULs and head's and tail's own are all there may be). Otherwise orjson escapes each string."""
    try:
        joined = (head + (tail + "\0" + head).join(strings) + tail).encode()
    except UnicodeEncodeError:  # a lone surrogate: orjson refuses it below, as it does in the dict
        joined = b""
    if joined and (_alphanumeric("".join(strings))
                   or _escapes(joined) == len(strings) * (_escapes(head + tail) + 1) - 1):
        return joined.split(b"\0")
    head_b, tail_b = head.encode(), tail.encode()
    return [head_b + _dumps(s)[1:-1] + tail_b for s in strings]


def _alphanumeric(text: str) -> bool:
    """ASCII letters and digits only (bytes.isalnum reads an ASCII table; str.isalnum the Unicode database)."""
    return text.isascii() and text.encode().isalnum()


def _escapes(text: bytes | str) -> int:
    """How many of `text`'s characters orjson escapes (the NULs separating _wrapped's strings among them)."""
    text = text if isinstance(text, bytes) else text.encode()
    return len(text) - len(text.translate(None, _ESCAPED))


def _decimals(numbers) -> list[bytes]:
    """Each int's decimal digits (its repr: what orjson writes for it), encoded in one go."""
    return ",".join(map(repr, numbers)).encode().split(b",")


_ESCAPED = bytes(range(32)) + b'"\\'  # what orjson escapes in a string
_ZONE, _HOUR, _MINUTE, _SECOND = (attrgetter(name) for name in ("tzinfo", "hour", "minute", "second"))
_TOORDINAL = datetime.toordinal
_OPEN, _REF_OPEN, _REF_CLOSE = '{"transactionIdentifier":"', ',"references":[{"value":"', '","type":"archiveReference"}]'
if Transaction._fields[:13] != ("id", "booking_date", "value_date", "registered", "amount", "direction", "status",
                                "kind", "text", "counterparty", "merchant", "card_id", "reference") \
        or Transaction._fields[13:] != ("original_currency", "original_amount", "exchange_rate", "reversal"):
    raise ImportError("item_json.write_all unpacks a Transaction's fields in their order: update it")


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


def _cents_of(currency: str) -> list[bytes]:
    """_CENTS, each followed by the rest of the amount object in `currency` (kept per currency: a writer is made
    for every page)."""
    cents = _CENTS_BY_CURRENCY.get(currency)
    if cents is None:
        tail = b',"currency":' + _dumps(currency) + b"}"
        cents = _CENTS_BY_CURRENCY[currency] = [c + tail for c in _CENTS]
    return cents


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
_BOOKED_HEADS: dict[str, dict[str, bytes]] = {}  # kind → direction → _HEADS[kind, direction, "booked", False]
_KEPT = 30_000
#: A timestamp's time of day in two parts, "THH:MM:" by hour and minute and "SSZ","amount": by second, the second
#: closing the registered date-time and opening the amount (a list's __getitem__ is the fastest look-up map() can
#: call; a UTC time's hour, minute and second are small ints, made by nobody).
_CLOCKS = [[f"T{h:02d}:{m:02d}:".encode() for m in range(60)] for h in range(24)]
_SECONDS = [f'{s:02d}Z","amount":'.encode() for s in range(61)]
#: An amount in øre below _PLAIN is written as its kroner and _CENTS (orjson writes the float amount / 100 with the
#: same digits: a decimal of at most 15 significant digits is the shortest text of its nearest double); above it,
#: orjson writes it.
_PLAIN = 10**15
_CENTS = [f".{c:02d}".rstrip("0").encode() if c else b"" for c in range(100)]
_CENTS_BY_CURRENCY: dict[str, list[bytes]] = {}
