"""accountReference (D14, R-35): opaque, stable, tamper-evident, and decodable by any worker without state.

A reference packs (account key, party key, MAC) into one 16-byte block encrypted with AES under a key derived
from the world's seed, written in UUID form. Keys are 5-byte digests of the ids (collision-checked when the
world is built), so references do not change when other entities are added. Any altered character decrypts
to a block whose MAC fails → 404; so is any other spelling of the same block (upper-case hex, dashes moved):
a reference is matched exactly as issued. Nothing about the account number can be read from a reference.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from .formats import REFERENCE_PATTERN

DATA_NOT_DELIVERED = "dataNotDelivered"
#: The one spelling of an issued reference (formats.py; also the documented pattern of the path parameter).
_REFERENCE = re.compile(REFERENCE_PATTERN)


def _key(kind: str, ident: str, salt: int) -> bytes:
    return hashlib.sha256(f"{kind}:{ident}:{salt}".encode()).digest()[:5]


def _index(kind: str, idents) -> tuple[dict[str, bytes], dict[bytes, str]]:
    forward, backward = {}, {}
    for ident in sorted(idents):
        salt = 0
        key = _key(kind, ident, salt)
        while key in backward:
            salt += 1
            key = _key(kind, ident, salt)
        forward[ident], backward[key] = key, ident
    return forward, backward


class ReferenceCodec:
    def __init__(self, seed: str, account_ids, party_ids):
        secret = hashlib.sha256(f"dsop-sandbox:account-reference:{seed}".encode()).digest()
        self._aes_key, self._mac_key = secret[:16], secret[16:]
        self._acc, self._acc_back = _index("account", account_ids)
        self._party, self._party_back = _index("party", party_ids)
        self._cipher = Cipher(algorithms.AES(self._aes_key), modes.ECB())
        # A reference is a pure function of (account, party) and back: remember both directions, per codec, so a
        # repeated call costs a dict lookup instead of an AES context and an HMAC (issue 8). Bounded; wrong
        # references are remembered too (as None), in the same bound.
        self._encoded = lru_cache(maxsize=16_384)(self._encode)
        self._decoded = lru_cache(maxsize=16_384)(self._decode)

    def _mac(self, body: bytes) -> bytes:
        return hmac.new(self._mac_key, body, hashlib.sha256).digest()[:6]

    def encode(self, account_id: str, party_id: str) -> str:
        return self._encoded(account_id, party_id)

    def decode(self, reference: str) -> tuple[str, str] | None:
        """(account id, party id), or None when the reference was not issued by this sandbox."""
        return self._decoded(reference)

    def _encode(self, account_id: str, party_id: str) -> str:
        body = self._acc[account_id] + self._party[party_id]
        enc = self._cipher.encryptor()
        return _spelled(enc.update(body + self._mac(body)) + enc.finalize())

    def _decode(self, reference: str) -> tuple[str, str] | None:
        if not _REFERENCE.fullmatch(reference):  # another spelling (upper case, dashes moved) is another reference
            return None
        block = bytes.fromhex(reference.replace("-", ""))
        dec = self._cipher.decryptor()
        plain = dec.update(block) + dec.finalize()
        body, mac = plain[:10], plain[10:]
        if not hmac.compare_digest(mac, self._mac(body)):
            return None
        account, party = self._acc_back.get(body[:5]), self._party_back.get(body[5:])
        return (account, party) if account and party else None


def _spelled(block: bytes) -> str:
    """The one spelling of a reference: lower-case hex in UUID form."""
    h = block.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
