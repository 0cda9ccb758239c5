"""Building Maskinporten client assertions (JWT grants) the way real consumer libraries do, for tests, docs and
scripts: `build_assertion(key, cert_chain=None, kid=None, client_id=..., audience=..., scope=...)`.

Header as the libraries send it (docs/maskinporten.md, "Pointing a real client at the sandbox"):
- with a certificate: `{"alg": "RS256", "x5c": [base64 DER of the leaf, then intermediates]}` (the Altinn
  .NET client's X509 path drops `kid` and `typ`; KS's Java client sends alg and x5c only);
- with a JWK: `{"alg": "RS256", "kid": <the JWK's kid>, "typ": "JWT"}` (the Altinn .NET client's JWK path);
- with neither: `{"alg": "RS256"}` (this package's reference consumer).
Claims: `aud` (the issuer), `iss` (the client id), `scope`, `iat`, `exp`, `jti`, and `resource` when given.
No Flask here; nothing of the server is used, so a consumer's own test suite can import it.
"""

from __future__ import annotations

import base64
import time
import uuid
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from joserfc import jwt
from joserfc.jwk import RSAKey

from sandbox.keys import import_rsa_pem, is_shipped


def load_key(key) -> RSAKey:
    """An RSAKey, from an RSAKey, PEM bytes or a PEM file path."""
    if isinstance(key, RSAKey):
        return key
    if isinstance(key, bytes):
        return RSAKey.import_key(key)
    return import_rsa_pem(Path(key).read_bytes(), shipped=is_shipped(key))


def x5c_chain(chain) -> list[str]:
    """An `x5c` value (base64 DER strings, leaf first) from: such a list, a PEM file path or PEM bytes holding one
    or more certificates, or a list of cryptography Certificates."""
    if isinstance(chain, (str, Path)):
        chain = Path(chain).read_bytes()
    if isinstance(chain, bytes):
        chain = x509.load_pem_x509_certificates(chain)
    out = []
    for cert in chain:
        if isinstance(cert, x509.Certificate):
            cert = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode("ascii")
        out.append(cert)
    return out


def build_assertion(key, cert_chain=None, kid: str | None = None, *, client_id: str, audience: str | list[str],
                    scope: str, resource: str | list[str] | None = None, alg: str = "RS256", lifetime: int = 60,
                    now: int | None = None, jti: str | None = None, typ: str | None = None,
                    claims: dict | None = None) -> str:
    """A signed client assertion. `key`: the private key (RSAKey, PEM bytes or path); `cert_chain`: the
    certificate(s) for `x5c` (see `x5c_chain`); `kid`: the registered key's id for the `kid` header; `claims`
    adds or replaces claims (a None value removes one), for tests of refusals."""
    now = int(time.time()) if now is None else now
    header: dict = {"alg": alg}
    if cert_chain is not None:
        header["x5c"] = x5c_chain(cert_chain)
    if kid is not None:
        header["kid"] = kid
    if typ is not None:
        header["typ"] = typ
    body = {"aud": audience, "iss": client_id, "scope": scope, "iat": now, "exp": now + lifetime,
            "jti": jti or str(uuid.uuid4())}
    if resource is not None:
        body["resource"] = resource
    for name, value in (claims or {}).items():
        if value is None:
            body.pop(name, None)
        else:
            body[name] = value
    return jwt.encode(header, body, load_key(key), algorithms=[alg])


def encoded_jwk(key, kid: str | None = None) -> str:
    """The private key as the Altinn .NET client's `EncodedJwk` setting wants it: base64 of the JWK's JSON, with
    `kid` (default: the RFC 7638 thumbprint, which the sandbox registers for a consumer's `key`)."""
    import json

    rsa = load_key(key)
    data = rsa.as_dict(private=True)
    data["kid"] = kid or rsa.thumbprint()
    return base64.b64encode(json.dumps(data).encode("utf-8")).decode("ascii")
