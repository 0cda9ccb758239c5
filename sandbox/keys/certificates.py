"""Test certificates for the shipped consumer keys: `consumer-<orgno>.cert.pem` next to `consumer-<orgno>.pem`.

Real consumers sign Maskinporten client assertions with an enterprise certificate (virksomhetssertifikat) and
send it in the assertion's `x5c` header (spec/protocol.md §4.1, §4.3). So that docs, tests and real client
libraries configured with a certificate (PKCS#12 / X.509) can do the same against the sandbox, each shipped
consumer key has a self-signed X.509 certificate whose subject carries the organisation number the way
Norwegian enterprise certificates do: `serialNumber=<orgno>` (older Buypass/Commfides profile) and
`organizationIdentifier=NTRNO-<orgno>` (eIDAS/SEID 2 profile). `consumer-default.pem` is shared by consumers
of any org. number, so its certificate names none: it binds by its key (sandbox/maskinporten/x5c.py).

Generated, never written by hand, and deterministic (serial from the key's thumbprint, fixed validity, RSA
PKCS#1 v1.5 signatures are deterministic), so regenerating gives the same bytes and a test checks that the
shipped files are exactly this function's output. Regenerate with `python -m sandbox.keys.certificates`.
Like the keys, these are published test material: never trust them outside the sandbox.
"""

from __future__ import annotations

import hashlib
import sys
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

HERE = Path(__file__).parent
#: Long enough that no test or workshop meets an expired shipped certificate.
NOT_BEFORE = datetime(2025, 1, 1, tzinfo=UTC)
NOT_AFTER = datetime(2075, 1, 1, tzinfo=UTC)


def certificate_path(key_path: str | Path) -> Path:
    """`consumer-974761076.pem` → `consumer-974761076.cert.pem` (same folder)."""
    key_path = Path(key_path)
    return key_path.with_name(key_path.name[: -len(".pem")] + ".cert.pem")


def org_number_of(key_path: Path) -> str | None:
    """The org. number a shipped key file is named after (`consumer-<orgno>.pem`), None for the default key."""
    stem = key_path.name[len("consumer-"): -len(".pem")]
    return stem if stem.isdigit() and len(stem) == 9 else None


def make_test_certificate(key_pem: bytes, org_number: str | None, common_name: str | None = None) -> bytes:
    """A self-signed PEM certificate for the RSA key pair `key_pem`, naming `org_number` as Norwegian enterprise
    certificates do (or no org. number when None). Same input → same bytes."""
    key = serialization.load_pem_private_key(key_pem, password=None)
    public_der = key.public_key().public_bytes(serialization.Encoding.DER,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    label = f"DSOP SANDBOX TEST CONSUMER {org_number}" if org_number else "DSOP SANDBOX TEST CONSUMER (DEFAULT KEY)"
    names = [x509.NameAttribute(NameOID.COUNTRY_NAME, "NO"),
             x509.NameAttribute(NameOID.ORGANIZATION_NAME, label),
             x509.NameAttribute(NameOID.COMMON_NAME, common_name or label)]
    if org_number:
        names += [x509.NameAttribute(NameOID.SERIAL_NUMBER, org_number),
                  x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, f"NTRNO-{org_number}")]
    subject = x509.Name(names)
    serial = int.from_bytes(hashlib.sha256(public_der).digest()[:16], "big") >> 1  # positive, < 2^127
    cert = (x509.CertificateBuilder()
            .subject_name(subject).issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(serial)
            .not_valid_before(NOT_BEFORE).not_valid_after(NOT_AFTER)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM)


def shipped_certificates() -> dict[Path, bytes]:
    """Every shipped consumer key's certificate path → the bytes `make_test_certificate` makes for it."""
    out = {}
    for key_path in sorted(HERE.glob("consumer-*.pem")):
        if key_path.name.endswith(".cert.pem"):
            continue
        out[certificate_path(key_path)] = make_test_certificate(key_path.read_bytes(), org_number_of(key_path))
    return out


def main() -> int:
    for path, data in shipped_certificates().items():
        path.write_bytes(data)
        print(path.name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
