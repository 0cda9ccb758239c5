"""Who pays whom among one party's own accounts: where a person's salary lands, which of the owner's other
accounts a transfer goes to, and how a salary grows from year to year.

Answers depend only on the built entities (owners, lifecycles, profiles), never on generated months, so the
ledger can still generate any (account, month) on its own (DESIGN §2: lazy per month).
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from .model import Account, Counterparty
from .pools import Pools
from .rng import rng_for

# The spring wage settlement ("lønnsoppgjøret"): raises take effect in May. Yearly raise, per mille.
RAISE_MONTH = 5
RAISE_RANGE = (25, 60)  # 2.5 % .. 6.0 %
# Steering partners of a profile, most wanted first: where the owner moves money to and from.
PARTNERS = {
    "household": ("savings", "household"),
    "savings": ("household",),
    "business": ("business", "savings"),
    "currency": ("household", "business"),
    "prepaid": ("household",),
    "credit_card": ("household",),
}


class Household:
    """The owner-level questions of one world, over its accounts and parties (built once, read-only)."""

    def __init__(self, seed: str, today: date, accounts: dict[str, Account], parties, pools: Pools, owned=None):
        """`accounts` are the world's built ones; `owned(party_id)` answers for a lazy world's crowd (lazy.py)."""
        self.seed = seed
        self.today = today
        self.parties = parties
        self.pools = pools
        self._owned: dict[str, list[Account]] = {}
        for account in sorted(accounts.values(), key=lambda a: (a.opened, a.id)):
            for party in {o.party_id for o in account.owners}:
                self._owned.setdefault(party, []).append(account)
        self._owned_lazily = owned
        # memoised per world (a cache on the class would keep every world built alive)
        self.raise_factor = lru_cache(maxsize=50_000)(self._raise_factor)
        self._partners = lru_cache(maxsize=50_000)(self._find_partners)

    def _owned_by(self, party_id: str) -> list[Account]:
        """The party's accounts, oldest first (by opening day, then id)."""
        found = self._owned.get(party_id)
        if found is None and self._owned_lazily is not None:
            found = sorted(self._owned_lazily(party_id), key=lambda a: (a.opened, a.id))
        return found or []

    # ---- salaries -------------------------------------------------------------------------------
    def salary_account(self, party_id: str, day: date) -> Account | None:
        """The one account a person's salary is paid into on `day`: their oldest salary-profile account they
        own then (as primary owner first), open and not frozen."""
        best = None
        for account in self._owned_by(party_id):
            if account.activity is None or account.activity.profile != "household" or not account.is_open_on(day):
                continue
            if account.frozen and account.freeze_on(day) is not None:
                continue
            ownership = next((o for o in account.owners if o.party_id == party_id and o.period.contains(day)), None)
            if ownership is None:
                continue
            if ownership.primary:
                return account
            best = best or account
        return best

    def salaries(self, account: Account, payday: date) -> list[tuple[str, Counterparty, int, int]]:
        """(person, employer, monthly salary on payday, today's monthly salary), minor units, for each person
        paid into `account` on payday."""
        out = []
        for o in account.owners:
            party = self.parties.get(o.party_id)
            if party is None or party.kind != "person" or not o.period.contains(payday):
                continue
            if party.death_date is not None and party.death_date <= payday:
                continue
            if self.salary_account(party.id, payday) is not account:
                continue
            employer = self.employer_of(party.id)
            if employer is None:
                continue
            base = account.activity.amount if o.primary else self.own_salary(party.id)
            out.append((party.id, employer, self.salary_on(base, party.id, payday), base))
        return out

    def employer_of(self, party_id: str) -> Counterparty | None:
        pool = self.pools.employers
        return pool[rng_for(self.seed, "employer-of", party_id).randrange(len(pool))] if pool else None

    def own_salary(self, party_id: str) -> int:
        """Today's monthly salary of a person paid into an account they do not own as primary owner."""
        return rng_for(self.seed, "salary", party_id).randrange(30_000, 75_000, 500) * 100

    def salary_on(self, base: int, party_id: str, day: date) -> int:
        """`base` is today's salary; on an earlier day it is smaller by the raises since (whole kroner)."""
        return int(base / self.raise_factor(party_id, _settlement_year(day))) // 100 * 100

    def _raise_factor(self, party_id: str, year: int) -> float:
        """How much today's salary exceeds that of settlement year `year`: the product of the raises since.
        The raises are drawn from one generator per person, newest settlement first, so any year's factor is
        the same whichever year is asked first."""
        now = _settlement_year(self.today)
        if year >= now:
            return 1.0
        low, high = RAISE_RANGE
        rng = rng_for(self.seed, "raises", party_id)
        factor = 1.0
        for _ in range(now - year):
            factor *= 1 + rng.randint(low, high) / 1000
        return factor

    # ---- the owner's other accounts ---------------------------------------------------------------
    def partner_account(self, account: Account, day: date) -> Account | None:
        """The primary owner's own account that money moves to or from (savings for a salary account, the
        salary account for savings...), open on `day`; None when the owner has no such account."""
        owner = next((o.party_id for o in account.owners if o.primary and o.period.contains(day)), None)
        if owner is None or account.activity is None:
            return None
        for other in self._partners(account.id, account.activity.profile, owner):
            if other.is_open_on(day):
                return other
        return None

    def _find_partners(self, account_id: str, profile: str, owner: str) -> tuple[Account, ...]:
        """The owner's NOK accounts of the profiles PARTNERS names for `profile`, most wanted first."""
        wanted = PARTNERS.get(profile, ())
        others = [a for a in self._owned_by(owner) if a.id != account_id and a.activity is not None
                  and a.currency == "NOK" and a.activity.profile in wanted]
        return tuple(sorted(others, key=lambda a: wanted.index(a.activity.profile)))  # stable: oldest first

    def own_accounts(self, party_id: str, day: date) -> list[Account]:
        """The party's accounts with a profile, open on `day`, oldest first."""
        return [a for a in self._owned_by(party_id) if a.activity is not None and a.is_open_on(day)]


def _settlement_year(day: date) -> int:
    """The wage settlement a salary on `day` follows (a raise counts from May)."""
    return day.year if day.month >= RAISE_MONTH else day.year - 1
