"""Realism figures for people, places and organisations (issue 17, part 2a): do they look Norwegian?

Each `figure_*(world)` returns `dict(name, value, unit, expected, ok)`; `FIGURES` lists them for the realism report
(`sandbox/world/realism.py` collects the FIGURES of its modules). The figures read only what the world already
holds (parties, the counterparty pools), no ledger, so the whole set runs in milliseconds on the default world.
"""

from __future__ import annotations

import re
from collections import Counter

from . import names, places

#: A title in front of a name ("DR. KÅRE HAUGE", "Prof. X"): never part of a name in a bank's register.
_TITLE = re.compile(r"^(DR|PROF|MR|MRS|MS|MISS|SIR|HERR|FRU|FRK|ING|SIV\.ING)\.?\s", re.IGNORECASE)


def _figure(name: str, value: float, unit: str, expected: str, ok: bool) -> dict:
    return {"name": name, "value": round(float(value), 4), "unit": unit, "expected": expected, "ok": bool(ok)}


def _share(hits: int, total: int) -> float:
    return hits / total if total else 0.0


def _people(world):
    return [p for p in world.parties.values() if p.kind == "person"]


def _organisations(world):
    return [p for p in world.parties.values() if p.kind == "organisation"]


def _street_addresses(world):
    """Every address the world writes: parties' and the domestic counterparties' (employers, billers)."""
    out = [p.address for p in world.parties.values() if p.address is not None]
    out += [c.address for c in (*world.pools.employers, *world.pools.billers) if c.address is not None]
    return out


def figure_home_postcodes(world) -> dict:
    """Home addresses (people's) whose postcode is in Posten's register, is a street-address postcode (G/B) and
    has that address's town as its post town."""
    homes = [p.address for p in _people(world) if p.address is not None and p.address.country == "NO"]
    good = sum(1 for a in homes if places.postcode_matches(a.post_code, a.town)
               and places.register()[a.post_code].category in places.STREET_CATEGORIES)
    return _figure("home addresses with a real postcode of their town", _share(good, len(homes)), "share",
                   "1.0 (all of them; none without an address)", homes and good == len(homes)
                   and len(homes) == len(_people(world)))


def figure_counterparty_postcodes(world) -> dict:
    """Employers' and billers' addresses (shown as counterparties' postalAddress) with a matching real postcode."""
    addresses = [c.address for c in (*world.pools.employers, *world.pools.billers) if c.address is not None]
    good = sum(1 for a in addresses if places.postcode_matches(a.post_code, a.town))
    return _figure("counterparty addresses with a real postcode of their town", _share(good, len(addresses)),
                   "share", "1.0", addresses and good == len(addresses))


def figure_merchant_towns(world) -> dict:
    """Domestic merchants' towns that are real post towns (the town printed after a card purchase's merchant)."""
    towns = [m.town for m in world.pools.merchants]
    known = {places.short_place(e) for e in places.register().values()}
    good = sum(1 for t in towns if t in known)
    return _figure("domestic merchant towns that are real places", _share(good, len(towns)), "share", "1.0",
                   towns and good == len(towns))


def figure_street_names(world) -> dict:
    """Addresses whose street is one of the curated Norwegian street names (not a surname + suffix)."""
    addresses = _street_addresses(world)
    known = set(places.street_names())
    good = sum(1 for a in addresses if a.street in known)
    return _figure("street names from the Norwegian street list", _share(good, len(addresses)), "share",
                   ">= 0.95 (a scenario may write its own)", _share(good, len(addresses)) >= 0.95)


def figure_titles(world) -> dict:
    """People (and private payees) whose name starts with a title such as "DR." or "PROF."."""
    people = [p.name for p in _people(world)] + [c.name for c in world.pools.payees]
    titled = sum(1 for n in people if _TITLE.match(n))
    return _figure("people with a title in their name", _share(titled, len(people)), "share", "0", titled == 0)


def _forms(world) -> Counter:
    return Counter(p.legal_form for p in _organisations(world) if p.generated)


def figure_legal_form_as(world) -> dict:
    """Generated organisations that are aksjeselskap (AS): the dominant form in Enhetsregisteret."""
    forms = _forms(world)
    share = _share(forms["AS"], sum(forms.values()))
    return _figure("organisations that are AS", share, "share", "0.55-0.70", 0.55 <= share <= 0.70)


def figure_legal_form_enk(world) -> dict:
    """Generated organisations that are enkeltpersonforetak (ENK), the second most common form."""
    forms = _forms(world)
    share = _share(forms["ENK"], sum(forms.values()))
    return _figure("organisations that are ENK", share, "share", "0.20-0.35", 0.20 <= share <= 0.35)


def figure_legal_form_other(world) -> dict:
    """Generated organisations of the rare forms (ASA, SA, NUF, stiftelse, ANS, DA), and none without a form."""
    forms = _forms(world)
    total = sum(forms.values())
    rare = sum(n for form, n in forms.items() if form not in ("AS", "ENK", None))
    share = _share(rare, total)
    return _figure("organisations of a rare form (ASA/SA/NUF/STI/ANS/DA)", share, "share",
                   "0.02-0.20, none without a form", 0.02 <= share <= 0.20 and forms[None] == 0)


def figure_names_fit_forms(world) -> dict:
    """Organisations whose name fits their legal form: AS/ASA/ANS/DA/SA/NUF end with it, a stiftelse says so, an
    ENK carries no company suffix and is named after the person who runs it (its manager holds a role on every
    account of it)."""
    orgs = [p for p in _organisations(world) if p.legal_form]
    managers = _managers(world)
    good = 0
    for org in orgs:
        if org.legal_form == "ENK":
            good += names.legal_form_of_name(org.name) is None and _named_after_owner(world, org, managers)
        else:
            good += names.legal_form_of_name(org.name) == org.legal_form
    return _figure("organisation names that fit their legal form", _share(good, len(orgs)), "share", "1.0",
                   orgs and good == len(orgs))


def _named_after_owner(world, org, managers) -> bool:
    """An ENK's name holds its owner's surname: the manager's (crowd), or else a person whose full name the
    ENK's name starts with (a scenario's ENK, whose owner may hold no role: "ERIK OVERTAKER RÅDGIVNING")."""
    owner = world.parties.get(managers.get(org.id, ""))
    if owner is not None:
        return owner.kind == "person" and owner.name.split()[-1] in org.name.split()
    return any(p.name and org.name.startswith(p.name + " ") for p in _people(world))


def _managers(world) -> dict[str, str]:
    """Organisation id → the person holding a role on all its accounts (a crowd organisation's manager)."""
    by_org: dict[str, list[set]] = {}
    for account in world.accounts.values():
        for owner in account.owners:
            by_org.setdefault(owner.party_id, []).append({r.party_id for r in account.roles})
    out = {}
    for org_id, role_sets in by_org.items():
        common = set.intersection(*role_sets) if role_sets else set()
        if len(common) == 1:
            out[org_id] = common.pop()
    return out


def figure_enk_bankrupt(world) -> dict:
    """ENKs declared bankrupt as firms: none (the owner answers personally for an ENK's debts)."""
    bad = sum(1 for p in _organisations(world) if p.legal_form == "ENK" and p.bankruptcy_date is not None)
    return _figure("ENKs declared bankrupt as a firm", bad, "count", "0", bad == 0)


FIGURES = (figure_home_postcodes, figure_counterparty_postcodes, figure_merchant_towns, figure_street_names,
           figure_titles, figure_legal_form_as, figure_legal_form_enk, figure_legal_form_other,
           figure_names_fit_forms, figure_enk_bankrupt)
