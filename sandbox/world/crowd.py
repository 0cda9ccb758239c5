"""The generated crowd: `generate: {people: {count: N}, organisations: {count: M}}` in a scenario.

Each crowd member is drawn from its own generator seeded by its index (`gen-p-000042`), so the crowd is the
same on every machine, and a member's links only reach its neighbours (joint owner = next person), so growing
the crowd does not rewrite the existing members.

People get a home address at a real postcode (places.py), shared with the joint owner of their first account
(unless the address is protected), and a name without a title; organisations get a legal form from Norway's mix
(names.py) and a name and address that fit it. The address, name and form draws use generators of their own, so
they leave the accounts' draws (and thus the ledgers) of a member as they were. An organisation's manager (the
person with a disposal right on all its accounts) is the owner of an ENK, which is named after them; a dead or
shielded person does not own an ENK (its name would carry theirs), and an ENK is never bankrupt as a firm (its
owner answers for its debts).
"""

from __future__ import annotations

from datetime import date, timedelta

from sandbox import ids

from . import names, places
from .products import account_currency, card_history
from .rng import faker_for, rng_for

PERSON_ACCOUNT_TYPES = (("salaryAccount", 40), ("savingsAccount", 28), ("creditCardAccount", 10),
                        ("loanAccount", 10), ("currencyAccount", 4), ("taxDeductionAccount", 4), ("prepaidCardAccount", 4))
ORG_ACCOUNT_TYPES = (("businessAccount", 60), ("savingsAccount", 15), ("taxDeductionAccount", 15),
                     ("loanAccount", 5), ("clientAccount", 5))


def _weighted(rng, table):
    return rng.choices([t for t, _ in table], weights=[w for _, w in table])[0]


def _day_between(rng, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, max(0, (end - start).days)))


def generate(builder, spec: dict, banks: dict, parties: dict, accounts: dict) -> None:
    today, seed = builder.today, builder.seed
    people_spec, org_spec = spec.get("people") or {}, spec.get("organisations") or {}
    n_people = people_spec.get("count", 0)
    person_ids = [f"gen-p-{i:06d}" for i in range(n_people)]
    home_of = {}  # person id → the address of the joint owner (previous person) they live with
    for i, pid in enumerate(person_ids):
        rng = rng_for(seed, "gen-person", pid)
        birth = date(today.year - rng.randint(18, 90), rng.randint(1, 12), rng.randint(1, 28))
        d_number = rng.random() < people_spec.get("d_number_share", 0.05)
        number = builder.numbers.draw(lambda rng=rng, birth=birth, d_number=d_number: ids.generate_person_number(
            rng, birth, d_number=d_number))  # draw() calls it at once; the defaults only say so to the linter
        fake = faker_for(seed, "gen-person", pid)
        deceased = rng.random() < people_spec.get("deceased_share", 0.02)
        parties[pid] = dict(
            id=pid, kind="person", identifier=number, name=names.person_name(fake).upper(),
            address=home_of.pop(pid, None) or places.street_address(rng_for(seed, "gen-person-address", pid)),
            birth_date=birth, d_number=d_number,
            death_date=_day_between(rng, today - timedelta(days=700), today - timedelta(days=1)) if deceased else None,
            shielded=rng.random() < people_spec.get("shielded_share", 0.01), tags=("crowd",), generated=True)
        partner = person_ids[i + 1] if i + 1 < n_people and rng.random() < people_spec.get("joint_share", 0.1) else None
        if partner and not parties[pid]["shielded"]:  # a couple shares a home; a protected address stays unshared
            home_of[partner] = parties[pid]["address"]
        _accounts_for(builder, rng, pid, people_spec, PERSON_ACCOUNT_TYPES, banks, accounts, partner=partner,
                      default_years=(1, 12), default_count=(1, 4), death=parties[pid]["death_date"])
    form_offset = rng_for(seed, "gen-organisation-forms", "offset").random()
    for i in range(org_spec.get("count", 0)):
        oid = f"gen-o-{i:06d}"
        rng = rng_for(seed, "gen-organisation", oid)
        number = builder.numbers.draw(lambda rng=rng: ids.generate_organisation_number(rng))
        fake = faker_for(seed, "gen-organisation", oid)
        manager = person_ids[(i * 7) % n_people] if n_people else None
        form = names.legal_form_at(i, form_offset)
        if form == "ENK" and (manager is None or parties[manager]["death_date"] or parties[manager]["shielded"]):
            form = "AS"
        name_rng = rng_for(seed, "gen-organisation-name", oid)
        place = name_rng.choice(places.street_postcodes())
        name = names.organisation_name(form, name_rng, fake, place=places.short_place(place),
                                       owner_name=parties[manager]["name"] if form == "ENK" else None)
        bankrupt = rng.random() < org_spec.get("bankrupt_share", 0.04) and form in names.BANKRUPTABLE_FORMS
        parties[oid] = dict(
            id=oid, kind="organisation", identifier=number, name=name[:140], legal_form=form,
            address=places.street_address(name_rng, place),
            bankruptcy_date=_day_between(rng, today - timedelta(days=500), today - timedelta(days=10)) if bankrupt else None,
            tags=("crowd",), generated=True)
        _accounts_for(builder, rng, oid, org_spec, ORG_ACCOUNT_TYPES, banks, accounts, partner=None,
                      default_years=(1, 15), default_count=(1, 5), manager=manager)


def _accounts_for(builder, rng, party_id, spec, types, banks, accounts, *, partner, default_years, default_count,
                  death=None, manager=None):
    today = builder.today
    allowed = spec.get("banks") or list(banks)
    low, high = spec.get("accounts_per_person") or spec.get("accounts_per_organisation") or default_count
    years_low, years_high = spec.get("history_years") or default_years
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
        cards = card_history(builder.seed, acc_id, account_type, party_id, opened, closed, death, today)
        opening = 0
        if account_type == "loanAccount":
            opening = -rng.randrange(50_000, 4_000_000, 10_000) * 100
        accounts[acc_id] = dict(
            id=acc_id, bank=rng.choice(allowed), type=account_type,
            currency=account_currency(builder.seed, acc_id, account_type), name=None,
            lifecycles=[{"start": opened, "end": closed}], owners=owners, roles=roles, co_borrowers=[], guarantors=[],
            opening_balance=opening, credit_line=(rng.choice((10_000, 25_000, 50_000)) * 100 if account_type == "creditCardAccount" else 0),
            credit_line_included=False, blocked_amount=0, data_not_delivered=False, cards=cards,
            transactions=[], pending=[], partial=[], generated=True)
