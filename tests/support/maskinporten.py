"""The Maskinporten tests' own small world and helpers (tests/maskinporten/test_maskinporten.py and
test_maskinporten_compat.py): three consumers with different entitlements (Skatteetaten, NAV, Politiet: only
Politiet may have bits:kundeforhold.konto), each with the sandbox's published test key for its org. number;
client assertions as docs/maskinporten.md describes them, and checks of the token endpoint's answers."""

from __future__ import annotations

import time
import uuid
from functools import cache
from pathlib import Path
from urllib.parse import urlencode

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from sandbox.keys import shipped
from sandbox.maskinporten.tokens import JWT_BEARER, SCOPE_BANK

from .auth import PERIOD, VALID_HEADERS

MP_SCENARIO = """
version: 1
name: maskinporten-tests
seed: mp-1
today: 2025-06-30
banks:
  - {id: alpha, name: ALPHA TESTBANK ASA, org_number: "374540734", registration_numbers: ["9950"]}
  - {id: beta, name: BETA SPAREBANK, org_number: "335364465", registration_numbers: ["9960"]}
consumers:
  - {id: skatteetaten, name: Skatteetaten, org_number: "974761076", services: [skatt]}
  - {id: nav, name: NAV, org_number: "889640782", services: [nav], client_id: nav-integrasjon-1}
  - {id: politiet, name: Politiet, org_number: "915429785", services: [politi]}
people:
  - {id: ola, name: Ola Token}
accounts:
  - {id: ola-salary, bank: alpha, type: salaryAccount, opened: -3y, owners: [{party: ola}],
     activity: {profile: household, amount: 40000, purchases_per_month: 2}}
"""
#: The same world with the scenario's own issuer settings.
MP_CUSTOM_SCENARIO = MP_SCENARIO.replace("name: maskinporten-tests", "name: maskinporten-custom") + """
maskinporten:
  signing_key: keys/issuer.pem
  token_ttl: 300
  token_shortcut: false
"""
KEYS = {"skatteetaten": "974761076", "nav-integrasjon-1": "889640782", "politiet": "915429785"}
FORM = "application/x-www-form-urlencoded"
ALPHA, BETA = "374540734", "335364465"  # the banks' org. numbers (the `orgs` fixture checks them)
BASE = "http://127.0.0.1:8000"  # the default public URL
ALPHA_URL, REGISTER_URL = f"{BASE}/banks/{ALPHA}/v2", f"{BASE}/kar-ws/api/v2"


def write_private_key(path: Path, bits: int = 2048) -> Path:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    return path


@cache
def consumer_key(client_id: str) -> RSAKey:
    return RSAKey.import_key(Path(shipped(f"consumer-{KEYS[client_id]}")).read_bytes())


def make_assertion(issuer: str, client_id: str = "skatteetaten", *, key: RSAKey | None = None,
                   header: dict | None = None, **over) -> str:
    """A client assertion as docs/maskinporten.md describes it, for bank alpha of the issuer's sandbox; `over`
    replaces claims (None removes one)."""
    now = int(time.time())
    claims = {"iss": client_id, "aud": issuer, "iat": now, "exp": now + 60, "jti": str(uuid.uuid4()),
              "scope": SCOPE_BANK, "resource": issuer.replace("/maskinporten/", f"/banks/{ALPHA}/v2")}
    for name, value in over.items():
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value(now) if callable(value) else value
    return jwt.encode(header or {"alg": "RS256"}, claims, key or consumer_key(client_id),
                      algorithms=[(header or {}).get("alg", "RS256")])


def post_token(app, form: dict | None = None, *, content_type: str = FORM, data: str | None = None):
    body = data if data is not None else urlencode(form or {}, doseq=True)
    return app.test_client().post("/maskinporten/token", data=body, content_type=content_type)


def bearer_grant(app, assertion: str, **more):
    return post_token(app, {"grant_type": JWT_BEARER, "assertion": assertion, **more})


def granted(response) -> dict:
    assert response.status_code == 200, response.data
    assert response.headers.get("Cache-Control") == "no-store"
    body = response.get_json()
    assert body["token_type"] == "Bearer" and isinstance(body["access_token"], str), body
    return body


def refused(response, error: str, status: int = 400) -> dict:
    """An RFC 6749 §5.2 error: exactly `error` and `error_description`, JSON, not cached."""
    assert response.status_code == status, response.data
    assert response.mimetype == "application/json"
    assert response.headers.get("Cache-Control") == "no-store"
    body = response.get_json()
    assert set(body) == {"error", "error_description"}, body
    assert body["error"] == error, body
    assert isinstance(body["error_description"], str) and body["error_description"]
    return body


def claims_of(app, token: str) -> tuple[dict, dict]:
    """(header, claims) of an access token, verified with the app's published JWKS."""
    jwks = app.test_client().get("/maskinporten/jwks").get_json()
    decoded = jwt.decode(token, KeySet.import_key_set(jwks), algorithms=["RS256"])
    return decoded.header, decoded.claims


def bank_call(app, org: str, authorization: str):
    world = app.extensions["dsop"].world
    headers = {**VALID_HEADERS, "PartyID": world.parties["ola"].identifier, "Authorization": authorization}
    return app.test_client().get(f"/banks/{org}/v2/accounts", query_string={**PERIOD, "OnlyPrimaryOwner": "false"},
                                 headers=headers)
