"""The typed result of one case: CaseResult → BankResult → AccountResult, with refusals, partial answers and
timings. `CaseResult.to_json()` is stable: keys sorted, lists in the order the services answered, and with
`deterministic=True` nothing that changes between runs (timings, request and retry counts).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass
class Refusal:
    """An error answer (4xx/5xx after retries, or one not retried because its Retry-After was too long), or no
    answer at all (status 0)."""

    endpoint: str
    status: int
    code: str | None
    message: str
    bank: str | None = None  # org. number
    account: str | None = None  # account number (or reference when the number is unknown)
    retry_after: str | None = None  # the answer's Retry-After, as the server sent it

    def to_dict(self) -> dict:
        return _clean({"endpoint": self.endpoint, "status": self.status, "code": self.code, "message": self.message,
                       "bank": self.bank, "account": self.account, "retryAfter": self.retry_after})


@dataclass
class Partial:
    """`responseDetails.status = partial`: data exists offline; the message says what and how to get it."""

    endpoint: str
    message: str
    bank: str | None = None
    account: str | None = None

    def to_dict(self) -> dict:
        return _clean({"endpoint": self.endpoint, "message": self.message, "bank": self.bank, "account": self.account})


@dataclass
class Balance:
    type: str  # availableBalance | bookedBalance
    amount: Decimal  # as sent: always positive
    credit_debit: str  # credit | debit
    currency: str | None = None
    registered: str | None = None
    credit_line_included: bool | None = None
    credit_line_amount: Decimal | None = None

    @property
    def signed(self) -> Decimal:
        return self.amount if self.credit_debit == "credit" else -self.amount

    @classmethod
    def from_wire(cls, b: dict) -> Balance:
        line = b.get("creditLineAmount")
        return cls(b.get("type", ""), Decimal(str(b.get("amount", 0))), b.get("creditDebitIndicator", "credit"),
                   b.get("currency"), b.get("registered"), b.get("creditLineIncluded"),
                   None if line is None else Decimal(str(line)))

    def to_dict(self) -> dict:
        return _clean({"type": self.type, "amount": _num(self.amount), "creditDebitIndicator": self.credit_debit,
                       "currency": self.currency, "registered": self.registered,
                       "creditLineIncluded": self.credit_line_included,
                       "creditLineAmount": None if self.credit_line_amount is None else _num(self.credit_line_amount)})


@dataclass
class Transactions:
    count: int = 0
    pages: int = 0
    by_status: dict[str, int] = field(default_factory=dict)  # booked / pending / info
    items: list[dict] = field(default_factory=list)  # the transactions as sent
    kept: bool = True  # False: counted but not kept (CaseRequest(transaction_items=False)), `items` stays empty

    @classmethod
    def of(cls, items: list[dict], pages: int) -> Transactions:
        out = cls(pages=pages)
        out.add(items)
        return out

    def add(self, items: list[dict]) -> None:
        """One page of transactions: counted (by status) and, when `kept`, kept."""
        by_status = self.by_status
        for t in items:
            status = t.get("status", "booked")
            by_status[status] = by_status.get(status, 0) + 1
        self.count += len(items)
        if self.kept:
            self.items.extend(items)

    def to_dict(self, with_items: bool) -> dict:
        out = {"count": self.count, "pages": self.pages, "byStatus": dict(sorted(self.by_status.items()))}
        if with_items and self.kept:
            out["items"] = self.items
        return out


@dataclass
class AccountResult:
    reference: str
    number: str | None
    type: str | None
    status: str | None
    currency: str | None
    primary_owner: dict | None = None  # {"identifier", "name"}
    listed: dict = field(default_factory=dict)  # the entry of the Accounts list, as sent
    details: dict | None = None  # the Account details' `account`, as sent
    balances: list[Balance] | None = None  # None: details not asked / not delivered; []: the bank gave none
    transactions: Transactions | None = None
    cards: list[dict] | None = None
    roles: list[dict] | None = None
    owners: list[dict] | None = None
    partial: list[Partial] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)

    @property
    def delivered(self) -> bool:
        """False for `dataNotDelivered`: the bank lists the account but serves nothing more about it."""
        return self.reference != "dataNotDelivered"

    def balance(self, kind: str = "bookedBalance") -> Balance | None:
        return next((b for b in self.balances or () if b.type == kind), None)

    def to_dict(self, with_items: bool) -> dict:
        return _clean({
            "accountReference": self.reference, "accountIdentifier": self.number, "type": self.type,
            "status": self.status, "currency": self.currency, "primaryOwner": self.primary_owner,
            "delivered": self.delivered,
            "details": None if self.details is None else {k: v for k, v in self.details.items() if k != "balances"},
            "balances": None if self.balances is None else [b.to_dict() for b in self.balances],
            "transactions": None if self.transactions is None else self.transactions.to_dict(with_items),
            "paymentCards": self.cards, "roles": self.roles, "accountOwners": self.owners,
            "partial": [p.to_dict() for p in self.partial], "refusals": [r.to_dict() for r in self.refusals]})


@dataclass
class BankResult:
    org_number: str
    name: str
    base_url: str | None  # from the directory; None when the directory does not list the bank
    active_account: bool | None = None  # as the register said
    ownership_type: str | None = None
    accounts: list[AccountResult] = field(default_factory=list)
    account_pages: int = 0
    status: str = "pending"  # complete | partial | refused | not-in-directory | unreachable
    message: str | None = None  # responseDetails.message of the Accounts list
    partial: list[Partial] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self, with_items: bool, deterministic: bool) -> dict:
        out = _clean({"organizationID": self.org_number, "bankName": self.name, "baseUrl": self.base_url,
                      "activeAccount": self.active_account, "ownershipType": self.ownership_type,
                      "status": self.status, "message": self.message, "accountPages": self.account_pages,
                      "accounts": [a.to_dict(with_items) for a in self.accounts],
                      "partial": [p.to_dict() for p in self.partial],
                      "refusals": [r.to_dict() for r in self.refusals]})
        if not deterministic:
            out["seconds"] = round(self.seconds, 4)
        return out


@dataclass
class CaseResult:
    case_id: str  # AccountInfoRequestID, the same on every call of the case
    service: str
    service_name: str
    consumer: str  # org. number
    party_id: str
    from_date: str
    to_date: str
    only_primary_owner: bool
    requester_id: str | None = None
    reference_type: str | None = None
    banks: list[BankResult] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)  # case-level: tokens, the register, the directory
    timings: dict[str, float] = field(default_factory=dict)  # seconds per step
    requests: int = 0
    retries: int = 0

    @property
    def accounts(self) -> list[AccountResult]:
        return [a for b in self.banks for a in b.accounts]

    @property
    def all_refusals(self) -> list[Refusal]:
        return [*self.refusals, *(r for b in self.banks for r in b.refusals),
                *(r for a in self.accounts for r in a.refusals)]

    @property
    def all_partials(self) -> list[Partial]:
        return [*(p for b in self.banks for p in b.partial), *(p for a in self.accounts for p in a.partial)]

    @property
    def complete(self) -> bool:
        """Every call answered, nothing partial."""
        return not self.all_refusals and not self.all_partials

    def to_dict(self, *, deterministic: bool = False, transactions: bool = False) -> dict:
        out = _clean({
            "accountInfoRequestID": self.case_id, "service": self.service, "serviceName": self.service_name,
            "consumer": self.consumer, "partyID": self.party_id, "fromDate": self.from_date, "toDate": self.to_date,
            "onlyPrimaryOwner": self.only_primary_owner, "requesterID": self.requester_id,
            "additionalReferenceIDType": self.reference_type,
            "banks": [b.to_dict(transactions, deterministic) for b in self.banks],
            "refusals": [r.to_dict() for r in self.refusals],
            "complete": self.complete,
            "summary": self.summary()})
        if not deterministic:
            out["timings"] = {k: round(v, 4) for k, v in sorted(self.timings.items())}
            out["requests"], out["retries"] = self.requests, self.retries
        return out

    def summary(self) -> dict:
        accounts = self.accounts
        return {"banks": len(self.banks), "accounts": len(accounts),
                "transactions": sum(a.transactions.count for a in accounts if a.transactions),
                "cards": sum(len(a.cards) for a in accounts if a.cards),
                "roles": sum(len(a.roles) for a in accounts if a.roles),
                "owners": sum(len(a.owners) for a in accounts if a.owners),
                "partial": len(self.all_partials), "refusals": len(self.all_refusals)}

    def to_json(self, *, deterministic: bool = False, transactions: bool = False, indent: int | None = 2) -> str:
        """Sorted keys, UTF-8 text; `deterministic` leaves out timings and counters, `transactions` adds every
        transaction as sent."""
        return json.dumps(self.to_dict(deterministic=deterministic, transactions=transactions), sort_keys=True,
                          ensure_ascii=False, indent=indent) + "\n"


def _num(value: Decimal):
    return int(value) if value == value.to_integral_value() and "." not in str(value) else float(value)


def _clean(d: dict) -> dict:
    """Leave out what is unknown (None) and empty lists of refusals/partials, as the APIs leave out absent values."""
    return {k: v for k, v in d.items() if v is not None and not (k in ("partial", "refusals") and v == [])}
