"""Verifying a client assertion (the jwt-bearer grant's JWT, RFC 7523): which key, its signature, its claims.

Which key verifies it, in the order real Maskinporten clients use the header:
- `x5c`: the leaf certificate's public key, once the certificate is valid and bound to the client (x5c.py);
- `kid`: the client's registered key with that id — the RFC 7638 thumbprint of its `key`, or a `kid` the
  scenario gives in `consumers[].keys` — and an unknown `kid` is refused naming it and the known ones;
- neither: each registered key in turn (a client with one key, the usual case, needs no `kid`).

The header may be up to MAX_HEADER_BYTES (16 KiB) of base64url: joserfc's default of 512 bytes refuses an
`x5c` with one certificate (about 1.5 kB as DER, 2 kB encoded); 16 KiB holds a leaf with several
intermediates while still bounding what an unauthenticated request makes the server parse.

`aud` must be this sandbox's issuer (with or without its trailing `/`) or one of the configured aliases
(scenario `maskinporten.audience_aliases`, serve `--maskinporten-alias`), e.g. `https://test.maskinporten.no/`
for a library whose audience is fixed per Maskinporten environment. The real issuers are not accepted by
default: an assertion addressed to real Maskinporten reaching the sandbox is more often a misconfiguration
to point out than a wish. No Flask here.
"""

from __future__ import annotations

from dataclasses import dataclass

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey
from joserfc.jws import JWSRegistry

from sandbox import jwt_segments
from sandbox.keys import KeyFileError, load_rsa_key

from .errors import TokenRequestError
from .x5c import certificate_key

ASSERTION_ALGORITHMS = ("RS256", "RS384", "RS512")
MAX_HEADER_BYTES = 16 * 1024  # of the base64url header segment; see the module docstring
MAX_ASSERTION_LIFETIME = 120  # Maskinporten refuses grants living longer than 120 s
LEEWAY = 10  # seconds of clock skew tolerated on exp / iat / nbf


class AssertionRegistry(JWSRegistry):
    """joserfc's JWS rules with room for an `x5c` certificate chain in the header."""

    max_header_length = MAX_HEADER_BYTES


@dataclass(frozen=True)
class ClientKey:
    """A public key registered for a client, and the `kid` an assertion names it by."""

    kid: str
    key: RSAKey


def registered_keys(consumer, declared: list[dict] | None = None) -> list[ClientKey]:
    """The consumer's `key` (kid: its RFC 7638 thumbprint), then each `keys` entry of the scenario (`{kid, key}`,
    paths already resolved by the loader)."""
    primary = load_rsa_key(consumer.key_path)
    out = [ClientKey(primary.kid, primary)]
    for entry in declared or ():
        out.append(ClientKey(entry["kid"], load_rsa_key(entry["key"])))
    return out


