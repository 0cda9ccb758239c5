"""What the workshop UI shows, computed from the world and the services' own rules. Plain Python: no Flask.

- `overview`: the scenario, today, banks with base URLs, agencies with their services, the personas;
- `party_page`: one party's identity, accounts across banks and relations, and its timeline (timeline.py);
- `preview`: what a request for a period would return — the register's `customerRelationships` answer and each
  bank's `/accounts` list for OnlyPrimaryOwner false and true, under a service's Grant (sandbox/profiles), so a
  period outside the service's window or an unmet precondition shows the same refusal a bank would send.

Nothing here decides a DSOP rule itself: the register and bank rules and the service profiles do.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from datetime import date

from sandbox.bank.errors import BankError, for_profile
from sandbox.bank.service import authorized_accounts
from sandbox.client import SERVICES as CLIENT_SERVICES
from sandbox.client import default_period
from sandbox.directory.listing import entries
from sandbox.dsop import params as dsop_params
from sandbox.dsop.enums import v20_account_type
from sandbox.profiles import BY_SERVICE, ProfileError, extradition, service_profiles
from sandbox.world.period import Period

from . import timeline

#: Services the party page can preview (every DSOP v2 service; NAV has no v2 rules).
PREVIEW_SERVICES = ("skatt", "politi", "konkurs", "oed", "verge", "fi-utlegg")
RELATION_LABELS = {"owner": "owner", "role": "disposal right", "co_borrower": "co-borrower", "guarantor": "guarantor"}


# ---- small helpers ---------------------------------------------------------------------------------------
def find_party(world, key: str):
    """A party by id (`ola-joint`) or identity number; None when unknown."""
    return world.parties.get(key) or world.party_by_identifier.get(key)


def money(minor: int, currency: str = "NOK") -> str:
    sign = "−" if minor < 0 else ""
    whole, cents = divmod(abs(minor), 100)
    return f"{sign}{whole:,}".replace(",", " ") + f".{cents:02d} {currency}"


def flags(party) -> list[str]:
    out = []
    if party.d_number:
        out.append("D-number")
    if party.shielded:
        out.append("shielded")
    if party.death_date:
        out.append(f"died {party.death_date}")
    if party.bankruptcy_date:
        out.append(f"bankrupt {party.bankruptcy_date}")
    return out


def suggested_service(world, party) -> str:
    """The service a demo would run for this party: its precondition's, else Skatt-Kontroll."""
    if party.bankruptcy_date:
        return "konkurs"
    if party.death_date:
        return "oed"
    if world.guardianships_of(party.id):
        return "verge"
    return "skatt"


def current_guardian(world, ward):
    """The guardian of the ward's latest guardianship (None when the party is no ward)."""
    found = world.guardianships_of(ward.id)
    if not found:
        return None
    return world.parties.get(max(found, key=lambda g: g.period.start).guardian_id)


def account_type(world_type: str) -> dict:
    """An account's type as every page shows it: what the API answers (`type`: the v2.0 list, where a leasing
    account is otherAccount) and, when it differs, the v2.1 Owners type (`v21`)."""
    shown = v20_account_type(world_type)
    return {"type": shown, "v21": world_type if world_type != shown else None}


def run_consumer(world, key: str):
    """The consumer that runs `key` on the Run a case page: the reference client's shipped one (OED: digdir),
    else (NAV, which the client does not ship) the first consumer of the scenario offering it."""
    shipped = CLIENT_SERVICES.get(key)
    consumers = [c for c in world.consumers.values() if key in c.services]
    if shipped is not None:
        return next((c for c in consumers if c.id == shipped.consumer), None)
    return consumers[0] if consumers else None


def service_choices(world, nav_v1: bool = False) -> list[dict]:
    """One entry per service the Run a case page can run, with the consumer that runs it; NAV (v1 rules) only when
    the server accepts its mandate (--nav-v1)."""
    out = []
    for profile in BY_SERVICE.values():
        if profile.flag and not (profile.flag == "nav_v1" and nav_v1):
            continue
        consumer = run_consumer(world, profile.service)
        if consumer is None:
            continue
        out.append({"service": profile.service, "name": profile.name, "consumer": consumer.id,
                    "consumerName": consumer.name, "org": consumer.org_number})
    return out


