"""The generated crowd: `generate: {people: {count: N}, organisations: {count: M}}` in a scenario.

Every crowd member is a pure function of (seed, scenario, kind, index): `Crowd.person(i)`,
`Crowd.organisation(j)` and their accounts are drawn from generators seeded by the member's id
(`gen-p-000042`), its numbers come from keyed bijections of its index (numbers.py: no draw-until-unique over
the members before it) and its links reach only fixed neighbours (joint owner = next person, manager of
organisation j = person 7j mod N). So the eager build loops over the indexes and the lazy world
(lazy.py) derives any member on demand: one code path, the same bytes.

People get a home address at a real postcode (places.py), shared with the joint owner of their first account
(unless the address is protected), and a name without a title; organisations get a legal form from Norway's mix
(names.py) and a name and address that fit it. The address, name and form draws use generators of their own, so
they leave the accounts' draws (and thus the ledgers) of a member as they were. An organisation's manager (the
person with a disposal right on all its accounts) is the owner of an ENK, which is named after them; a dead or
shielded person does not own an ENK (its name would carry theirs), and an ENK is never bankrupt as a firm (its
owner answers for its debts). A crowd account's bank is the owner of the registration number its number falls
in: the account numbers of a kind are spread evenly over its banks' registration numbers.
"""

from __future__ import annotations

import random
import re
from datetime import date, timedelta
from functools import lru_cache

from . import names, places
from .numbers import NumberLine, OrgSpace, PersonSpace, account_blocks
from .products import account_currency, card_history
from .rng import faker_for, rng_for

PERSON_ACCOUNT_TYPES = (("salaryAccount", 40), ("savingsAccount", 28), ("creditCardAccount", 10),
                        ("loanAccount", 10), ("currencyAccount", 4), ("taxDeductionAccount", 4), ("prepaidCardAccount", 4))
ORG_ACCOUNT_TYPES = (("businessAccount", 60), ("savingsAccount", 15), ("taxDeductionAccount", 15),
                     ("loanAccount", 5), ("clientAccount", 5))
MANAGER_STEP = 7  # organisation j is managed by person (7 j) mod N
_PARTY_ID = re.compile(r"gen-([po])-(\d{6,})")
_ACCOUNT_ID = re.compile(r"(gen-[po]-\d{6,})-a(\d+)")


def _weighted(rng, table):
    return rng.choices([t for t, _ in table], weights=[w for _, w in table])[0]


def _day_between(rng, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, max(0, (end - start).days)))


def person_id(i: int) -> str:
    return f"gen-p-{i:06d}"


def organisation_id(j: int) -> str:
    return f"gen-o-{j:06d}"


def parse_party_id(party_id: str) -> tuple[str, int] | None:
    """("p" or "o", index) of a crowd party id in its one spelling, else None."""
    m = _PARTY_ID.fullmatch(party_id)
    if m is None or f"gen-{m[1]}-{int(m[2]):06d}" != party_id:
        return None
    return m[1], int(m[2])


def parse_account_id(account_id: str) -> tuple[str, int, int] | None:
    """(kind, member index, slot) of a crowd account id, else None."""
    m = _ACCOUNT_ID.fullmatch(account_id)
    party = parse_party_id(m[1]) if m else None
    if party is None or str(int(m[2])) != m[2]:
        return None
    return party[0], party[1], int(m[2])


