"""ScenarioSpec + seed + today → World: resolve dates, fill in generated identifiers and names, apply the
timeline, add the generated crowd, freeze everything.

Determinism rules (DESIGN §2): each entity draws from its own generator seeded by (seed, kind, id); the
shared Faker instance is re-seeded per entity; no clock, no built-in hashing, no random UUIDs. Identifier collisions between
generated entities are resolved by redrawing for the entity met later in a fixed order (explicit entities in
file order, then the crowd by index), so explicitly written identifiers never move.
"""

from __future__ import annotations

from datetime import date

from sandbox import ids
from sandbox.gc_pause import cyclic_gc_paused
from sandbox.keys import consumer_key_path
from sandbox.scenario import ScenarioSpec

from . import crowd as crowd_mod
from . import names, places
from .dates_util import add_years_month
from .lazy import CrowdView
from .ledger import month_end
from .model import (
    DEFAULT_GUARDIAN_TASKS,
    Account,
    Activity,
    Address,
    Bank,
    Card,
    Consumer,
    Counterparty,
    ExplicitTransaction,
    Freeze,
    Guardianship,
    Ownership,
    PartialNotice,
    Party,
    PartyPeriod,
    PendingItem,
    Role,
)
from .period import Period
from .rng import faker_for, rng_for
from .timeline import apply_events, freezes, held_roles, issued_cards
from .world import World

# Default activity per account type when the scenario gives none: (profile, monthly amount in the account's
# currency: NOK, or EUR/USD/... for a currency account).
DEFAULT_ACTIVITY = {
    "salaryAccount": ("household", 42_000), "savingsAccount": ("savings", 2_500), "loanAccount": ("loan", 0),
    "businessAccount": ("business", 180_000), "creditCardAccount": ("credit_card", 0),
    "currencyAccount": ("currency", 2_000), "clientAccount": ("business", 60_000), "taxDeductionAccount": ("savings", 3_000),
    "prepaidCardAccount": ("prepaid", 1_500), "leasingAccount": ("none", 0), "accountWithoutBalance": ("none", 0),
    "otherAccount": ("none", 0),
}

# Card purchases a month per profile by default (a currency account's card is rare: abroad only).
PURCHASES = {"household": 18, "credit_card": 18, "prepaid": 8, "currency": 2}


class _Unique:
    """Tracks identifiers in use; `draw` redraws until it finds a free one."""

    def __init__(self):
        self.used: set[str] = set()

    def claim(self, value: str) -> str:
        self.used.add(value)
        return value

    def draw(self, make) -> str:
        for _ in range(1000):
            value = make()
            if value not in self.used:
                return self.claim(value)
        raise RuntimeError("identifier space exhausted")


def _address(seed: str, kind: str, key: str) -> Address:
    """A street address at a real postcode with its own post town (places.py)."""
    return places.street_address(rng_for(seed, f"{kind}-address", key))


def _addr(spec: dict | None) -> Address | None:
    if not spec:
        return None
    return Address(spec["street"], spec.get("building_number"), spec["post_code"], spec["town"], spec.get("country", "NO"))


