"""Issue 19: the bank views keep what they parsed per raw request values (bank/params.remembered: the case headers
and period, PartyID and OnlyPrimaryOwner; web.query_args per query string) and check only the CorrelationID on
every call. What a client and the request log see must not change: a sequence of good and bad requests answers with
the same status, body, CorrelationID header and request-log row on an app whose memos are warm (every request
sent after the good one it differs from) as on one whose memos are emptied before each request."""

from __future__ import annotations

import pytest

from sandbox import web
from sandbox.bank import params
from tests.support import BANK, VALID_HEADERS, bank_request, bearer
from tests.support.constants import T

#: Columns of a request-log row that differ between two runs of the same request (clock, timing, process).
VOLATILE = {"id", "seq", "time", "latency_ms", "worker"}

GOOD_CID = "3f2b8c1e-0000-4000-8000-0000000000a1"


def _variants(refs) -> list[tuple[str, str, dict, dict]]:
    """(name, path, query, headers) of good calls and of calls that differ from them in one value each."""
    out = []
    for endpoint in ("accounts", "details", "transactions"):
        path, query, extra = bank_request(endpoint, refs)
        good = {**VALID_HEADERS, **extra, "CorrelationID": GOOD_CID}
        out += [
            (f"{endpoint} ok", path, query, good),
            (f"{endpoint} other CorrelationID", path, query, {**good, "CorrelationID": GOOD_CID[:-2] + "b2"}),
            (f"{endpoint} CorrelationID padded", path, query, {**good, "CorrelationID": f"  {GOOD_CID} "}),
            (f"{endpoint} bad CorrelationID", path, query, {**good, "CorrelationID": "not-a-uuid"}),
            (f"{endpoint} empty CorrelationID", path, query, {**good, "CorrelationID": " "}),
            (f"{endpoint} no CorrelationID", path, query, {k: v for k, v in good.items() if k != "CorrelationID"}),
            (f"{endpoint} bad case id and CorrelationID", path, query,
             {**good, "AccountInfoRequestID": "x", "CorrelationID": "y"}),
            (f"{endpoint} bad mandate", path, query, {**good, "Legal-Mandate": "ikke\x01gyldig"}),
            (f"{endpoint} other RequesterID", path, query, {**good, "RequesterID": "someone-else"}),
            (f"{endpoint} reversed period", path, {**query, "fromDate": T, "toDate": "2024-01-01"}, good),
            (f"{endpoint} fromDate twice", path, f"fromDate=2024-01-01&fromDate=2024-01-02&toDate={T}", good),
        ]
        if endpoint == "accounts":
            out += [(f"{endpoint} bad PartyID", path, query, {**good, "PartyID": "12345678901"}),
                    (f"{endpoint} OnlyPrimaryOwner=maybe", path, {**query, "OnlyPrimaryOwner": "maybe"}, good),
                    (f"{endpoint} onlyprimaryowner=TRUE", path,
                     {k: v for k, v in query.items() if k != "OnlyPrimaryOwner"} | {"onlyprimaryowner": "TRUE"}, good)]
    return out


def _observed(app, auth_api, variants, token, *, forget: bool) -> list:
    client = app.test_client()
    seen = []
    for name, path, query, headers in variants:
        if forget:
            params._KNOWN.clear()
            web._QUERIES.clear()
        url = auth_api.base(BANK) + path
        if isinstance(query, str):
            url, query = f"{url}?{query}", None
        r = client.get(url, query_string=query, headers={**headers, "Authorization": bearer(token)})
        seen.append((name, r.status_code, r.data, r.headers.get("CorrelationID")))
    audit = app.extensions["sandbox.audit"]
    rows = [{k: v for k, v in row.items() if k not in VOLATILE} for row in reversed(audit.query(limit=1000))]
    return seen, rows


@pytest.mark.parametrize("order", ["as listed", "good calls first"])
def test_warm_memos_answer_and_log_as_cold_ones(make_app, auth_api, forge, targets, refs, order):
    variants = _variants(refs)
    if order == "good calls first":  # every bad variant comes after the good call it differs from
        variants = sorted(variants, key=lambda v: not v[0].endswith(" ok"))
    token = forge.token(targets["bank"])
    warm_seen, warm_rows = _observed(make_app(fresh=True, auth=True), auth_api, variants, token, forget=False)
    cold_seen, cold_rows = _observed(make_app(fresh=True, auth=True), auth_api, variants, token, forget=True)
    assert warm_seen == cold_seen
    assert warm_rows == cold_rows and len(warm_rows) == len(variants)
    by_name = {name: (status, cid) for name, status, _, cid in warm_seen}
    # the memo is in use and still answers per request: a new CorrelationID is echoed, a bad one refused
    assert by_name["details other CorrelationID"] == (200, GOOD_CID[:-2] + "b2")
    assert by_name["details CorrelationID padded"] == (200, GOOD_CID)
    assert by_name["details bad CorrelationID"][0] == 400
    assert by_name["accounts bad PartyID"][0] == 400 and by_name["accounts onlyprimaryowner=TRUE"][0] == 200
    assert {row["correlation_id"] for row in warm_rows} >= {GOOD_CID, GOOD_CID[:-2] + "b2"}


def test_the_memos_are_bounded():
    params._KNOWN.clear()
    for n in range(params._KNOWN_MAX + 5):
        params.remembered(("test", n), lambda n=n: n)
    assert len(params._KNOWN) <= params._KNOWN_MAX
    calls = []
    assert params.remembered(("test", "x"), lambda: calls.append(1) or "first") == "first"
    assert params.remembered(("test", "x"), lambda: calls.append(1) or "second") == "first" and calls == [1]


def test_a_refused_parse_is_not_kept():
    params._KNOWN.clear()

    def refuse():
        raise params.BadRequest("no")

    for _ in range(2):
        with pytest.raises(params.BadRequest):
            params.remembered(("test", "refused"), refuse)
    assert ("test", "refused") not in params._KNOWN
