"""accountReference (D14, R-35): opaque, stable, tamper-evident, and decodable by any worker without state.

A reference packs (account key, party key, MAC) into one 16-byte block encrypted with AES under a key derived
from the world's seed, written in UUID form. The scenario's own entities' keys are 5-byte digests of their ids
(collision-checked when the world is built), so references do not change when other entities are added. A
generated crowd member's key is its (kind, index, slot) in the 4 bytes after a 0xFF byte: computed from the id
alone, so a crowd of millions needs no table (and 40-bit digests of millions of ids would collide); a decoded
crowd key counts only when the world has that member (`exists`). Any altered character decrypts
to a block whose MAC fails → 404; so is any other spelling of the same block (upper-case hex, dashes moved):
a reference is matched exactly as issued. Nothing about the account number can be read from a reference.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from sandbox.world.crowd import parse_account_id, parse_party_id

from .formats import REFERENCE_PATTERN

DATA_NOT_DELIVERED = "dataNotDelivered"
#: The one spelling of an issued reference (formats.py; also the documented pattern of the path parameter).
_REFERENCE = re.compile(REFERENCE_PATTERN)


def _key(kind: str, ident: str, salt: int) -> bytes:
    return hashlib.sha256(f"{kind}:{ident}:{salt}".encode()).digest()[:5]


_CROWD = b"\xff"


def _crowd_key(kind: str, ident: str) -> bytes | None:
    """The key of a crowd member's id (crowd.py's spelling), or None for any other id."""
    if kind == "account":
        parsed = parse_account_id(ident)
        if parsed is None or parsed[2] >= 64 or parsed[1] >= 1 << 25:
            return None
        value = (parsed[0] == "o") << 31 | parsed[1] << 6 | parsed[2]
    else:
        parsed = parse_party_id(ident)
        if parsed is None or parsed[1] >= 1 << 31:
            return None
        value = (parsed[0] == "o") << 31 | parsed[1]
    return _CROWD + value.to_bytes(4, "big")


def _crowd_id(kind: str, key: bytes) -> str:
    value = int.from_bytes(key[1:], "big")
    member = "o" if value >> 31 else "p"
    if kind == "account":
        return f"gen-{member}-{(value >> 6) & ((1 << 25) - 1):06d}-a{value & 63}"
    return f"gen-{member}-{value & ((1 << 31) - 1):06d}"


def _index(kind: str, idents, exists) -> tuple[dict[str, bytes], dict[bytes, str]]:
    forward, backward = {}, {}
    for ident in sorted(i for i in idents if _crowd_key(kind, i) is None):
        salt = 0
        key = _key(kind, ident, salt)
        while key in backward or (key[:1] == _CROWD and exists(_crowd_id(kind, key))):
            salt += 1
            key = _key(kind, ident, salt)
        forward[ident], backward[key] = key, ident
    return forward, backward


class ReferenceCodec:
    def __init__(self, seed: str, account_ids, party_ids, *, accounts=None, parties=None):
        """`account_ids`/`party_ids`: the ids built up front (a crowd member's among them or not: its key is
        computed); `accounts`/`parties`: what answers `id in ...` for a decoded crowd key (default: the ids)."""
        secret = hashlib.sha256(f"dsop-sandbox:account-reference:{seed}".encode()).digest()
        self._aes_key, self._mac_key = secret[:16], secret[16:]
        account_ids, party_ids = list(account_ids), list(party_ids)
        self._accounts = accounts if accounts is not None else frozenset(account_ids)
        self._parties = parties if parties is not None else frozenset(party_ids)
        self._acc, self._acc_back = _index("account", account_ids, self._accounts.__contains__)
        self._party, self._party_back = _index("party", party_ids, self._parties.__contains__)
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
        body = (self._acc.get(account_id) or _crowd_key("account", account_id)) + \
            (self._party.get(party_id) or _crowd_key("party", party_id))
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
        account, party = self._lookup("account", body[:5]), self._lookup("party", body[5:])
        return (account, party) if account and party else None

    def _lookup(self, kind: str, key: bytes) -> str | None:
        table, known = (self._acc_back, self._accounts) if kind == "account" else (self._party_back, self._parties)
        ident = table.get(key)
        if ident is None and key[:1] == _CROWD:
            ident = _crowd_id(kind, key)
            ident = ident if ident in known and _crowd_key(kind, ident) == key else None
        return ident


def _spelled(block: bytes) -> str:
    """The one spelling of a reference: lower-case hex in UUID form."""
    h = block.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
