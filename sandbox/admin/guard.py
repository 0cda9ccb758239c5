"""The admin token: with `--admin-token T` every `/sandbox/v1/*` route needs `Authorization: Bearer T` (or a
`Sandbox-Admin-Token: T` header), so a shared workshop server's log, clock and tokens are not open to all.

A DSOP access token is never an admin credential: sent to an admin route it is refused with 403, so a
consumer that leaks its Maskinporten token into the admin API is told so instead of silently failing the
comparison. Without --admin-token the admin API is open (a local sandbox).
"""

from __future__ import annotations

import hmac

from sandbox import jwt_segments
from sandbox.web import json_response

from .errors import error_body

PREFIX = "/sandbox/v1"


def _looks_like_jwt(value: str) -> bool:
    parts = value.split(".")
    if len(parts) not in (3, 5):  # JWS or JWE compact
        return False
    header = jwt_segments.header(value)
    return header is not None and "alg" in header


def check(headers, expected: str):
    """None when `headers` carry the admin token, else the (status, message) to refuse with."""
    given = headers.get("Sandbox-Admin-Token")
    bearer = None
    kind, _, value = (headers.get("Authorization") or "").strip().partition(" ")
    if kind.lower() == "bearer" and value.strip():
        bearer = value.strip()
    for candidate in (given, bearer):
        if candidate and hmac.compare_digest(candidate.encode(), expected.encode()):
            return None
    if bearer and _looks_like_jwt(bearer):
        return 403, ("a DSOP access token is not valid on the admin API: send the server's admin token "
                     "(Authorization: Bearer <admin token> or Sandbox-Admin-Token)")
    if given or bearer:
        return 401, "wrong admin token"
    return 401, ("this sandbox protects its admin API: send Authorization: Bearer <admin token> "
                 "(or a Sandbox-Admin-Token header); the token is the server's --admin-token")


def install(app, services) -> None:
    """Register the check first, so it runs before every other hook (nothing else runs for a refusal)."""
    expected = services.settings.admin_token
    if not expected:
        return
    from flask import request

    @app.before_request
    def _admin_token():
        if request.path != PREFIX and not request.path.startswith(PREFIX + "/"):
            return None
        refused = check(request.headers, expected)
        if refused is None:
            return None
        status, message = refused
        headers = {"WWW-Authenticate": 'Bearer realm="dsop-sandbox admin"'} if status == 401 else None
        return json_response(error_body(status, message), status, headers)
