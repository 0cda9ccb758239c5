"""The sandbox's published RSA test keys, and loading keys a scenario names.

These PEM files are NOT secrets: they ship in the package so that tokens stay valid across restarts and
workers, and so that agencies can decrypt JWE bodies addressed to the shipped consumers. Never use them
outside the sandbox. A scenario may name its own keys (`consumers[].key`, `maskinporten.signing_key`).

- `maskinporten-signing.pem`: signs access tokens (RS256); public half at `/maskinporten/jwks`.
- `politi-extradition-orders.pem`: signs Politi-Utlevering extradition orders (PS256); public half at
  `/sandbox/v1/politi/jwks` (the sandbox's stand-in for politiet.no's finans-jwks.json).
- `consumer-<orgno>.pem`: one key pair per shipped agency: signs its client assertions, receives its JWE.
- `consumer-default.pem`: for consumers of other org numbers that name no key of their own.
"""

from __future__ import annotations

import warnings
from functools import lru_cache
from pathlib import Path

from joserfc.errors import SecurityWarning
from joserfc.jwk import RSAKey

HERE = Path(__file__).parent


class KeyFileError(ValueError):
    """A key file that cannot be used: missing, unreadable, not PEM, not RSA or too short."""


@lru_cache(maxsize=64)
def load_rsa_key(path: str) -> RSAKey:
    """An RSA key (private, or public only) from a PEM file, with its RFC 7638 thumbprint as `kid`."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise KeyFileError("no such key file") from None
    except OSError as exc:
        raise KeyFileError(f"cannot read the key file: {exc.strerror}") from None
    try:
        with warnings.catch_warnings():
            # joserfc warns about keys under 2048 bits; we refuse them below with a message of our own.
            warnings.simplefilter("ignore", SecurityWarning)
            key = RSAKey.import_key(data)
    except Exception:  # joserfc raises several kinds for non-RSA or garbled input
        raise KeyFileError("expected a PEM-encoded RSA key (BEGIN PRIVATE KEY / BEGIN PUBLIC KEY)") from None
    if key.raw_value.key_size < 2048:
        raise KeyFileError(f"RSA keys must have at least 2048 bits (this one has {key.raw_value.key_size})")
    key.ensure_kid()
    return key


def shipped(name: str) -> str:
    return str(HERE / f"{name}.pem")


def consumer_key_path(org_number: str, declared: str | None) -> str:
    """The consumer's own key if the scenario names one, else the published key for its org. number."""
    if declared:
        return declared
    own = HERE / f"consumer-{org_number}.pem"
    return str(own) if own.exists() else shipped("consumer-default")


def public_jwk(key: RSAKey, **extra) -> dict:
    """The public half as a JWK dict (kty, n, e, kid, plus `extra` such as use/alg)."""
    out = key.as_dict(private=False)
    out.update(extra)
    return out
