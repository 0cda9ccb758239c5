"""The bank API's requests and responses as marshmallow schemas: the single description the OpenAPI document
(`/openapi/bank.json`) is generated from (DESIGN §2, §5).

Field names, enums and formats follow reference/Bank_v2.yaml (the v2.0 endpoints) and spec/protocol.md §3.10
with DESIGN D2/D5 (the v2.1 Owners endpoint); the tests compare the generated document with Bank_v2.yaml and
validate real responses against it. The bodies themselves are built as plain dicts by `wire.py` (hot path);
error bodies are dumped through `BankErrorSchema`.

Response objects are open (`unknown = EXCLUDE`, so the OpenAPI says nothing about additional properties):
consumers must be tolerant readers (spec/protocol.md §3.5). Nothing is nullable: a value the bank does not
hold is left out (D5).

`Authorization` is not a parameter here: OpenAPI 3 ignores a header parameter of that name, so the documents
describe it as the bearer security scheme instead.
"""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from sandbox.dsop import codes
from sandbox.dsop.enums import (
    ACCOUNT_STATUSES,
    ACCOUNT_TYPES_V20,
    ACCOUNT_TYPES_V21,
    CARD_STATUSES,
    CARD_TYPES,
    IDENTIFIER_TYPES,
    PERMISSIONS,
    TRANSACTION_STATUSES,
)

COUNTRY = r"^[A-Z]{2}$"
CURRENCY = r"^[A-Z]{3}$"
YEAR_MONTH = r"^[0-9]+-(0[1-9]|1[0-2])$"


def _text(lo: int | None = 1, hi: int | None = None, description: str = "", **kw) -> fields.String:
    return fields.String(validate=validate.Length(min=lo, max=hi), metadata={"description": description}, **kw)


def enum_field(values, description: str = "", **kw) -> fields.String:
    return fields.String(validate=validate.OneOf(values), metadata={"description": description}, **kw)


def code_field(pattern: str, description: str, **kw) -> fields.String:
    return fields.String(validate=validate.Regexp(pattern), metadata={"description": description}, **kw)


def _amount(description: str, **kw) -> fields.Float:
    return fields.Float(validate=validate.Range(min=0), metadata={"description": description}, **kw)


def _date(description: str, **kw) -> fields.Date:
    return fields.Date(metadata={"description": description}, **kw)


def _datetime(description: str, **kw) -> fields.DateTime:
    return fields.DateTime(metadata={"description": description}, **kw)


def _nested(schema, description: str, **kw) -> fields.Nested:
    return fields.Nested(schema, metadata={"description": description}, **kw)


def _list(schema, description: str, **kw) -> fields.List:
    return fields.List(fields.Nested(schema), metadata={"description": description}, **kw)


class _Open(Schema):
    class Meta:
        unknown = EXCLUDE


# ---- building blocks ----------------------------------------------------------------------------------------
class BankResponseDetailsSchema(_Open):
    """How complete the answer is: `partial` only when the bank knows of data it cannot deliver through the API
    (then `message` says why); never a paging or outage signal (R-06, D17)."""

    status = enum_field(codes.RESPONSE_STATUSES, "complete, or partial when data exists offline", required=True)
    message = _text(1, 500, "why the answer is partial")


class BankLinkSchema(_Open):
    """A paging link (D6): `href` is relative to the bank's base URL and repeats every query parameter."""

    rel = _text(1, 50, "self, next (only when another page exists) or prev", required=True)
    href = _text(1, 500, "relative URL of the page, e.g. /accounts?fromDate=…&toDate=…&page=<opaque cursor>; "
                         "follow it verbatim and send the same headers", required=True)


class BankIdentifierSchema(_Open):
    """A national identifier of a person or an organisation."""

    country_of_residence = code_field(COUNTRY, "ISO 3166-1 alpha-2 country code", data_key="countryOfResidence")
    value = fields.String(required=True, metadata={"description": "person number, D-number (11 digits) or "
                                                                  "organisation number (9 digits)"})
    type = enum_field(IDENTIFIER_TYPES, "nationalIdentityNumber for persons, countryIdentificationCode for "
                                   "organisations", required=True)


