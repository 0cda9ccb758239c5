"""The sandbox's own error body, `{"error": <HTTP status>, "message": ...}`: what the admin API
(`/sandbox/v1/*`), the workshop UI's JSON endpoints and any path outside the DSOP APIs answer (DESIGN D4 gives
the register, the banks and Maskinporten their own formats). Written here only, through AdminErrorSchema.

No OpenAPI of ours documents the admin API (the served documents are the register's and the banks'), so the
schema is the documentation: the status again as a number, a message that says what to send instead, and for
a minting input the field at fault.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class AdminErrorSchema(Schema):
    """Every sandbox error outside the DSOP APIs; plain JSON."""

    error = fields.Integer(required=True, validate=validate.Range(400, 599),
                           metadata={"description": "the HTTP status, repeated in the body"})
    message = fields.String(required=True, validate=validate.Length(min=1),
                            metadata={"description": "what went wrong and how to fix it"})
    field = fields.String(allow_none=True, metadata={
        "description": "POST /sandbox/v1/politi/orders: the input field at fault"})


ERROR_SCHEMA = AdminErrorSchema()


class AdminError(Exception):
    """A refused admin (or UI JSON) request: its status and message, answered as error_body."""

    def __init__(self, status: int, message: str):
        self.status, self.message = status, message
        super().__init__(message)

    def body(self) -> dict:
        return error_body(self.status, self.message)


_NO_FIELD = object()


def error_body(status: int, message: str, field=_NO_FIELD) -> dict:
    """`{"error": status, "message": message}`, with `"field"` when one is given (even None: the minting
    endpoint always names it)."""
    data = {"error": status, "message": message}
    if field is not _NO_FIELD:
        data["field"] = field
    return ERROR_SCHEMA.dump(data)
