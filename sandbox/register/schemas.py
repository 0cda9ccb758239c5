"""The register's ("KAR") requests and responses as marshmallow schemas: the source of `/openapi/kar.json`.

Shapes follow reference/KAR.yaml 1.1.2 with the v2 changes of spec/protocol.md §2: `organizationID`
everywhere, `ownershipType`, and CorrelationID, AccountInfoRequestID, Legal-Mandate, fromDate and toDate
mandatory (D1, D5). Response objects are open (tolerant readers); nothing is nullable.
"""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from sandbox.dsop.enums import OWNERSHIP_TYPES
from sandbox.dsop.wire import datetime_z

ORGANISATION_NUMBER = r"^[0-9]{9}$"


class _Open(Schema):
    class Meta:
        unknown = EXCLUDE


class _Timestamp(fields.DateTime):
    """A date-time written as every sandbox date-time is (D5: RFC 3339 in UTC with `Z`, sandbox.dsop.wire);
    marshmallow's own ISO format would write `+00:00`. Documented as any DateTime (`format: date-time`)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else datetime_z(value)


def _org() -> fields.String:
    return fields.String(required=True, data_key="organizationID",
                         validate=[validate.Length(equal=9), validate.Regexp(ORGANISATION_NUMBER)],
                         metadata={"description": "the bank's organisation number"})


class RegisterCustomerRelationSchema(_Open):
    """A bank the customer has or had a relation with in the period."""

    organization_id = _org()
    bank_name = fields.String(required=True, data_key="bankName", validate=validate.Length(min=1),
                              metadata={"description": "the bank's name"})
    active_account = fields.Boolean(required=True, data_key="activeAccount", metadata={
        "description": "true only when toDate is today and the customer owns an open account there that can "
                       "receive payments; always false for banks known through KFR (R-23)"})
    ownership_type = fields.String(data_key="ownershipType", validate=validate.OneOf(OWNERSHIP_TYPES), metadata={
        "description": "only when onlyPrimaryOwner was sent: primaryOwner, notPrimaryOwner, or unknown when "
                       "only disponent relations from before 2019-07-01 are known (R-22)"})


class RegisterCustomerRelationsSchema(_Open):
    """GET /customers/customerRelationships: the banks (empty when none)."""

    banks = fields.List(fields.Nested(RegisterCustomerRelationSchema), required=True,
                        metadata={"description": "one entry per bank"})


class RegisterBankSchema(_Open):
    """GET /customers/accountServicingProvider: the bank that services the account number."""

    organization_id = _org()
    bank_name = fields.String(required=True, data_key="bankName", validate=validate.Length(min=1),
                              metadata={"description": "the bank's name"})


class RegisterErrorSchema(_Open):
    """Every register error (D4); plain JSON."""

    error_code = fields.String(required=True, data_key="errorCode", validate=validate.Regexp(r"^ERR-[0-9]{3}$"),
                               metadata={"description": "ERR-xxx code for automatic handling"})
    error_message = fields.String(required=True, data_key="errorMessage", validate=validate.Length(min=1),
                                  metadata={"description": "what went wrong"})
    timestamp = _Timestamp(required=True, metadata={"description": "when (sandbox clock), RFC 3339 with Z"})


class RegisterUnauthorizedSchema(_Open):
    """The 401 body of accountServicingProvider, which KAR.yaml (ErrorResponse401) gives its own shape."""

    status_code = fields.Integer(required=True, data_key="statusCode", validate=validate.Equal(401),
                                 metadata={"description": "always 401"})
    message = fields.String(required=True, validate=validate.Length(min=1), metadata={"description": "why"})


ERROR_SCHEMA, UNAUTHORIZED_SCHEMA = RegisterErrorSchema(), RegisterUnauthorizedSchema()

RESPONSE_SCHEMAS = (RegisterCustomerRelationsSchema, RegisterBankSchema, RegisterErrorSchema,
                    RegisterUnauthorizedSchema, RegisterCustomerRelationSchema)


# ---- request parameters (spec/protocol.md §2.2, §2.3) -------------------------------------------------------
class RegisterCaseHeadersSchema(Schema):
    """Headers of every register call (all mandatory in v2)."""

    correlation_id = fields.UUID(required=True, data_key="CorrelationID", metadata={
        "description": "a new UUID per technical request"})
    account_info_request_id = fields.UUID(required=True, data_key="AccountInfoRequestID", metadata={
        "description": "the consumer's case id: the same UUID on every call of the case"})
    legal_mandate = fields.String(required=True, data_key="Legal-Mandate", metadata={
        "description": "the service's legal basis, percent-encoded UTF-8 (encodeURIComponent)"})


class RegisterCustomerHeaderSchema(Schema):
    """The control object of customerRelationships."""

    customer_id = fields.String(required=True, data_key="CustomerID",
                                validate=validate.Regexp(r"^([0-9]{9}|[0-9]{11})$"), metadata={
        "description": "person number or D-number (11 digits) or organisation number (9 digits), with valid "
                       "check digits"})


class RegisterPeriodQuerySchema(Schema):
    """The period, both days inclusive."""

    from_date = fields.Date(required=True, data_key="fromDate", metadata={"description": "first day, YYYY-MM-DD"})
    to_date = fields.Date(required=True, data_key="toDate",
                          metadata={"description": "last day, YYYY-MM-DD; not after the sandbox's today"})


class RegisterOwnershipQuerySchema(Schema):
    """Optional filter of customerRelationships (D9)."""

    only_primary_owner = fields.Boolean(data_key="onlyPrimaryOwner", metadata={
        "description": "when sent, each bank gets an ownershipType; true also leaves out notPrimaryOwner banks"})


class RegisterAccountHeaderSchema(Schema):
    """The account number of accountServicingProvider."""

    account_id = fields.String(required=True, data_key="AccountID", validate=validate.Regexp(r"^[0-9]{11,20}$"),
                               metadata={"description": "account number (11 digits); the check digit is not "
                                                        "verified, as in KAR"})