class BankFinancialInstitutionSchema(_Open):
    """The bank servicing the account."""

    identifier = _nested(BankIdentifierSchema, "the bank's organisation number")
    name = _text(1, 140, "the bank's name")


class BankAccountRoleSchema(_Open):
    """A party with a right on the account (owner or disponent) and the period of that right."""

    permission = enum_field(PERMISSIONS, "rightToUseAlone for owners; the disponent's right otherwise")
    identifier = _nested(BankIdentifierSchema, "who holds the right")
    name = _text(1, 140, "the party's name")
    start_date = _date("first day of the right", data_key="startDate")
    end_date = _date("last day of the right; left out while it lasts", data_key="endDate")


class BankBalanceSchema(_Open):
    """A balance: available (now) and booked when toDate is today, else booked at the end of toDate (D15)."""

    credit_line_included = fields.Boolean(data_key="creditLineIncluded",
                                          metadata={"description": "whether amount includes the credit line"})
    amount = _amount("absolute amount; the sign is in creditDebitIndicator")
    credit_debit_indicator = enum_field(codes.CREDIT_DEBIT, "credit (positive) or debit (negative balance)",
                                   data_key="creditDebitIndicator")
    registered = _datetime("when the balance was taken (sandbox clock)")
    type = enum_field(codes.BALANCE_TYPES, "availableBalance or bookedBalance")
    credit_line_amount = _amount("the account's credit line", data_key="creditLineAmount")
    credit_line_currency = code_field(CURRENCY, "ISO 4217 currency of the credit line", data_key="creditLineCurrency")
    currency = code_field(CURRENCY, "ISO 4217 currency code")


# ---- accounts -----------------------------------------------------------------------------------------------
class BankAccountSchema(_Open):
    """One account in the account list."""

    status = enum_field(ACCOUNT_STATUSES, "enabled, disabled (e.g. blocked) or deleted (closed)")
    servicer = _nested(BankFinancialInstitutionSchema, "the bank")
    account_identifier = fields.String(required=True, data_key="accountIdentifier",
                                       metadata={"description": "the 11-digit account number"})
    account_reference = fields.String(required=True, data_key="accountReference", metadata={
        "description": "opaque reference to use in the other endpoints; valid for this party (D14)"})
    type = enum_field(ACCOUNT_TYPES_V20, "account type (v2.0 list: a leasing account is otherAccount)")
    currency = code_field(CURRENCY, "ISO 4217 currency code")
    primary_owner = _nested(BankAccountRoleSchema, "the primary owner at the end of the period",
                            data_key="primaryOwner")
    name = _text(1, 70, "the account's name, when the bank has one")


class BankAccountsSchema(_Open):
    """GET /accounts: the accounts a party has or had at the bank in the period (empty when none)."""

    response_details = _nested(BankResponseDetailsSchema, "completeness", data_key="responseDetails", required=True)
    accounts = _list(BankAccountSchema, "the accounts, oldest first")
    links = _list(BankLinkSchema, "paging links")


class BankAccountDetailSchema(BankAccountSchema):
    """One account with its balances and lifetime."""

    balances = _list(BankBalanceSchema, "empty when the account was closed within the period (R-41)")
    start_date = _date("the day the account was opened", data_key="startDate")
    end_date = _date("the day the account was closed; left out while open", data_key="endDate")


class BankAccountDetailsSchema(_Open):
    """GET /accounts/{accountReference}: the account's details and balances."""

    response_details = _nested(BankResponseDetailsSchema, "completeness", data_key="responseDetails", required=True)
    account = _nested(BankAccountDetailSchema, "the account")


# ---- transactions -------------------------------------------------------------------------------------------
class BankTransactionCodeSchema(_Open):
    """ISO 20022 bank transaction code."""

    domain = enum_field(codes.DOMAINS, "ISO 20022 domain")
    family = enum_field(codes.FAMILIES, "ISO 20022 family")
    sub_family = enum_field(codes.SUB_FAMILIES, "ISO 20022 sub-family", data_key="subFamily")
    free_text = _text(1, 500, "the bank's own text for the code", data_key="freeText")


