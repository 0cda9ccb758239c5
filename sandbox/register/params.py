"""The register's request parameters (spec/protocol.md §2), parsed once per request, like sandbox/bank/params.py.

Plain Python: headers come as a mapping with lower-cased names (D10), the query as a mapping. Each failure is
the register error of its field (spec/protocol.md §2.5): CustomerID → ERR-002, the period → ERR-003, AccountID
→ ERR-004, other headers and onlyPrimaryOwner → ERR-006. The checks run in the order the views always ran them,
so the first problem of a request is still the one reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sandbox.dsop import params as dsop_params
from sandbox.world import Period

from .errors import InvalidAccountNumber, InvalidCustomer, InvalidHeader, InvalidPeriod


@dataclass(frozen=True)
class RelationshipsRequest:
    """GET /customers/customerRelationships."""

    customer: str
    legal_mandate: str  # decoded and canonical (sandbox.dsop.params.legal_mandate)
    window: Period
    only_primary: bool | None  # None: not sent (the service decides)


@dataclass(frozen=True)
class ProviderRequest:
    """GET /customers/accountServicingProvider."""

    account_number: str
    legal_mandate: str


def parse_common(headers) -> str:
    """The mandatory headers' formats (CorrelationID, AccountInfoRequestID); → the decoded Legal-Mandate."""
    try:
        dsop_params.uuid_header(headers, "CorrelationID")
        dsop_params.uuid_header(headers, "AccountInfoRequestID")
        return dsop_params.legal_mandate(headers)
    except dsop_params.ParamError as exc:
        raise InvalidHeader(str(exc)) from None


def parse_relationships(headers, args, today: date, *, lenient: bool = False) -> RelationshipsRequest:
    """CustomerID, the common headers, fromDate/toDate (each once) and onlyPrimaryOwner (D9: a query parameter,
    also accepted as a header; once; true/false in any letter case)."""
    try:
        customer = dsop_params.party_identifier(dsop_params.header(headers, "CustomerID", required=False), "CustomerID")
    except dsop_params.ParamError as exc:
        raise InvalidCustomer(str(exc)) from None
    mandate = parse_common(headers)
    try:
        dsop_params.single(args, ("fromDate", "toDate"), kind="period")
        window = dsop_params.period(args, today, lenient=lenient)
    except dsop_params.ParamError as exc:
        raise InvalidPeriod(str(exc)) from None
    raw = args.get("onlyPrimaryOwner", headers.get("onlyprimaryowner"))
    try:
        dsop_params.single(args, ("onlyPrimaryOwner",))
        only_primary = None if raw is None else dsop_params.boolean(raw, "onlyPrimaryOwner")
    except dsop_params.ParamError as exc:
        raise InvalidHeader(str(exc)) from None
    return RelationshipsRequest(customer, mandate, window, only_primary)


def parse_provider(headers) -> ProviderRequest:
    """AccountID (a header: 11 to 20 digits, surrounding spaces ignored), then the common headers."""
    number = headers.get("accountid", "").strip()
    if not (number.isascii() and number.isdigit() and 11 <= len(number) <= 20):
        raise InvalidAccountNumber("AccountID must be an account number of 11 digits")
    return ProviderRequest(number, parse_common(headers))
