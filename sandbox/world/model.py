"""The world's entities: immutable records built once from a scenario (build.py) and queried by the services.

Amounts are integer minor units (øre) so a balance is an exact sum of transactions. Everything that varies
over time carries a Period; the questions "who owned this on day X" live in queries.py, not here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from .period import Period


@dataclass(frozen=True)
class Address:
    street: str
    building_number: str | None
    post_code: str
    town: str
    country: str = "NO"


@dataclass(frozen=True)
class Bank:
    id: str
    name: str
    org_number: str
    registration_numbers: tuple[str, ...]
    register: str  # "kar": a NICS bank known to KAR; "kfr": known only through KFR (activeAccount always false)
    country: str = "NO"
    about: str | None = None


@dataclass(frozen=True)
class Consumer:
    id: str
    name: str
    org_number: str
    services: tuple[str, ...]
    about: str | None = None
    client_id: str = ""  # the Maskinporten client id; the consumer's id unless the scenario names one
    key_path: str = ""  # PEM with its RSA key pair (client assertions, JWE recipient); see sandbox/keys


@dataclass(frozen=True)
class Party:
    """A person or an organisation: the control object of a case."""

    id: str
    kind: str  # "person" | "organisation"
    identifier: str  # person number / D-number, or organisation number
    name: str
    address: Address | None = None
    birth_date: date | None = None
    death_date: date | None = None
    d_number: bool = False
    shielded: bool = False
    bankruptcy_date: date | None = None
    legal_form: str | None = None  # organisations: Enhetsregisteret's code (AS, ENK, ...; see names.LEGAL_FORMS)
    tags: tuple[str, ...] = ()
    about: str | None = None
    generated: bool = False

    @property
    def identifier_type(self) -> str:
        return "nationalIdentityNumber" if self.kind == "person" else "countryIdentificationCode"


@dataclass(frozen=True)
class Ownership:
    party_id: str
    primary: bool
    period: Period
    account_type: str  # the account's type during this ownership (v2.1 Owners, R-62)


@dataclass(frozen=True)
class Role:
    party_id: str
    permission: str
    period: Period


@dataclass(frozen=True)
class PartyPeriod:
    """A co-borrower or guarantor position."""

    party_id: str
    period: Period


@dataclass(frozen=True)
class Card:
    id: str
    holder_id: str
    type: str
    number: str  # full PAN; only ever shown masked
    issued: date  # first day of the valid-from month
    expires: date  # first day of the expiry month
    status: str
    version: int
    blocked_on: date | None = None

    def status_on(self, day: date) -> str:
        if self.status == "blocked" or (self.blocked_on is not None and self.blocked_on <= day):
            return "blocked"
        return "active"

    def usable_on(self, day: date) -> bool:
        """Can pay on `day`: issued, not past its expiry month, not blocked."""
        return self.issued <= day and (day.year, day.month) <= (self.expires.year, self.expires.month) \
            and self.status_on(day) == "active"


def card_in_use(versions, day: date) -> Card:
    """Which version of a (reissued) card paid on `day`, `versions` being one card id's, oldest first.

    A reissue (`issue_card`) blocks the old version on its day while the new one is valid from the first of
    that month, so on a day both are usable the old one is still in the holder's wallet: the oldest version
    usable on `day`; failing that the newest issued by then; failing that the first."""
    for c in versions:
        if c.usable_on(day):
            return c
    issued = [c for c in versions if c.issued <= day]
    return issued[-1] if issued else versions[0]


def card_schedule(versions) -> tuple[list[date], list[Card]]:
    """card_in_use(versions, day) for every day at once: (days, in_use) such that the version in use on `day` is
    in_use[bisect_right(days, day)]. Each version's issued day, blocked day and the day after its expiry month
    are the only days on which usable_on or `issued <= day` can change, so card_in_use is constant between them
    and one call per stretch gives it (tests/bank/test_card_versions.py compares both day by day)."""
    days = set()
    for c in versions:
        days.add(c.issued)
        days.add(date(c.expires.year + c.expires.month // 12, c.expires.month % 12 + 1, 1))
        if c.blocked_on is not None:
            days.add(c.blocked_on)
    days = sorted(days)
    return days, [card_in_use(versions, days[0] - timedelta(days=1)), *(card_in_use(versions, d) for d in days)]


@dataclass(frozen=True)
class Activity:
    profile: str
    amount: int  # minor units; the main monthly flow
    purchases_per_month: int
    foreign_share: float


@dataclass(frozen=True)
class Counterparty:
    name: str
    account: str | None = None
    identifier: str | None = None
    identifier_type: str | None = None
    address: Address | None = None


@dataclass(frozen=True)
class ExplicitTransaction:
    day: date
    amount: int
    direction: str
    kind: str
    text: str | None = None
    merchant: str | None = None
    counterparty: Counterparty | None = None
    card_id: str | None = None
    original_currency: str | None = None
    original_amount: int | None = None


@dataclass(frozen=True)
class PendingItem:
    day: date
    amount: int
    direction: str
    merchant: str | None
    text: str | None


@dataclass(frozen=True)
class Freeze:
    """Days on which none of the account's current owners can act any more: every one of them is dead, or
    bankrupt (cause "bankruptcy" when any of them is). Only the bank's own entries run then (activity.py)."""

    period: Period
    cause: str  # "death" | "bankruptcy"


