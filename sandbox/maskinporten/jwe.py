"""Response encryption (D7, spec/protocol.md §3.5): compact JWE to the consumer's registered public key.

`RSA-OAEP-256` key wrapping with `A128CBC-HS256` content encryption, the combination a public consumer's
code shows; `kid` names the recipient key so a consumer holding several keys picks the right one.
"""

from __future__ import annotations

from joserfc import jwe

from sandbox.keys import load_rsa_key

ALG, ENC = "RSA-OAEP-256", "A128CBC-HS256"


def encrypt_for(consumer, payload: bytes) -> str:
    key = load_rsa_key(consumer.key_path)
    header = {"alg": ALG, "enc": ENC, "kid": key.kid, "cty": "application/json"}
    return jwe.encrypt_compact(header, payload, key, algorithms=[ALG, ENC])
