"""Tokens with the real jwt-bearer grant, and decrypting JWE answers (docs/maskinporten.md).

The issuer is discovered from its RFC 8414 metadata; a client assertion (RS256, signed with the consumer's key,
`iss` = client id, `aud` = issuer, a fresh `jti`, `scope`, `resource` = the audience) is posted to the token
endpoint; one token is kept per (scope, audience) and reused while it has more than `margin` seconds left.
"""

from __future__ import annotations

import json
import threading
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


_KEYS: dict[str, tuple[tuple[int, ...], RSAKey]] = {}  # absolute path → (the file's stamp, its key)
_KEYS_LOCK = threading.Lock()


def load_key(path: str | Path, *, cached: bool = True) -> RSAKey:
    """The consumer's RSA private key (PEM): signs client assertions, decrypts JWE answers.

    Importing a PEM private key takes tens of milliseconds (the key's consistency is checked), so the key is kept
    per file and imported again only when the file changed (another modification time, size, inode or change
    time); `cached=False` always reads the file."""
    where = Path(path).absolute()
    if not cached:
        return RSAKey.import_key(where.read_bytes())
    info = where.stat()
    stamp = (info.st_mtime_ns, info.st_size, info.st_ino, info.st_ctime_ns)
    with _KEYS_LOCK:
        hit = _KEYS.get(str(where))
    if hit is not None and hit[0] == stamp:
        return hit[1]
    key = RSAKey.import_key(where.read_bytes())  # a change after the stat: the next call sees a new stamp
    with _KEYS_LOCK:
        _KEYS[str(where)] = (stamp, key)
    return key


def decrypt(body: bytes | str, key: RSAKey) -> bytes:
    """A compact JWE (`RSA-OAEP-256` + `A128CBC-HS256`, to the consumer's key) → the plaintext JSON bytes."""
    registry = jwe.JWERegistry(algorithms=JWE_ALGORITHMS)
    registry.max_ciphertext_length = MAX_JWE_BYTES
    compact = body.strip() if isinstance(body, bytes) else body.strip().encode("ascii")  # no copy of a bytes body
    result = jwe.decrypt_compact(compact, key, registry=registry)
    # joserfc's CompactEncryption and its Recipient refer to each other: unlinked, the page's copies (base64
    # segments, ciphertext, plaintext: ~3 MB for a full transactions page) go at once, not at a cyclic GC pass
    result.recipient = None
    return result.plaintext


@dataclass
class Maskinporten:
    base_url: str  # the sandbox's base URL; the metadata lives at {base}/maskinporten/.well-known/…
    client_id: str
    key: RSAKey
    transport: Transport
    metadata_url: str | None = None
    assertion_ttl: int = 60
    margin: int = 15  # renew a cached token this many seconds before it expires
    reuse: bool = True  # False: a new token for every call (the `token-per-call` misbehaviour)
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
        cached = self._cache.get((scope, audience)) if self.reuse else None
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


def read_response(r: Response, key: RSAKey):
    """A 200 answer's JSON, as `read_body`, kept on the Response: a JWE answer's plaintext in `r.plaintext`, the
    parsed body behind `r.json()` (so whoever looks at the Response later neither decrypts nor parses again)."""
    if r.content_type == "application/jose" and r.plaintext is None:
        r.plaintext = decrypt(r.body, key)
    return r.json()
