"""World entities → the bank API's JSON shapes (spec/data-model.md §2.3–2.8, reference/Bank_v2.yaml).

Plain dict building on purpose: a 1000-transaction page is on the hot path. `bank/schemas.py` documents the
same shapes as marshmallow schemas, and the tests validate every body against Bank_v2.yaml. Values the bank
does not hold are left out, never sent as null (D5).
"""

from __future__ import annotations

from datetime import UTC

from sandbox import ids
from sandbox.dsop import wire
from sandbox.dsop.enums import v20_account_type
from sandbox.world.model import card_in_use

_ADDRESS_TYPE = {"countryIdentificationCode": "business", "nationalIdentityNumber": "residential"}


def identifier(value: str, id_type: str, country: str = "NO") -> dict:
    return {"countryOfResidence": country, "value": value, "type": id_type}


def servicer(bank) -> dict:
    return {"identifier": identifier(bank.org_number, "countryIdentificationCode", bank.country), "name": bank.name}


def party_role(party, permission: str, start, end, today) -> dict:
    out = {"permission": permission, "identifier": identifier(party.identifier, party.identifier_type),
           "name": party.name[:140]}
    if start is not None:
        out["startDate"] = wire.day(start)
    if end is not None and end <= today:
        out["endDate"] = wire.day(end)
    return out


def balance(kind: str, minor: int, registered: str, account) -> dict:
    out = {"type": kind, "amount": wire.money(minor), "creditDebitIndicator": "credit" if minor >= 0 else "debit",
           "registered": registered, "currency": account.currency, "creditLineIncluded": account.credit_line_included}
    if account.credit_line:
        out["creditLineAmount"] = wire.money(account.credit_line)
        out["creditLineCurrency"] = account.currency
    return out


def card(c, bank, holder, today) -> dict:
    """A card; a shielded holder is not named (no holderName: bank/privacy.py, docs/privacy.md)."""
    out = {"cardIdentifier": ids.mask_card_number(c.number)}
    if not holder.shielded:
        out["holderName"] = holder.name[:140]
    out.update({
        "startDate": wire.month(c.issued), "expiryDate": wire.month(c.expires), "cardIssuerName": bank.name,
        "type": c.type, "cardStatus": c.status_on(today), "versionNumber": str(c.version),
        "cardIssuerIdentifier": identifier(bank.org_number, "countryIdentificationCode", bank.country),
    })
    return out


def counterparty(cp, direction: str) -> dict:
    out: dict = {}
    if cp.account:
        out["accountIdentifier"] = cp.account
    if cp.identifier and cp.identifier_type:
        out["identifier"] = identifier(cp.identifier, cp.identifier_type)
    out["name"] = cp.name[:140]
    out["type"] = "creditor" if direction == "debit" else "debtor"
    if cp.address:
        a = cp.address
        addr = {"type": _ADDRESS_TYPE.get(cp.identifier_type, "business"), "streetName": a.street[:70]}
        if a.building_number:
            addr["buildingNumber"] = a.building_number[:16]
        addr.update(postCode=a.post_code[:16], townName=a.town[:35], country=a.country)
        out["postalAddress"] = addr
    return out


def card_versions(cards) -> dict[str, list]:
    """Card id → its versions, oldest first (a reissue keeps the id and number): what `transaction` takes."""
    out: dict[str, list] = {}
    for c in sorted(cards, key=lambda c: c.version):
        out.setdefault(c.id, []).append(c)
    return out


def transaction(t, account, bank, cards_by_id, holders, today, shield=None) -> dict:
    """One transaction's JSON shape (a page renders many through one TransactionRenderer)."""
    return TransactionRenderer(account, bank, cards_by_id, holders, today, shield)(t)