# ---- overview --------------------------------------------------------------------------------------------
def overview(services) -> dict:
    world, settings = services.world, services.settings
    urls = {e["orgNo"]: e["url"] for e in entries(world, settings.public_url)}
    banks = [{"id": b.id, "name": b.name, "org": b.org_number, "registrationNumbers": b.registration_numbers,
              "register": b.register.upper(), "baseUrl": urls[b.org_number], "about": b.about,
              "accounts": len(world.accounts_by_bank[b.id])} for b in world.banks.values()]
    agencies = []
    for c in world.consumers.values():
        offered = []
        for key in c.services:
            profile = BY_SERVICE.get(key)
            if profile is not None:
                active = profile.flag is None or bool(getattr(settings, profile.flag, False))
                offered.append({"key": key, "name": profile.name, "mandate": profile.canonical, "active": active,
                                "endpoints": [e for e in ("accounts", "details", "transactions", "cards", "roles",
                                                          "owners") if e in profile.endpoints]})
        agencies.append({"id": c.id, "name": c.name, "org": c.org_number, "about": c.about, "services": offered})
    personas = []
    for p in world.built_parties():
        if p.generated:
            continue
        service = suggested_service(world, p)
        personas.append({"id": p.id, "name": p.name, "identifier": p.identifier, "kind": p.kind, "flags": flags(p),
                         "about": p.about or "", "service": service, "serviceName": BY_SERVICE[service].name,
                         "banks": sorted({world.banks[world.accounts[r.account_id].bank_id].name
                                          for r in world.relations_by_party[p.id]})})
    spec = world.spec
    return {"scenario": {"name": world.name, "description": (spec.data or {}).get("description", ""),
                         "seed": world.seed, "today": world.today, "digest": services.digest,
                         "counts": world.counts(), "auth": settings.auth, "audit": settings.audit,
                         "publicUrl": settings.public_url},
            "banks": banks, "agencies": agencies, "personas": personas}


# ---- party page ------------------------------------------------------------------------------------------
@dataclass
class PeriodChoice:
    window: Period | None
    error: str | None
    presets: list[dict]


def service_period(service_key: str, today: date, party) -> Period | None:
    """The widest period the service allows for the party (as the reference consumer picks it), or None."""
    try:
        start, end = default_period(service_key, today, death_date=party.death_date,
                                    ruling_date=party.bankruptcy_date)
    except ValueError:  # PeriodNeedsFacts: not dead, not bankrupt
        return None
    return Period(start, end)


def period_choice(today: date, raw_from: str | None, raw_to: str | None,
                  default: Period | None = None) -> PeriodChoice:
    """The period of the selector, checked as a bank checks fromDate/toDate; default `default`, else the last
    12 months."""
    from sandbox.scenario.dates import add_months

    presets = [
        {"label": "today", "from": today, "to": today},
        {"label": "last 12 months", "from": add_months(today, -12), "to": today},
        {"label": f"calendar year {today.year - 1}", "from": date(today.year - 1, 1, 1),
         "to": date(today.year - 1, 12, 31)},
        {"label": "3 years", "from": add_months(today, -36), "to": today},
        {"label": "10 years (Skatt/Politi max)", "from": add_months(today, -120), "to": today},
    ]
    if default is not None:
        presets.append({"label": "the service's widest period", "from": default.start, "to": default.end})
    if not raw_from and not raw_to:
        return PeriodChoice(default or Period(presets[1]["from"], today), None, presets)
    try:
        window = dsop_params.period({"fromDate": raw_from or "", "toDate": raw_to or ""}, today)
    except dsop_params.ParamError as exc:
        return PeriodChoice(None, str(exc), presets)
    return PeriodChoice(window, None, presets)


def party_accounts(world, party) -> list[dict]:
    """Every account the party has or had any tie to (relations and cards held), oldest first."""
    today = world.today
    rels: dict[str, list] = {}
    for r in world.relations_by_party.get(party.id, ()):
        rels.setdefault(r.account_id, []).append(r)
    for account_id in _cards_by_holder(world).get(party.id, ()):
        rels.setdefault(account_id, [])
    rows = []
    for account_id, relations in rels.items():
        a = world.accounts[account_id]
        bank = world.banks[a.bank_id]
        others = [world.parties[o.party_id].name for o in a.owners if o.party_id != party.id]
        rows.append({
            "id": a.id, "number": a.number, "bank": bank.name, "bankOrg": bank.org_number, **account_type(a.type),
            "currency": a.currency, "status": world.status(a),
            "balance": money(world.balance(a, today), a.currency) if a.is_open_on(today) else "—",
            "lifecycles": [str(lc) for lc in a.lifecycles],
            "relations": [{"kind": RELATION_LABELS[r.kind] + (" (primary)" if r.primary else "")
                           + (f" {r.permission}" if r.permission else ""), "period": str(r.period)}
                          for r in sorted(relations, key=lambda r: r.period.start)],
            "cards": [c for c in a.cards if c.holder_id == party.id],
            "otherOwners": sorted(set(others)),
            "partial": bool(a.partial), "dataNotDelivered": a.data_not_delivered,
            "account": a, "relationObjects": relations,
        })
    rows.sort(key=lambda r: (r["account"].opened, r["number"]))
    return rows


