"""The live traffic view's data: the request log (sandbox/audit/log.py), newest first, filtered by bank, agency and
status, as small JSON rows the page groups by case. Plain Python: no Flask.

The page polls `/ui/traffic.json` every 1.5 s with the id of the last row imported when it last looked
(`since`; ids count imports from the workers' journals); when the log got nothing new, the answer is
`{"unchanged": true}` (one lookup of the largest id), so an idle workshop costs next to nothing.
"""

from __future__ import annotations

STATUSES = {"": "any status", "ok": "ok (1xx–3xx)", "error": "errors (4xx/5xx)", "4xx": "4xx", "5xx": "5xx",
            "dropped": "dropped connections"}
LIMIT = 300
#: Log columns → the wire names the page reads (the same camelCase as /sandbox/v1/requests).
FIELDS = {"id": "id", "time": "time", "sandbox_date": "sandboxDate", "api": "api", "bank": "bank", "method": "method",
          "endpoint": "endpoint", "path": "path", "status": "status", "error_code": "errorCode",
          "consumer": "consumer", "service": "service", "correlation_id": "correlationId",
          "case_id": "accountInfoRequestId", "party": "party", "from_date": "fromDate", "to_date": "toDate",
          "page": "page", "result_count": "resultCount", "response_status": "responseStatus",
          "latency_ms": "latencyMs", "fault": "fault", "requester_id": "requesterId"}


def names(world) -> dict:
    """Org numbers → display names, for the filters and the table."""
    return {"banks": {b.org_number: b.name for b in world.banks.values()},
            "consumers": {c.org_number: c.name for c in world.consumers.values()}}


def filters_of(world, args) -> dict:
    """The page's filter values (bank and agency by org number or id) → AuditLog.query filters."""
    bank = (args.get("bank") or "").strip() or None
    consumer = (args.get("consumer") or "").strip() or None
    if bank in world.banks:
        bank = world.banks[bank].org_number
    if consumer in world.consumers:
        consumer = world.consumers[consumer].org_number
    status = (args.get("status") or "").strip()
    return {"bank": bank, "consumer": consumer, "status": status if status in STATUSES and status else None}


def _row(row: dict) -> dict:
    return {FIELDS[k]: row.get(k) for k in FIELDS}


def recent(audit, filters: dict, since: int | None = None, limit: int = LIMIT) -> dict:
    """The newest rows matching the filters, or `unchanged` when no row was imported since `since`."""
    if audit is None:
        return {"enabled": False, "requests": []}
    status = filters.get("status")
    others = {k: v for k, v in filters.items() if k != "status"}
    latest = audit.last_id()  # grows with every import, also by a row served before the newest one shown
    if since is not None and latest == since:
        return {"enabled": True, "unchanged": True, "latest": since}
    rows = audit.query(limit=limit, status=status, **others)
    return {"enabled": True, "latest": latest, "requests": [_row(r) for r in rows]}


def case(audit, case_id: str, limit: int = 5000) -> list[dict]:
    """Every request of one case (AccountInfoRequestID), in the order they were served."""
    if audit is None:
        return []
    return [_row(r) for r in audit.case(case_id, limit=limit)]