class Crowd:
    """The generated crowd of one scenario: drafts (build.py's dicts) of any member by index, and the inverse
    lookups (number → index) the lazy world needs. `claimed` holds the scenario's own numbers: never reused."""

    def __init__(self, builder, spec: dict, banks: dict, claimed: set[str]):
        self.seed, self.today = builder.seed, builder.today
        self.people_spec, self.org_spec = spec.get("people") or {}, spec.get("organisations") or {}
        self.n_people, self.n_orgs = self.people_spec.get("count", 0), self.org_spec.get("count", 0)
        self.people_range = tuple(self.people_spec.get("accounts_per_person") or (1, 4))
        self.org_range = tuple(self.org_spec.get("accounts_per_organisation") or (1, 5))
        self.person_space, self.org_space = PersonSpace(self.today), OrgSpace()
        self.person_line = NumberLine(f"{self.seed}:person-number", self.person_space.size, self.n_people,
                                      _slots(self.person_space, claimed))
        self.org_line = NumberLine(f"{self.seed}:organisation-number", self.org_space.size, self.n_orgs,
                                   _slots(self.org_space, claimed))
        self.reg_bank = {reg: b.id for b in banks.values() for reg in b.registration_numbers}

        def regs(kind_spec):
            return [r for bank in (kind_spec.get("banks") or list(banks)) for r in banks[bank].registration_numbers]

        need_p, need_o = self.n_people * self.people_range[1], self.n_orgs * self.org_range[1]
        self.people_accounts, self.org_accounts = account_blocks(regs(self.people_spec), regs(self.org_spec))
        self.people_account_line = NumberLine(f"{self.seed}:person-account-number", max(1, self.people_accounts.size),
                                              need_p, _slots(self.people_accounts, claimed))
        self.org_account_line = NumberLine(f"{self.seed}:organisation-account-number", max(1, self.org_accounts.size),
                                           need_o, _slots(self.org_accounts, claimed))
        self.form_offset = rng_for(self.seed, "gen-organisation-forms", "offset").random()
        self._drawn: dict[int, tuple] = {}  # index → (fields, partner): the neighbours' questions, bounded
        self.member = lru_cache(maxsize=4096)(self._member)

    # ---- people ---------------------------------------------------------------------------------------
    def _person_draws(self, i: int) -> tuple[dict, int | None, random.Random]:
        """A person's own draws (no name, no address): fields, the partner's index, and the generator, which the
        accounts draw on from (`_draws` keeps the first two for the neighbours: re-seeding is cheaper than
        keeping a generator's state)."""
        people, pid = self.people_spec, person_id(i)
        rng = rng_for(self.seed, "gen-person", pid)
        d_number = rng.random() < people.get("d_number_share", 0.05)
        slot = self.person_line.slot(i)
        deceased = rng.random() < people.get("deceased_share", 0.02)
        death = _day_between(rng, self.today - timedelta(days=700), self.today - timedelta(days=1)) if deceased else None
        shielded = rng.random() < people.get("shielded_share", 0.01)
        joint = rng.random() < people.get("joint_share", 0.1)
        fields = dict(identifier=self.person_space.number(slot, d_number), birth_date=self.person_space.birth(slot),
                      d_number=d_number, death_date=death, shielded=shielded)
        return fields, (i + 1 if joint and i + 1 < self.n_people else None), rng

    def _draws(self, i: int) -> tuple[dict, int | None]:
        found = self._drawn.get(i)
        if found is None:
            found = self._remember(i, self._person_draws(i)[:2])
        return found

    def _remember(self, i: int, drawn: tuple) -> tuple:
        if len(self._drawn) >= 8192:
            self._drawn.clear()
        self._drawn[i] = drawn
        return drawn

    def partner_of(self, i: int) -> int | None:
        return self._draws(i)[1]

    def _home(self, i: int):
        """A couple shares the first partner's home (a protected address stays unshared): walk back the chain."""
        j = i
        while j > 0:
            fields, partner = self._draws(j - 1)
            if partner != j or fields["shielded"]:
                break
            j -= 1
        return places.street_address(rng_for(self.seed, "gen-person-address", person_id(j)))

    def person_name(self, i: int) -> str:
        return names.person_name(faker_for(self.seed, "gen-person", person_id(i))).upper()

    def _member(self, key: tuple[str, int]) -> tuple[dict, tuple[dict, ...]]:
        """(party draft, account drafts) of crowd member ("p", i) or ("o", j)."""
        return self._person(key[1]) if key[0] == "p" else self._organisation(key[1])

    def _person(self, i: int):
        pid = person_id(i)
        fields, partner, rng = self._person_draws(i)
        self._remember(i, (fields, partner))
        party = dict(id=pid, kind="person", name=self.person_name(i), address=self._home(i), **fields,
                     tags=("crowd",), generated=True)
        accounts = self._accounts(("p", i), rng, pid, partner=person_id(partner) if partner is not None else None,
                                  death=fields["death_date"])
        return party, accounts

    # ---- organisations -----------------------------------------------------------------------------------
    def manager_of(self, j: int) -> int | None:
        return (j * MANAGER_STEP) % self.n_people if self.n_people else None

    def managed_by(self, i: int) -> list[int]:
        """The organisations person i manages (7 j ≡ i mod N), ascending."""
        n = self.n_people
        g = 7 if n % MANAGER_STEP == 0 else 1
        if i % g:
            return []
        modulus = n // g
        j0 = (i // g) * pow(MANAGER_STEP // g, -1, modulus) % modulus if modulus > 1 else 0
        return list(range(j0, self.n_orgs, modulus))

    def _organisation(self, j: int):
        oid, spec = organisation_id(j), self.org_spec
        rng = rng_for(self.seed, "gen-organisation", oid)
        number = self.org_space.number(self.org_line.slot(j))
        manager = self.manager_of(j)
        form = names.legal_form_at(j, self.form_offset)
        if form == "ENK":
            fields = self._draws(manager)[0] if manager is not None else None
            if fields is None or fields["death_date"] or fields["shielded"]:
                form = "AS"
        owner_name = self.person_name(manager) if form == "ENK" else None  # before the organisation's Faker
        fake = faker_for(self.seed, "gen-organisation", oid)
        name_rng = rng_for(self.seed, "gen-organisation-name", oid)
        place = name_rng.choice(places.street_postcodes())
        name = names.organisation_name(form, name_rng, fake, place=places.short_place(place), owner_name=owner_name)
        bankrupt = rng.random() < spec.get("bankrupt_share", 0.04) and form in names.BANKRUPTABLE_FORMS
        party = dict(
            id=oid, kind="organisation", identifier=number, name=name[:140], legal_form=form,
            address=places.street_address(name_rng, place),
            bankruptcy_date=_day_between(rng, self.today - timedelta(days=500), self.today - timedelta(days=10)) if bankrupt else None,
            tags=("crowd",), generated=True)
        accounts = self._accounts(("o", j), rng, oid, partner=None,
                                  manager=person_id(manager) if manager is not None else None)
        return party, accounts

    # ---- accounts -------------------------------------------------------------------------------------
    def _accounts(self, key, rng, party_id, *, partner, death=None, manager=None) -> tuple[dict, ...]:
        person = key[0] == "p"
        spec, types = (self.people_spec, PERSON_ACCOUNT_TYPES) if person else (self.org_spec, ORG_ACCOUNT_TYPES)
        low, high = self.people_range if person else self.org_range
        years_low, years_high = spec.get("history_years") or ((1, 12) if person else (1, 15))
        space, line = (self.people_accounts, self.people_account_line) if person else (self.org_accounts, self.org_account_line)
        today, out = self.today, []
        for k in range(rng.randint(low, high)):
            acc_id = f"{party_id}-a{k}"
            account_type = _weighted(rng, types)
            opened = today - timedelta(days=rng.randint(years_low * 365, max(years_low * 365, years_high * 365)))
            closed = None
            if rng.random() < 0.08:
                closed = _day_between(rng, opened + timedelta(days=30), today - timedelta(days=1))
                if closed <= opened:
                    closed = None
            owners = [{"party": party_id, "primary": True, "start": opened, "end": closed, "account_type": account_type}]
            if partner and k == 0:
                owners.append({"party": partner, "primary": False, "start": opened, "end": closed, "account_type": account_type})
            roles = []
            if manager:
                roles.append({"party": manager, "permission": "rightToUseAlone", "start": opened, "end": closed})
            cards = card_history(self.seed, acc_id, account_type, party_id, opened, closed, death, today)
            opening = 0
            if account_type == "loanAccount":
                opening = -rng.randrange(50_000, 4_000_000, 10_000) * 100
            number = space.number(line.slot(key[1] * high + k))
            out.append(dict(
                id=acc_id, bank=self.reg_bank[number[:4]], number=number, type=account_type,
                currency=account_currency(self.seed, acc_id, account_type), name=None,
                lifecycles=[{"start": opened, "end": closed}], owners=owners, roles=roles, co_borrowers=[], guarantors=[],
                opening_balance=opening, credit_line=(rng.choice((10_000, 25_000, 50_000)) * 100 if account_type == "creditCardAccount" else 0),
                credit_line_included=False, blocked_amount=0, data_not_delivered=False, cards=cards,
                transactions=[], pending=[], partial=[], generated=True))
        return tuple(out)

    def oldest_opening(self) -> date:
        """No crowd account opens before this day (the scenario's history_years)."""
        years = [(spec.get("history_years") or default)[1] for spec, default, n in
                 ((self.people_spec, (1, 12), self.n_people), (self.org_spec, (1, 15), self.n_orgs)) if n]
        return self.today - timedelta(days=max(years, default=0) * 365)

    # ---- lookups (the lazy world's indexes) ----------------------------------------------------------------
    def key_of_party(self, party_id: str) -> tuple[str, int] | None:
        key = parse_party_id(party_id)
        if key is None or key[1] >= (self.n_people if key[0] == "p" else self.n_orgs):
            return None
        return key

    def key_of_identifier(self, number: str) -> tuple[str, int] | None:
        """The member a person or organisation number belongs to, or None (checked against the member itself:
        a D-number and an ordinary number share a slot)."""
        if len(number) == 11:
            slot, line, kind = self.person_space.slot_of(number), self.person_line, "p"
        elif len(number) == 9:
            slot, line, kind = self.org_space.slot_of(number), self.org_line, "o"
        else:
            return None
        index = line.index(slot) if slot is not None else None
        if index is None or self.member((kind, index))[0]["identifier"] != number:
            return None
        return kind, index

    def account_of_number(self, number: str) -> dict | None:
        """The draft of the crowd account with this number, or None."""
        for kind, space, line, high in (("p", self.people_accounts, self.people_account_line, self.people_range[1]),
                                        ("o", self.org_accounts, self.org_account_line, self.org_range[1])):
            slot = space.slot_of(number)
            flat = line.index(slot) if slot is not None else None
            if flat is not None:
                index, k = divmod(flat, high)
                accounts = self.member((kind, index))[1]
                return accounts[k] if k < len(accounts) else None
        return None

    def related_accounts(self, key: tuple[str, int]) -> list[dict]:
        """Every account a member has a relation with, in the eager world's account order: the joint account of
        the person before (who named this one as partner), the member's own, then the organisations it manages."""
        kind, i = key
        out = []
        if kind == "p" and i > 0 and self.partner_of(i - 1) == i:
            out += self.member(("p", i - 1))[1][:1]
        out += self.member(key)[1]
        if kind == "p":
            for j in self.managed_by(i):
                out += self.member(("o", j))[1]
        return out


def _slots(space, numbers) -> set[int]:
    return {s for s in (space.slot_of(n) for n in numbers) if s is not None}


def generate(crowd: Crowd, parties: dict, accounts: dict) -> None:
    """The eager build: every member in index order, people first (the order the lazy world's lookups follow)."""
    for kind, n in (("p", crowd.n_people), ("o", crowd.n_orgs)):
        for i in range(n):
            party, drafts = crowd.member((kind, i))
            parties[party["id"]] = party
            for a in drafts:
                accounts[a["id"]] = a