def _numeric(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def assertion_header(assertion: str) -> dict:
    segment = assertion.split(".", 1)[0]
    if len(segment) > MAX_HEADER_BYTES:
        raise TokenRequestError("invalid_grant", f"client assertion header is {len(segment)} bytes (base64url); this "
                                                 f"sandbox reads at most {MAX_HEADER_BYTES} bytes (16 KiB). Send the "
                                                 "signing certificate and its intermediates in x5c, not more")
    header = jwt_segments.header(assertion)
    if header is None:
        raise TokenRequestError("invalid_grant", "client assertion is not a JWT (header.payload.signature)")
    return header


def verification_keys(header: dict, consumer, keys: list[ClientKey], now: int) -> list[RSAKey]:
    """The key(s) to try, chosen by the header (module docstring)."""
    if "x5c" in header:
        return [certificate_key(header["x5c"], consumer, [k.key for k in keys], now)]
    kid = header.get("kid")
    if kid is not None:
        chosen = [k.key for k in keys if k.kid == kid]
        if not chosen:
            known = ", ".join(k.kid for k in keys)
            raise TokenRequestError("invalid_grant", f"client assertion kid {str(kid)[:100]!r} is not a key "
                                                     f"registered for client {consumer.client_id!r} (registered "
                                                     f"kids: {known})")
        return chosen
    return [k.key for k in keys]


def verified_claims(assertion: str, consumer, keys: list[ClientKey], audiences: tuple[str, ...], now: int) -> dict:
    """The assertion's claims once its signature, `aud` and times are right; else invalid_grant saying why.
    `audiences`: every accepted `aud` (the issuer and its aliases, each with and without a trailing `/`)."""
    header = assertion_header(assertion)
    registry = AssertionRegistry(algorithms=list(ASSERTION_ALGORITHMS))
    failure = "no registered key"
    for key in verification_keys(header, consumer, keys, now):
        try:
            claims = dict(jwt.decode(assertion, key, algorithms=list(ASSERTION_ALGORITHMS), registry=registry).claims)
            break
        except JoseError as exc:
            failure = exc.description or exc.error
        except (ValueError, TypeError, KeyError, IndexError, KeyFileError):
            failure = "not a JWT"
    else:
        tried = "the x5c certificate's key" if "x5c" in header else f"{len(keys)} registered key(s)"
        raise TokenRequestError("invalid_grant", f"client assertion signature invalid: {failure} (checked with "
                                                 f"{tried} of client {consumer.client_id!r})")
    _check_audience(claims.get("aud"), audiences)
    exp, iat = claims.get("exp"), claims.get("iat")
    if not _numeric(exp) or not _numeric(iat):
        raise TokenRequestError("invalid_grant", "client assertion needs numeric iat and exp")
    if exp <= now - LEEWAY:
        raise TokenRequestError("invalid_grant", "client assertion has expired")
    if iat > now + LEEWAY:
        raise TokenRequestError("invalid_grant", "client assertion iat is in the future")
    nbf = claims.get("nbf")
    if nbf is not None and not _numeric(nbf):
        raise TokenRequestError("invalid_grant", "client assertion nbf must be a NumericDate (seconds since 1970)")
    if nbf is not None and nbf > now + LEEWAY:
        raise TokenRequestError("invalid_grant",
                                f"client assertion is not valid yet: its nbf is {int(nbf - now)} s in the future "
                                f"(clock skew tolerated: {LEEWAY} s)")
    if exp - iat > MAX_ASSERTION_LIFETIME:
        raise TokenRequestError("invalid_grant",
                                f"client assertion may live at most {MAX_ASSERTION_LIFETIME} s (exp - iat)")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti:
        raise TokenRequestError("invalid_grant", "client assertion needs a jti")
    return claims


def _check_audience(aud, audiences: tuple[str, ...]) -> None:
    values = aud if isinstance(aud, list) else [aud]
    if any(isinstance(a, str) and a in audiences for a in values):
        return
    issuer = audiences[0]
    sent = ", ".join(repr(str(a)[:120]) for a in values) if aud is not None else "none"
    hint = ""
    if any(isinstance(a, str) and a.startswith(("http://", "https://")) for a in values):
        first = next(a for a in values if isinstance(a, str) and a.startswith(("http://", "https://")))
        hint = (f". If your client library fixes the audience (e.g. per Maskinporten environment), accept it with "
                f"`serve --maskinporten-alias {first[:120]}` or the scenario's maskinporten.audience_aliases")
    raise TokenRequestError("invalid_grant", f"client assertion aud must be the issuer {issuer} (got {sent})" + hint)


def accepted_audiences(issuer: str, aliases) -> tuple[str, ...]:
    """The issuer first, then each alias, each with and without its trailing `/`."""
    out: list[str] = []
    for url in (issuer, *aliases):
        for spelling in (url, url.rstrip("/"), url.rstrip("/") + "/"):
            if spelling not in out:
                out.append(spelling)
    return tuple(out)
