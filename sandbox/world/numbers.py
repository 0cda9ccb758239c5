"""Unique identifiers for the generated crowd without a global draw-until-unique: member index → number.

A crowd member's person, organisation or account number used to be drawn from its own generator and redrawn
while another entity already had it, so a member's number depended on every member built before it: no member
could be made on its own (docs/design/lazy-world.md). Here a number is a keyed bijection of the index instead:

* a *space* lists the valid numbers of one kind as slots 0..size-1, every slot a number whose MOD11 check
  digits hold (person numbers: birth date × the first K individual numbers whose two check digits are valid
  for that date; organisation numbers: 2/3 + 6 digits × the first 9 last digits with a valid check digit;
  account numbers: registration number × 5 digits × the first 9 last digits), so there is nothing to redraw;
* a 6-round Feistel network keyed by (seed, kind) permutes [0, 2^b) and is cycle-walked into [0, size): a
  bijection of [0, size), so index i < N gets slot P(i), no two indexes the same slot, and the inverse turns a
  number back into its index in a few microseconds (the register's lookups);
* the scenario's own numbers (named people, organisations, accounts) are claimed first: an index whose slot is
  claimed takes the next free slot P(N), P(N+1), ... (a handful, worked out once), so named entities never move.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left
from datetime import date
from functools import cache

_ROUNDS = 6
_MASK32 = 0xFFFFFFFF


class KeyedPermutation:
    """A bijection of [0, size) keyed by a string: Feistel over 2^b >= size, cycle-walked into the range."""

    def __init__(self, key: str, size: int):
        if size < 1:
            raise ValueError("a permutation needs a non-empty range")
        self.size = size
        bits = max(2, (size - 1).bit_length())
        bits += bits % 2  # balanced halves
        self._half = bits // 2
        self._mask = (1 << self._half) - 1
        digest = hashlib.sha256(f"dsop-sandbox:permutation:{key}".encode()).digest()
        self._keys = tuple(int.from_bytes(digest[4 * r:4 * r + 4], "big") for r in range(_ROUNDS))

    def _f(self, x: int, k: int) -> int:
        x = ((x ^ k) * 0x45D9F3B) & _MASK32
        x ^= x >> 16
        x = (x * 0x45D9F3B + k) & _MASK32
        x ^= x >> 15
        return x & self._mask

    def _enc(self, x: int) -> int:
        left, right = x >> self._half, x & self._mask
        for k in self._keys:
            left, right = right, left ^ self._f(right, k)
        return (left << self._half) | right

    def _dec(self, y: int) -> int:
        left, right = y >> self._half, y & self._mask
        for k in reversed(self._keys):
            left, right = right ^ self._f(left, k), left
        return (left << self._half) | right

    def forward(self, x: int) -> int:
        y = self._enc(x)
        while y >= self.size:
            y = self._enc(y)
        return y

    def inverse(self, y: int) -> int:
        x = self._dec(y)
        while x >= self.size:
            x = self._dec(x)
        return x


class NumberLine:
    """Index in [0, n) → slot in [0, size), injective, avoiding the claimed slots; and back."""

    def __init__(self, key: str, size: int, n: int, claimed: set[int]):
        if n + len(claimed) > size:
            raise ValueError(f"{n} generated numbers do not fit a space of {size}")
        self.n = n
        self.claimed = frozenset(claimed)
        self.perm = KeyedPermutation(key, size)
        bumped = sorted(i for i in (self.perm.inverse(c) for c in claimed) if i < n)
        self._moved: dict[int, int] = {}
        self._back: dict[int, int] = {}
        spare = n
        for i in bumped:
            while self.perm.forward(spare) in self.claimed:
                spare += 1
            slot = self.perm.forward(spare)
            self._moved[i], self._back[slot] = slot, i
            spare += 1

    def slot(self, i: int) -> int:
        return self._moved.get(i) if i in self._moved else self.perm.forward(i)

    def index(self, slot: int) -> int | None:
        if slot in self._back:
            return self._back[slot]
        if slot in self.claimed or not 0 <= slot < self.perm.size:
            return None
        i = self.perm.inverse(slot)
        return i if i < self.n and i not in self._moved else None


# ---- person numbers ------------------------------------------------------------------------------------
_K1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_K2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
AGES = range(18, 91)  # the crowd's ages on `today` (the eager generator drew randint(18, 90))
DAYS = 28  # days 1-28 of every month: every birth date exists in every year
# Individual numbers (digits 7-9) issued per birth century (ids._INDIVIDUAL_RANGES for the years the crowd has).
_INDIVIDUALS = ((1900, 1939, (range(0, 500),)), (1940, 1999, (range(0, 500), range(900, 1000))),
                (2000, 2039, (range(500, 1000),)))


@cache
def _valid_individuals(year_kind: int, s1: int, s2: int) -> tuple[int, ...]:
    """Individual numbers, in order, whose check digits both hold after a prefix with weighted sums s1, s2."""
    out = []
    for ind in (i for r in _INDIVIDUALS[year_kind][2] for i in r):
        d = (ind // 100, ind // 10 % 10, ind % 10)
        k1 = (11 - (s1 + 4 * d[0] + 5 * d[1] + 2 * d[2]) % 11) % 11
        if k1 == 10:
            continue
        k2 = (11 - (s2 + 5 * d[0] + 4 * d[1] + 3 * d[2] + 2 * k1) % 11) % 11
        if k2 != 10:
            out.append(ind)
    return tuple(out)


@cache
def individuals_per_date() -> int:
    """K: every birth-date prefix has at least K valid individual numbers in every century's range."""
    return min(len(_valid_individuals(y, s1, s2)) for y in range(3) for s1 in range(11) for s2 in range(11))


