"""Client assertions signed with an enterprise certificate: the `x5c` header (RFC 7515 §4.1.6).

Real consumers (the Altinn .NET client with a certificate, KS's Java client) put their certificate in `x5c`
(a list of base64 — not base64url — DER certificates, the leaf first) and sign with its private key; Maskinporten
verifies the signature with the leaf's public key, checks the certificate and binds it to the client.

The sandbox does the same, except building the chain to a trusted CA: it ships no CA roots (the Buypass and
Commfides *test* roots a real test certificate chains to are not part of this package, and a sandbox that
trusted only them would refuse every self-made certificate a workshop uses), so any well-formed certificate is
taken at its word for who it names. Binding instead: the leaf must be valid now, and either its public key is
one of the keys registered for the client (`consumers[].key` / `consumers[].keys`) or its subject names the
client's organisation number as Norwegian enterprise certificates do — `serialNumber=<orgno>` or
`organizationIdentifier=NTRNO-<orgno>`. A mismatch is refused saying what the certificate names and what
was expected. No Flask here.
"""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from joserfc.jwk import RSAKey

from .errors import TokenRequestError

#: The `organizationIdentifier` prefix of a Norwegian organisation number (ETSI EN 319 412-1: NTR + country).
NTR_PREFIX = "NTRNO-"


def leaf_certificate(x5c) -> x509.Certificate:
    """The first certificate of an `x5c` header value, or invalid_grant saying what is wrong with it."""
    if not isinstance(x5c, list) or not x5c or not all(isinstance(c, str) for c in x5c):
        raise TokenRequestError("invalid_grant", "client assertion x5c must be a non-empty list of base64-encoded "
                                                 "DER certificates, the signing certificate first (RFC 7515 §4.1.6)")
    try:
        der = base64.b64decode(x5c[0], validate=True)
        return x509.load_der_x509_certificate(der)
    except (binascii.Error, ValueError):
        raise TokenRequestError("invalid_grant", "client assertion x5c[0] is not a base64 (standard alphabet, "
                                                 "not base64url) DER X.509 certificate") from None


def org_numbers(cert: x509.Certificate) -> list[str]:
    """The organisation numbers the subject names: `serialNumber=<9 digits>`, `organizationIdentifier=NTRNO-<9>`."""
    found: list[str] = []
    for attribute in cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER):
        value = str(attribute.value).strip()
        if value.isdigit() and len(value) == 9 and value not in found:
            found.append(value)
    for attribute in cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_IDENTIFIER):
        value = str(attribute.value).strip()
        number = value[len(NTR_PREFIX):] if value.upper().startswith(NTR_PREFIX) else ""
        if number.isdigit() and len(number) == 9 and number not in found:
            found.append(number)
    return found


def public_numbers(key: RSAKey) -> rsa.RSAPublicNumbers:
    """(n, e) of a joserfc RSA key, private or public."""
    raw = key.raw_value
    return (raw.public_key() if isinstance(raw, rsa.RSAPrivateKey) else raw).public_numbers()


def certificate_key(x5c, consumer, registered: list[RSAKey], now: int) -> RSAKey:
    """The key to verify an x5c assertion with: the leaf's public key, once the leaf is valid at `now` and bound
    to `consumer` (its key registered for it, or its subject naming the consumer's org. number)."""
    cert = leaf_certificate(x5c)
    subject = cert.subject.rfc4514_string()[:300]
    public = cert.public_key()
    if not isinstance(public, rsa.RSAPublicKey):
        raise TokenRequestError("invalid_grant", f"the x5c certificate ({subject}) has a "
                                                 f"{type(public).__name__.removeprefix('_')} key; Maskinporten "
                                                 "assertions are RS256/RS384/RS512, so an RSA key is needed")
    moment = datetime.fromtimestamp(now, UTC)
    if moment < cert.not_valid_before_utc:
        raise TokenRequestError("invalid_grant", f"the x5c certificate ({subject}) is not valid before "
                                                 f"{cert.not_valid_before_utc.isoformat()}")
    if moment > cert.not_valid_after_utc:
        raise TokenRequestError("invalid_grant", f"the x5c certificate ({subject}) expired on "
                                                 f"{cert.not_valid_after_utc.isoformat()}")
    numbers = public.public_numbers()
    if any(public_numbers(key) == numbers for key in registered):
        return RSAKey.import_key(public)
    named = org_numbers(cert)
    if consumer.org_number in named:
        return RSAKey.import_key(public)
    names = (f"organisation number {', '.join(named)}" if named
             else "no organisation number (neither serialNumber=<orgno> nor organizationIdentifier=NTRNO-<orgno>)")
    raise TokenRequestError("invalid_grant",
                            f"the x5c certificate ({subject}) names {names}, but client {consumer.client_id!r} "
                            f"belongs to organisation number {consumer.org_number}; and its public key is not one "
                            f"of the {len(registered)} key(s) registered for the client. Use a certificate for "
                            f"{consumer.org_number} or register its key (scenario consumers[].key or .keys)")
