"""The request log (sandbox/audit/log.py) and its admin API (sandbox/audit/views.py), and the admin token.

spec/protocol.md §4.4: one row per request with what a bank must be able to trace a case by; never the
bearer token, never a request body. The multi-worker and crash tests are in tests/e2e/test_audit_e2e.py.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from types import SimpleNamespace

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from tests.support import MANDATE, SKATT_MANDATE_TEXT

MANDATE_TEXT = SKATT_MANDATE_TEXT
PERIOD = "fromDate=2024-07-01&toDate=2025-06-30"
SCENARIO = """
version: 1
name: audit-tests
seed: audit-1
today: 2025-06-30
banks:
  - {id: alpha, name: ALPHA TESTBANK ASA, registration_numbers: ["9950"]}
  - {id: beta, name: BETA SPAREBANK, registration_numbers: ["9960"]}
  - {id: kfr, name: KFR FINANS AS, registration_numbers: ["9970"], register: kfr}
consumers:
  - {id: skatteetaten, name: Skatteetaten, org_number: "974761076", services: [skatt]}
people:
  - {id: ola, name: Ola Testmann}
  - {id: kari, name: Kari Testmann}
accounts:
  - id: felles
    bank: alpha
    type: salaryAccount
    opened: -6y
    owners: [{party: ola, primary: true}, {party: kari}]
    activity: {profile: household, purchases_per_month: 30}
    cards: [{id: ola-debit, holder: ola, issued: -2y, expires: +2y}]
  - {id: ola-sparing, bank: beta, type: savingsAccount, opened: -2y, owners: [ola], activity: savings}
  - {id: ola-lan, bank: kfr, type: loanAccount, opened: -3y, opening_balance: -150000, owners: [ola]}
