"""HTTP face of the fake Maskinporten at `/maskinporten/`: metadata, JWKS and the token endpoint. Thin.

The same three endpoints are also served where real Maskinporten has them — `/.well-known/oauth-authorization-
server`, `/token` and `/jwk` at the root — so that a client library with Maskinporten's host built in can be
pointed at the sandbox by a host mapping or a reverse proxy alone (docs/maskinporten.md). No other route of the
app uses these paths (the UI's are `/`, `/tokens`, `/parties/…`, `/run`, `/traffic`, `/login`, `/logout`, `/ui/…`).
The metadata also answers at `/.well-known/oauth-authorization-server/maskinporten`, where RFC 8414 §3 puts the
metadata of an issuer with a path. The JWKS answers at `jwk` (Maskinporten's `jwks_uri` path) and `jwks`.
"""

from __future__ import annotations

from flask import Blueprint, current_app, g, request

from sandbox import jwt_segments
from sandbox.web import json_response

from .errors import TokenRequestError

bp = Blueprint("maskinporten", __name__, url_prefix="/maskinporten")
#: Maskinporten's own paths at the root (module docstring).
root_bp = Blueprint("maskinporten_root", __name__)


def _issuer():
    return current_app.extensions["dsop"].maskinporten


@bp.errorhandler(TokenRequestError)
@root_bp.errorhandler(TokenRequestError)
def token_error(exc: TokenRequestError):
    return json_response(exc.body(), exc.status, {"Cache-Control": "no-store"})


@bp.get("/.well-known/oauth-authorization-server")
@root_bp.get("/.well-known/oauth-authorization-server")
@root_bp.get("/.well-known/oauth-authorization-server/maskinporten")
def metadata():
    """Authorization-server metadata (RFC 8414): issuer, token endpoint, JWKS URI, grants."""
    return json_response(_issuer().metadata())


@bp.get("/jwk")
@bp.get("/jwks")
@root_bp.get("/jwk")
def jwks():
    """The public key that signs access tokens (verify tokens locally, cache it)."""
    return json_response(_issuer().jwks())


@bp.post("/token")
@root_bp.post("/token")
def token():
    """Exchange a signed client assertion (jwt-bearer) or, in the sandbox, a client id for an access token."""
    if request.mimetype != "application/x-www-form-urlencoded":
        raise TokenRequestError("invalid_request", "send the token request as application/x-www-form-urlencoded")
    form = {key: request.form.getlist(key) for key in request.form}
    flat = {k: (v if k == "resource" and len(v) > 1 else v[0]) for k, v in form.items()}
    try:
        answer = _issuer().grant(flat, reached_at=request.host_url)
    except TokenRequestError:
        g.audit = _asked(flat)
        raise
    return json_response(answer, headers={"Cache-Control": "no-store"})


def _asked(form: dict) -> dict:
    """For the request log of a refused token request: the consumer, scope and resource it asked for (read from
    the form or the unverified assertion, only to name them: the conformance grader's token-scope-audience).
    Whatever the request holds (a number, a list, no JWT), this names what it can and never raises."""
    asked = dict(form)
    if isinstance(form.get("assertion"), str):
        try:
            claims = jwt_segments.payload(form["assertion"])
        except Exception:  # noqa: BLE001 - not a JWT: nothing more to name
            claims = None
        if isinstance(claims, dict):
            asked = {"client_id": claims.get("iss"), "scope": claims.get("scope") or form.get("scope"),
                     "resource": claims.get("resource") or form.get("resource")}
    client_id, scope, resource = asked.get("client_id"), asked.get("scope"), asked.get("resource")
    consumer = _issuer().by_client_id.get(client_id) if isinstance(client_id, str) else None
    if isinstance(resource, list):
        resource = " ".join(map(str, resource))
    return {"consumer": consumer.org_number if consumer is not None else None,
            "scope": str(scope)[:200] if scope else None,
            "audience": str(resource)[:300] if resource not in (None, "") else None}
