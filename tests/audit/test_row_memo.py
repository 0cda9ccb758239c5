"""sandbox/audit/row.py keeps the columns a case repeats (request_columns) and a token's columns: a row built from
those kept answers equals the row built from scratch, for every input the kept answers are keyed by."""

from __future__ import annotations

import itertools

from flask import g
from werkzeug.wrappers import Response

from sandbox.audit import row as audit_row
from sandbox.maskinporten.tokens import Caller

BASE = {"Legal-Mandate": "Skatteforvaltningsloven%20%C2%A7%2010-2", "AccountInfoRequestID": "case-1",
        "RequesterID": "rq", "PartyID": "17858027241", "Accept": "application/json", "CorrelationID": "c-1"}
VARIANTS = [
    ("path", "/banks/320907063/v2/accounts"), ("path", "/banks/217694043/v2/accounts/ref-1/transactions"),
    ("path", "/kar-ws/api/v2/customers/customerRelationships"), ("query", "fromDate=2024-01-01&toDate=2024-12-31"),
    ("query", "fromDate=2024-01-01&page=abc"), ("Legal-Mandate", "Politiloven%20%C2%A7%2030"),
    ("AdditionalReferenceIDType", "pol1"), ("AdditionalReferenceID", "order-7"), ("RequesterID", "other"),
    ("PartyID", "02912297335"), ("CustomerID", "02912297335"), ("AccountID", "99101785188"),
    ("Accept", "application/jose"), ("AccountInfoRequestID", "case-2"), ("CorrelationID", "c-2"),
]


def _row(app, path, query, headers, caller, grant=None):
    with app.test_request_context(path, query_string=query, headers=headers):
        from flask import request

        request.url_rule  # noqa: B018 - routed like a real request (view_args, endpoint)
        g.caller = caller
        g.grant = grant
        return audit_row.build_row(request, Response(b"{}", 200, mimetype="application/json"), g, 0.0, None)


def _fresh(app, *args, **kwargs):
    """The row built from scratch; the kept answers of earlier rows are put back after (so that a later row whose
    inputs differ from an earlier one in a single input finds that one's answer kept)."""
    kept = dict(audit_row._REQUEST_COLUMNS), dict(audit_row._WHO_COLUMNS)
    audit_row._REQUEST_COLUMNS.clear()
    audit_row._WHO_COLUMNS.clear()
    try:
        return _row(app, *args, **kwargs)
    finally:
        audit_row._REQUEST_COLUMNS.clear()
        audit_row._REQUEST_COLUMNS.update(kept[0])
        audit_row._WHO_COLUMNS.clear()
        audit_row._WHO_COLUMNS.update(kept[1])


def _comparable(row: dict) -> dict:
    return {k: v for k, v in row.items() if k not in ("time", "latency_ms")}


def test_kept_columns_equal_fresh_ones_for_every_input(make_app):
    app = make_app()
    callers = [None, Caller(None, frozenset({"bits:kontoinformasjon"}), "client", "0192:999999999",
                            {"aud": "https://bank", "jti": "j-1", "exp": 1_900_000_000})]
    seen = set()
    # no change, then each change alone (it differs from the base in that one input), then each pair
    changes = [c for n in (0, 1, 2) for c in itertools.combinations(VARIANTS, n)]
    for change, caller in itertools.product(changes, callers):
        path, query, headers = "/banks/320907063/v2/accounts", "fromDate=2025-01-01", dict(BASE)
        for name, value in change:
            if name == "path":
                path = value
            elif name == "query":
                query = value
            else:
                headers[name] = value
        kept = _row(app, path, query, headers, caller)  # the kept answers of earlier combinations are in place
        assert _comparable(kept) == _comparable(_fresh(app, path, query, headers, caller)), change
        assert _comparable(_row(app, path, query, headers, caller)) == _comparable(kept)
        seen.add(tuple(sorted(_comparable(kept).items(), key=lambda kv: kv[0])))
    assert len(seen) > len(VARIANTS), "the inputs change the row: the key covers them"


def test_a_new_token_of_the_same_consumer_gets_its_own_token_columns(make_app):
    app = make_app()
    rows = [_row(app, "/banks/320907063/v2/accounts", "", BASE,
                 Caller(None, frozenset({"s"}), "c", None, {"aud": "a", "jti": f"j-{n}", "exp": 1_900_000_000 + n}))
            for n in range(3)]
    assert len({r["token_id"] for r in rows}) == 3 and [r["token_exp"] for r in rows] == [1_900_000_000 + n
                                                                                         for n in range(3)]


def test_consumer_and_service_follow_the_grant_whoever_calls(make_app):
    """The consumer, supplier, scope and service columns are kept per (caller, grant): another grant with the same
    caller, or another caller under the same grant, gets its own, equal to a row built from scratch."""
    from types import SimpleNamespace

    app = make_app()
    grants = [SimpleNamespace(profile=SimpleNamespace(key=key), consumer=SimpleNamespace(org_number=org))
              for key, org in (("skatt", "974761076"), ("politi", "915429785"))]
    caller = Caller(SimpleNamespace(org_number="999999999"), frozenset({"bits:kontoinformasjon"}), "client", None,
                    {"jti": "j-9"})
    path = "/banks/320907063/v2/accounts"
    for who, grant in itertools.product((None, caller), grants):
        kept = _row(app, path, "", BASE, who, grant)
        assert _comparable(kept) == _comparable(_fresh(app, path, "", BASE, who, grant))
        assert kept["service"] == grant.profile.key
        # no token (auth off): the consumer is the one the grant's service profile assumed
        assert kept["consumer"] == (grant.consumer.org_number if who is None else "999999999")
        assert kept["scope"] == (None if who is None else "bits:kontoinformasjon")
