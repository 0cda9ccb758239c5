"""Helpers of the realism figures (realism.py): the figure record and the bounded, deterministic samples."""

from __future__ import annotations

import random
from datetime import date

from .ledger import iter_months
from .model import Account
from .period import Period

SAMPLE_ACCOUNTS = 25  # per activity profile
SAMPLE_MONTHS = 12  # the last this many months before today


def figure(name: str, value, unit: str, expected: str, ok: bool) -> dict:
    return {"name": name, "value": value, "unit": unit, "expected": expected, "ok": bool(ok)}


def sample_accounts(world, profile: str, n: int = SAMPLE_ACCOUNTS, *, open_on: date | None = None) -> list[Account]:
    """Up to `n` accounts of an activity profile, drawn deterministically (same world, same sample)."""
    pool = sorted((a for a in world.accounts.values() if a.activity is not None and a.activity.profile == profile
                   and (open_on is None or a.is_open_on(open_on))), key=lambda a: a.id)
    if len(pool) <= n:
        return pool
    return random.Random(f"{world.seed}:realism:{profile}").sample(pool, n)


def window(world, months: int = SAMPLE_MONTHS) -> Period:
    """The sampled stretch: the last `months` whole months up to today."""
    y, m = world.today.year, world.today.month - months
    while m < 1:
        y, m = y - 1, m + 12
    return Period(date(y, m, 1), world.today)


def months_of(period: Period):
    return list(iter_months(period.start, period.end))
