"""`/sandbox/v1/politi/`: the police key's JWKS and a minting endpoint for extradition orders (spec/services.md
§2.2.1–2.2.2; sandbox/profiles/extradition.py).

- `GET  /sandbox/v1/politi/jwks`: the public key banks verify orders with — the sandbox's stand-in for
  politiet.no's `finans-jwks.json` (no x5c chain: see sandbox/profiles/extradition.py).
- `POST /sandbox/v1/politi/orders`: mint a signed order. JSON body:
  `partyID` (required), `mandate` (`criminal` | `missing` | one of the two texts; default `criminal`),
  `fromDate`, `toDate` (required, YYYY-MM-DD), `onlyPrimaryOwner` (default false), `accountList`,
  `accountDetails`, `transactions`, `cards`, `roles` (default true), and optionally `approvalTimestamp`
  (YYYY-MM-DDThh:mm:ssZ, default the sandbox's now), `exp` (NumericDate or YYYY-MM-DDThh:mm:ssZ, default 30
  days after approval), `caseID` (UUID), `districtID`, `districtLabel`.
  Answer: `{"order": "<compact JWS>", "payload": {...}, "headers": {...}}` — or, with `Accept: application/jwt`,
  the compact JWS alone. Send it as `AdditionalReferenceID` with `AdditionalReferenceIDType: pol1`.
  Orders that banks will refuse (expired, other flags, too old) can be minted on purpose for negative tests.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from sandbox.profiles.extradition import OrderInputError, claims_from_json, police_key
from sandbox.web import json_response

from .errors import error_body

bp = Blueprint("admin_politi", __name__, url_prefix="/sandbox/v1/politi")


@bp.get("/jwks")
def jwks():
    """The police public key (PS256) that verifies extradition orders."""
    return json_response(police_key().jwks())


@bp.post("/orders")
def mint_order():
    """Mint a signed Politi-Utlevering extradition order (compact JWS, PS256)."""
    world = current_app.extensions["dsop"].world
    try:
        claims = claims_from_json(request.get_json(silent=True), world.today)
    except OrderInputError as exc:
        return json_response(error_body(400, str(exc), exc.field), 400)
    order = police_key().sign(claims)
    if "application/jwt" in request.headers.get("Accept", ""):
        return Response(order, mimetype="application/jwt")
    return json_response({"order": order, "payload": claims,
                          "headers": {"AdditionalReferenceIDType": "pol1", "AdditionalReferenceID": order}})