class BankTransactionReferenceSchema(_Open):
    """A reference of the transaction (the sandbox sends the archive reference)."""

    value = fields.String(required=True, metadata={"description": "the reference"})
    type = enum_field(codes.TRANSACTION_REFERENCE_TYPES, "what kind of reference", required=True)


class BankPostalAddressSchema(_Open):
    """A counterparty's postal address."""

    post_code = _text(1, 16, "post code", data_key="postCode")
    type = enum_field(codes.ADDRESS_TYPES, "address type")
    street_name = _text(1, 70, "street", data_key="streetName")
    building_number = _text(1, 16, "building number", data_key="buildingNumber")
    town_name = _text(1, 35, "town", data_key="townName")
    country = code_field(COUNTRY, "ISO 3166-1 alpha-2 country code")
    address_lines = fields.List(fields.String(validate=validate.Length(min=1, max=70)), data_key="addressLines",
                                metadata={"description": "unstructured address lines"})


class BankCounterPartySchema(_Open):
    """The other side of a transaction."""

    account_identifier = fields.String(data_key="accountIdentifier",
                                       metadata={"description": "the counterparty's account number"})
    identifier = _nested(BankIdentifierSchema, "the counterparty's national identifier")
    name = _text(1, 140, "the counterparty's name")
    type = enum_field(codes.COUNTERPARTY_TYPES, "creditor for a debit, debtor for a credit (R-49)")
    postal_address = _nested(BankPostalAddressSchema, "postal address", data_key="postalAddress")


class BankCurrencyExchangeSchema(_Open):
    """Currency conversion of a transaction made in a foreign currency."""

    original_amount = _amount("amount in the source currency", data_key="originalAmount")
    source_currency = code_field(CURRENCY, "currency of the original amount", data_key="sourceCurrency")
    target_currency = code_field(CURRENCY, "the account's currency", data_key="targetCurrency")
    unit_currency = code_field(CURRENCY, "currency the rate is quoted per unit of", data_key="unitCurrency")
    exchange_rate = _amount("exchange rate", data_key="exchangeRate")


class BankPaymentCardSchema(_Open):
    """A payment card linked to the account; the card number is masked."""

    card_identifier = fields.String(required=True, data_key="cardIdentifier",
                                    metadata={"description": "masked card number"})
    holder_name = _text(1, 140, "the card holder", data_key="holderName")
    start_date = code_field(YEAR_MONTH, "first month of validity, YYYY-MM", data_key="startDate")
    expiry_date = code_field(YEAR_MONTH, "expiry month, YYYY-MM", data_key="expiryDate")
    card_issuer_name = _text(1, 140, "the issuing bank", data_key="cardIssuerName")
    type = enum_field(CARD_TYPES, "debitCard or creditCard")
    card_status = enum_field(CARD_STATUSES, "active or blocked", data_key="cardStatus")
    version_number = _text(1, 1, "card version (re-issue count)", data_key="versionNumber")
    card_issuer_identifier = _nested(BankIdentifierSchema, "the issuer's organisation number",
                                     data_key="cardIssuerIdentifier")


class BankTransactionSchema(_Open):
    """One booked or pending transaction."""

    transaction_identifier = fields.String(required=True, data_key="transactionIdentifier",
                                           metadata={"description": "the bank's stable transaction id"})
    references = _list(BankTransactionReferenceSchema, "references of the transaction")
    credit_debit_indicator = enum_field(codes.CREDIT_DEBIT, "credit (money in) or debit (money out)",
                                   data_key="creditDebitIndicator")
    reversal_indicator = fields.Boolean(data_key="reversalIndicator",
                                        metadata={"description": "true for a reversal of an earlier transaction"})
    status = enum_field(TRANSACTION_STATUSES, "booked, or pending (only when toDate is today)")
    transaction_code = _nested(BankTransactionCodeSchema, "ISO 20022 code", data_key="transactionCode")
    booking_date = _datetime("booking day (00:00Z); left out while pending", data_key="bookingDate")
    value_date = _datetime("value day (00:00Z); left out while pending", data_key="valueDate")
    counter_parties = _list(BankCounterPartySchema, "the other side", data_key="counterParties")
    additional_info = _text(1, 500, "payment text", data_key="additionalInfo")
    currency_exchange = _nested(BankCurrencyExchangeSchema, "conversion of a foreign-currency transaction",
                                data_key="currencyExchange")
    merchant = _text(1, 140, "merchant of a card purchase")
    payment_card = _nested(BankPaymentCardSchema, "the card used", data_key="paymentCard")
    registered = _datetime("when the bank registered the transaction")
    amount = _amount("absolute amount in the account's currency; the sign is in creditDebitIndicator")
    currency = code_field(CURRENCY, "ISO 4217 currency code")