"""


class Consumer:
    """Skatteetaten walking a case with real tokens (the sandbox's shortcut grant), like a consumer would."""

    def __init__(self, app, case_id: str):
        self.client = app.test_client()
        self.world = app.extensions["dsop"].world
        self.public = app.extensions["dsop"].settings.public_url
        self.case_id = case_id
        self.tokens: dict[str, str] = {}
        self.sent: list[dict] = []  # what each API call sent and got: the log must say the same

    def token(self, audience: str, scope: str) -> str:
        if audience not in self.tokens:
            r = self.client.post("/maskinporten/token", data={
                "grant_type": "client_credentials", "client_id": "skatteetaten", "scope": scope, "resource": audience})
            assert r.status_code == 200, r.json
            self.tokens[audience] = r.json["access_token"]
        return self.tokens[audience]

    def get(self, path: str, audience: str, scope: str, **more):
        cid = str(uuid.uuid4())
        h = {"AccountInfoRequestID": self.case_id, "CorrelationID": cid, "Legal-Mandate": MANDATE,
             "RequesterID": "saksbehandler-7", "Authorization": f"Bearer {self.token(audience, scope)}", **more}
        r = self.client.get(path, headers=h)
        self.sent.append({"path": path.split("?")[0], "cid": cid, "status": r.status_code, "body": r.json,
                          "headers": more})
        return r

    def walk(self, ident: str) -> None:
        reg = f"{self.public}/kar-ws/api/v2"
        banks = self.get(f"/kar-ws/api/v2/customers/customerRelationships?{PERIOD}", reg, "bits:kundeforhold",
                         CustomerID=ident).json["banks"]
        for bank in banks:
            base, aud = f"/banks/{bank['organizationID']}/v2", f"{self.public}/banks/{bank['organizationID']}/v2"
            accounts = self.get(f"{base}/accounts?{PERIOD}&OnlyPrimaryOwner=false", aud, "bits:kontoinformasjon",
                                PartyID=ident).json["accounts"]
            for acc in accounts:
                ref = acc["accountReference"]
                for suffix in ("", "/transactions", "/cards", "/roles"):
                    self.get(f"{base}/accounts/{ref}{suffix}?{PERIOD}", aud, "bits:kontoinformasjon")


@pytest.fixture()
def walked(make_app):
    app = make_app(SCENARIO, fresh=True, auth=True)
    consumer = Consumer(app, "0c4e5a2a-1111-4000-8000-00000000ca5e")
    consumer.walk(app.extensions["dsop"].world.parties["ola"].identifier)
    return app, consumer


def rows_of(client, query: str = "") -> list[dict]:
    r = client.get(f"/sandbox/v1/requests?limit=500{query}")
    assert r.status_code == 200, r.json
    return r.json["requests"]


# ---- one row per request, with the right fields ------------------------------------------------------------
def test_a_full_case_gives_exactly_one_row_per_request_in_order(walked):
    app, consumer = walked
    assert len(consumer.sent) >= 12 and all(s["status"] == 200 for s in consumer.sent)
    case = consumer.client.get(f"/sandbox/v1/cases/{consumer.case_id}").json
    assert case["count"] == len(consumer.sent)
    assert [r["correlationId"] for r in case["requests"]] == [s["cid"] for s in consumer.sent]
    assert [r["path"] for r in case["requests"]] == [s["path"] for s in consumer.sent]
    world = app.extensions["dsop"].world
    assert case["banks"] == sorted(b.org_number for b in world.banks.values())
    assert case["consumers"] == ["974761076"]
    # plus one row per token request, and nothing for the admin calls themselves
    everything = rows_of(consumer.client)
    assert len(everything) == len(consumer.sent) + len(consumer.tokens)
    assert {r["api"] for r in everything} == {"register", "bank", "maskinporten"}


def test_each_row_holds_what_the_standard_asks_to_trace(walked):
    app, consumer = walked
    world = app.extensions["dsop"].world
    ola = world.parties["ola"].identifier
    rows = {r["correlationId"]: r for r in consumer.client.get(f"/sandbox/v1/cases/{consumer.case_id}").json["requests"]}
    expected_endpoint = {"customerRelationships": "customerRelationships", "accounts": "accounts",
                         "transactions": "transactions", "cards": "cards", "roles": "roles"}
    for sent in consumer.sent:
        row = rows[sent["cid"]]
        assert row["status"] == 200 and row["errorCode"] is None
        assert row["accountInfoRequestId"] == consumer.case_id
        assert row["legalMandate"] == MANDATE_TEXT  # decoded
        assert row["requesterId"] == "saksbehandler-7"
        assert row["consumer"] == "974761076" and row["service"] == "skatt"
        assert row["fromDate"] == "2024-07-01" and row["toDate"] == "2025-06-30"
        assert row["sandboxDate"] == "2025-06-30" and row["latencyMs"] > 0 and row["worker"]
        assert row["method"] == "GET" and row["fault"] is None
        last = sent["path"].rsplit("/", 1)[-1]
        body = sent["body"]
        if sent["path"].startswith("/kar-ws/"):
            assert row["api"] == "register" and row["bank"] is None and row["scope"] == "bits:kundeforhold"
            assert row["endpoint"] == "customerRelationships" and row["party"] == ola
            assert row["resultCount"] == len(body["banks"]) and row["responseStatus"] is None
            continue
        assert row["api"] == "bank" and row["scope"] == "bits:kontoinformasjon"
        assert row["bank"] == sent["path"].split("/")[2]
        assert row["responseStatus"] == body["responseDetails"]["status"]
        if last == "accounts":
            assert row["endpoint"] == "accounts" and row["party"] == ola and row["accountReference"] is None
            assert row["resultCount"] == len(body["accounts"])
        elif last in expected_endpoint:
            assert row["endpoint"] == expected_endpoint[last] and row["party"] is None
            assert row["accountReference"] == sent["path"].split("/")[5]
            key = {"transactions": "transactions", "cards": "paymentCards", "roles": "roles"}[last]
            assert row["resultCount"] == len(body[key])
        else:
            assert row["endpoint"] == "details" and row["accountReference"] == last and row["resultCount"] == 1


def test_the_log_never_holds_a_token_or_a_request_body(walked):
    app, consumer = walked
    dump = json.dumps(rows_of(consumer.client))
    for token in consumer.tokens.values():
        for part in token.split("."):
            assert part not in dump
    assert "Bearer" not in dump and "client_credentials" not in dump and "grant_type" not in dump
    token_rows = rows_of(consumer.client, "&api=maskinporten")
    assert token_rows and all(r["endpoint"] == "token" and r["consumer"] == "974761076" and r["method"] == "POST"
                              for r in token_rows)
    assert {r["scope"] for r in token_rows} == {"bits:kundeforhold", "bits:kontoinformasjon"}


def test_errors_are_logged_with_their_code(make_app):
    app = make_app(SCENARIO, fresh=True, auth=True)
    consumer = Consumer(app, "0c4e5a2a-2222-4000-8000-00000000ca5e")
    world = app.extensions["dsop"].world
    org = world.banks["alpha"].org_number
    aud = f"{consumer.public}/banks/{org}/v2"
    consumer.get(f"/banks/{org}/v2/accounts/not-a-reference?{PERIOD}", aud, "bits:kontoinformasjon")
    consumer.get(f"/banks/{org}/v2/accounts?fromDate=2025-07-01&toDate=2025-06-01&OnlyPrimaryOwner=false", aud,
                 "bits:kontoinformasjon", PartyID=world.parties["ola"].identifier)
    r = consumer.client.get(f"/banks/{org}/v2/accounts?{PERIOD}&OnlyPrimaryOwner=false",
                            headers={"CorrelationID": "c0ffee00-0000-4000-8000-000000000001", "Authorization": "Bearer x.y.z"})
    assert r.status_code == 401
    r = consumer.client.get("/kar-ws/api/v2/customers/customerRelationships?fromDate=2025-13-01&toDate=2025-06-30",
                            headers={"CorrelationID": "c0ffee00-0000-4000-8000-000000000002",
                                     "Authorization": f"Bearer {consumer.token(consumer.public + '/kar-ws/api/v2', 'bits:kundeforhold')}"})
    rows = rows_of(consumer.client, "&status=error")
    by_cid = {r["correlationId"]: r for r in rows}
    assert by_cid[consumer.sent[0]["cid"]]["errorCode"] == "ACC-002"
    assert by_cid[consumer.sent[1]["cid"]]["status"] == 400 and by_cid[consumer.sent[1]["cid"]]["errorCode"] == "ACC-001"
    assert by_cid["c0ffee00-0000-4000-8000-000000000001"]["errorCode"] == "ACC-010"
    assert by_cid["c0ffee00-0000-4000-8000-000000000001"]["consumer"] is None
    assert by_cid["c0ffee00-0000-4000-8000-000000000002"]["api"] == "register"
    assert by_cid["c0ffee00-0000-4000-8000-000000000002"]["errorCode"].startswith("ERR-")


def test_additional_reference_id_is_kept_only_for_pol1_as_the_orders_id(make_app):
    """§4.4 "EO id only for pol1": the order's extraditionOrderID (read, not trusted: a refused order is logged by the
    id it claims), a short hash for a value that is no order, nothing for srf; never the order (JWS) itself."""
    app = make_app(SCENARIO, fresh=True, auth=False)
    client, world = app.test_client(), app.extensions["dsop"].world
    org = world.banks["alpha"].org_number
    minted = {}
    for who in ("ola", "kari"):
        r = client.post("/sandbox/v1/politi/orders", json={"partyID": world.parties[who].identifier,
                                                            "fromDate": "2024-07-01", "toDate": "2025-06-30"})
        assert r.status_code == 200, r.json
        minted[who] = (r.json["order"], r.json["payload"]["extraditionOrderID"])
    (order, order_id), (other, other_id) = minted["ola"], minted["kari"]
    assert order_id != other_id and order.split(".")[0] == other.split(".")[0], "one protected header for all orders"
    head, payload, signature = order.split(".")
    tampered = f"{head}.{payload}.{signature[:-8]}AAAAAAAA"  # the bank refuses it: the log still says which order
    sent = {
        "a0000000-0000-4000-8000-000000000001": ("pol1", order, order_id),
        "a0000000-0000-4000-8000-000000000002": ("pol1", other, other_id),
        "a0000000-0000-4000-8000-000000000003": ("pol1", tampered, order_id),
        "a0000000-0000-4000-8000-000000000004": ("POL1", order, order_id),
        "a0000000-0000-4000-8000-000000000005": ("pol1", "EO-2025-000123",
                                                 "sha256:" + hashlib.sha256(b"EO-2025-000123").hexdigest()[:16]),
        "a0000000-0000-4000-8000-000000000006": ("srf", "EO-2025-000123", None),
    }
    for cid, (ref_type, value, _) in sent.items():
        client.get(f"/banks/{org}/v2/accounts?{PERIOD}&OnlyPrimaryOwner=false",
                   headers={"CorrelationID": cid, "AdditionalReferenceIDType": ref_type,
                            "AdditionalReferenceID": value, "PartyID": world.parties["ola"].identifier})
    rows = {r["correlationId"]: r for r in rows_of(client)}
    for cid, (ref_type, _, expected) in sent.items():
        assert rows[cid]["additionalReferenceId"] == expected, (ref_type, rows[cid])
        assert rows[cid]["additionalReferenceIdType"] == ref_type
    dump = json.dumps(rows_of(client))
    for part in (head, payload, signature, "EO-2025-000123"):
        assert part not in dump


def test_directory_health_admin_and_docs_are_not_api_requests(make_app):
    app = make_app(SCENARIO, fresh=True, auth=False)
    client = app.test_client()
    client.get("/altinn/v1/directharvest/Kontrollinformasjon")
    for path in ("/health", "/sandbox/v1/banks", "/sandbox/v1/clock", "/no/such/page"):
        client.get(path)
    rows = rows_of(client)
    assert [(r["api"], r["endpoint"], r["resultCount"]) for r in rows] == [("directory", "directory", 3)]


def test_a_refused_token_of_ours_still_names_its_consumer_and_scope(make_app):
    """A call the token check refuses (401 or 403) is logged with the consumer, scope and supplier its token names,
    as long as the token is signed with the sandbox's key and has its iss; anything else names nobody."""
    app = make_app(SCENARIO, fresh=True, auth=True)
    issuer, world = app.extensions["dsop"].maskinporten, app.extensions["dsop"].world
    client = app.test_client()
    skatt = world.consumers["skatteetaten"]
    alpha, beta = world.banks["alpha"].org_number, world.banks["beta"].org_number
    at_alpha = issuer.bank_audience(alpha)

    def signed(claims: dict, key=None) -> str:
        now = int(time.time())
        claims = {"iss": issuer.issuer, "aud": at_alpha, "iat": now, "exp": now + 120, "jti": str(uuid.uuid4()),
                  "client_id": "skatteetaten",
                  "consumer": {"authority": "iso6523-actorid-upis", "ID": "0192:974761076"}, **claims}
        key = key or issuer.key
        return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key, algorithms=["RS256"])

    stranger = RSAKey.generate_key(2048)
    stranger.ensure_kid()
    # (name, token, API, expected status, expected consumer, scope, supplier)
    cases = [
        # the token endpoint refuses these pairings; `dsop-sandbox token --audience` and the UI mint them anyway
        ("register-scope-at-a-bank", issuer.issue(skatt, ["bits:kundeforhold"], at_alpha)["access_token"], "bank",
         403, "974761076", "bits:kundeforhold", None),
        ("bank-scope-at-the-register",
         issuer.issue(skatt, ["bits:kontoinformasjon"], issuer.register_audience())["access_token"], "register",
         403, "974761076", "bits:kontoinformasjon", None),
        ("another-banks-token",
         issuer.issue(skatt, ["bits:kontoinformasjon"], issuer.bank_audience(beta))["access_token"], "bank",
         401, "974761076", "bits:kontoinformasjon", None),
        ("expired",
         issuer.issue(skatt, ["bits:kontoinformasjon"], at_alpha, now=int(time.time()) - 3600)["access_token"],
         "bank", 401, "974761076", "bits:kontoinformasjon", None),
        ("consumer-not-in-the-scenario",
         issuer.issue(SimpleNamespace(org_number="999999999", client_id="nobody"), ["bits:kontoinformasjon"],
                      at_alpha)["access_token"], "bank", 403, "999999999", "bits:kontoinformasjon", None),
        ("with-a-supplier", signed({"scope": "bits:kundeforhold",
                                    "supplier": {"authority": "iso6523-actorid-upis", "ID": "0192:991825827"}}),
         "bank", 403, "974761076", "bits:kundeforhold", "0192:991825827"),
        ("signed-by-someone-else", signed({"scope": "bits:kontoinformasjon"}, stranger), "bank", 401, None, None, None),
        ("another-issuer", signed({"scope": "bits:kontoinformasjon", "iss": "https://test.maskinporten.no/"}), "bank",
         401, None, None, None),
        ("not-a-jwt", "x.y.z", "bank", 401, None, None, None),
    ]
    cids = {}
    ola = world.parties["ola"].identifier
    for name, token, api, status, *_ in cases:
        cids[name] = str(uuid.uuid4())
        headers = {"CorrelationID": cids[name], "Authorization": f"Bearer {token}", "Legal-Mandate": MANDATE,
                   "AccountInfoRequestID": str(uuid.uuid4()), "RequesterID": "saksbehandler-7"}
        if api == "bank":
            r = client.get(f"/banks/{alpha}/v2/accounts?{PERIOD}&OnlyPrimaryOwner=false",
                           headers={**headers, "PartyID": ola})
        else:
            r = client.get(f"/kar-ws/api/v2/customers/customerRelationships?{PERIOD}",
                           headers={**headers, "CustomerID": ola})
        assert r.status_code == status, (name, r.json)
    rows = {r["correlationId"]: r for r in rows_of(client, "&status=error")}
    for name, _token, _api, _status, consumer, scope, supplier in cases:
        row = rows[cids[name]]
        assert (row["consumer"], row["scope"], row["supplier"]) == (consumer, scope, supplier), name
    dump = json.dumps(rows_of(client))
    for _, token, *_ in cases:
        for part in token.split("."):
            assert len(part) < 8 or part not in dump, "the log never holds a token"