class Builder:
    def __init__(self, spec: ScenarioSpec, mode: str = "auto"):
        self.spec = spec
        self.seed = spec.seed
        self.today = spec.today
        self.numbers = _Unique()
        self.mode = mode
        self._account_rngs: dict[str, object] = {}  # named account id → its generator after the number's draws

    def d(self, expr):
        return self.spec.date(expr)

    def build(self) -> World:
        data = self.spec.data
        for p in data["people"]:
            if p.get("national_id"):
                self.numbers.claim(p["national_id"])
        for a in data["accounts"]:
            if a.get("number"):
                self.numbers.claim(a["number"])
        banks = self.banks(data["banks"])
        consumers = {c["id"]: Consumer(c["id"], c["name"], c["org_number"], tuple(c["services"]), c.get("about"),
                                       client_id=c.get("client_id") or c["id"],
                                       key_path=consumer_key_path(c["org_number"], c.get("key")))
                     for c in data["consumers"]}
        parties = {p["id"]: self.person(p) for p in data["people"]}
        parties.update({o["id"]: self.organisation(o) for o in data["organisations"]})
        accounts = {a["id"]: self.draft_account(a) for a in data["accounts"]}
        for a in accounts.values():  # the scenario's numbers first: the crowd's numbers avoid them (numbers.py)
            self._account_number(a, banks[a["bank"]])
        events = [{**ev, "day": self.d(ev["date"]), "index": i,
                   "expires": self.d(ev["expires"]).replace(day=1) if ev.get("expires") else None}
                  for i, ev in enumerate(data["events"])]
        apply_events(events, accounts, parties)
        guardianships = [Guardianship(g["guardian"], g["ward"], Period(self.d(g["from_"]), self.d(g.get("to"))),
                                      tuple(g.get("tasks", DEFAULT_GUARDIAN_TASKS)))
                         for g in data["guardianships"]]
        people = (data.get("generate") or {}).get("people") or {}
        orgs = (data.get("generate") or {}).get("organisations") or {}
        crowd = crowd_mod.Crowd(self, data.get("generate") or {}, banks, set(self.numbers.used)) \
            if people.get("count") or orgs.get("count") else None
        lazy = crowd is not None and _lazy(self.mode, people.get("count", 0) + orgs.get("count", 0))
        if crowd is not None and not lazy:
            crowd_mod.generate(crowd, parties, accounts)
        frozen_parties = {pid: Party(**p) for pid, p in parties.items()}
        frozen_accounts = {aid: self.freeze_account(a, banks[a["bank"]], parties) for aid, a in accounts.items()}
        world = World(self.spec, banks, consumers, frozen_parties, frozen_accounts, tuple(guardianships),
                      crowd=CrowdView(self, crowd, banks) if lazy else None)
        world.crowd_size = (people.get("count", 0), orgs.get("count", 0))
        world.crowd_shields = lazy and people.get("count", 0) > 0 and people.get("shielded_share", 0.01) > 0
        return world

    def _account_number(self, a: dict, bank: Bank) -> None:
        """A named account's number: the scenario's, or drawn from the account's generator (kept for the rest of
        its draws in freeze_account)."""
        rng = rng_for(self.seed, "account", a["id"])
        if not a.get("number"):
            a["number"] = self.numbers.draw(lambda: ids.generate_account_number(rng, rng.choice(bank.registration_numbers)))
        self._account_rngs[a["id"]] = rng

    # ---- banks and parties ----------------------------------------------------------------------
    def banks(self, specs: list[dict]) -> dict[str, Bank]:
        taken = {r for b in specs for r in b.get("registration_numbers") or []}
        out = {}
        for b in specs:
            rng = rng_for(self.seed, "bank", b["id"])
            regs = b.get("registration_numbers")
            if not regs:
                free = [str(r) for r in ids.SYNTHETIC_REGISTRATION_RANGE[:-2] if str(r) not in taken]
                regs = [rng.choice(free)]
                taken.add(regs[0])
            out[b["id"]] = Bank(b["id"], b["name"], b.get("org_number") or ids.generate_organisation_number(rng),
                                tuple(regs), b["register"], b["country"], b.get("about"))
        return out

    def person(self, p: dict) -> dict:
        rng = rng_for(self.seed, "person", p["id"])
        birth = self.d(p.get("birth_date"))
        if p.get("national_id"):
            birth = birth or ids.parse_person_number(p["national_id"]).birth_date
        birth = birth or date(self.today.year - rng.randint(20, 80), rng.randint(1, 12), rng.randint(1, 28))
        number = p.get("national_id") or self.numbers.draw(
            lambda: ids.generate_person_number(rng, birth, d_number=p.get("d_number", False)))
        fake = faker_for(self.seed, "person", p["id"])
        return dict(id=p["id"], kind="person", identifier=number, name=(p.get("name") or names.person_name(fake)).upper(),
                    address=_addr(p.get("address")) or _address(self.seed, "person", p["id"]), birth_date=birth,
                    death_date=self.d(p.get("death_date")), d_number=p.get("d_number", False),
                    shielded=p.get("shielded", False), tags=tuple(p.get("tags") or ()), about=p.get("about"))

    def organisation(self, o: dict) -> dict:
        rng = rng_for(self.seed, "organisation", o["id"])
        number = o.get("org_number") or self.numbers.draw(lambda: ids.generate_organisation_number(rng))
        fake = faker_for(self.seed, "organisation", o["id"])
        address = _addr(o.get("address")) or _address(self.seed, "organisation", o["id"])
        name = o.get("name")
        if not name:
            place = places.register().get(address.post_code)
            form = o.get("legal_form") or "AS"  # an unnamed ENK is named after an invented owner
            name = names.organisation_name(form, rng, fake, owner_name=names.person_name(fake) if form == "ENK" else None,
                                           place=places.short_place(place) if place else address.town.upper())
        return dict(id=o["id"], kind="organisation", identifier=number, name=name.upper(), address=address,
                    legal_form=o.get("legal_form") or names.legal_form_of_name(name),
                    bankruptcy_date=self.d(o.get("bankruptcy_date")), tags=tuple(o.get("tags") or ()),
                    about=o.get("about"))

    # ---- accounts -------------------------------------------------------------------------------
    def draft_account(self, a: dict) -> dict:
        opened, closed = self.d(a["opened"]), self.d(a.get("closed"))

        def period(item):
            return {"start": self.d(item.get("from_")) or opened, "end": self.d(item.get("to"))}

        owners = [{"party": o["party"], "primary": o.get("primary"), "account_type": o.get("account_type") or a["type"],
                   **period(o)} for o in a["owners"]]
        if not any(o["primary"] for o in owners):
            owners[0]["primary"] = True
        for o in owners:
            o["primary"] = bool(o["primary"])
            if closed and o["end"] is None:
                o["end"] = closed
        roles = [{"party": r["party"], "permission": r["permission"], **period(r)} for r in a["roles"]]
        for r in roles:
            if closed and r["end"] is None:
                r["end"] = closed
        cards = [{"id": c["id"], "holder": c["holder"], "type": c["type"], "issued": self.d(c["issued"]).replace(day=1),
                  "expires": self.d(c["expires"]).replace(day=1), "status": c["status"], "version": c["version"],
                  "number": None, "blocked_on": None} for c in a["cards"]]
        return dict(a, lifecycles=[{"start": opened, "end": closed}], owners=owners, roles=roles, cards=cards,
                    closed_owners=[o for o in owners if closed and o["end"] == closed])

    def freeze_account(self, a: dict, bank: Bank, parties) -> Account:
        rng = self._account_rngs.pop(a["id"], None) or rng_for(self.seed, "account", a["id"])
        number = a["number"]
        frozen = freezes(a["owners"], parties)
        cards, numbers = [], {}
        for c in issued_cards(a["cards"], parties, frozen):
            pan = c["number"] or numbers.get(c["id"]) or ids.generate_card_number(rng_for(self.seed, "card", f"{a['id']}:{c['id']}"))
            numbers[c["id"]] = pan
            cards.append(Card(c["id"], c["holder"], c["type"], pan, c["issued"], c["expires"], c["status"], c["version"],
                              _blocked_on(c, parties[c["holder"]].get("death_date"), frozen)))
        act = a.get("activity") or {}
        profile, default_amount = DEFAULT_ACTIVITY[a["type"]]
        if act.get("profile") and act["profile"] != profile:
            # the profile's own default amount, taken from an account type that has it (business → businessAccount)
            profile = act["profile"]
            default_amount = next((amt for prof, amt in DEFAULT_ACTIVITY.values() if prof == profile), 0)
        if profile == "household" and not act.get("amount"):
            default_amount = rng.randrange(30_000, 75_000, 500)
        activity = Activity(profile, act["amount"] if "amount" in act else default_amount * 100,
                            act.get("purchases_per_month", PURCHASES.get(profile, 4)),
                            act.get("foreign_share", 0.08))
        return Account(
            id=a["id"], bank_id=a["bank"], number=number, type=a["type"], currency=a["currency"], name=a.get("name"),
            lifecycles=tuple(Period(lc["start"], lc["end"]) for lc in a["lifecycles"]),
            owners=tuple(Ownership(o["party"], o["primary"], Period(o["start"], o["end"]), o["account_type"]) for o in a["owners"]),
            roles=tuple(Role(r["party"], r["permission"], Period(r["start"], r["end"]))
                        for r in held_roles(a["roles"], parties, frozen)),
            co_borrowers=tuple(PartyPeriod(c["party"], Period(self.d(c.get("from_")) or a["lifecycles"][0]["start"], self.d(c.get("to")))) for c in a["co_borrowers"]),
            guarantors=tuple(PartyPeriod(g["party"], Period(self.d(g.get("from_")) or a["lifecycles"][0]["start"], self.d(g.get("to")))) for g in a["guarantors"]),
            opening_balance=a["opening_balance"], credit_line=a["credit_line"],
            credit_line_included=a["credit_line_included"], blocked_amount=a["blocked_amount"],
            data_not_delivered=a["data_not_delivered"], status_override=a.get("status"), cards=tuple(cards),
            activity=activity,
            explicit_transactions=tuple(self.explicit(t) for t in a["transactions"]),
            pending=tuple(PendingItem(self.d(p["date"]), p["amount"], p["direction"], p.get("merchant"), p.get("text")) for p in a["pending"]),
            partial=tuple(PartialNotice(Period(self.d(p.get("from_")) or date.min, self.d(p.get("to"))), p["message"], tuple(p["endpoints"])) for p in a["partial"]),
            generated=a.get("generated", False),
            frozen=tuple(Freeze(Period(start, end), cause) for start, end, cause in frozen),
        )

    def explicit(self, t: dict) -> ExplicitTransaction:
        cp = t.get("counterparty")
        counterparty = None
        if cp:
            ident = cp.get("org_number") or cp.get("national_id")
            counterparty = Counterparty(cp["name"], cp.get("account"), ident,
                                        None if not ident else ("countryIdentificationCode" if cp.get("org_number") else "nationalIdentityNumber"))
        kind = t.get("kind") or ("other_credit" if t["direction"] == "credit" else "other_debit")
        return ExplicitTransaction(self.d(t["date"]), t["amount"], t["direction"], kind, t.get("text"),
                                   t.get("merchant"), counterparty, t.get("card"), t.get("original_currency"),
                                   t.get("original_amount"))