class TransactionRenderer:
    """Renders the transactions of one page of one account (issue 19: a 1000-item page the first time).

    The parts many items of a page have in common are made once per page and shared by those items: the
    transactionCode of a kind, the counterParties of a (counterparty, direction) (or that the `shield`,
    bank/privacy.py, hides it: docs/privacy.md), the paymentCard of a (card, day); the written days and times of
    day are kept for every page (datetime.isoformat and round() go through printf: they were a third of a render).
    Shared only within one body, and only where removing a field is idempotent (Grant.withhold deletes a key from
    each item's counterParties; on a shared dict the second deletion finds nothing): the JSON is the same as with
    a fresh dict per item, byte for byte. An item is built as one dict display in its keys' order (the order is
    the wire's): the optional keys decide which of a few displays, so no item is built key by key."""

    __slots__ = ("account", "bank", "cards_by_id", "holders", "today", "shield", "currency", "_codes", "_parties",
                 "_cards", "_versions")

    def __init__(self, account, bank, cards_by_id, holders, today, shield=None):
        self.account, self.bank, self.cards_by_id, self.holders, self.today = account, bank, cards_by_id, holders, today
        self.shield = shield
        self.currency = account.currency
        self._codes: dict = {}
        self._parties: dict = {}  # (id(cp), direction) → counterParties, or _HIDDEN
        self._cards: dict = {}  # (card id, day) → paymentCard, or None
        self._versions: dict = {}  # id(card version) → paymentCard

    @staticmethod
    def _day(d) -> str:
        if len(_MIDNIGHTS) >= _DAYS_KEPT:
            _MIDNIGHTS.clear()
        text = _MIDNIGHTS[d] = wire.midnight_z(d)
        return text

    @staticmethod
    def _date(moment) -> str:
        if len(_DATES) >= _DAYS_KEPT:
            _DATES.clear()
        text = _DATES[moment.toordinal()] = moment.date().isoformat()
        return text

    def _code(self, kind: str, code) -> dict:
        domain, family, sub_family, free_text = code
        shown = self._codes[kind] = {"domain": domain, "family": family, "subFamily": sub_family, "freeText": free_text}
        return shown

    def _counterparties(self, key, cp, direction: str):
        shown = self._parties[key] = (_HIDDEN if self.shield and self.shield.hides_counterparty(cp)
                                      else [counterparty(cp, direction)])
        return shown

    def _card(self, key, card_id: str, day):
        """The version of card `card_id` that paid on `day` (card id → versions), or None for a card not listed."""
        versions = self.cards_by_id.get(card_id)
        shown = None
        if versions is not None:
            c = card_in_use(versions, day)
            shown = self._versions.get(id(c))
            if shown is None:
                shown = self._versions[id(c)] = card(c, self.bank, self.holders[c.holder_id], self.today)
        self._cards[key] = shown
        return shown

    def __call__(self, t) -> dict:
        kind, direction = t.kind, t.direction
        code = self._codes.get(kind) or self._code(kind, t.code)
        reference = t.reference
        booked = t.booking_date
        if booked is not None:
            days = _MIDNIGHTS
            booking = days.get(booked) or self._day(booked)
            value = days.get(t.value_date) or self._day(t.value_date)
            if reference:
                out = {"transactionIdentifier": t.id, "references": [{"value": reference, "type": "archiveReference"}],
                       "creditDebitIndicator": direction, "reversalIndicator": t.reversal, "status": t.status,
                       "transactionCode": code, "bookingDate": booking, "valueDate": value}
            else:
                out = {"transactionIdentifier": t.id, "creditDebitIndicator": direction,
                       "reversalIndicator": t.reversal, "status": t.status, "transactionCode": code,
                       "bookingDate": booking, "valueDate": value}
        elif reference:
            out = {"transactionIdentifier": t.id, "references": [{"value": reference, "type": "archiveReference"}],
                   "creditDebitIndicator": direction, "reversalIndicator": t.reversal, "status": t.status,
                   "transactionCode": code}
        else:
            out = {"transactionIdentifier": t.id, "creditDebitIndicator": direction, "reversalIndicator": t.reversal,
                   "status": t.status, "transactionCode": code}
        cp = t.counterparty
        if cp is not None:
            key = (id(cp), direction)  # the page's transactions hold cp: its id is its own while rendering
            parties = self._parties.get(key) or self._counterparties(key, cp, direction)
            if parties is not _HIDDEN:
                out["counterParties"] = parties
        text = t.text
        if text:
            out["additionalInfo"] = text[:500]
        if t.original_currency:
            out["currencyExchange"] = {"originalAmount": wire.money(t.original_amount),
                                       "sourceCurrency": t.original_currency, "targetCurrency": self.currency,
                                       "unitCurrency": t.original_currency, "exchangeRate": t.exchange_rate}
        merchant = t.merchant
        if merchant:
            out["merchant"] = merchant[:140]
        registered = t.registered
        card_id = t.card_id
        if card_id:  # card id → versions: the one that paid that day
            key = (card_id, booked or registered.date())
            shown = self._cards.get(key, _UNSEEN)
            if shown is _UNSEEN:
                shown = self._card(key, card_id, key[1])
            if shown is not None:
                out["paymentCard"] = shown
        if registered.tzinfo is UTC:  # wire.datetime_z from cached parts: isoformat goes through printf
            out["registered"] = ((_DATES.get(registered.toordinal()) or self._date(registered))
                                 + _MINUTES[registered.hour * 60 + registered.minute] + _SECONDS[registered.second])
        else:
            out["registered"] = wire.datetime_z(registered)
        amount = abs(t.amount)  # wire.money, inlined
        out["amount"] = amount // 100 if amount % 100 == 0 else amount / 100  # = round(amount / 100, 2): see wire.money
        out["currency"] = self.currency
        return out


#: Written days, shared by every page (pure functions of the day; emptied past _DAYS_KEPT, about 80 years of days):
#: a day → its midnight timestamp (bookingDate, valueDate), a day's ordinal → YYYY-MM-DD (registered).
_MIDNIGHTS: dict = {}
_DATES: dict[int, str] = {}
_DAYS_KEPT = 30_000
#: A timestamp's time of day in two parts, "THH:MM:" by minute of the day and "SSZ" by second (a leap second too).
_MINUTES = tuple(f"T{h:02d}:{m:02d}:" for h in range(24) for m in range(60))
_SECONDS = tuple(f"{s:02d}Z" for s in range(61))


#: TransactionRenderer's marks: a counterparty the shield hides; a (card, day) not looked up yet.
_HIDDEN, _UNSEEN = object(), object()


def account_entry(account, bank, status: str, reference: str, owner: dict | None,
                  account_type: str | None = None) -> dict:
    """An Accounts entry; `account_type` is the type of the ownership the request sees (R-62), else the account's."""
    out = {"status": status, "servicer": servicer(bank), "accountIdentifier": account.number, "accountReference": reference,
           "type": v20_account_type(account_type or account.type), "currency": account.currency}
    if owner is not None:
        out["primaryOwner"] = owner
    return out
