"""The world digest: SHA-256 over a canonical dump of the built world.

Same scenario + seed + today → same digest on every machine, run and PYTHONHASHSEED. The dump covers every
entity and, per account, today's booked balance and the number of booked transactions in the current
month, so a change in identifier, name or transaction generation changes the digest.
"""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import date, datetime

import orjson

from .period import Period


def _plain(value):
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def _consumer(consumer) -> dict:
    """A consumer with its key file replaced by the key's thumbprint: paths differ between machines."""
    from sandbox.keys import load_rsa_key

    out = _plain(consumer)
    out["key_path"] = load_rsa_key(consumer.key_path).kid if consumer.key_path else None
    return out


def canonical_dump(world) -> bytes:
    accounts = []
    for acc_id in sorted(world.accounts):
        acc = world.accounts[acc_id]
        today_txs = world.ledger.month(acc, world.today.year, world.today.month)
        accounts.append({**_plain(acc), "_balance_today": world.balance(acc, world.today),
                         "_transactions_this_month": len(today_txs)})
    doc = {
        "name": world.name, "seed": world.seed, "today": world.today.isoformat(),
        "banks": [_plain(world.banks[k]) for k in sorted(world.banks)],
        "consumers": [_consumer(world.consumers[k]) for k in sorted(world.consumers)],
        "parties": [_plain(world.parties[k]) for k in sorted(world.parties)],
        "accounts": accounts,
        "guardianships": [_plain(g) for g in world.guardianships],
    }
    return orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)


def world_digest(world) -> str:
    return hashlib.sha256(canonical_dump(world)).hexdigest()


__all__ = ["world_digest", "canonical_dump", "Period"]
