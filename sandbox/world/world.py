"""The World: immutable entities plus the indexes and time questions every service asks of them.

Built once per process from (scenario, seed, today) by build.py; every gunicorn worker builds the same one.
Questions answered here are the standard-neutral ones (who owned what when, balance at a date, transactions
in a period, which banks knew a party); what a bank or the register makes of them lives in their rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from .household import Household
from .lazy import PARTY_CACHE, CrowdView, Population
from .ledger import Ledger
from .model import Account, Bank, Consumer, Guardianship, Ownership, Party, Role
from .period import Period
from .pools import build_pools
from .today import FollowsClock

RELATION_KINDS = ("owner", "role", "co_borrower", "guarantor")


@dataclass(frozen=True)
class Relation:
    """A party's tie to an account for a period: as owner (primary or not), role holder, co-borrower or guarantor."""

    account_id: str
    party_id: str
    kind: str
    period: Period
    primary: bool = False
    permission: str | None = None


class World(FollowsClock):
    def attach_clock(self, source) -> None:
        """Let `source()` (the sandbox clock) say what today is; history is not rebuilt."""
        super().attach_clock(source)
        self.ledger.attach_clock(source)

    def __init__(self, spec, banks: dict[str, Bank], consumers: dict[str, Consumer], parties: dict[str, Party],
                 accounts: dict[str, Account], guardianships: tuple[Guardianship, ...], crowd: CrowdView | None = None):
        self.spec = spec
        self.name = spec.name
        self.seed = spec.seed
        self.today: date = spec.today
        self.banks = banks
        self.consumers = consumers
        self.guardianships = guardianships
        self.crowd = crowd  # None: every member is in the dicts (eager); else derived on demand (lazy.py)
        self.crowd_size = (0, 0)  # (people, organisations) the scenario generates, eager or lazy (build.py)
        self.crowd_shields = False  # the lazy crowd may hold shielded persons (bank/privacy.py asks member by member)
        self.bank_by_org = {b.org_number: b for b in banks.values()}
        self.consumer_by_org = {c.org_number: c for c in consumers.values()}
        party_by_identifier = {p.identifier: p for p in parties.values()}
        account_by_number = {a.number: a for a in accounts.values()}
        self.accounts_by_bank: dict[str, list[Account]] = {b: [] for b in banks}  # the eager part (no crowd if lazy)
        relations_by_party: dict[str, list[Relation]] = {p: [] for p in parties}
        for account in accounts.values():
            self.accounts_by_bank[account.bank_id].append(account)
            for rel in self._relations_of(account):
                relations_by_party[rel.party_id].append(rel)
        if crowd is None:
            self.parties, self.accounts = parties, accounts
            self.party_by_identifier, self.account_by_number = party_by_identifier, account_by_number
            self.relations_by_party = relations_by_party
        else:
            self.parties = Population(parties, crowd.party, crowd.party_ids, lambda: crowd.people + crowd.organisations)
            self.accounts = Population(accounts, crowd.account, crowd.account_ids,
                                       lambda: sum(1 for _ in crowd.account_ids()))
            self.party_by_identifier = Population(party_by_identifier, crowd.party_by_identifier)
            self.account_by_number = Population(account_by_number, crowd.account_by_number)
            self.relations_by_party = Population(relations_by_party, lru_cache(maxsize=PARTY_CACHE // 4)(
                lambda pid: self._crowd_relations(crowd, pid)))
        self.pools = build_pools(self.seed)
        self.ledger = Ledger(self.seed, self.today, self.pools,
                             Household(self.seed, self.today, accounts, self.parties, self.pools,
                                       owned=crowd.owned if crowd is not None else None))

    def _crowd_relations(self, crowd: CrowdView, party_id: str) -> list[Relation] | None:
        related = crowd.related(party_id)
        if related is None:
            return None
        return [rel for account in related for rel in self._relations_of(account) if rel.party_id == party_id]

    def built_parties(self):
        """The parties built up front, in scenario order: every party of an eager world, the scenario's own
        (and no crowd member) of a lazy one. Listings use it; `parties` answers any id."""
        return self.parties.eager.values() if self.crowd is not None else self.parties.values()

    @staticmethod
    def _relations_of(account: Account):
        for o in account.owners:
            yield Relation(account.id, o.party_id, "owner", o.period, primary=o.primary)
        for r in account.roles:
            yield Relation(account.id, r.party_id, "role", r.period, permission=r.permission)
        for c in account.co_borrowers:
            yield Relation(account.id, c.party_id, "co_borrower", c.period)
        for g in account.guarantors:
            yield Relation(account.id, g.party_id, "guarantor", g.period)

    # ---- time questions -------------------------------------------------------------------------
    def relations(self, party_id: str, window: Period, kinds=RELATION_KINDS) -> list[Relation]:
        """Every relation of a party that overlaps the window (inclusive), in account order."""
        return [r for r in self.relations_by_party.get(party_id, ()) if r.kind in kinds and r.period.overlaps(window)]

    def owners_on(self, account: Account, day: date) -> list[Ownership]:
        return [o for o in account.owners if o.period.contains(day)]

    def primary_owner_on(self, account: Account, day: date) -> Ownership | None:
        """The primary owner on `day`; if nobody owns it then (closed), the last primary owner before it."""
        current = [o for o in account.owners if o.primary and o.period.contains(day)]
        if current:
            return current[0]
        past = [o for o in account.owners if o.primary and o.period.start <= day]
        return max(past, key=lambda o: o.period.start) if past else None

    def roles_in(self, account: Account, window: Period) -> list[Role]:
        return [r for r in account.roles if r.period.overlaps(window)]

    def banks_for(self, party_id: str, window: Period) -> list[Bank]:
        """Banks where the party had any relation in the window, in bank order of the scenario."""
        seen = {self.accounts[r.account_id].bank_id for r in self.relations(party_id, window)}
        return [b for b in self.banks.values() if b.id in seen]

    def balance(self, account: Account, day: date) -> int:
        return self.ledger.balance(account, day)

    def transactions(self, account: Account, window: Period, limit: int | None = None):
        return self.ledger.booked(account, window, limit)

    def transaction_months(self, account: Account, window: Period, limit: int | None = None):
        """transactions() month by month: [((year, month), the month's transactions, lo, hi)] (Ledger.booked_months)."""
        return self.ledger.booked_months(account, window, limit)

    def guardianships_of(self, ward_id: str) -> list[Guardianship]:
        return [g for g in self.guardianships if g.ward_id == ward_id]

    def status(self, account: Account) -> str:
        """Current status (R-33, Q-05): closed → deleted; frozen today → disabled; else enabled.

        `disabled` means nobody can use the account: its owners are all dead or bankrupt (Account.frozen, the
        same rule that stops its generated activity). A joint account whose co-owner lives goes on: enabled."""
        if account.status_override:
            return account.status_override
        if not account.is_open_on(self.today):
            return "deleted"
        return "disabled" if account.frozen and account.freeze_on(self.today) is not None else "enabled"

    def built_accounts(self):
        """The accounts built up front: all of an eager world's, the scenario's own of a lazy one."""
        return self.accounts.eager.values() if self.crowd is not None else self.accounts.values()

    def counts(self) -> dict[str, int]:
        """Entity counts. A lazy world counts its crowd's people and organisations (known) but the accounts,
        cards and roles only of its built part: counting the crowd's would mean deriving every member."""
        named = self.built_parties()
        people = sum(1 for p in named if p.kind == "person")
        built = self.built_accounts()
        lazy_people, lazy_orgs = (self.crowd.people, self.crowd.organisations) if self.crowd is not None else (0, 0)
        out = {
            "banks": len(self.banks), "consumers": len(self.consumers), "people": people + lazy_people,
            "organisations": len(named) - people + lazy_orgs, "accounts": len(built),
            "cards": sum(len(a.cards) for a in built),
            "roles": sum(len(a.roles) for a in built),
            "guardianships": len(self.guardianships),
        }
        if self.crowd is not None:
            out["on_demand"] = lazy_people + lazy_orgs
        return out

    def date_range(self) -> Period:
        """From the oldest account's opening to today (a lazy world bounds its crowd's by the scenario's
        history_years instead of looking at every member)."""
        built = self.built_accounts()
        starts = [a.opened for a in built]
        if self.crowd is not None:
            starts.append(self.crowd.crowd.oldest_opening())
        return Period(min(starts) if starts else self.today, self.today)