def _year_kind(year: int) -> int:
    return next(k for k, (lo, hi, _) in enumerate(_INDIVIDUALS) if lo <= year <= hi)


class PersonSpace:
    """Slots = (age, month, day, rank of a valid individual number); a slot and a D-number flag → a number."""

    def __init__(self, today: date):
        self.today = today
        self.k = individuals_per_date()
        self.size = len(AGES) * 12 * DAYS * self.k

    def _parts(self, slot: int) -> tuple[int, int, int]:
        age, rest = divmod(slot // self.k, 12 * DAYS)
        month, day = divmod(rest, DAYS)
        return self.today.year - AGES[age], month + 1, day + 1

    def birth(self, slot: int) -> date:
        return date(*self._parts(slot))

    def number(self, slot: int, d_number: bool) -> str:
        year, month, day = self._parts(slot)
        return _person_number(day + 40 if d_number else day, month + 80, year, slot % self.k)

    def slot_of(self, number: str) -> int | None:
        """The slot a valid synthetic (month+80) person number sits in, or None when it is outside the space."""
        if len(number) != 11 or not number.isascii() or not number.isdigit():
            return None
        day, month, yy, ind = int(number[0:2]), int(number[2:4]), int(number[4:6]), int(number[6:9])
        day = day - 40 if day > 40 else day
        month -= 80
        if not (1 <= day <= DAYS and 1 <= month <= 12):
            return None
        year = self.today.year - AGES[0]
        year -= (year - yy) % 100  # the latest year with these two digits within the crowd's ages
        while year > self.today.year - AGES[-1] and not _in_century(ind, year):
            year -= 100
        age = self.today.year - year
        if age not in AGES or not _in_century(ind, year):
            return None
        rank = _rank(_valid_at(int(number[0:2]), int(number[2:4]), year), ind)
        if rank is None or rank >= self.k or _person_number(int(number[0:2]), int(number[2:4]), year, rank) != number:
            return None
        return ((age - AGES[0]) * 12 * DAYS + (month - 1) * DAYS + day - 1) * self.k + rank


def _in_century(ind: int, year: int) -> bool:
    return any(lo <= year <= hi and any(ind in r for r in ranges) for lo, hi, ranges in _INDIVIDUALS)


_YEAR_KIND: dict[int, int] = {}


def _valid_at(day: int, month: int, year: int) -> tuple[int, ...]:
    """The valid individual numbers after the prefix (day, month as written, year)."""
    yy = year % 100
    d1, d2 = divmod(day, 10)
    m1, m2 = divmod(month, 10)
    y1, y2 = divmod(yy, 10)
    s1 = 3 * d1 + 7 * d2 + 6 * m1 + m2 + 8 * y1 + 9 * y2
    s2 = 5 * d1 + 4 * d2 + 3 * m1 + 2 * m2 + 7 * y1 + 6 * y2
    kind = _YEAR_KIND.get(year)
    if kind is None:
        kind = _YEAR_KIND[year] = _year_kind(year)
    return _valid_individuals(kind, s1 % 11, s2 % 11)


def _person_number(day: int, month: int, year: int, rank: int) -> str:
    """The number of (day, month as written: +40 / +80 offsets included, year) and the rank-th valid individual."""
    ind = _valid_at(day, month, year)[rank]
    d1, d2 = divmod(day, 10)
    m1, m2 = divmod(month, 10)
    y1, y2 = divmod(year % 100, 10)
    a, b, c = ind // 100, ind // 10 % 10, ind % 10
    k1 = (11 - (3 * d1 + 7 * d2 + 6 * m1 + m2 + 8 * y1 + 9 * y2 + 4 * a + 5 * b + 2 * c) % 11) % 11
    k2 = (11 - (5 * d1 + 4 * d2 + 3 * m1 + 2 * m2 + 7 * y1 + 6 * y2 + 5 * a + 4 * b + 3 * c + 2 * k1) % 11) % 11
    return f"{day:02d}{month:02d}{year % 100:02d}{ind:03d}{k1}{k2}"


def _rank(values: tuple[int, ...], value: int) -> int | None:
    """The position of `value` in the ascending `values`, or None."""
    i = bisect_left(values, value)
    return i if i < len(values) and values[i] == value else None


# ---- organisation and account numbers -------------------------------------------------------------------
_ORG_W = (3, 2, 7, 6, 5, 4, 3, 2)
_ACC_W = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def _last_digits(head: str, weights: tuple[int, ...]) -> tuple[int, ...]:
    """The last digits d (0-9) for which `head + d` has a MOD11 check digit (9 or 10 of them)."""
    s = sum(w * int(c) for w, c in zip(weights, head, strict=False))
    return tuple(d for d in range(10) if (11 - (s + weights[-1] * d) % 11) % 11 != 10)


def _complete(head: str, weights: tuple[int, ...], rank: int) -> str:
    """`head`, its rank-th last digit with a valid check digit, and that check digit (one pass)."""
    s, w = sum(wt * int(c) for wt, c in zip(weights, head, strict=False)), weights[-1]
    for d in range(10):
        check = (11 - (s + w * d) % 11) % 11
        if check != 10:
            if not rank:
                return f"{head}{d}{check}"
            rank -= 1
    raise IndexError("no such last digit")


def _check(body: str, weights: tuple[int, ...]) -> int:
    return (11 - sum(w * int(c) for w, c in zip(weights, body, strict=True)) % 11) % 11


class OrgSpace:
    """Slots = (2 or 3 + 6 digits, rank among the first 9 last digits with a valid check digit)."""

    size = 2 * 10 ** 6 * 9

    def number(self, slot: int) -> str:
        head, rank = divmod(slot, 9)
        return _complete(f"{2 + head // 10 ** 6}{head % 10 ** 6:06d}", _ORG_W, rank)

    def slot_of(self, number: str) -> int | None:
        if len(number) != 9 or not number.isascii() or not number.isdigit() or number[0] not in "23":
            return None
        if _check(number[:8], _ORG_W) != int(number[8]):
            return None
        rank = _rank(_last_digits(number[:7], _ORG_W), int(number[7]))
        return None if rank is None or rank >= 9 else (int(number[:7]) - 2 * 10 ** 6) * 9 + rank


PER_REGISTRATION = 10 ** 5 * 9  # account numbers per registration number in the space


class AccountSpace:
    """Slots of one kind of crowd account (people's or organisations'): blocks of (registration number, rank
    range), rank r → 5 digits r // 9 and the (r % 9)-th last digit with a valid check digit."""

    def __init__(self, blocks: list[tuple[str, int, int]]):
        self.blocks = blocks  # (registration number, first rank, end rank)
        self.size = sum(hi - lo for _, lo, hi in blocks)

    def number(self, slot: int) -> str:
        for reg, lo, hi in self.blocks:
            if slot < hi - lo:
                head, rank = divmod(lo + slot, 9)
                return _complete(f"{reg}{head:05d}", _ACC_W, rank)
            slot -= hi - lo
        raise IndexError("slot outside the account space")

    def slot_of(self, number: str) -> int | None:
        if len(number) != 11 or not number.isascii() or not number.isdigit():
            return None
        if _check(number[:10], _ACC_W) != int(number[10]):
            return None
        rank = _rank(_last_digits(number[:9], _ACC_W), int(number[9]))
        if rank is None or rank >= 9:
            return None
        r = int(number[4:9]) * 9 + rank
        base = 0
        for reg, lo, hi in self.blocks:
            if reg == number[:4] and lo <= r < hi:
                return base + r - lo
            base += hi - lo
        return None


#: A registration number both kinds use: this share of its numbers is people's, the rest organisations'. Fixed
#: (not in proportion to the counts) so that raising a count leaves the existing members' accounts as they were.
PEOPLE_SHARE = (4, 5)


def account_blocks(people_regs: list[str], org_regs: list[str]):
    """Split the registration numbers between people's and organisations' accounts: a number used by one kind
    only is all theirs; one both use is cut at PEOPLE_SHARE."""
    shared = set(people_regs) & set(org_regs)
    cut = PER_REGISTRATION * PEOPLE_SHARE[0] // PEOPLE_SHARE[1]
    people = [(r, 0, cut if r in shared else PER_REGISTRATION) for r in people_regs]
    orgs = [(r, cut if r in shared else 0, PER_REGISTRATION) for r in org_regs]
    return AccountSpace(people), AccountSpace(orgs)
