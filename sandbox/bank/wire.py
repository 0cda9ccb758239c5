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
    transactionCode of a kind, the counterParties of a (counterparty, direction), the paymentCard of a card
    version, the midnight timestamp of a day. Shared only within one body, and only where removing a field is
    idempotent (Grant.withhold deletes a key from each item's counterParties; on a shared dict the second
    deletion finds nothing): the JSON is the same as with a fresh dict per item, byte for byte. A counterparty the
    `shield` (bank/privacy.py) hides is left out (docs/privacy.md)."""

    __slots__ = ("account", "bank", "cards_by_id", "holders", "today", "shield", "currency", "_codes", "_parties",
                 "_cards", "_days")

    def __init__(self, account, bank, cards_by_id, holders, today, shield=None):
        self.account, self.bank, self.cards_by_id, self.holders, self.today = account, bank, cards_by_id, holders, today
        self.shield = shield
        self.currency = account.currency
        self._codes: dict = {}
        self._parties: dict = {}
        self._cards: dict = {}
        self._days: dict = {}

    def _day(self, d) -> str:
        text = self._days.get(d)
        if text is None:
            text = self._days[d] = wire.midnight_z(d)
        return text

    def __call__(self, t) -> dict:
        out = {"transactionIdentifier": t.id}
        if t.reference:
            out["references"] = [{"value": t.reference, "type": "archiveReference"}]
        out["creditDebitIndicator"] = t.direction
        out["reversalIndicator"] = t.reversal
        out["status"] = t.status
        code = self._codes.get(t.kind)
        if code is None:
            domain, family, sub_family, free_text = t.code
            code = self._codes[t.kind] = {"domain": domain, "family": family, "subFamily": sub_family,
                                          "freeText": free_text}
        out["transactionCode"] = code
        booked = t.booking_date
        if booked is not None:
            days = self._days
            out["bookingDate"] = days.get(booked) or self._day(booked)
            out["valueDate"] = days.get(t.value_date) or self._day(t.value_date)
        cp = t.counterparty
        if cp is not None and not (self.shield and self.shield.hides_counterparty(cp)):
            key = (id(cp), t.direction)  # the page's transactions hold cp: its id is its own while rendering
            parties = self._parties.get(key)
            if parties is None:
                parties = self._parties[key] = [counterparty(cp, t.direction)]
            out["counterParties"] = parties
        if t.text:
            out["additionalInfo"] = t.text[:500]
        if t.original_currency:
            out["currencyExchange"] = {"originalAmount": wire.money(t.original_amount),
                                       "sourceCurrency": t.original_currency, "targetCurrency": self.currency,
                                       "unitCurrency": t.original_currency, "exchangeRate": t.exchange_rate}
        if t.merchant:
            out["merchant"] = t.merchant[:140]
        if t.card_id and t.card_id in self.cards_by_id:  # card id → versions: the one that paid that day
            c = card_in_use(self.cards_by_id[t.card_id], t.booking_date or t.registered.date())
            shown = self._cards.get(id(c))
            if shown is None:
                shown = self._cards[id(c)] = card(c, self.bank, self.holders[c.holder_id], self.today)
            out["paymentCard"] = shown
        registered = t.registered
        out["registered"] = (registered.isoformat(timespec="seconds")[:19] + "Z" if registered.tzinfo is UTC
                             else wire.datetime_z(registered))  # wire.datetime_z, inlined: once per item
        amount = abs(t.amount)  # wire.money, inlined
        out["amount"] = amount // 100 if amount % 100 == 0 else round(amount / 100, 2)
        out["currency"] = self.currency
        return out


def account_entry(account, bank, status: str, reference: str, owner: dict | None,
                  account_type: str | None = None) -> dict:
    """An Accounts entry; `account_type` is the type of the ownership the request sees (R-62), else the account's."""
    out = {"status": status, "servicer": servicer(bank), "accountIdentifier": account.number, "accountReference": reference,
           "type": v20_account_type(account_type or account.type), "currency": account.currency}
    if owner is not None:
        out["primaryOwner"] = owner
    return out