# ---- the admin API ---------------------------------------------------------------------------------------
def test_filters_newest_first_and_pagination(walked):
    app, consumer = walked
    client, world = consumer.client, app.extensions["dsop"].world
    everything = rows_of(client)
    assert [r["id"] for r in everything] == sorted((r["id"] for r in everything), reverse=True)
    alpha = world.banks["alpha"]
    for value in (alpha.id, alpha.org_number):
        rows = rows_of(client, f"&bank={value}")
        assert rows and {r["bank"] for r in rows} == {alpha.org_number}
    assert {r["api"] for r in rows_of(client, "&consumer=skatteetaten")} == {"register", "bank", "maskinporten"}
    assert rows_of(client, "&consumer=999999999") == []
    one = consumer.sent[3]["cid"]
    assert [r["correlationId"] for r in rows_of(client, f"&correlationId={one}")] == [one]
    assert len(rows_of(client, f"&case={consumer.case_id}")) == len(consumer.sent)
    assert len(rows_of(client, "&status=2xx")) == len(everything) and rows_of(client, "&status=500") == []
    assert len(rows_of(client, "&endpoint=transactions")) == sum(s["path"].endswith("/transactions") for s in consumer.sent)
    # walk the pages with the next links: every row once, newest first
    seen, url = [], "/sandbox/v1/requests?limit=4"
    while url:
        page = client.get(url).json
        assert page["count"] <= 4
        seen += [r["id"] for r in page["requests"]]
        url = next((lk["href"] for lk in page["links"] if lk["rel"] == "next"), None)
    assert seen == [r["id"] for r in everything]
    one_row = client.get(f"/sandbox/v1/requests/{everything[-1]['id']}").json
    assert one_row == everything[-1]
    assert client.get("/sandbox/v1/requests/999999").status_code == 404


