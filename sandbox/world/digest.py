"""The world digest: SHA-256 over a canonical dump of the built world.

Same scenario + seed + today → same digest on every machine, run and PYTHONHASHSEED, and in either world mode
(eager or lazy, lazy.py); another seed, today or entity → another digest. The dump covers the scenario's own
entities in full (banks, consumers, parties, accounts with their cards, owners, roles, activity and explicit
transactions, guardianships), the seed's name and merchant pools, the crowd's size, a sample of the crowd, and
the generated ledger of a sample of accounts: today's booked balance, the current month's booked transactions
and the pending items.

Why samples. Every crowd member and every ledger entry is a pure function of what the dump already holds (the
seed, the scenario, the pools, today), so the samples are there only to catch a change in the generating code
(a Faker release, a new rule), and their cost does not grow with the world: generating the current month of
every account made the digest the slowest part of `serve`'s start-up (issue 8), and dumping every member of a
national crowd would take minutes (issue 19).

* The crowd sample (CROWD_SAMPLE per kind): members 0 and N-1, then the first indexes of a keyed permutation of
  [0, N) (numbers.KeyedPermutation, key "digest-sample"), found without enumerating the crowd; each with all its
  accounts. A crowd of up to CROWD_SAMPLE + 2 members per kind is dumped whole.
* The ledger sample: among the scenario's accounts and the crowd sample's, a few of every kind (account type ×
  activity profile × generated or not) and the first LEDGER_SAMPLE of all, each in the order of
  CRC-32(account id), so the same accounts are picked on every machine.
"""

from __future__ import annotations

import dataclasses
import hashlib
import heapq
import weakref
import zlib
from datetime import date, datetime

import orjson

from .period import Period

#: Which accounts have their ledger generated for the digest: the first LEDGER_SAMPLE in rank order (all of them
#: in a smaller world), and the first LEDGER_PER_KIND of every kind.
LEDGER_PER_KIND = 4
LEDGER_SAMPLE = 256
CROWD_SAMPLE = 128
_CHUNK = 2000  # entities per orjson call: bounded memory for a world of any size


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


def crowd_sample(world) -> list[str]:
    """The crowd members the digest dumps (module docstring): ids, people first, each kind in sample order."""
    from .crowd import organisation_id, person_id
    from .numbers import KeyedPermutation

    out = []
    for kind, n, make in (("people", world.crowd_size[0], person_id), ("organisations", world.crowd_size[1], organisation_id)):
        if n <= CROWD_SAMPLE + 2:
            out += [make(i) for i in range(n)]
            continue
        perm = KeyedPermutation(f"{world.seed}:digest-sample:{kind}", n)
        chosen = dict.fromkeys([0, n - 1, *(perm.forward(t) for t in range(CROWD_SAMPLE + 2))])
        out += [make(i) for i in list(chosen)[:CROWD_SAMPLE + 2]]
    return out


def _dumped(world) -> tuple[list, list]:
    """(parties, accounts) the dump holds: the scenario's own, then the crowd sample's, each sorted by id."""
    parties = {p.id: p for p in world.built_parties() if not p.generated}
    accounts = {a.id: a for a in world.built_accounts() if not a.generated}
    sampled = crowd_sample(world)
    for pid in sampled:
        parties[pid] = world.parties[pid]
    for pid in sampled:  # a member's own accounts: ids gen-x-NNNNNN-aK, while they exist
        k = 0
        while (account := world.accounts.get(f"{pid}-a{k}")) is not None:
            accounts[account.id] = account
            k += 1
    return [parties[k] for k in sorted(parties)], [accounts[k] for k in sorted(accounts)]


def ledger_sample(world, accounts=None) -> list:
    """The accounts whose ledger the digest covers (see the module docstring), in rank order: CRC-32 of the
    account id, then the id. One pass that keeps only integers and strings per account: holding a tuple per
    account woke the garbage collector over the whole world (seconds at 100k people)."""
    accounts = list(accounts if accounts is not None else _dumped(world)[1])
    ranks = [zlib.crc32(a.id.encode()) for a in accounts]
    cut = heapq.nsmallest(LEDGER_SAMPLE, ranks)[-1] if len(ranks) > LEDGER_SAMPLE else max(ranks, default=0)
    taken = {i for i, rank in enumerate(ranks) if rank <= cut}
    best: dict[str, list] = {}  # kind -> its first LEDGER_PER_KIND as (rank, id, index)
    for i, account in enumerate(accounts):
        kind = f"{account.type}|{account.activity.profile if account.activity else ''}|{account.generated}"
        group = best.setdefault(kind, [])
        if len(group) < LEDGER_PER_KIND or (ranks[i], account.id) < group[-1][:2]:
            group.append((ranks[i], account.id, i))
            group.sort()
            del group[LEDGER_PER_KIND:]
    for group in best.values():
        taken.update(i for _, _, i in group)
    return [accounts[i] for i in sorted(taken, key=lambda i: (ranks[i], accounts[i].id))]


def _ledger(world, account) -> dict:
    today = world.today
    return {"account": account.id, "balance_today": world.balance(account, today),
            "this_month": [t._asdict() for t in world.ledger.month(account, today.year, today.month)],
            "pending": [t._asdict() for t in world.ledger.pending(account)]}  # field by field, as they always were


def canonical_chunks(world):
    """The canonical dump, piece by piece (JSON documents separated by newlines)."""
    yield orjson.dumps({"name": world.name, "seed": world.seed, "today": world.today.isoformat(),
                        "banks": [world.banks[k] for k in sorted(world.banks)],
                        "consumers": [_consumer(world.consumers[k]) for k in sorted(world.consumers)],
                        "guardianships": list(world.guardianships), "pools": world.pools,
                        "crowd": list(world.crowd_size)},
                       option=orjson.OPT_SORT_KEYS)
    parties, accounts = _dumped(world)
    for kind, items in (("parties", parties), ("accounts", accounts)):
        for i in range(0, len(items), _CHUNK):
            yield b"\n" + orjson.dumps({kind: items[i:i + _CHUNK]})
    for account in ledger_sample(world, accounts):
        yield b"\n" + orjson.dumps(_ledger(world, account))


def canonical_dump(world) -> bytes:
    return b"".join(canonical_chunks(world))


#: Digests already computed, per world and today (serve's start-up asks twice: build_services and the summary).
_digests: weakref.WeakKeyDictionary[object, dict] = weakref.WeakKeyDictionary()


def world_digest(world) -> str:
    known = _digests.setdefault(world, {})
    today = world.today
    if today not in known:
        sha = hashlib.sha256()
        for chunk in canonical_chunks(world):
            sha.update(chunk)
        known[today] = sha.hexdigest()
    return known[today]


__all__ = ["world_digest", "canonical_dump", "Period"]