_CARD_INDEX: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _cards_by_holder(world) -> dict[str, list[str]]:
    """holder party id → ids of the accounts with a card they hold (built once per world)."""
    index = _CARD_INDEX.get(world)
    if index is None:
        index = {}
        for a in world.built_accounts():  # a lazy crowd's cards are its own accounts' (crowd.py)
            for c in a.cards:
                accounts = index.setdefault(c.holder_id, [])
                if a.id not in accounts:
                    accounts.append(a.id)
        _CARD_INDEX[world] = index
    return index


def party_page(services, key: str, raw_from: str | None, raw_to: str | None, service_key: str | None) -> dict | None:
    world = services.world
    party = find_party(world, key)
    if party is None:
        return None
    service_key = service_key if service_key in PREVIEW_SERVICES else suggested_service(world, party)
    choice = period_choice(world.today, raw_from, raw_to, service_period(service_key, world.today, party))
    accounts = party_accounts(world, party)
    result = preview(services, party, choice.window, service_key) if choice.window else None
    listed = result["listedNumbers"] if result else set()
    as_ward = [{"guardian": world.parties[g.guardian_id], "period": str(g.period)} for g in world.guardianships_of(party.id)]
    as_guardian = [{"ward": world.parties[g.ward_id], "period": str(g.period)}
                   for g in world.guardianships if g.guardian_id == party.id]
    return {"party": party, "flags": flags(party), "accounts": accounts, "asWard": as_ward, "asGuardian": as_guardian,
            "period": choice, "service": service_key, "serviceName": BY_SERVICE[service_key].name,
            "services": [(k, BY_SERVICE[k].name) for k in PREVIEW_SERVICES],
            "preview": result, "today": world.today,
            "chart": timeline.chart(world, party, accounts, choice.window, listed)}


# ---- what a request for the period returns ---------------------------------------------------------------
def v21_types(world, numbers) -> dict[str, str]:
    """Account number → its v2.1 Owners type, for the accounts whose v2.0 type (what /accounts answers) differs."""
    out = {}
    for number in numbers:
        account = world.account_by_number.get(number) if number else None
        if account is not None and account_type(account.type)["v21"]:
            out[number] = account.type
    return out


def _refusal(exc: Exception) -> dict:
    if isinstance(exc, ProfileError):
        exc = for_profile(exc)  # the bank error a bank answers with
    if isinstance(exc, BankError):
        return {"status": exc.status, "code": exc.code, "message": exc.message}
    raise exc


def preview(services, party, window: Period, service_key: str) -> dict:
    """The register's answer and each bank's /accounts for OnlyPrimaryOwner false and true, as `service_key`'s
    shipped consumer asks (with the headers the service needs: RequesterID, the guardian, a fresh order)."""
    world = services.world
    profile = BY_SERVICE[service_key]
    consumer = next((c for c in world.consumers.values() if service_key in c.services), None)
    register = services.register.customer_relationships(party.identifier, window, False)
    profiles = service_profiles(world, services.settings.nav_v1)
    headers = {"requester_id": "workshop-ui" if profile.requester_required else None,
               "reference_type": profile.reference_type, "reference_id": None}
    note = None
    if profile.reference_type == "srf":
        guardian = current_guardian(world, party)
        headers["reference_id"] = guardian.identifier if guardian else None
        note = (f"AdditionalReferenceID (srf) = {guardian.name} ({guardian.identifier})" if guardian
                else "the party has no guardian: Vergekontroll needs one as AdditionalReferenceID")
    elif profile.reference_type == "pol1":
        claims = extradition.order_claims(world.today, party_id=party.identifier, mandate="criminal",
                                          from_date=window.start, to_date=window.end)
        headers["reference_id"] = extradition.police_key().sign(claims)
        note = f"a signed extradition order for {party.identifier}, {window.start}..{window.end}"
    columns, listed = [], set()
    for only_primary in (False, True):
        banks = []
        for entry in register["banks"]:
            bank = world.bank_by_org[entry["organizationID"]]
            try:
                body = authorized_accounts(services.bank, profiles, consumer, bank, party.identifier, window,
                                           only_primary, mandate=profile.canonical, **headers)
            except (ProfileError, BankError) as exc:
                banks.append({"bank": bank, "refusal": _refusal(exc)})
                continue
            numbers = [a.get("accountIdentifier") for a in body["accounts"]]
            listed.update(n for n in numbers if n)
            banks.append({"bank": bank, "accounts": body["accounts"], "details": body["responseDetails"],
                          "v21": v21_types(world, numbers)})
        columns.append({"onlyPrimaryOwner": only_primary, "banks": banks})
    return {"service": profile.name, "consumer": consumer, "mandate": profile.canonical, "window": window,
            "register": register["banks"], "columns": columns, "listedNumbers": listed, "note": note}