class BankTransactionsSchema(_Open):
    """GET /accounts/{accountReference}/transactions: one page of the account's transactions in the period."""

    response_details = _nested(BankResponseDetailsSchema, "completeness", data_key="responseDetails", required=True)
    transactions = _list(BankTransactionSchema, "transactions, oldest first; pending ones last")
    links = _list(BankLinkSchema, "paging links")


# ---- cards, roles, owners -----------------------------------------------------------------------------------
class BankCardsSchema(_Open):
    """GET /accounts/{accountReference}/cards: cards linked to the account in the period."""

    response_details = _nested(BankResponseDetailsSchema, "completeness", data_key="responseDetails", required=True)
    payment_cards = _list(BankPaymentCardSchema, "the cards", data_key="paymentCards")


class BankRolesSchema(_Open):
    """GET /accounts/{accountReference}/roles: owners and disponents of the account in the period."""

    response_details = _nested(BankResponseDetailsSchema, "completeness", data_key="responseDetails", required=True)
    roles = _list(BankAccountRoleSchema, "the role holders, the latest period per party and right")


class BankAccountOwnerSchema(_Open):
    """An owner of the account, with the real (unclipped) ownership dates (v2.1, R-60…R-62)."""

    identifier = _nested(BankIdentifierSchema, "the owner's national identifier")
    name = _text(1, 140, "the owner's name")
    type = enum_field(ACCOUNT_TYPES_V21, "the account's type during the ownership (v2.1 list, with leasingAccount)")
    start_date = _date("first day of the ownership, whatever the period; left out when unknown",
                       data_key="startDate")
    end_date = _date("last day of the ownership; left out while the party still owns the account",
                     data_key="endDate")


class BankOwnersSchema(_Open):
    """GET /accounts/{accountID}/owners (v2.1): every owner of an account number in the period."""

    response_details = _nested(BankResponseDetailsSchema, "completeness", data_key="responseDetails", required=True)
    account_owners = _list(BankAccountOwnerSchema, "owners, latest first", data_key="accountOwners")


class BankErrorSchema(_Open):
    """Every bank error: an ACC code and a message; plain JSON, never encrypted (D4)."""

    code = code_field(r"^ACC-[0-9]{3}$", "ACC-xxx code for automatic handling", required=True)
    message = _text(1, None, "what went wrong and how to fix it", required=True)


#: Response schemas in the order the OpenAPI document lists them.
RESPONSE_SCHEMAS = (
    BankAccountsSchema, BankAccountDetailsSchema, BankTransactionsSchema, BankCardsSchema, BankRolesSchema,
    BankOwnersSchema, BankErrorSchema, BankAccountSchema, BankAccountDetailSchema, BankTransactionSchema,
    BankAccountOwnerSchema, BankAccountRoleSchema, BankBalanceSchema, BankPaymentCardSchema,
    BankCounterPartySchema, BankPostalAddressSchema, BankCurrencyExchangeSchema, BankTransactionCodeSchema,
    BankTransactionReferenceSchema, BankFinancialInstitutionSchema, BankIdentifierSchema, BankLinkSchema,
    BankResponseDetailsSchema,
)


#: The one instance every bank error body is dumped through (bank/errors.py).
ERROR_SCHEMA = BankErrorSchema()
