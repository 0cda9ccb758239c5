"""The header or payload of a compact JWS/JWT read WITHOUT verifying anything: for the request log, the UI's
displays and "does this look like a JWT?" checks. Never decide anything with it: the issuer's and the police's
key checks do that (sandbox/maskinporten/tokens.py, sandbox/profiles/extradition.py)."""

from __future__ import annotations

import base64

import orjson


def _segment(token, index: int) -> dict | None:
    """The JSON object in the `index`-th dot-separated segment, or None when it is not base64url JSON of an object."""
    try:
        part = token.split(".")[index]
        value = orjson.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (AttributeError, IndexError, ValueError):  # not a string, too few segments, not base64url JSON
        return None
    return value if isinstance(value, dict) else None


def header(token) -> dict | None:
    """The protected header (first segment)."""
    return _segment(token, 0)


def payload(token) -> dict | None:
    """The claims (second segment of a JWS)."""
    return _segment(token, 1)
