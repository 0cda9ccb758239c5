"""World entities → the bank API's JSON shapes (spec/data-model.md §2.3–2.8, reference/Bank_v2.yaml).

Plain dict building on purpose: a 1000-transaction page is on the hot path. `bank/schemas.py` documents the
same shapes as marshmallow schemas, and the tests validate every body against Bank_v2.yaml. Values the bank
does not hold are left out, never sent as null (D5).
"""

from __future__ import annotations

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
    """One transaction; a counterparty `shield` (bank/privacy.py) hides is left out (docs/privacy.md)."""
    domain, family, sub_family, free_text = t.code
    out = {"transactionIdentifier": t.id}
    if t.reference:
        out["references"] = [{"value": t.reference, "type": "archiveReference"}]
    out["creditDebitIndicator"] = t.direction
    out["reversalIndicator"] = t.reversal
    out["status"] = t.status
    out["transactionCode"] = {"domain": domain, "family": family, "subFamily": sub_family, "freeText": free_text}
    if t.booking_date is not None:
        out["bookingDate"] = wire.midnight_z(t.booking_date)
        out["valueDate"] = wire.midnight_z(t.value_date)
    if t.counterparty is not None and not (shield and shield.hides_counterparty(t.counterparty)):
        out["counterParties"] = [counterparty(t.counterparty, t.direction)]
    if t.text:
        out["additionalInfo"] = t.text[:500]
    if t.original_currency:
        out["currencyExchange"] = {"originalAmount": wire.money(t.original_amount), "sourceCurrency": t.original_currency,
                                   "targetCurrency": account.currency, "unitCurrency": t.original_currency,
                                   "exchangeRate": t.exchange_rate}
    if t.merchant:
        out["merchant"] = t.merchant[:140]
    if t.card_id and t.card_id in cards_by_id:  # card id → versions: the one that paid that day
        c = card_in_use(cards_by_id[t.card_id], t.booking_date or t.registered.date())
        out["paymentCard"] = card(c, bank, holders[c.holder_id], today)
    out["registered"] = wire.datetime_z(t.registered)
    out["amount"] = wire.money(t.amount)
    out["currency"] = account.currency
    return out


def account_entry(account, bank, status: str, reference: str, owner: dict | None,
                  account_type: str | None = None) -> dict:
    """An Accounts entry; `account_type` is the type of the ownership the request sees (R-62), else the account's."""
    out = {"status": status, "servicer": servicer(bank), "accountIdentifier": account.number, "accountReference": reference,
           "type": v20_account_type(account_type or account.type), "currency": account.currency}
    if owner is not None:
        out["primaryOwner"] = owner
    return out
