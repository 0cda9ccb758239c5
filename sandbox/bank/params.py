"""The bank API's request parameters (spec/protocol.md §3.2), parsed once per request; failures → 400 ACC-001."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sandbox.dsop import params as dsop_params
from sandbox.dsop.enums import ADDITIONAL_REFERENCE_TYPES
from sandbox.world import Period

from .errors import BadRequest
from .formats import ACCOUNT_NUMBER_PATTERN

#: What AdditionalReferenceID carries for each AdditionalReferenceIDType (spec/services.md §2.2, §2.5).
ADDITIONAL_REFERENCE_CONTENTS = {"pol1": "the signed extradition order, a compact JWS",
                                 "srf": "the guardian's national identity number (11 digits)"}


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


#: The v2.1 Owners endpoint's path parameter: an account number (D2).
_ACCOUNT_NUMBER = re.compile(ACCOUNT_NUMBER_PATTERN)

#: The query parameters of the bank API (spec/protocol.md §3.2, D6): each may be sent once.
QUERY_PARAMETERS = ("fromDate", "toDate", "page")


def parse_common(headers: dict, args, today: date, *, lenient: bool = False) -> BankRequest:
    try:
        dsop_params.single(args, QUERY_PARAMETERS)
        ref_type = _additional_reference_type(headers)
        return BankRequest(
            account_info_request_id=dsop_params.uuid_header(headers, "AccountInfoRequestID"),
            correlation_id=dsop_params.uuid_header(headers, "CorrelationID"),
            legal_mandate=dsop_params.legal_mandate(headers),
            window=dsop_params.period(args, today, lenient=lenient),
            requester_id=dsop_params.header(headers, "RequesterID", required=False),
            additional_reference_id=dsop_params.header(headers, "AdditionalReferenceID", required=False),
            additional_reference_id_type=ref_type,
        )
    except dsop_params.ParamError as exc:
        raise BadRequest(str(exc)) from None


#: parse_common's and parse_accounts' answers by the raw values they read (see `remembered`). Process-wide: an
#: answer depends on nothing but its key (the values, today, lenient), whatever the app or world.
_KNOWN: dict[tuple, object] = {}
_KNOWN_MAX = 2048


def remembered(key: tuple, parse):
    """`parse()`'s answer, kept by `key` — the raw request values it reads (header values, the query string as
    sent) and the `today`/`lenient` it was given: consumers repeat the same case headers and period on every call,
    and parsing them again was a tenth of a bank call's cost (issue 19). Failures raise every time (not kept)."""
    known = _KNOWN.get(key)
    if known is None:
        known = parse()
        if len(_KNOWN) >= _KNOWN_MAX:
            _KNOWN.clear()
        _KNOWN[key] = known
    return known


def with_correlation_id(req: BankRequest, raw: str | None) -> BankRequest | None:
    """`req` (parsed from the very same request values but CorrelationID, fresh on every call) with the
    CorrelationID `raw`, or None when `raw` is not a valid one: then parse_common must parse the request again,
    so that an error names what parse_common names first."""
    value = raw.strip() if raw else ""
    if not dsop_params.is_uuid(value):
        return None
    return BankRequest(req.account_info_request_id, value, req.legal_mandate, req.window, req.requester_id,
                       req.additional_reference_id, req.additional_reference_id_type)


def _additional_reference_type(headers) -> str | None:
    """Absent → None; present, it must be one of the declared values: an empty one is not an absent one."""
    raw = headers.get("additionalreferenceidtype")
    if raw is None:
        return None
    value = raw.strip()
    if value not in ADDITIONAL_REFERENCE_TYPES:
        got = "an empty value" if value == "" else f"{value[:40]!r}"
        raise dsop_params.ParamError("AdditionalReferenceIDType", f"header AdditionalReferenceIDType must be "
                           f"{' or '.join(ADDITIONAL_REFERENCE_TYPES)} (got {got}); leave it out when the "
                           "service takes no additional reference")
    return value


def parse_accounts(headers: dict, args) -> tuple[str, bool]:
    """PartyID header and OnlyPrimaryOwner query parameter of GET /accounts (D9)."""
    try:
        party = dsop_params.party_identifier(dsop_params.header(headers, "PartyID", required=False), "PartyID")
        # matched in any letter case (_arg), so counted so
        dsop_params.single(args, ("OnlyPrimaryOwner",), any_case=True)
        only_primary = dsop_params.boolean(_arg(args, "OnlyPrimaryOwner"), "OnlyPrimaryOwner")
    except dsop_params.ParamError as exc:
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
    if not _ACCOUNT_NUMBER.fullmatch(value):  # fullmatch: `$` alone would also match before a final newline
        raise BadRequest("accountID must be an 11-digit account number")
    return value
