"""A transaction as the world holds it (minor units, dates), before any API turns it into JSON."""

from __future__ import annotations

from datetime import date, datetime
from typing import NamedTuple

from .model import Counterparty

# ISO 20022 bank transaction codes per kind (spec/data-model.md Appendix A; suggested combinations), with the
# bank's own short text in freeText, as Norwegian banks do.
CODES: dict[str, tuple[str, str, str, str]] = {
    "salary": ("payments", "receivedCreditTransfers", "domesticCreditTransfer", "Lønn"),
    "card_purchase": ("payments", "customerCardTransactions", "pointOfSalePosPayment", "Varekjøp"),
    "cash_withdrawal": ("payments", "customerCardTransactions", "cashWithdrawal", "Minibank"),
    "e_invoice": ("payments", "issuedDirectDebits", "directDebitPayment", "AvtaleGiro"),
    "transfer_in": ("payments", "receivedCreditTransfers", "domesticCreditTransfer", "Overføring"),
    "transfer_out": ("payments", "issuedCreditTransfers", "domesticCreditTransfer", "Nettgiro"),
    "fee": ("accountManagement", "miscellaneousDebitOperations", "fees", "Gebyr"),
    "interest": ("accountManagement", "miscellaneousCreditOperations", "interestsGeneric", "Renter"),
    "interest_charge": ("accountManagement", "miscellaneousDebitOperations", "interestsGeneric", "Renter"),
    "instalment": ("payments", "receivedCreditTransfers", "principalPayment", "Avdrag"),
    "card_payment": ("payments", "receivedCreditTransfers", "creditCardPayment", "Innbetaling kredittkort"),
    "closing": ("accountManagement", "openingAndClosing", "accountClosing", "Kontoavslutning"),
    "other_credit": ("payments", "receivedCreditTransfers", "other", "Innbetaling"),
    "other_debit": ("payments", "issuedCreditTransfers", "other", "Utbetaling"),
}


class Transaction(NamedTuple):
    """Immutable like every record of the world. A named tuple rather than a frozen dataclass: a 1000-item page's
    columns are one `zip(*transactions)` in C (bank/item_json.py), where 17 attribute passes were a sixth of a
    first render, and creating one is a tuple's allocation instead of 17 frozen-dataclass setattr calls."""

    id: str
    booking_date: date | None  # None while pending
    value_date: date | None
    registered: datetime  # UTC
    amount: int  # minor units, >= 0
    direction: str  # "credit" | "debit"
    status: str  # "booked" | "pending"
    kind: str
    text: str | None = None
    counterparty: Counterparty | None = None
    merchant: str | None = None
    card_id: str | None = None
    reference: str | None = None
    original_currency: str | None = None
    original_amount: int | None = None
    exchange_rate: float | None = None
    reversal: bool = False

    @property
    def signed(self) -> int:
        return self.amount if self.direction == "credit" else -self.amount

    @property
    def code(self) -> tuple[str, str, str, str]:
        return CODES[self.kind]
