"""Entity-local randomness (DESIGN §2): every generator is seeded from (seed, kind, id) as a string.

`random.Random(str)` hashes the string with SHA-512, so it is independent of PYTHONHASHSEED and of the order
in which entities are built: adding one person changes nothing else. Faker (locale `no_NO`, Faker's name for
Norwegian Bokmål) is re-seeded the same way before each use through `faker_for`.
"""

from __future__ import annotations

import random

from faker import Faker

_FAKER: Faker | None = None


def rng_for(seed: str, kind: str, key: str) -> random.Random:
    return random.Random(f"{seed}:{kind}:{key}")


def faker_for(seed: str, kind: str, key: str) -> Faker:
    """The shared Faker instance, re-seeded for one entity. Use it before the next call to faker_for."""
    global _FAKER
    if _FAKER is None:
        _FAKER = Faker("no_NO")
    _FAKER.seed_instance(f"{seed}:faker:{kind}:{key}")
    return _FAKER
