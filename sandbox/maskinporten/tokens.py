"""Issuing and checking Maskinporten access tokens (spec/protocol.md §4.1, DESIGN D11/D12). No Flask here.

Tokens are RS256 JWTs signed with the scenario's signing key (default: the published test key in
sandbox/keys/), so they survive restarts and are valid in every gunicorn worker. Two grants:

- the real one, `urn:ietf:params:oauth:grant-type:jwt-bearer`: a client assertion signed by the consumer's
  registered key, with `iss` = client id, `aud` = our issuer, `exp` (at most 120 s after `iat`), a fresh
  `jti`, `scope` and `resource` = the base URL of the API the token is for (which becomes the token's `aud`);
- a sandbox shortcut for quick starts, `client_credentials` with only `client_id` (no secret, no
  assertion), `scope` and `resource`, which a scenario can switch off (`maskinporten.token_shortcut: false`).

A `resource` (RFC 8707) must be one of this sandbox's APIs — the register or a bank's base URL, exactly as
`register_audience` / `bank_audience` build them from `--public-url` (the same methods the APIs check `aud`
against, and the URLs the directory publishes; a trailing `/` is tolerated) — and every requested scope one that
API accepts; anything else is `invalid_target`. Without `resource` the token's `aud` is `unspecified`, as real
Maskinporten issues it (the plugin's KAR call asks so); the strict APIs refuse such a token with 401 saying to
ask with resource= (docs/maskinporten.md). How a client assertion is verified (x5c, kid, aud aliases):
client_auth.py.

Token times are real time (the sandbox clock only moves the world's "today").
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from functools import lru_cache

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from sandbox import jwt_segments
from sandbox.config import bank_base_url
from sandbox.keys import load_rsa_key, public_jwk, shipped

from .client_auth import (  # noqa: F401
    ASSERTION_ALGORITHMS,
    LEEWAY,
    MAX_ASSERTION_LIFETIME,
    accepted_audiences,
    registered_keys,
    verified_claims,
)
from .errors import AccessDenied, AuthenticationFailed, TokenRequestError
from .resources import UNSPECIFIED, Audience, resolve_resource
from .scopes import (  # noqa: F401
    BANK_SCOPES,
    KNOWN_SCOPES,
    REGISTER_SCOPES,
    SCOPE_ACCOUNT_PROVIDER,
    SCOPE_BANK,
    SCOPE_RELATIONS,
    allowed_scopes,
)

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
SHORTCUT = "client_credentials"
MAX_TTL = 86400

@dataclass(frozen=True)
class Caller:
    """Who is calling, from a verified token; `consumer` is None when the server runs with auth off."""

    consumer: object | None
    scopes: frozenset[str] = frozenset()
    client_id: str | None = None
    supplier: str | None = None
    claims: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def org(self) -> str | None:
        return self.consumer.org_number if self.consumer is not None else None


ANONYMOUS = Caller(None)


class Maskinporten:
    """The issuer: metadata, JWKS, the token endpoint's grants, and the check every API runs."""

    def __init__(self, world, public_url: str, store, config: dict | None = None, *, aliases=(),
                 shortcut: bool | None = None):
        """`config`: the scenario's `maskinporten` section; `aliases`: more accepted assertion `aud` values (serve
        --maskinporten-alias); `shortcut`: the serve switch (None: the scenario decides, see `shortcut_enabled`)."""
        config = config or {}
        self.world = world
        self.issuer = public_url.rstrip("/") + "/maskinporten/"
        self.key = load_rsa_key(config.get("signing_key") or shipped("maskinporten-signing"))
        self.keyset = KeySet([self.key])
        self._accepted: dict[tuple, tuple] = {}  # check's accepted headers → (Caller, seconds its time checks pass)
        self.ttl = int(config.get("token_ttl", 120))
        self.shortcut = bool(config.get("token_shortcut", True)) and shortcut is not False
        self.shortcut_off = ("this scenario turned the sandbox shortcut off" if not config.get("token_shortcut", True)
                             else "this server runs with the sandbox shortcut off (serve --token-shortcut off, or "
                                  "--admin-token without --token-shortcut on)")
        self.aliases = tuple(dict.fromkeys([*config.get("audience_aliases", ()), *aliases]))
        self.assertion_audiences = accepted_audiences(self.issuer, self.aliases)
        declared = {c["id"]: c.get("keys") or [] for c in world.spec.data.get("consumers", [])}  # consumers[].keys
        self.client_keys = {c.client_id: registered_keys(c, declared.get(c.id)) for c in world.consumers.values()}
        self.store = store
        self.by_client_id = {c.client_id: c for c in world.consumers.values()}
        self.by_org: dict[str, object] = {}
        for c in world.consumers.values():
            self.by_org.setdefault(c.org_number, c)
        self.public_url = public_url.rstrip("/")
        self._audiences: dict[str, Audience] | None = None

    # ---- discovery -------------------------------------------------------------------------------
    def metadata(self) -> dict:
        return {
            "issuer": self.issuer,
            "token_endpoint": self.issuer + "token",
            "jwks_uri": self.issuer + "jwk",
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "grant_types_supported": [JWT_BEARER] + ([SHORTCUT] if self.shortcut else []),
            "token_endpoint_auth_signing_alg_values_supported": list(ASSERTION_ALGORITHMS),
            "scopes_supported": list(KNOWN_SCOPES),
            "authorization_details_types_supported": [],
        }

    def jwks(self) -> dict:
        return {"keys": [public_jwk(self.key, use="sig", alg="RS256")]}

    def bank_audience(self, org_number: str) -> str:
        """The `aud` a bank accepts: its base URL as the directory lists it."""
        return bank_base_url(self.public_url, org_number)

    def register_audience(self) -> str:
        return f"{self.public_url}/kar-ws/api/v2"

    def audiences(self) -> dict[str, Audience]:
        """Every `aud` this sandbox's APIs accept → its Audience: the register, then each bank of the world.

        Built by `register_audience` / `bank_audience`, the very methods the APIs check `aud` with (bank and
        register views), so the token endpoint can never issue an audience no API accepts. The world's banks do
        not change while a server runs: computed once."""
        if self._audiences is None:
            out = {self.register_audience(): Audience(self.register_audience(), "the register (KAR)", REGISTER_SCOPES)}
            for bank in self.world.banks.values():
                url = self.bank_audience(bank.org_number)
                out[url] = Audience(url, f"bank {bank.name}, {bank.org_number}", BANK_SCOPES)
            self._audiences = out
        return self._audiences

    # ---- issuing ---------------------------------------------------------------------------------
    def issue(self, consumer, scopes, audience: str | list[str] | None, ttl: int | None = None,
              *, now: int | None = None, amr: str = "private_key_jwt") -> dict:
        """Sign an access token for `consumer` (no entitlement checks: callers check first). → token response."""
        now = int(time.time()) if now is None else now
        ttl = self.ttl if ttl is None else ttl
        claims = {
            "iss": self.issuer,
            "scope": " ".join(scopes),
            "consumer": {"authority": "iso6523-actorid-upis", "ID": f"0192:{consumer.org_number}"},
            "client_id": consumer.client_id,
            "client_amr": amr,
            "token_type": "Bearer",
            "iat": now,
            "exp": now + ttl,
            "jti": str(uuid.uuid4()),
        }
        if audience:
            claims["aud"] = audience[0] if isinstance(audience, list) and len(audience) == 1 else audience
        token = jwt.encode({"alg": "RS256", "kid": self.key.kid, "typ": "JWT"}, claims, self.key, algorithms=["RS256"])
        return {"access_token": token, "token_type": "Bearer", "expires_in": ttl, "scope": claims["scope"]}

    def grant(self, form: dict, *, now: int | None = None, reached_at: str | None = None) -> dict:
        """The token endpoint: `form` is the decoded application/x-www-form-urlencoded body; `reached_at` the base
        URL the request came in on (only to explain an `invalid_target` when it differs from --public-url)."""
        now = int(time.time()) if now is None else now
        grant_type = form.get("grant_type")
        if grant_type == JWT_BEARER:
            return self._jwt_bearer(form, now, reached_at)
        if grant_type == SHORTCUT:
            return self._shortcut(form, now, reached_at)
        if not grant_type:
            raise TokenRequestError("invalid_request", "grant_type is missing")
        supported = JWT_BEARER + (f" or {SHORTCUT} (sandbox shortcut)" if self.shortcut else "")
        raise TokenRequestError("unsupported_grant_type", f"grant_type must be {supported}")

    def _shortcut(self, form: dict, now: int, reached_at: str | None = None) -> dict:
        if not self.shortcut:
            raise TokenRequestError("unsupported_grant_type", f"{self.shortcut_off}: use the jwt-bearer grant")
        client_id = form.get("client_id") or ""
        consumer = self.by_client_id.get(client_id) or self.by_org.get(client_id)
        if consumer is None:
            raise TokenRequestError("invalid_client", f"unknown client_id {client_id[:80]!r}", 401)
        scopes = self._scopes(consumer, form.get("scope"))
        resource = self._resource(form.get("resource"), scopes, reached_at)
        return self.issue(consumer, scopes, resource, self._ttl(form.get("ttl")), now=now, amr="sandbox_shortcut")

    def _jwt_bearer(self, form: dict, now: int, reached_at: str | None = None) -> dict:
        assertion = form.get("assertion")
        if not assertion:
            raise TokenRequestError("invalid_request", "assertion is missing (a JWT signed with the client's key)")
        consumer = self._assertion_client(assertion)
        claims = verified_claims(assertion, consumer, self.client_keys[consumer.client_id],
                                 self.assertion_audiences, now)
        exp, jti = claims["exp"], claims["jti"]
        scopes = self._scopes(consumer, claims.get("scope") or form.get("scope"))
        resource = self._resource(claims.get("resource") or form.get("resource"), scopes, reached_at)
        if not self.store.claim_jti(f"{consumer.client_id}:{jti}", int(exp) + 1, now):
            raise TokenRequestError("invalid_grant", "client assertion jti was already used")
        return self.issue(consumer, scopes, resource, self._ttl(form.get("ttl")), now=now)

    def _assertion_client(self, assertion: str):
        """Find the client named by the assertion's `iss` before the signature can be checked with its key."""
        unverified = _unverified_claims(assertion)
        client_id = unverified.get("iss") if isinstance(unverified, dict) else None
        if not isinstance(client_id, str) or not client_id:
            raise TokenRequestError("invalid_grant", "client assertion is not a JWT with an iss (the client id)")
        consumer = self.by_client_id.get(client_id)
        if consumer is None:
            raise TokenRequestError("invalid_client", f"unknown client {client_id[:80]!r} (iss of the assertion)", 401)
        return consumer

    @staticmethod
    def _scopes(consumer, requested) -> list[str]:
        if not requested or not isinstance(requested, str):
            raise TokenRequestError("invalid_scope", "scope is missing (e.g. bits:kontoinformasjon)")
        scopes = requested.split()
        allowed = allowed_scopes(consumer)
        refused = [s for s in scopes if s not in allowed]
        if refused:
            raise TokenRequestError("invalid_scope",
                                    f"{consumer.name} may not have scope {refused[0]!r} (allowed: {' '.join(sorted(allowed))})")
        return scopes

    def _resource(self, value, scopes: list[str], reached_at: str | None = None) -> list[str]:
        """RFC 8707 `resource` → the token's audiences, or 400 invalid_target (resources.py)."""
        return resolve_resource(self, value, scopes, reached_at)

    @staticmethod
    def _ttl(value) -> int | None:
        if value in (None, ""):
            return None
        if not str(value).isdigit() or not 1 <= int(value) <= MAX_TTL:
            raise TokenRequestError("invalid_request", f"ttl must be seconds between 1 and {MAX_TTL}")
        return int(value)

    # ---- checking --------------------------------------------------------------------------------
    def check(self, authorization: str | None, audience: str, scope: str, *, now: int | None = None,
              accept_audiences: tuple[str, ...] = (), bare_token: bool = False) -> Caller:
        """The token check of one API call: 401 (AuthenticationFailed) or 403 (AccessDenied), else the Caller.

        Both keywords are off by default (the strict standard); a lenient profile may ask for them:
        `accept_audiences` — more `aud` values accepted besides `audience` (e.g. ("unspecified",) for tokens
        asked for without resource); `bare_token` — accept `Authorization: <jwt>` without the `Bearer` word.

        A token is sent on many calls while it lives: an accepted one is kept with the seconds in which its time
        checks pass (from iat/nbf minus the leeway until exp plus the leeway), and within them the same header
        gets the same Caller without being taken apart again. Refusals are not kept."""
        now = int(time.time()) if now is None else now
        accept_audiences = tuple(accept_audiences)
        key = (authorization, audience, scope, accept_audiences, bare_token)
        accepted = self._accepted
        known = accepted.get(key)
        if known is not None and known[1] <= now < known[2]:
            return known[0]
        caller = self._check(authorization, audience, scope, now, accept_audiences, bare_token)
        claims = caller.claims
        starts = max((claims[n] for n in ("iat", "nbf") if _numeric(claims.get(n))), default=now)
        if len(accepted) >= 4096:
            accepted.clear()
        accepted[key] = (caller, starts - LEEWAY, claims["exp"] + LEEWAY)
        return caller

    def _check(self, authorization: str | None, audience: str, scope: str, now: int,
               accept_audiences: tuple[str, ...], bare_token: bool) -> Caller:
        if not authorization:
            raise AuthenticationFailed("missing Authorization header: send 'Authorization: Bearer <access token>'",
                                       credentials_sent=False)
        token = _bearer_token(authorization, bare_token)
        if token is None:
            raise AuthenticationFailed("Authorization must be 'Bearer <access token>'")
        claims = self._verified_claims(token)
        exp = claims.get("exp")
        if exp is None:
            raise AuthenticationFailed("access token has no exp")
        if not _numeric(exp):
            raise AuthenticationFailed("access token exp must be a NumericDate (seconds since 1970)")
        if exp <= now - LEEWAY:
            raise AuthenticationFailed("access token has expired")
        if not _numeric(claims.get("iat")):
            raise AuthenticationFailed("access token has no iat")
        for name in ("iat", "nbf"):
            value = claims.get(name)
            if value is not None and (not _numeric(value) or value > now + LEEWAY):
                raise AuthenticationFailed(f"access token is not valid yet ({name} in the future)")
        return _caller_cached(self, token, audience, scope, accept_audiences)

    def _caller(self, claims: dict, audience: str, scope: str, accept_audiences: tuple[str, ...] = ()) -> Caller:
        """The checks that do not depend on the time: issuer, audience, scope, consumer."""
        if claims.get("iss") != self.issuer:
            raise AuthenticationFailed(f"access token iss must be {self.issuer}")
        auds = claims.get("aud")
        auds = auds if isinstance(auds, list) else [auds]
        if not any(isinstance(a, str) and (a.rstrip("/") == audience or a in accept_audiences) for a in auds):
            if UNSPECIFIED in auds:
                raise AuthenticationFailed(f"access token aud is {UNSPECIFIED!r}: it was asked for without resource. "
                                           f"This API accepts only aud {audience}: ask the token endpoint with "
                                           f"resource={audience}")
            raise AuthenticationFailed(f"access token aud must be {audience} (ask for it with resource=)")
        scopes = frozenset(str(claims.get("scope") or "").split())
        if scope not in scopes:
            raise AccessDenied(f"access token lacks scope {scope}")
        consumer_id = (claims.get("consumer") or {}).get("ID") if isinstance(claims.get("consumer"), dict) else None
        org = consumer_id[5:] if isinstance(consumer_id, str) and consumer_id.startswith("0192:") else None
        consumer = self.by_org.get(org) if org else None
        if consumer is None:
            raise AccessDenied(f"consumer {str(consumer_id)[:40]} is not a data consumer in this sandbox")
        supplier = claims.get("supplier", {}).get("ID") if isinstance(claims.get("supplier"), dict) else None
        return Caller(consumer, scopes, claims.get("client_id"), supplier, claims)

    def _verified_claims(self, token: str) -> dict:
        return _verify_cached(self, token)

    def identify(self, authorization: str | None) -> dict | None:
        """For the request log of a refused call: whom the bearer token names, if it is signed with our key and
        has our `iss`, whatever else is wrong with it (expired, other `aud`, wrong scope, unknown consumer).
        → `{"consumer": org number, "scope": sorted scopes, "supplier": ID, "aud", "jti", "exp"}` (each may be
        None; the last three for the conformance grader's token checks), or None for a
        token that is not ours. Never raises; the signature check is the cached one `check` just made."""
        if not authorization:
            return None
        token = _bearer_token(authorization, bare=True)
        if token is None:
            return None
        try:
            claims = self._verified_claims(token)
        except AuthenticationFailed:
            return None
        if claims.get("iss") != self.issuer:
            return None
        consumer = claims.get("consumer")
        consumer_id = consumer.get("ID") if isinstance(consumer, dict) else None
        org = consumer_id[5:] if isinstance(consumer_id, str) and consumer_id.startswith("0192:") else consumer_id
        supplier = claims.get("supplier")
        scope = claims.get("scope")
        return {"consumer": org if isinstance(org, str) and org else None,
                "scope": (" ".join(sorted(set(scope.split()))) or None) if isinstance(scope, str) else None,
                "supplier": supplier.get("ID") if isinstance(supplier, dict) else None,
                "aud": claims.get("aud"), "jti": claims.get("jti"), "exp": claims.get("exp")}