@pytest.mark.parametrize("query", ["status=teapot", "limit=0", "limit=x", "before=-1"])
def test_bad_filters_are_400(walked, query):
    r = walked[1].client.get(f"/sandbox/v1/requests?{query}")
    assert r.status_code == 400 and r.is_json and r.json["message"]


def test_case_pages_and_clearing(walked):
    app, consumer = walked
    client = consumer.client
    first = client.get(f"/sandbox/v1/cases/{consumer.case_id}?limit=5").json
    rest = client.get(next(lk["href"] for lk in first["links"] if lk["rel"] == "next")).json
    assert [r["correlationId"] for r in first["requests"] + rest["requests"]][:10] == [s["cid"] for s in consumer.sent][:10]
    assert client.get("/sandbox/v1/cases/nobodys-case").json["count"] == 0
    assert client.delete("/sandbox/v1/requests").json["deleted"] >= len(consumer.sent)
    assert rows_of(client) == []


def test_no_audit_writes_nothing_and_says_so(make_app):
    app = make_app(SCENARIO, fresh=True, auth=False, audit=False)
    client = app.test_client()
    assert client.get("/altinn/v1/directharvest/Kontrollinformasjon").status_code == 200
    r = client.get("/sandbox/v1/requests")
    assert r.status_code == 404 and "--no-audit" in r.json["message"]
    store = app.extensions["dsop"].state
    tables = {row[0] for row in store.connection().execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "audit_log" not in tables


def test_a_failing_log_write_never_breaks_the_answer(make_app, caplog):
    app = make_app(SCENARIO, fresh=True, auth=False)
    audit = app.extensions["sandbox.audit"]

    def broken(row):
        raise RuntimeError("disk full")

    audit.write = broken
    r = app.test_client().get("/altinn/v1/directharvest/Kontrollinformasjon")
    assert r.status_code == 200
    assert "audit row for GET /altinn/v1/directharvest/Kontrollinformasjon was not written" in caplog.text


# ---- the admin token -------------------------------------------------------------------------------------
def test_admin_token_protects_every_admin_route_and_refuses_dsop_tokens(make_app):
    # issue 14: --admin-token turns the shortcut grant off unless --token-shortcut on says otherwise
    app = make_app(SCENARIO, fresh=True, auth=True, admin_token="workshop-secret", token_shortcut="on")
    consumer = Consumer(app, "0c4e5a2a-3333-4000-8000-00000000ca5e")
    client = consumer.client
    dsop = consumer.token(f"{consumer.public}/kar-ws/api/v2", "bits:kundeforhold")
    for path in ("/sandbox/v1/requests", "/sandbox/v1/banks", "/sandbox/v1/clock", "/sandbox/v1/cases/x"):
        r = client.get(path)
        assert r.status_code == 401 and r.is_json and "admin token" in r.json["message"]
        assert client.get(path, headers={"Authorization": "Bearer wrong"}).status_code == 401
        r = client.get(path, headers={"Authorization": f"Bearer {dsop}"})
        assert r.status_code == 403 and "DSOP access token" in r.json["message"]
        assert client.get(path, headers={"Authorization": "Bearer workshop-secret"}).status_code == 200
        assert client.get(path, headers={"Sandbox-Admin-Token": "workshop-secret"}).status_code == 200
    assert client.post("/sandbox/v1/clock", json={"advance": "+1d"}).status_code == 401
    assert client.post("/sandbox/v1/clock", json={"advance": "+1d"},
                       headers={"Sandbox-Admin-Token": "workshop-secret"}).json["today"] == "2025-07-01"
    # the DSOP APIs and the health check are not behind the admin token
    assert client.get("/health").status_code == 200
    ola = app.extensions["dsop"].world.parties["ola"].identifier
    consumer.walk(ola)
    assert all(s["status"] == 200 for s in consumer.sent)
    # and the admin token is never a DSOP token
    r = client.get("/kar-ws/api/v2/customers/customerRelationships?fromDate=2024-07-01&toDate=2025-07-01",
                   headers={"Authorization": "Bearer workshop-secret", "CustomerID": ola,
                            "CorrelationID": str(uuid.uuid4()), "AccountInfoRequestID": str(uuid.uuid4()),
                            "Legal-Mandate": MANDATE})
    assert r.status_code == 401