def _blocked_on(card: dict, holder_death: date | None, frozen) -> date | None:
    """The day a card is blocked: the scenario's (block_card, close, reissue), or earlier, the first day of its
    validity on which its holder is dead, or the day its account freezes if the card is valid then. A card the
    timeline issues during or after a freeze (to an heir, say) is the author's word and is not touched by it."""
    valid = Period(card["issued"], month_end(card["expires"]))
    days = [start for start, _, _ in frozen if valid.contains(start)]
    if holder_death is not None and holder_death <= valid.end:
        days.append(max(holder_death, valid.start))
    if card["blocked_on"] is not None:
        days.append(card["blocked_on"])
    return min(days, default=None)


#: Crowds of at least this many members (people + organisations) are generated on demand (lazy.py) unless the
#: mode says otherwise: below it the eager world builds in a few seconds and lists every member (the UI's and
#: the admin API's listings); above it an eager build grows to minutes (100 000 people: about 40 s) while the
#: answers are the same bytes either way (tests/world/test_lazy_world.py).
LAZY_THRESHOLD = 20_000
MODES = ("auto", "eager", "lazy")


def _lazy(mode: str, members: int) -> bool:
    if mode not in MODES:
        raise ValueError(f"world mode must be one of {', '.join(MODES)}")
    return mode == "lazy" or (mode == "auto" and members >= LAZY_THRESHOLD)


def build_world(spec: ScenarioSpec, mode: str = "auto") -> World:
    """The World of a validated scenario. Pure: same spec (with its seed and today) → same world, whichever the
    mode: "eager" builds every crowd member now, "lazy" derives them on demand, "auto" picks by crowd size.

    The cyclic garbage collector is paused while building: the build only allocates (nothing it makes is
    garbage in a cycle), and each full collection walked every object made so far, which cost an eager world
    of 20 000 people three quarters of its build time (issue 19)."""
    with cyclic_gc_paused():
        return Builder(spec, mode).build()


__all__ = ["build_world", "add_years_month"]
