"""Timeline events (open, close, reopen, transfer_ownership, grant/revoke_role, issue/block_card, death,
bankruptcy) applied, in date order, to the draft entities before they are frozen.

Events are sugar over periods: after this step an account simply has lifecycles, ownership and role periods
and cards, so every query reads one representation whatever the scenario author wrote.
"""

from __future__ import annotations

from datetime import date, timedelta

from .dates_util import add_years_month


def _current(periods: list[dict], day: date, key=None) -> list[dict]:
    return [p for p in periods if p["start"] <= day and (p["end"] is None or p["end"] >= day) and (key is None or key(p))]


def apply_events(events: list[dict], accounts: dict[str, dict], parties: dict[str, dict]) -> None:
    """Mutate draft accounts/parties. Each event dict has a resolved `day` and the schema's other keys."""
    for ev in sorted(events, key=lambda e: (e["day"], e["index"])):
        day, kind = ev["day"], ev["type"]
        if kind == "death":
            parties[ev["party"]]["death_date"] = day
            continue
        if kind == "bankruptcy":
            parties[ev["party"]]["bankruptcy_date"] = day
            continue
        acc = accounts[ev["account"]]
        before = day - timedelta(days=1)
        if kind == "close":
            for lc in acc["lifecycles"]:
                if lc["start"] <= day and lc["end"] is None:
                    lc["end"] = day
            for p in _current(acc["owners"], day) + _current(acc["roles"], day):
                p["end"] = day
            for c in acc["cards"]:
                if c["blocked_on"] is None and c["issued"] <= day:
                    c["blocked_on"] = day
            acc["closed_owners"] = [o for o in acc["owners"] if o["end"] == day]
        elif kind in ("reopen", "open"):
            if any(lc["end"] is None or lc["end"] > day for lc in acc["lifecycles"]):
                continue  # open on that day already (checks.py reports it): nothing to do
            # Lifecycles are inclusive: a reopen on the closing day starts the new one the next day, so no day
            # belongs to two lifecycles (and the balance invariant holds across the gap).
            start = day + timedelta(days=1) if any(lc["end"] == day for lc in acc["lifecycles"]) else day
            acc["lifecycles"].append({"start": start, "end": None})
            for o in acc.get("closed_owners") or []:
                acc["owners"].append({**o, "start": start, "end": None})
        elif kind == "transfer_ownership":
            for o in _current(acc["owners"], day):
                o["end"] = before
            acc["owners"].append({"party": ev["party"], "primary": ev.get("primary", True), "start": day, "end": None,
                                  "account_type": ev.get("account_type") or acc["type"]})
        elif kind == "grant_role":
            acc["roles"].append({"party": ev["party"], "permission": ev["permission"], "start": day, "end": None})
        elif kind == "revoke_role":
            for r in _current(acc["roles"], day, key=lambda r: r["party"] == ev["party"]):
                r["end"] = day
        elif kind == "issue_card":
            same = [c for c in acc["cards"] if c["id"] == ev["card"]]
            acc["cards"].append({
                "id": ev["card"], "holder": ev["holder"], "type": ev.get("card_type") or "debitCard",
                "issued": day.replace(day=1), "expires": ev.get("expires") or add_years_month(day, 3),
                "status": "active", "version": (max(c["version"] for c in same) + 1) if same else 1,
                "number": same[-1]["number"] if same else None, "blocked_on": None,
            })
            for c in same:
                c["blocked_on"] = c["blocked_on"] or day
        elif kind == "block_card":
            for c in acc["cards"]:
                if c["id"] == ev["card"] and c["blocked_on"] is None:
                    c["blocked_on"] = day


def _stop(party: dict) -> tuple[date | None, date | None]:
    """(death date, bankruptcy date) of a draft party."""
    return party.get("death_date"), party.get("bankruptcy_date")


def freezes(owners: list[dict], parties: dict[str, dict]) -> list[tuple[date, date | None, str]]:
    """The stretches (start, end or None, cause) on which an account is frozen: it has current owners and none
    of them can act any more (each is dead or bankrupt by that day). A joint account with a living co-owner goes
    on; a transfer to a living owner ends the freeze. Cause "bankruptcy" when a current owner is bankrupt, else
    "death". Computed once per account at build time, from the draft ownerships after the timeline."""
    stops = {o["party"]: _stop(parties[o["party"]]) for o in owners}
    if not any(d or b for d, b in stops.values()):
        return []  # nearly every account: nobody died or went bankrupt
    changes = {o["start"] for o in owners} | {o["end"] + timedelta(days=1) for o in owners if o["end"] is not None}
    changes |= {day for pair in stops.values() for day in pair if day is not None}
    out: list[list] = []
    for day in sorted(changes):
        current = [o["party"] for o in owners if o["start"] <= day and (o["end"] is None or day <= o["end"])]
        cause = None
        if current and all(any(s is not None and s <= day for s in stops[p]) for p in current):
            bankrupt = any(stops[p][1] is not None and stops[p][1] <= day for p in current)
            cause = "bankruptcy" if bankrupt else "death"
        if out and out[-1][1] is None:  # the running stretch
            if cause == out[-1][2]:
                continue
            out[-1][1] = day - timedelta(days=1)
        if cause is not None:
            out.append([day, None, cause])
    return [tuple(f) for f in out]


def _bankruptcies(frozen) -> list[tuple[date, date | None]]:
    return [(start, end) for start, end, cause in frozen if cause == "bankruptcy"]


def held_roles(roles: list[dict], parties: dict[str, dict], frozen) -> list[dict]:
    """The draft roles as the bank holds them after deaths and bankruptcies. A right ends on the day its holder
    dies (a dead person cannot use an account) and on the day its account freezes for a bankruptcy (the estate's
    accounts are blocked at the ruling and nobody but the estate can use them: spec/services.md §2.3 and §6,
    R-33 `disabled`); a right that would only start after its holder's death, or inside such a freeze, was never
    held. Roles.endDate is "when the party lost their rights" (seed 001): that day."""
    bankrupt = _bankruptcies(frozen)
    out = []
    for r in roles:
        start, end, death = r["start"], r["end"], parties[r["party"]].get("death_date")
        if (death is not None and death < start) or any(fs <= start and (fe is None or start <= fe) for fs, fe in bankrupt):
            continue
        cuts = [day for day in [death, *(fs for fs, _ in bankrupt)]
                if day is not None and start <= day and (end is None or day < end)]
        out.append({**r, "end": min(cuts)} if cuts else r)
    return out


def issued_cards(cards: list[dict], parties: dict[str, dict], frozen) -> list[dict]:
    """The draft cards the bank really issued: none to a holder already dead, and none on an account frozen for a
    bankruptcy (no card is issued or active after the ruling; cards valid then are blocked at it, build.py
    `_blocked_on`). `issued` is the first day of the card's month, so a card of the ruling's month is kept and
    blocked."""
    bankrupt = _bankruptcies(frozen)
    out = []
    for c in cards:
        death = parties[c["holder"]].get("death_date")
        issued = c["issued"]
        if (death is not None and death < issued) or any(fs < issued and (fe is None or issued <= fe) for fs, fe in bankrupt):
            continue
        out.append(c)
    return out
