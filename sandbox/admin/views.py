"""`GET /sandbox/v1/banks` and `GET /sandbox/v1/parties` (JSON, read-only)."""

from __future__ import annotations

from flask import Blueprint, current_app, request

from sandbox.directory.listing import entries
from sandbox.web import json_response

bp = Blueprint("admin", __name__, url_prefix="/sandbox/v1")


@bp.get("/banks")
def banks():
    """Every bank with its org number, registration numbers, register (KAR/KFR), base URL, behaviour profile
    (strict|production, DESIGN D22) and, for a production bank with knobs, its deviations."""
    services = current_app.extensions["dsop"]
    compat = services.compat
    urls = {e["orgNo"]: e["url"] for e in entries(services.world, services.settings.public_url)}

    def deviations(org: str) -> dict:
        knobs = compat.bank_knobs(org)
        return {"deviations": knobs.as_dict()} if knobs is not None else {}

    return json_response({"register": {"profile": compat.register}, "banks": [
        {"id": b.id, "name": b.name, "orgNumber": b.org_number, "registrationNumbers": list(b.registration_numbers),
         "register": b.register, "baseUrl": urls[b.org_number],
         "accounts": len(services.world.accounts_by_bank[b.id]), "profile": compat.bank(b.org_number),
         **deviations(b.org_number)} for b in services.world.banks.values()]})


def persona_rules(world) -> dict[str, list[str]]:
    """Party id → the rule ids (spec/data-model.md R-nn / Q-nn) the scenario says that persona demonstrates."""
    data = world.spec.data
    return {entry["id"]: list(entry.get("rules") or ())
            for entry in (*data.get("people", ()), *data.get("organisations", ()))}


@bp.get("/parties")
def parties():
    """Test subjects: named personas first, then (with ?crowd=true) the generated crowd. Each named persona lists
    the rules it demonstrates (`rules`: ids of spec/data-model.md §4/§5); `about` says the same in words."""
    world = current_app.extensions["dsop"].world
    crowd = request.args.get("crowd", "false").lower() == "true"
    rules = persona_rules(world)
    out = []
    for p in _listed(world, crowd):
        if p.generated and not crowd:
            continue
        entry = {"id": p.id, "identifier": p.identifier, "identifierType": p.identifier_type, "name": p.name,
                 "kind": p.kind, "tags": list(p.tags), "generated": p.generated,
                 "banks": sorted({world.accounts[r.account_id].bank_id for r in world.relations_by_party[p.id]})}
        if not p.generated:
            entry["rules"] = rules.get(p.id, [])
        if p.about:
            entry["about"] = p.about
        for key in ("birth_date", "death_date", "bankruptcy_date"):
            if getattr(p, key, None):
                entry[key.replace("_d", "D")] = getattr(p, key).isoformat()
        if p.shielded:
            entry["shielded"] = True
        if p.d_number:
            entry["dNumber"] = True
        out.append(entry)
    body = {"parties": out, "total": len(out)}
    if crowd and world.crowd is not None:
        body["crowd"] = {"offset": _offset(), "limit": _limit(), "size": sum(world.crowd_size)}
    return json_response(body)


def _offset() -> int:
    value = request.args.get("offset", "0")
    return int(value) if value.isdigit() else 0


def _limit() -> int:
    value = request.args.get("limit", "")
    return min(int(value), CROWD_PAGE_MAX) if value.isdigit() else CROWD_PAGE


#: A lazy world's crowd (sandbox/world/lazy.py) is listed a page at a time (?crowd=true&offset=N&limit=M):
#: millions of members are derived on demand, not listed whole.
CROWD_PAGE, CROWD_PAGE_MAX = 1000, 10_000


def _listed(world, crowd: bool):
    """The parties to list: the built ones, and with ?crowd=true an eager world's crowd (built with it) or a
    page of a lazy world's (members offset..offset+limit-1, people first)."""
    if not crowd or world.crowd is None:
        return world.parties.values() if crowd else world.built_parties()
    from sandbox.world.crowd import organisation_id, person_id

    people, orgs = world.crowd_size
    start = _offset()
    ids = [person_id(i) if i < people else organisation_id(i - people)
           for i in range(start, min(start + _limit(), people + orgs))]
    return [*world.built_parties(), *(world.parties[pid] for pid in ids)]
