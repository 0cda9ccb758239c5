"""Valid requests and forged tokens of the token tests (DESIGN D11, D12; docs/maskinporten.md), shared by
tests/maskinporten/test_auth.py, tests/bank/test_jwe.py and tests/maskinporten/test_maskinporten.py; the fixtures
that build on them (`auth_app`, `issuer`, `forge`, `targets`, `refs`, ...) live in tests/conftest.py.

Bad tokens are forged with joserfc, or by hand where joserfc refuses (`alg: none`, HS256 key confusion).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass
from functools import cache

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from joserfc import jwe, jwt
from joserfc.jwk import RSAKey

from .bank import BankApi
from .constants import HEADERS, NAV_ORG, SKATT_ORG, T

# ----------------------------------------------------------------------------------------------------------
#  The one valid request of these tests (adjust HERE when the service profiles change)
# ----------------------------------------------------------------------------------------------------------
#: Skatteetaten under Skatt-Kontroll (spec/services.md §2.1): support.HEADERS carries its Legal-Mandate, the two
#: UUIDs and Accept: application/json; the RequesterID Skatt requires is set here too, so these tests do not depend
#: on HEADERS having one.
CONSUMER_ORG = SKATT_ORG
CONSUMER_CLIENT_ID = "skatteetaten"
#: An organisation number that is no consumer of the scenario (checked by the `issuer` fixture).
STRANGER_ORG = "999999999"
#: NAV: a consumer of the scenario, but not entitled to Skatt-Kontroll, the service VALID_HEADERS' mandate names.
UNENTITLED_ORG = NAV_ORG
VALID_HEADERS = {**HEADERS, "RequesterID": "saksbehandler-auth-tests"}
PERIOD = {"fromDate": "2024-01-01", "toDate": T}
BANK = "alpha"  # the bank the tables call; "beta" is the other bank of the scenario
PARTY = "ola"
ACCOUNT = "joint"  # Ola's joint account at alpha (cards, two owners)

BANK_ENDPOINTS = ("accounts", "details", "transactions", "cards", "roles", "owners")
REGISTER_ENDPOINTS = ("customerRelationships", "accountServicingProvider")


@dataclass(frozen=True)
class Refs:
    party: str  # PartyID
    reference: str  # accountReference of ACCOUNT for PARTY
    number: str  # account number of ACCOUNT (Owners)


def bank_request(endpoint: str, refs: Refs) -> tuple[str, dict, dict]:
    """(path relative to the bank's base URL, query, extra headers) of a valid request to `endpoint`."""
    if endpoint == "accounts":
        return "/accounts", {**PERIOD, "OnlyPrimaryOwner": "false"}, {"PartyID": refs.party}
    if endpoint == "details":
        return f"/accounts/{refs.reference}", PERIOD, {}
    if endpoint == "owners":
        return f"/accounts/{refs.number}/owners", PERIOD, {}
    return f"/accounts/{refs.reference}/{endpoint}", PERIOD, {}


def register_request(endpoint: str, refs: Refs) -> tuple[str, dict, dict]:
    """(URL, query, headers) of a valid register request (no Authorization)."""
    url = f"/kar-ws/api/v2/customers/{endpoint}"
    if endpoint == "customerRelationships":
        return url, PERIOD, {**VALID_HEADERS, "CustomerID": refs.party}
    return url, {}, {**VALID_HEADERS, "AccountID": refs.number}


# ----------------------------------------------------------------------------------------------------------
#  Forging tokens
# ----------------------------------------------------------------------------------------------------------
DROP = object()  # "leave this claim out"


def b64url(data) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@cache
def stranger_key() -> RSAKey:
    """An RSA key the sandbox has never seen."""
    key = RSAKey.generate_key(2048)
    key.ensure_kid()
    return key


@dataclass(frozen=True)
class Target:
    """What one API expects of a token, and audiences/scopes that are someone else's."""

    aud: str
    scope: str
    other_scope: str  # a scope of the sandbox that is not this endpoint's
    other_api_aud: str  # the audience of another API of the same sandbox
    sibling_aud: str  # the same kind of API, elsewhere (another bank; another register)


class Forge:
    """Access tokens with any claims, signed with the issuer's key (or not)."""

    def __init__(self, issuer):
        self.issuer = issuer

    def claims(self, target: Target, **over) -> dict:
        """The claims of a valid token for `target`; `over` replaces claims (DROP removes one; a callable gets `now`)."""
        now = int(time.time())
        claims = {"iss": self.issuer.issuer, "aud": target.aud, "scope": target.scope,
                  "consumer": {"authority": "iso6523-actorid-upis", "ID": f"0192:{CONSUMER_ORG}"},
                  "client_id": CONSUMER_CLIENT_ID, "client_amr": "private_key_jwt", "token_type": "Bearer",
                  "iat": now, "exp": now + 120, "jti": str(uuid.uuid4())}
        for name, value in over.items():
            if value is DROP:
                claims.pop(name, None)
            else:
                claims[name] = value(now) if callable(value) else value
        return claims

    def sign(self, claims: dict, key: RSAKey | None = None, header: dict | None = None) -> str:
        key = key or self.issuer.key
        header = header or {"alg": "RS256", "typ": "JWT", "kid": key.kid}
        return jwt.encode(header, claims, key, algorithms=[header["alg"]])

    def token(self, target: Target, **over) -> str:
        return self.sign(self.claims(target, **over))

    # tokens joserfc will not make ----------------------------------------------------------------------
    def unsigned(self, target: Target) -> str:
        """`alg: none`, built by hand: header.payload. with an empty signature."""
        return f"{b64url({'alg': 'none', 'typ': 'JWT'})}.{b64url(self.claims(target))}."

    def hs256_with_public_key(self, target: Target) -> str:
        """Key confusion: HS256 with the issuer's public key (PEM) as the HMAC secret."""
        secret = self.issuer.key.raw_value.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
        signing_input = f"{b64url({'alg': 'HS256', 'typ': 'JWT'})}.{b64url(self.claims(target))}"
        signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        return f"{signing_input}.{b64url(signature)}"

    def encrypted_not_signed(self, target: Target) -> str:
        """A JWE of the claims to the issuer's public key: anyone can make one."""
        public = RSAKey.import_key(self.issuer.key.as_dict(private=False))
        return jwe.encrypt_compact({"alg": "RSA-OAEP-256", "enc": "A128CBC-HS256"}, json.dumps(self.claims(target)),
                                   public, algorithms=["RSA-OAEP-256", "A128CBC-HS256"])

    def tampered(self, target: Target) -> str:
        """A valid token whose payload was changed afterwards (scope widened), signature kept."""
        header, _, signature = self.token(target, scope="bits:somethingelse").split(".")
        return f"{header}.{b64url(self.claims(target))}.{signature}"


def garbage() -> str:
    return f"garbled-{uuid.uuid4().hex}"


def bearer(token: str) -> str:
    return f"Bearer {token}"


def call_bank(api: BankApi, refs: Refs, endpoint: str, authorization: str | None, *, check: bool = True, **more):
    path, query, extra = bank_request(endpoint, refs)
    headers = {**VALID_HEADERS, **extra, **more}
    if authorization is not None:
        headers["Authorization"] = authorization
    return api.call(BANK, path, query, headers, check=check)


def call_register(client, refs: Refs, endpoint: str, authorization: str | None, **more):
    url, query, headers = register_request(endpoint, refs)
    headers = {**headers, **more}
    if authorization is not None:
        headers["Authorization"] = authorization
    return client.get(url, query_string=query, headers=headers)


