"""Maskinporten errors: OAuth errors of the token endpoint, and the two outcomes of a token check.

The token check is shared by every API, so it raises API-neutral errors; each API's blueprint maps them
once to its own wire code (bank: 401 ACC-010 / 403 ACC-011; register: 401 / 403 ERR-001).
"""

from __future__ import annotations


class TokenRequestError(Exception):
    """RFC 6749 §5.2 error of `/maskinporten/token`: `{"error": ..., "error_description": ...}`."""

    def __init__(self, error: str, description: str, status: int = 400):
        self.error, self.description, self.status = error, description, status
        super().__init__(description)

    def body(self) -> dict:
        return {"error": self.error, "error_description": self.description}


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