@dataclass(frozen=True)
class PartialNotice:
    period: Period
    message: str
    endpoints: tuple[str, ...]


@dataclass(frozen=True)
class Account:
    id: str
    bank_id: str
    number: str
    type: str
    currency: str
    name: str | None
    lifecycles: tuple[Period, ...]  # open..closed cycles, oldest first (a reopen adds one)
    owners: tuple[Ownership, ...]
    roles: tuple[Role, ...] = ()
    co_borrowers: tuple[PartyPeriod, ...] = ()
    guarantors: tuple[PartyPeriod, ...] = ()
    opening_balance: int = 0
    credit_line: int = 0
    credit_line_included: bool = False
    blocked_amount: int = 0
    data_not_delivered: bool = False
    status_override: str | None = None
    cards: tuple[Card, ...] = ()
    activity: Activity | None = None
    explicit_transactions: tuple[ExplicitTransaction, ...] = ()
    pending: tuple[PendingItem, ...] = ()
    partial: tuple[PartialNotice, ...] = ()
    generated: bool = False
    frozen: tuple[Freeze, ...] = ()  # oldest first; derived at build time from the owners' deaths/bankruptcies

    def freeze_on(self, day: date) -> Freeze | None:
        """The freeze covering `day`, if any (a date comparison or two: nearly every account has none)."""
        for f in self.frozen:
            if f.period.contains(day):
                return f
        return None

    @property
    def opened(self) -> date:
        return self.lifecycles[0].start

    @property
    def closed(self) -> date | None:
        return self.lifecycles[-1].end

    def is_open_on(self, day: date) -> bool:
        return any(lc.contains(day) for lc in self.lifecycles)

    def closed_within(self, window: Period) -> bool:
        """R-41: closed on a day inside the window and not open again at its end (window.end is required)."""
        latest = max((lc for lc in self.lifecycles if lc.start <= window.end), key=lambda lc: lc.start, default=None)
        return latest is not None and latest.end is not None and window.contains(latest.end)


#: The guardian's task (FREG `vergeTjenesteoppgave`) that Vergekontroll needs (spec/services.md §2.5).
REPRESENTASJON_DAGLIGBANK = "representasjonDagligbank"
#: The tasks of a guardianship whose scenario entry lists none (the scenario format's default too).
DEFAULT_GUARDIAN_TASKS = (REPRESENTASJON_DAGLIGBANK,)


@dataclass(frozen=True)
class Guardianship:
    """A guardianship (FREG vergemål) of `ward_id` by `guardian_id` for `period`, with the guardian's tasks
    (FREG `vergeTjenesteoppgave`, in scenario order)."""

    guardian_id: str
    ward_id: str
    period: Period
    tasks: tuple[str, ...] = DEFAULT_GUARDIAN_TASKS

    def has_task(self, task: str) -> bool:
        return task in self.tasks
