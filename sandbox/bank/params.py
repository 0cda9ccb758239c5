"""The bank API's request parameters (spec/protocol.md §3.2), parsed once per request; failures → 400 ACC-001."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sandbox.dsop import params as p
from sandbox.dsop.enums import ADDITIONAL_REFERENCE_TYPES
from sandbox.world import Period

from .errors import BadRequest


@dataclass(frozen=True)
class BankRequest:
    """The headers and period every Control API call carries (the case context)."""

    account_info_request_id: str
    correlation_id: str
    legal_mandate: str
    window: Period
    requester_id: str | None = None
    additional_reference_id: str | None = None
    additional_reference_id_type: str | None = None


#: The query parameters of the bank API (spec/protocol.md §3.2, D6): each may be sent once.
QUERY_PARAMETERS = ("fromDate", "toDate", "page")


def parse_common(headers: dict, args, today: date, *, lenient: bool = False) -> BankRequest:
    try:
        p.single(args, QUERY_PARAMETERS)
        ref_type = p.header(headers, "AdditionalReferenceIDType", required=False)
        if ref_type is not None and ref_type not in ADDITIONAL_REFERENCE_TYPES:
            raise p.ParamError("AdditionalReferenceIDType", "AdditionalReferenceIDType must be pol1 or srf")
        return BankRequest(
            account_info_request_id=p.uuid_header(headers, "AccountInfoRequestID"),
            correlation_id=p.uuid_header(headers, "CorrelationID"),
            legal_mandate=p.legal_mandate(headers),
            window=p.period(args, today, lenient=lenient),
            requester_id=p.header(headers, "RequesterID", required=False),
            additional_reference_id=p.header(headers, "AdditionalReferenceID", required=False),
            additional_reference_id_type=ref_type,
        )
    except p.ParamError as exc:
        raise BadRequest(str(exc)) from None


def parse_accounts(headers: dict, args) -> tuple[str, bool]:
    """PartyID header and OnlyPrimaryOwner query parameter of GET /accounts (D9)."""
    try:
        party = p.party_identifier(p.header(headers, "PartyID", required=False), "PartyID")
        p.single(args, ("OnlyPrimaryOwner",), any_case=True)  # matched in any letter case (_arg), so counted so
        only_primary = p.boolean(_arg(args, "OnlyPrimaryOwner"), "OnlyPrimaryOwner")
    except p.ParamError as exc:
        raise BadRequest(str(exc)) from None
    return party, only_primary


def _arg(args, name: str):
    """A query parameter by its exact name, else by any letter case (docs spell OnlyPrimaryOwner both ways)."""
    if name in args:
        return args.get(name)
    for key in args:
        if key.lower() == name.lower():
            return args.get(key)
    return None


def parse_account_number(value: str) -> str:
    if not (value.isascii() and value.isdigit() and len(value) == 11):
        raise BadRequest("accountID must be an 11-digit account number")
    return value