@lru_cache(maxsize=4096)
def _verify_cached(issuer: Maskinporten, token: str) -> dict:
    """Signature check, cached per token: a token is reused for many calls while it lives (120 s)."""
    try:
        return dict(jwt.decode(token, issuer.keyset, algorithms=["RS256"]).claims)
    except JoseError as exc:
        raise AuthenticationFailed(f"access token rejected: {exc.description or exc.error}") from None
    except (ValueError, TypeError, KeyError, IndexError):
        raise AuthenticationFailed("access token rejected: not a JWT") from None


@lru_cache(maxsize=4096)
def _caller_cached(issuer: Maskinporten, token: str, audience: str, scope: str,
                   accept_audiences: tuple[str, ...] = ()) -> Caller:
    """The time-independent part of `check`, cached per (token, audience, scope, accepted extra audiences): a
    token refused by a strict API and accepted by a lenient one are two entries. The time checks run every call
    before it. Failures raise, and are not cached."""
    return issuer._caller(issuer._verified_claims(token), audience, scope, accept_audiences)


def _bearer_token(authorization: str, bare: bool) -> str | None:
    """The token of `Bearer <token>`; with `bare`, also a header that is only a JWT (three dot-separated parts,
    no space), as some clients send. None when neither."""
    kind, _, token = authorization.strip().partition(" ")
    if kind.lower() == "bearer" and token.strip():
        return token.strip()
    if bare and not token and kind.count(".") == 2:
        return kind
    return None


def shortcut_enabled(flag: str | bool | None, admin_token: str | None) -> bool | None:
    """The serve switch for the shortcut grant: `--token-shortcut on|off` wins; unset, it is off when the admin
    API is token-protected (a protected sandbox should not mint tokens for anyone who names a client) and left to
    the scenario otherwise (None). The scenario's `maskinporten.token_shortcut: false` turns it off either way."""
    if flag in ("on", True):
        return True
    if flag in ("off", False):
        return False
    return False if admin_token else None


def _numeric(value) -> bool:
    """An RFC 7519 NumericDate: an int or float (fractions allowed), never a bool."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _unverified_claims(token: str) -> dict:
    return jwt_segments.payload(token) or {}  # any garbage: the caller reports "not a JWT with an iss"
