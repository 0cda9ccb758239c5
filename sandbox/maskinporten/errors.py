"""Maskinporten errors: OAuth errors of the token endpoint, and the two outcomes of a token check.

The token check is shared by every API, so it raises API-neutral errors; each API's blueprint maps them
once to its own wire code (bank: 401 ACC-010 / 403 ACC-011; register: 401 / 403 ERR-001).
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class OAuthErrorSchema(Schema):
    """RFC 6749 §5.2 error response of the token endpoint, as Maskinporten sends it. The sandbox serves no OpenAPI
    for Maskinporten (it follows the RFC and docs/maskinporten.md), so this schema is where the shape is written."""

    error = fields.String(required=True, validate=validate.Length(min=1), metadata={
        "description": "RFC 6749 §5.2 code: invalid_request, invalid_grant, invalid_client, invalid_scope, "
                       "invalid_target (RFC 8707), unsupported_grant_type, ..."})
    error_description = fields.String(required=True, validate=validate.Length(min=1), metadata={
        "description": "what was wrong with the request and how to fix it"})


ERROR_SCHEMA = OAuthErrorSchema()


class TokenRequestError(Exception):
    """RFC 6749 §5.2 error of `/maskinporten/token`: `{"error": ..., "error_description": ...}`."""

    def __init__(self, error: str, description: str, status: int = 400):
        self.error, self.description, self.status = error, description, status
        super().__init__(description)

    def body(self) -> dict:
        """Written through OAuthErrorSchema, the one place the token endpoint's error shape lives."""
        return ERROR_SCHEMA.dump({"error": self.error, "error_description": self.description})


class AuthenticationFailed(Exception):
    """No usable access token: missing, garbled, `alg: none`, wrong key, expired, wrong `iss`/`aud` → 401."""

    status = 401

    def __init__(self, message: str, credentials_sent: bool = True):
        self.message = message
        self.credentials_sent = credentials_sent
        super().__init__(message)

    @property
    def challenge(self) -> str:
        """The WWW-Authenticate value; RFC 6750 §3.1: no error code when no credentials were sent."""
        return 'Bearer error="invalid_token"' if self.credentials_sent else 'Bearer realm="dsop-sandbox"'


class AccessDenied(Exception):
    """A valid token that does not grant this call: wrong scope, unknown consumer → 403."""

    status = 403

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)
