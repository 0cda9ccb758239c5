"""Tokens with the real jwt-bearer grant, and decrypting JWE answers (docs/maskinporten.md).

The issuer is discovered from its RFC 8414 metadata; a client assertion (RS256, signed with the consumer's key,
`iss` = client id, `aud` = issuer, a fresh `jti`, `scope`, `resource` = the audience) is posted to the token
endpoint; one token is kept per (scope, audience) and reused while it has more than `margin` seconds left.
"""

from __future__ import annotations

import json
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from joserfc import jwe, jwt
from joserfc.jwk import RSAKey

from .transport import Response, Transport

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
JWE_ALGORITHMS = ["RSA-OAEP-256", "A128CBC-HS256"]  # joserfc leaves RSA-OAEP-256 out of its defaults
MAX_JWE_BYTES = 256 * 2**20  # a page of 1000 transactions is a JWE of about 1.2 MB; joserfc's default is 64 KiB


class TokenError(Exception):
    """The token endpoint said no (RFC 6749 §5.2 body), or did not answer usefully."""

    def __init__(self, status: int, error: str, description: str, retry_after: str | None = None):
        self.status, self.error, self.description, self.retry_after = status, error, description, retry_after
        super().__init__(f"token request refused ({status} {error}): {description}")


def load_key(path: str | Path) -> RSAKey:
    """The consumer's RSA private key (PEM): signs client assertions, decrypts JWE answers."""
    return RSAKey.import_key(Path(path).read_bytes())


def decrypt(body: bytes | str, key: RSAKey) -> bytes:
    """A compact JWE (`RSA-OAEP-256` + `A128CBC-HS256`, to the consumer's key) → the plaintext JSON bytes."""
    registry = jwe.JWERegistry(algorithms=JWE_ALGORITHMS)
    registry.max_ciphertext_length = MAX_JWE_BYTES
    text = body.decode("ascii") if isinstance(body, bytes) else body
    return jwe.decrypt_compact(text.strip(), key, registry=registry).plaintext


@dataclass
class Maskinporten:
    base_url: str  # the sandbox's base URL; the metadata lives at {base}/maskinporten/.well-known/…
    client_id: str
    key: RSAKey
    transport: Transport
    metadata_url: str | None = None
    assertion_ttl: int = 60
    margin: int = 15  # renew a cached token this many seconds before it expires
    _metadata: dict | None = field(default=None, repr=False)
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def metadata(self) -> dict:
        if self._metadata is None:
            url = self.metadata_url or self.base_url.rstrip("/") + "/maskinporten/.well-known/oauth-authorization-server"
            r = self.transport.request("GET", url, {"Accept": "application/json"})
            if r.status != 200:
                raise TokenError(r.status, "metadata", _with_reason(f"GET {url} answered {r.status}", r),
                                 r.retry_after)
            self._metadata = r.json()
        return self._metadata

    def token(self, scope: str, audience: str) -> str:
        """An access token for `scope` at `audience`, from the cache while it lives."""
        cached = self._cache.get((scope, audience))
        if cached and cached[1] - self.margin > time.time():
            return cached[0]
        meta = self.metadata

        def form() -> bytes:  # a fresh assertion (and jti) for every attempt: a reused jti is refused
            now = int(time.time())
            assertion = jwt.encode({"alg": "RS256"}, {
                "iss": self.client_id, "aud": meta["issuer"], "iat": now, "exp": now + self.assertion_ttl,
                "jti": str(uuid.uuid4()), "scope": scope, "resource": audience}, self.key)
            return urllib.parse.urlencode({"grant_type": JWT_BEARER, "assertion": assertion}).encode()

        r = self.transport.request("POST", meta["token_endpoint"], {
            "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}, form)
        try:
            answer = r.json()
        except ValueError:
            answer = {}
        if r.status != 200 or "access_token" not in answer:
            raise TokenError(r.status, str(answer.get("error", "no token")), _with_reason(
                str(answer.get("error_description", r.body[:200].decode("utf-8", "replace"))), r), r.retry_after)
        lifetime = int(answer.get("expires_in") or 120)
        self._cache[(scope, audience)] = (answer["access_token"], time.time() + lifetime)
        return answer["access_token"]


def _with_reason(description: str, r: Response) -> str:
    """The description, plus why the transport did not retry the answer (a Retry-After too long), if it did not."""
    return f"{description} — {r.gave_up}" if r.gave_up else description


def read_body(body: bytes, content_type: str, key: RSAKey):
    """A 200 answer's JSON, decrypting it first when it came as `application/jose`."""
    if content_type == "application/jose":
        body = decrypt(body, key)
    return json.loads(body)
