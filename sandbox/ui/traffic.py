"""The live traffic view's data: the request log (sandbox/audit/log.py), newest first, filtered by bank, agency,
status and workshop room (sandbox/rooms.py), as small JSON rows the page groups by case. Plain Python: no Flask.

The page's first rows are rendered on the server (`groups`, the same grouping traffic.js does), so it never
paints "loading…"; the script takes over from the same data. Times are shown in one format everywhere on the UI:
the sandbox's zone (Europe/Oslo), 24 h (`local_time`), next to the party's name for its identity number.

The page polls `/ui/traffic.json` every 1.5 s with the id of the last row imported when it last looked
(`since`; ids count imports from the workers' journals); when the log got nothing new, the answer is
`{"unchanged": true}` (one lookup of the largest id), so an idle workshop costs next to nothing.
"""

from __future__ import annotations

from datetime import datetime

from sandbox.dsop.wire import OSLO

ZONE_NAME = "Europe/Oslo"  # the sandbox's zone (sandbox/dsop/wire.py's OSLO): every time the UI shows
NO_CASE = "(no case id)"

STATUSES = {"": "any status", "ok": "ok (1xx–3xx)", "error": "errors (4xx/5xx)", "4xx": "4xx", "5xx": "5xx",
            "dropped": "dropped connections"}
LIMIT = 300
#: Log columns → the wire names the page reads (the same camelCase as /sandbox/v1/requests).
FIELDS = {"id": "id", "time": "time", "sandbox_date": "sandboxDate", "api": "api", "bank": "bank", "method": "method",
          "endpoint": "endpoint", "path": "path", "status": "status", "error_code": "errorCode",
          "consumer": "consumer", "service": "service", "correlation_id": "correlationId",
          "case_id": "accountInfoRequestId", "party": "party", "from_date": "fromDate", "to_date": "toDate",
          "page": "page", "result_count": "resultCount", "response_status": "responseStatus",
          "latency_ms": "latencyMs", "fault": "fault", "requester_id": "requesterId", "room": "room"}


def local_time(stamp: str | None, with_date: bool = False) -> str:
    """A log row's UTC time (ISO 8601, `Z`) → the sandbox's zone, 24 h: `14:03:07` (or `2025-06-30 14:03:07`)."""
    if not stamp:
        return ""
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(OSLO)
    except ValueError:
        return stamp
    return moment.strftime("%Y-%m-%d %H:%M:%S" if with_date else "%H:%M:%S")


def names(world) -> dict:
    """Org numbers → display names, for the filters and the table."""
    return {"banks": {b.org_number: b.name for b in world.banks.values()},
            "consumers": {c.org_number: c.name for c in world.consumers.values()}}


def now_clock() -> str:
    """The time now in the sandbox's zone, 24 h (the live view's "as of")."""
    return datetime.now(OSLO).strftime("%H:%M:%S")


def party_name(world, identifier: str | None) -> str:
    """The world's name for an identity number in the log ('' when the world has no such party)."""
    party = world.party_by_identifier.get(identifier) if identifier else None
    return party.name if party is not None else ""


def filters_of(world, args, room: str | None = None) -> dict:
    """The page's filter values (bank and agency by org number or id) and the browser's room → AuditLog.query
    filters. `room` None: every room's traffic (a browser outside any room: the presenter's)."""
    bank = (args.get("bank") or "").strip() or None
    consumer = (args.get("consumer") or "").strip() or None
    if bank in world.banks:
        bank = world.banks[bank].org_number
    if consumer in world.consumers:
        consumer = world.consumers[consumer].org_number
    status = (args.get("status") or "").strip()
    return {"bank": bank, "consumer": consumer, "status": status if status in STATUSES and status else None,
            "room": room}


def _row(world, row: dict) -> dict:
    out = {FIELDS[k]: row.get(k) for k in FIELDS}
    out["clock"] = local_time(row.get("time"))
    out["partyName"] = party_name(world, row.get("party"))
    return out


def recent(world, audit, filters: dict, since: int | None = None, limit: int = LIMIT) -> dict:
    """The newest rows matching the filters, or `unchanged` when no row was imported since `since`."""
    if audit is None:
        return {"enabled": False, "requests": []}
    status = filters.get("status")
    others = {k: v for k, v in filters.items() if k != "status"}
    latest = audit.last_id()  # grows with every import, also by a row served before the newest one shown
    if since is not None and latest == since:
        return {"enabled": True, "unchanged": True, "latest": since}
    rows = audit.query(limit=limit, status=status, **others)
    return {"enabled": True, "latest": latest, "requests": [_row(world, r) for r in rows]}


def case(world, audit, case_id: str, room: str | None = None, limit: int = 5000) -> list[dict]:
    """Every request of one case (AccountInfoRequestID), in the order they were served; only the room's when a
    room is given (a participant sees its own requests, even of a case id another room used too)."""
    if audit is None:
        return []
    return [_row(world, r) for r in audit.case(case_id, limit=limit) if room is None or r.get("room") == room]


def _unique(values) -> list:
    return list(dict.fromkeys(v for v in values if v))


def groups(rows: list[dict], names_: dict) -> list[dict]:
    """The rows grouped by case, newest case first, as traffic.js groups them (the server-rendered first paint)."""
    by_case: dict[str, list] = {}
    for r in rows:
        by_case.setdefault(r["accountInfoRequestId"] or NO_CASE, []).append(r)
    out = []
    for key, items in by_case.items():
        items.sort(key=lambda r: r["id"])
        last = items[-1]
        out.append({"key": key, "last": last, "requests": len(items),
                    "errors": sum(1 for r in items if r["status"] >= 400 or r["status"] == 0),
                    "consumers": _unique(names_["consumers"].get(r["consumer"], r["consumer"]) for r in items),
                    "services": _unique(r["service"] for r in items),
                    "parties": _unique(r["party"] for r in items),
                    "partyNames": {r["party"]: r["partyName"] for r in items if r["party"] and r["partyName"]},
                    "banks": _unique(names_["banks"].get(r["bank"], r["bank"]) for r in items)})
    out.sort(key=lambda g: g["last"]["id"], reverse=True)
    return out
