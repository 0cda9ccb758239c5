"""`/sandbox/v1/requests` and `/sandbox/v1/cases/{AccountInfoRequestID}`: the request log (sandbox/audit/log.py).

Rows are in the order served: `seq` (nanoseconds since the epoch when the row was written, before the answer
left) orders them across workers; `id` numbers them as they were imported from the workers' journals
(sandbox/audit/journal.py) and is the cursor of the next page.

- `GET /sandbox/v1/requests`: newest first, filtered by `case` (AccountInfoRequestID), `correlationId`,
  `consumer` (org number or consumer id), `bank` (org number or bank id), `status` (`500`, `5xx`, `error`,
  `ok`, `dropped`), `api`, `endpoint` and `room` (the workshop room, sandbox/rooms.py); `limit` (1–500, default 50) rows per page, the next page through
  the `next` link (an id cursor, `before`).
- `GET /sandbox/v1/requests/{id}`: one row.
- `GET /sandbox/v1/cases/{AccountInfoRequestID}`: every request of one case, across the register and the
  banks, in the order they were served (`limit` up to 10000, next page through `after`).
- `GET /sandbox/v1/cases/{AccountInfoRequestID}/report`: the conformance grader's report of that case
  (sandbox/conformance, docs/conformance.md) as JSON.
- `DELETE /sandbox/v1/requests`: empty the log (workshops; protect the server with --admin-token).
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, current_app, request

from sandbox.admin.errors import AdminError
from sandbox.admin.schemas import CASE_QUERY, REQUESTS_QUERY, InputError, load
from sandbox.web import json_response

bp = Blueprint("admin_requests", __name__, url_prefix="/sandbox/v1")

_CAMEL = {
    "sandbox_date": "sandboxDate", "error_code": "errorCode", "correlation_id": "correlationId",
    "case_id": "accountInfoRequestId", "legal_mandate": "legalMandate",
    "additional_reference_id_type": "additionalReferenceIdType", "additional_reference_id": "additionalReferenceId",
    "requester_id": "requesterId", "account_reference": "accountReference", "from_date": "fromDate",
    "to_date": "toDate", "result_count": "resultCount", "response_status": "responseStatus",
    "latency_ms": "latencyMs", "token_id": "tokenId", "token_exp": "tokenExp", "retry_after": "retryAfter",
    "next_page": "nextPage",
}


@bp.errorhandler(AdminError)
def _refused(exc: AdminError):
    return json_response(exc.body(), exc.status)


def _log():
    audit = current_app.extensions.get("sandbox.audit")
    if audit is None:
        raise AdminError(404, "the request log is off: the server runs with --no-audit")
    return audit


def wire(row: dict) -> dict:
    return {_CAMEL.get(k, k): v for k, v in row.items()}


def _query(schema) -> dict:
    try:
        return load(schema, request.args)
    except InputError as exc:
        raise AdminError(400, str(exc)) from None


def _bank_org(value: str | None) -> str | None:
    if not value:
        return None
    world = current_app.extensions["dsop"].world
    bank = world.banks.get(value)
    return bank.org_number if bank is not None else value


def _consumer_org(value: str | None) -> str | None:
    if not value:
        return None
    world = current_app.extensions["dsop"].world
    consumer = world.consumers.get(value)
    return consumer.org_number if consumer is not None else value


@bp.get("/requests")
def list_requests():
    """The request log, newest first, filtered and paginated."""
    audit = _log()
    query = _query(REQUESTS_QUERY)
    limit = query["limit"]
    filters = {"case": request.args.get("case") or request.args.get("accountInfoRequestId"),
               "correlation_id": request.args.get("correlationId"),
               "consumer": _consumer_org(request.args.get("consumer")),
               "bank": _bank_org(request.args.get("bank")),
               "api": request.args.get("api"), "endpoint": request.args.get("endpoint"),
               "room": request.args.get("room")}
    try:
        rows = audit.query(limit=limit + 1, before=query["before"], status=request.args.get("status"), **filters)
    except ValueError as exc:
        raise AdminError(400, str(exc)) from None
    links = [{"rel": "self", "href": request.full_path.rstrip("?")}]
    if len(rows) > limit:
        rows = rows[:limit]
        query = [(k, v) for k, v in request.args.items() if k != "before"] + [("before", rows[-1]["id"])]
        links.append({"rel": "next", "href": f"{request.path}?{urlencode(query)}"})
    return json_response({"requests": [wire(r) for r in rows], "count": len(rows), "links": links})


@bp.get("/requests/<int:row_id>")
def show_request(row_id: int):
    """One row of the request log."""
    row = _log().get(row_id)
    if row is None:
        raise AdminError(404, f"no request {row_id} in the log")
    return json_response(wire(row))


@bp.delete("/requests")
def clear_requests():
    """Empty the request log."""
    return json_response({"deleted": _log().clear()})


@bp.get("/cases/<case_id>")
def show_case(case_id: str):
    """Every request of one case (AccountInfoRequestID) across the register and the banks, in order."""
    audit = _log()
    query = _query(CASE_QUERY)
    limit = query["limit"]
    rows = audit.case(case_id, limit=limit + 1, after=query["after"])
    links = [{"rel": "self", "href": request.full_path.rstrip("?")}]
    if len(rows) > limit:
        rows = rows[:limit]
        query = [(k, v) for k, v in request.args.items() if k != "after"] + [("after", rows[-1]["id"])]
        links.append({"rel": "next", "href": f"{request.path}?{urlencode(query)}"})
    return json_response({
        "accountInfoRequestId": case_id, "count": len(rows),
        "banks": sorted({r["bank"] for r in rows if r["bank"]}),
        "consumers": sorted({r["consumer"] for r in rows if r["consumer"]}),
        "requests": [wire(r) for r in rows], "links": links})


@bp.get("/cases/<case_id>/report")
def case_report(case_id: str):
    """The conformance grader's report of one case (sandbox/conformance): every check, pass/warn/fail."""
    from sandbox.conformance import UnknownCase, grade_case

    try:
        report = grade_case(_log(), case_id)
    except UnknownCase:
        raise AdminError(404, f"no request in the log carries AccountInfoRequestID {case_id[:100]}") from None
    return json_response(report.to_dict())
