"""The bank API's request parameters (spec/protocol.md §3.2) as marshmallow schemas, for /openapi/bank.json.

Documentation only: the views parse with bank/params.py and dsop/params.py, so every pattern, length and enum
below is the parser's own constant (bank/formats.py, dsop/params.py). The published document cannot promise what
the parser refuses, or refuse what the server itself issues (the `page` cursors of links[].href;
tests/bank/test_request_contract.py walks the default world against it).
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from sandbox.dsop import params as dsop_params
from sandbox.dsop.enums import ADDITIONAL_REFERENCE_TYPES

from .formats import ACCOUNT_NUMBER_PATTERN, CURSOR_LENGTH, CURSOR_PATTERN, REFERENCE_PATTERN
from .schemas import code_field, enum_field


def _header_text(description: str, pattern: str | None = None, **kw) -> fields.String:
    checks = [validate.Length(max=dsop_params.MAX_HEADER)] + ([validate.Regexp(pattern)] if pattern else [])
    return fields.String(validate=checks, metadata={"description": description}, **kw)


def _uuid(description: str, **kw) -> fields.String:
    return fields.String(validate=validate.Regexp(dsop_params.UUID_PATTERN), metadata={"description": description,
                                                                            "format": "uuid"}, **kw)


def _query_date(description: str, **kw) -> fields.Date:
    return fields.Date(metadata={"description": description, "pattern": dsop_params.DATE_PATTERN}, **kw)


class BankCaseHeadersSchema(Schema):
    """Headers of every bank call: the case context."""

    account_info_request_id = _uuid("the consumer's case id: the same UUID on every call of the case",
                                    required=True, data_key="AccountInfoRequestID")
    correlation_id = _uuid("a new UUID per technical request; echoed in the response header", required=True,
                           data_key="CorrelationID")
    legal_mandate = _header_text("the service's legal basis, percent-encoded UTF-8 (encodeURIComponent)",
                                 dsop_params.LEGAL_MANDATE_PATTERN, required=True, data_key="Legal-Mandate")
    additional_reference_id = _header_text("reference required by some services (see AdditionalReferenceIDType), "
                                           "percent-encoded", data_key="AdditionalReferenceID")
    additional_reference_id_type = enum_field(ADDITIONAL_REFERENCE_TYPES, "srf: guardian's person number "
                                         "(Vergekontroll); pol1: signed extradition order (Politi); leave it out "
                                         "otherwise (an empty value is refused)", data_key="AdditionalReferenceIDType")
    requester_id = _header_text("stable (pseudonymous) id of the agency's user", data_key="RequesterID")


class BankPeriodQuerySchema(Schema):
    """The period, both days inclusive (D8)."""

    from_date = _query_date("first day of the period, YYYY-MM-DD", data_key="fromDate", required=True)
    to_date = _query_date("last day of the period, YYYY-MM-DD; not after the sandbox's today", data_key="toDate",
                          required=True)


class BankPartyHeaderSchema(Schema):
    """The control object of GET /accounts."""

    party_id = code_field(dsop_params.PARTY_ID_PATTERN, "person number or D-number (11 digits) or organisation number "
                     "(9 digits), with valid check digits", data_key="PartyID", required=True)


class BankAccountsQuerySchema(Schema):
    """GET /accounts only."""

    only_primary_owner = fields.Boolean(required=True, data_key="OnlyPrimaryOwner", metadata={
        "description": "true: only accounts the party owns as primary owner; "
                       f"{'/'.join(dsop_params.BOOLEAN_VALUES)} in any letter case"})


class BankPageQuerySchema(Schema):
    """Paging cursor of the list endpoints (D6)."""

    page = fields.String(validate=[validate.Length(CURSOR_LENGTH, CURSOR_LENGTH), validate.Regexp(CURSOR_PATTERN)],
                         metadata={"description": "opaque page cursor: take it from links[].href, do not build it; "
                                                  "absent on the first page"})


class BankAccountReferencePathSchema(Schema):
    """Path parameter of details, transactions, cards and roles."""

    account_reference = code_field(REFERENCE_PATTERN, "opaque reference from GET /accounts for this party (D14), "
                              "exactly as issued; not the account number", required=True, data_key="accountReference")


class BankAccountNumberPathSchema(Schema):
    """Path parameter of the v2.1 Owners endpoint (D2)."""

    account_id = code_field(ACCOUNT_NUMBER_PATTERN, "the 11-digit account number (not an accountReference)",
                       data_key="accountID", required=True)
