"""HTTP face of the fake Maskinporten at `/maskinporten/`: metadata, JWKS and the token endpoint. Thin."""

from __future__ import annotations

from flask import Blueprint, current_app, request

from sandbox.web import json_response

from .errors import TokenRequestError

bp = Blueprint("maskinporten", __name__, url_prefix="/maskinporten")


def _issuer():
    return current_app.extensions["dsop"].maskinporten


@bp.errorhandler(TokenRequestError)
def token_error(exc: TokenRequestError):
    return json_response(exc.body(), exc.status, {"Cache-Control": "no-store"})


@bp.get("/.well-known/oauth-authorization-server")
def metadata():
    """Authorization-server metadata (RFC 8414): issuer, token endpoint, JWKS URI, grants."""
    return json_response(_issuer().metadata())


@bp.get("/jwks")
def jwks():
    """The public key that signs access tokens (verify tokens locally, cache it)."""
    return json_response(_issuer().jwks())


@bp.post("/token")
def token():
    """Exchange a signed client assertion (jwt-bearer) or, in the sandbox, a client id for an access token."""
    if request.mimetype != "application/x-www-form-urlencoded":
        raise TokenRequestError("invalid_request", "send the token request as application/x-www-form-urlencoded")
    form = {key: request.form.getlist(key) for key in request.form}
    flat = {k: (v if k == "resource" and len(v) > 1 else v[0]) for k, v in form.items()}
    answer = _issuer().grant(flat, reached_at=request.host_url)
    return json_response(answer, headers={"Cache-Control": "no-store"})
