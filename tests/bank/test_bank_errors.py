"""Malformed requests: one row per field and kind of failure (DESIGN D3, D4, D7, D8; protocol.md §2.5, §3.7.4).

Every row checks the status, the wire code, that the message names the offending field, that the body is
`application/json` and that it validates (bank: Bank_v2.yaml through `BankApi`; owners and register: the
shapes in support.py). The robustness section throws odd bytes at the APIs: never a 500, never HTML.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import quote, unquote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import (
    BANK_ERROR_SCHEMA,
    HEADERS,
    REGISTER_ERROR_SCHEMA,
    YEAR_2024,
    BankApi,
    RegisterApi,
    T,
    assert_valid,
    bad_check_digit,
    unknown_person,
)

DROP = object()  # "leave this header / query parameter out"
#: Skatt-Kontroll's mandate as raw text instead of percent-encoded (R-69): as a WSGI server hands it over (latin-1
#: text), once sent as UTF-8 bytes and once as latin-1 bytes.
RAW_MANDATE_UTF8 = unquote(HEADERS["Legal-Mandate"]).encode("utf-8").decode("latin-1")
RAW_MANDATE_LATIN1 = unquote(HEADERS["Legal-Mandate"])
BANK_ENDPOINTS = ("accounts", "details", "transactions", "cards", "roles", "owners")
REF_ENDPOINTS = ("details", "transactions", "cards", "roles")


@dataclass(frozen=True)
class Target:
    path: str
    query: dict
    headers: dict


@pytest.fixture(scope="module")
def targets(api: BankApi) -> dict[str, Target]:
    """A valid request for every bank endpoint (Ola, his salary account at alpha, the year 2024)."""
    period = {"fromDate": YEAR_2024[0], "toDate": YEAR_2024[1]}
    ref = api.ref("ola", "ola-salary", YEAR_2024)
    out = {
        "accounts": Target("/accounts", {**period, "OnlyPrimaryOwner": "false"}, {"PartyID": api.pid("ola")}),
        "details": Target(f"/accounts/{ref}", period, {}),
        "transactions": Target(f"/accounts/{ref}/transactions", period, {}),
        "cards": Target(f"/accounts/{ref}/cards", period, {}),
        "roles": Target(f"/accounts/{ref}/roles", period, {}),
        "owners": Target(f"/accounts/{api.number('ola-salary')}/owners", period, {}),
    }
    for name, target in out.items():  # the baseline is valid
        assert api.call("alpha", target.path, target.query, target.headers).status_code == 200, name
    return out


def _send(api: BankApi, target: Target, *, headers=None, query=None, method="GET", path=None):
    """The target request with headers/query parameters replaced (value DROP: left out)."""
    sent_headers = {**target.headers, **(headers or {})}
    sent_query = {**target.query, **(query or {})}
    drop = tuple(k for k, v in sent_headers.items() if v is DROP)
    sent_headers = {k: v for k, v in sent_headers.items() if v is not DROP}
    sent_query = {k: v for k, v in sent_query.items() if v is not DROP}
    return api.call("alpha", path or target.path, sent_query, sent_headers, method=method, drop=drop)


def _code(response) -> tuple[int, str]:
    return response.status_code, json.loads(response.data).get("code")


def _assert_error(response, status: int, code: str, needle: str | None):
    assert response.status_code == status, f"expected {status} {code}, got {response.status_code}: {response.data[:300]!r}"
    assert response.mimetype == "application/json", response.content_type
    body = json.loads(response.data)
    assert_valid(BANK_ERROR_SCHEMA, body, "bank error")
    assert body["code"] == code, body
    if needle is not None:
        assert needle.lower() in body["message"].lower(), f"the message does not name {needle!r}: {body['message']!r}"


# ---- the table ------------------------------------------------------------------------------------------
# (id, endpoints, headers, query, status, code, needle). `needle` must appear in the message.
COMMON = [
    ("AccountInfoRequestID-missing", {"AccountInfoRequestID": DROP}, {}, "AccountInfoRequestID"),
    ("AccountInfoRequestID-empty", {"AccountInfoRequestID": ""}, {}, "AccountInfoRequestID"),
    ("AccountInfoRequestID-not-uuid", {"AccountInfoRequestID": "not-a-uuid"}, {}, "AccountInfoRequestID"),
    ("AccountInfoRequestID-no-dashes", {"AccountInfoRequestID": "d4a820caddde41edb5ea0242ac120002"}, {}, "AccountInfoRequestID"),
    ("AccountInfoRequestID-braces", {"AccountInfoRequestID": "{d4a820ca-ddde-41ed-b5ea-0242ac120002}"}, {}, "AccountInfoRequestID"),
    ("AccountInfoRequestID-non-hex", {"AccountInfoRequestID": "d4a820ca-ddde-41ed-b5ea-0242ac12000g"}, {}, "AccountInfoRequestID"),
    ("CorrelationID-missing", {"CorrelationID": DROP}, {}, "CorrelationID"),
    ("CorrelationID-not-uuid", {"CorrelationID": "12345"}, {}, "CorrelationID"),
    ("CorrelationID-too-long", {"CorrelationID": "14fbc062-aacb-4449-93c1-85c352d387a4a"}, {}, "CorrelationID"),
    ("Legal-Mandate-missing", {"Legal-Mandate": DROP}, {}, "Legal-Mandate"),
    ("Legal-Mandate-empty", {"Legal-Mandate": " "}, {}, "Legal-Mandate"),
    ("Legal-Mandate-bad-utf8", {"Legal-Mandate": "Skatteforvaltningsloven%20%C3%28"}, {}, "Legal-Mandate"),
    ("Legal-Mandate-lone-byte", {"Legal-Mandate": "%FF"}, {}, "Legal-Mandate"),
    ("Legal-Mandate-truncated-utf8", {"Legal-Mandate": "%E2%82"}, {}, "Legal-Mandate"),
    ("Legal-Mandate-control-char", {"Legal-Mandate": "abc%00def"}, {}, "Legal-Mandate"),
    ("Legal-Mandate-raw-utf8", {"Legal-Mandate": RAW_MANDATE_UTF8}, {}, "Legal-Mandate"),
    ("Legal-Mandate-raw-latin1", {"Legal-Mandate": RAW_MANDATE_LATIN1}, {}, "Legal-Mandate"),
    ("fromDate-missing", {}, {"fromDate": DROP}, "fromDate"),
    ("fromDate-empty", {}, {"fromDate": ""}, "fromDate"),
    ("fromDate-month-13", {}, {"fromDate": "2024-13-01"}, "fromDate"),
    ("fromDate-dotted", {}, {"fromDate": "01.01.2024"}, "fromDate"),
    ("fromDate-feb-30", {}, {"fromDate": "2024-02-30"}, "fromDate"),
    ("fromDate-basic-format", {}, {"fromDate": "20240101"}, "fromDate"),
    ("fromDate-datetime", {}, {"fromDate": "2024-01-01T00:00:00Z"}, "fromDate"),
    ("toDate-missing", {}, {"toDate": DROP}, "toDate"),
    ("toDate-month-13", {}, {"toDate": "2024-13-01"}, "toDate"),
    ("toDate-dotted", {}, {"toDate": "31.12.2024"}, "toDate"),
    ("fromDate-after-toDate", {}, {"fromDate": "2024-12-31", "toDate": "2024-01-01"}, "fromDate"),
    ("toDate-after-today", {}, {"toDate": "2025-07-01"}, "toDate"),
    ("AdditionalReferenceIDType-xyz", {"AdditionalReferenceIDType": "xyz"}, {}, "AdditionalReferenceIDType"),
    ("AdditionalReferenceIDType-v1-pol", {"AdditionalReferenceIDType": "pol"}, {}, "AdditionalReferenceIDType"),
]
ACCOUNTS_ONLY = [
    ("PartyID-missing", {"PartyID": DROP}, {}, "PartyID"),
    ("PartyID-empty", {"PartyID": ""}, {}, "PartyID"),
    ("PartyID-10-digits", {"PartyID": "1390579744"}, {}, "PartyID"),
    ("PartyID-12-digits", {"PartyID": "139057974460"}, {}, "PartyID"),
    ("PartyID-bad-checksum", {"PartyID": "@bad-person"}, {}, "PartyID"),
    ("PartyID-bad-org-checksum", {"PartyID": "@bad-org"}, {}, "PartyID"),
    ("PartyID-letters", {"PartyID": "abcdefghijk"}, {}, "PartyID"),
    ("PartyID-separators", {"PartyID": "139057 97446"}, {}, "PartyID"),
    ("OnlyPrimaryOwner-missing", {}, {"OnlyPrimaryOwner": DROP}, "OnlyPrimaryOwner"),
    ("OnlyPrimaryOwner-empty", {}, {"OnlyPrimaryOwner": ""}, "OnlyPrimaryOwner"),
    ("OnlyPrimaryOwner-maybe", {}, {"OnlyPrimaryOwner": "maybe"}, "OnlyPrimaryOwner"),
    ("OnlyPrimaryOwner-1", {}, {"OnlyPrimaryOwner": "1"}, "OnlyPrimaryOwner"),
    ("page-abc", {}, {"page": "abc"}, "page"),
    ("page-zero", {}, {"page": "0"}, "page"),
    ("page-negative", {}, {"page": "-1"}, "page"),
    ("page-integer", {}, {"page": "2"}, "page"),  # D6/Q-10: a page number built by hand, not a links cursor
    ("page-one", {}, {"page": "1"}, "page"),
]
TRANSACTIONS_ONLY = [
    ("page-abc", {}, {"page": "abc"}, "page"),
    ("page-zero", {}, {"page": "0"}, "page"),
    ("page-fraction", {}, {"page": "1.5"}, "page"),
    ("page-integer", {}, {"page": "2"}, "page"),
    ("page-one", {}, {"page": "1"}, "page"),
    ("page-cursor-shaped", {}, {"page": "AAAAAAAAAAAAAAAA"}, "page"),
]
OWNERS_ONLY = [  # accountID is the 11-digit account number (D2)
    ("accountID-short", "1234"),
    ("accountID-letters", "abcdefghijk"),
    ("accountID-12-digits", "995054604441"),
    ("accountID-dotted", "9950.54.60444"),
    ("accountID-reference", "d4a820ca-ddde-41ed-b5ea-0242ac120002"),
]

ROWS = ([(f"{ep}:{cid}", ep, h, q, n) for ep in BANK_ENDPOINTS for cid, h, q, n in COMMON]
        + [(f"accounts:{cid}", "accounts", h, q, n) for cid, h, q, n in ACCOUNTS_ONLY]
        + [(f"transactions:{cid}", "transactions", h, q, n) for cid, h, q, n in TRANSACTIONS_ONLY])


@pytest.mark.parametrize("endpoint,headers,query,needle", [r[1:] for r in ROWS], ids=[r[0] for r in ROWS])
def test_malformed_request_400_ACC_001(api: BankApi, targets, endpoint, headers, query, needle):
    headers = dict(headers)
    if headers.get("PartyID") == "@bad-person":
        headers["PartyID"] = bad_check_digit(api.pid("ola"))
    elif headers.get("PartyID") == "@bad-org":
        headers["PartyID"] = bad_check_digit(api.pid("fjell"))
    response = _send(api, targets[endpoint], headers=headers, query=query)
    _assert_error(response, 400, "ACC-001", needle)


@pytest.mark.parametrize("value", [v for _, v in OWNERS_ONLY], ids=[c for c, _ in OWNERS_ONLY])
def test_owners_malformed_account_id_400_ACC_001(api: BankApi, targets, value):
    response = _send(api, targets["owners"], path=f"/accounts/{quote(value)}/owners")
    _assert_error(response, 400, "ACC-001", "accountID")


@pytest.mark.parametrize("endpoint", BANK_ENDPOINTS)
@pytest.mark.parametrize("accept", ["text/html", "application/xml", "text/html,application/xhtml+xml", "image/*"])
def test_unsupported_accept_406_ACC_013(api: BankApi, targets, endpoint, accept):
    response = _send(api, targets[endpoint], headers={"Accept": accept})
    _assert_error(response, 406, "ACC-013", "Accept")


@pytest.mark.parametrize("accept", [DROP, "application/json", "*/*", "application/*", "application/json; charset=utf-8",
                                    "text/html;q=0.9, application/json"])
def test_json_accept_values_are_served(api: BankApi, targets, accept):
    assert _send(api, targets["details"], headers={"Accept": accept}).status_code == 200


@pytest.mark.parametrize("endpoint", BANK_ENDPOINTS)
@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_non_get_method_405_ACC_012(api: BankApi, targets, endpoint, method):
    response = _send(api, targets[endpoint], method=method)
    _assert_error(response, 405, "ACC-012", method)


@pytest.mark.parametrize("endpoint", ["accounts", "details"])
def test_options_method_405_ACC_012(api: BankApi, targets, endpoint):
    response = _send(api, targets[endpoint], method="OPTIONS")
    _assert_error(response, 405, "ACC-012", "OPTIONS")


METHOD_MESSAGE = "method {} is not allowed: the DSOP APIs only answer GET"  # as sandbox/openapi/examples.py documents


@pytest.mark.parametrize("endpoint", BANK_ENDPOINTS)
@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"])
def test_R01_405_names_only_GET_with_an_Allow_header(api: BankApi, targets, endpoint, method):
    """R-01/D3: GET only. The body is the same bytes on every server (no set order of werkzeug's methods in it) and
    says what is true: OPTIONS and HEAD are refused too, so only GET is allowed; `Allow` as RFC 9110 §15.5.6 asks."""
    response = _send(api, targets[endpoint], method=method)
    _assert_error(response, 405, "ACC-012", method)
    assert response.headers["Allow"] == "GET"
    assert json.loads(response.data)["message"] == METHOD_MESSAGE.format(method)


@pytest.mark.parametrize("endpoint", BANK_ENDPOINTS)
def test_R01_HEAD_405_ACC_012(api: BankApi, targets, endpoint):
    """D3 says GET only, and HEAD is another method: 405 ACC-012 (no body, as for every HEAD), not Flask's implicit
    HEAD-as-GET. A bank body's size leaks nothing, but a consumer that relies on HEAD would break on real banks."""
    target = targets[endpoint]
    response = api.call("alpha", target.path, target.query, target.headers, method="HEAD", check=False)
    assert (response.status_code, response.mimetype, response.headers["Allow"]) == (405, "application/json", "GET")
    assert response.data == b""


@pytest.mark.parametrize("endpoint", ["customerRelationships", "accountServicingProvider"])
@pytest.mark.parametrize("method", ["HEAD", "OPTIONS", "POST"])
def test_R01_register_405_names_only_GET_with_an_Allow_header(register: RegisterApi, endpoint, method):
    base = {"CustomerID": register.world.parties["ola"].identifier} if endpoint == "customerRelationships" else {
        "AccountID": register.world.accounts["joint"].number}
    url = f"{register.PREFIX}/{endpoint}?fromDate=2024-01-01&toDate=2024-12-31"
    response = register.client.open(url, method=method, headers={**HEADERS, **base})
    assert (response.status_code, response.mimetype, response.headers["Allow"]) == (405, "application/json", "GET")
    if method != "HEAD":
        body = json.loads(response.data)
        assert_valid(REGISTER_ERROR_SCHEMA, body, "register error")
        assert (body["errorCode"], body["errorMessage"]) == ("ERR-405", METHOD_MESSAGE.format(method))


@pytest.mark.parametrize("path,allowed", [("/health", "GET, HEAD"), ("/altinn/v1/directharvest/Kontrollinformasjon", "GET, HEAD"),
                                          ("/sandbox/v1/clock", "GET, HEAD, POST")])
def test_non_api_routes_keep_HEAD_and_list_their_methods_in_order(client, path, allowed):
    """Outside the DSOP APIs HEAD works; a refused method names the route's methods sorted (the same bytes on every
    server), without OPTIONS (refused too), with the same Allow header."""
    assert client.head(path).status_code == 200
    response = client.delete(path)
    assert (response.status_code, response.headers["Allow"]) == (405, allowed)
    assert response.get_json() == {"error": 405, "message": f"method DELETE is not allowed here (allowed: {allowed})"}


@pytest.mark.parametrize("endpoint", ["accounts", "details", "transactions", "owners"])
@pytest.mark.parametrize("mandate", [RAW_MANDATE_UTF8, RAW_MANDATE_LATIN1], ids=["utf8", "latin1"])
def test_raw_legal_mandate_is_malformed_400_ACC_001(api: BankApi, targets, endpoint, mandate):
    """R-69, protocol.md §3.4, D4: the mandate travels percent-encoded (ASCII); raw non-ASCII text is not decodable
    (HTTP gives its bytes no charset), so 400 ACC-001 whichever bytes were sent, not 403 for UTF-8 and 200 for
    latin-1 as the server's latin-1 decoding happened to give before."""
    response = _send(api, targets[endpoint], headers={"Legal-Mandate": mandate})
    _assert_error(response, 400, "ACC-001", "percent-encoded")


@pytest.mark.parametrize("mandate", [
    quote(unquote(HEADERS["Legal-Mandate"]), safe=""),  # %28/%29-style: every reserved character encoded
    unquote(HEADERS["Legal-Mandate"]).replace("§", "%C2%A7").replace("ø", "%C3%B8"),  # ASCII spaces left raw
])
def test_equivalent_percent_encodings_of_the_mandate_are_accepted(api: BankApi, targets, mandate):
    """§3.4 [INF]: compared after percent-decoding, so other ASCII encodings of the same text are the same mandate."""
    assert _send(api, targets["accounts"], headers={"Legal-Mandate": mandate}).status_code == 200


@pytest.mark.parametrize("name,pairs", [
    ("fromDate", [("fromDate", "2024-01-01"), ("fromDate", "2020-01-01")]),
    ("toDate", [("toDate", "2024-12-31"), ("toDate", "2024-06-30")]),
    ("page", [("page", "1"), ("page", "2")]),
    ("OnlyPrimaryOwner", [("OnlyPrimaryOwner", "false"), ("OnlyPrimaryOwner", "true")]),
    ("OnlyPrimaryOwner", [("OnlyPrimaryOwner", "false"), ("onlyprimaryowner", "false")]),  # any letter case (D9)
], ids=["fromDate", "toDate", "page", "OnlyPrimaryOwner", "OnlyPrimaryOwner-two-cases"])
def test_duplicate_query_parameter_400_ACC_001(api: BankApi, targets, name, pairs):
    """Two values of one parameter are ambiguous: 400 naming it, rather than silently taking the first."""
    target = targets["accounts"]
    repeated = {k.lower() for k, _ in pairs}
    query = [(k, v) for k, v in target.query.items() if k.lower() not in repeated] + pairs
    response = api.call("alpha", target.path, query, target.headers)
    _assert_error(response, 400, "ACC-001", name)
    assert "more than once" in json.loads(response.data)["message"]


@pytest.mark.parametrize("endpoint", ["details", "transactions"])
def test_duplicate_period_on_reference_endpoints_400_ACC_001(api: BankApi, targets, endpoint):
    target = targets[endpoint]
    response = api.call("alpha", target.path, [*target.query.items(), ("toDate", target.query["toDate"])])
    _assert_error(response, 400, "ACC-001", "toDate")


@pytest.mark.parametrize("value", ["", " "])
def test_empty_OnlyPrimaryOwner_says_true_or_false_400_ACC_001(api: BankApi, targets, value):
    """Present but empty is a wrong value (true/false expected), not a missing parameter."""
    response = _send(api, targets["accounts"], query={"OnlyPrimaryOwner": value})
    _assert_error(response, 400, "ACC-001", "OnlyPrimaryOwner")
    assert "true or false" in json.loads(response.data)["message"]


@pytest.mark.parametrize("endpoint", BANK_ENDPOINTS)
def test_unknown_bank_404_ACC_002(api: BankApi, targets, endpoint):
    for orgnr in ("999999999", "123", "not-a-bank"):
        target = targets[endpoint]
        response = api.call(None, target.path, target.query, target.headers, base=f"/banks/{orgnr}/v2")
        _assert_error(response, 404, "ACC-002", orgnr)


@pytest.mark.parametrize("path", ["", "/", "/accounts/", "/nonsense", "/accounts/{ref}/balances",
                                  "/accounts/{ref}/transactions/extra", "/accounts/{ref}/owners/x", "/v2/accounts"])
def test_unknown_route_404_ACC_002(api: BankApi, targets, path):
    ref = targets["details"].path.rsplit("/", 1)[1]
    response = api.call("alpha", path.replace("{ref}", ref), targets["details"].query)
    _assert_error(response, 404, "ACC-002", None)


def test_unknown_reference_for_party_404_but_request_errors_first(api: BankApi, targets):
    """A malformed request with an unknown reference is a 400: parameters are checked before the lookup."""
    response = api.call("alpha", "/accounts/00000000-0000-0000-0000-000000000000", {"fromDate": "2024-13-01", "toDate": T})
    _assert_error(response, 400, "ACC-001", "fromDate")


@pytest.mark.parametrize("party", ["hanne", "@unknown"])
def test_page_is_validated_for_every_party(api: BankApi, targets, party):
    pid = unknown_person(api.world) if party == "@unknown" else api.pid(party)
    response = _send(api, targets["accounts"], headers={"PartyID": pid}, query={"page": "abc"})
    _assert_error(response, 400, "ACC-001", "page")


# ---- the register --------------------------------------------------------------------------------------
REGISTER_PERIOD = {"fromDate": "2024-01-01", "toDate": "2024-12-31"}
REGISTER_ROWS = [
    # (id, endpoint, headers, query, status, code, needle)
    ("CustomerID-missing", "customerRelationships", {"CustomerID": DROP}, {}, 400, "ERR-002", "CustomerID"),
    ("CustomerID-empty", "customerRelationships", {"CustomerID": ""}, {}, 400, "ERR-002", "CustomerID"),
    ("CustomerID-short", "customerRelationships", {"CustomerID": "123"}, {}, 400, "ERR-002", "CustomerID"),
    ("CustomerID-bad-checksum", "customerRelationships", {"CustomerID": "@bad-person"}, {}, 400, "ERR-002", "CustomerID"),
    ("CustomerID-letters", "customerRelationships", {"CustomerID": "abcdefghijk"}, {}, 400, "ERR-002", "CustomerID"),
    ("fromDate-missing", "customerRelationships", {}, {"fromDate": DROP}, 400, "ERR-003", "fromDate"),
    ("toDate-missing", "customerRelationships", {}, {"toDate": DROP}, 400, "ERR-003", "toDate"),
    ("fromDate-month-13", "customerRelationships", {}, {"fromDate": "2024-13-01"}, 400, "ERR-003", "fromDate"),
    ("toDate-dotted", "customerRelationships", {}, {"toDate": "31.12.2024"}, 400, "ERR-003", "toDate"),
    ("fromDate-after-toDate", "customerRelationships", {}, {"fromDate": "2024-12-31", "toDate": "2024-01-01"}, 400, "ERR-003", "fromDate"),
    ("toDate-after-today", "customerRelationships", {}, {"toDate": "2025-07-01"}, 400, "ERR-003", "toDate"),
    ("CorrelationID-missing", "customerRelationships", {"CorrelationID": DROP}, {}, 400, "ERR-006", "CorrelationID"),
    ("CorrelationID-not-uuid", "customerRelationships", {"CorrelationID": "abc"}, {}, 400, "ERR-006", "CorrelationID"),
    ("AccountInfoRequestID-missing", "customerRelationships", {"AccountInfoRequestID": DROP}, {}, 400, "ERR-006", "AccountInfoRequestID"),
    ("AccountInfoRequestID-not-uuid", "customerRelationships", {"AccountInfoRequestID": "1-2-3-4-5"}, {}, 400, "ERR-006", "AccountInfoRequestID"),
    ("Legal-Mandate-missing", "customerRelationships", {"Legal-Mandate": DROP}, {}, 400, "ERR-006", "Legal-Mandate"),
    ("Legal-Mandate-bad-utf8", "customerRelationships", {"Legal-Mandate": "%C3%28"}, {}, 400, "ERR-006", "Legal-Mandate"),
    ("Legal-Mandate-raw-utf8", "customerRelationships", {"Legal-Mandate": RAW_MANDATE_UTF8}, {}, 400, "ERR-006", "Legal-Mandate"),
    ("Legal-Mandate-raw-latin1", "customerRelationships", {"Legal-Mandate": RAW_MANDATE_LATIN1}, {}, 400, "ERR-006", "Legal-Mandate"),
    ("onlyPrimaryOwner-empty", "customerRelationships", {}, {"onlyPrimaryOwner": ""}, 400, "ERR-006", "onlyPrimaryOwner"),
    ("onlyPrimaryOwner-maybe", "customerRelationships", {}, {"onlyPrimaryOwner": "maybe"}, 400, None, "onlyPrimaryOwner"),
    ("AccountID-missing", "accountServicingProvider", {"AccountID": DROP}, {}, 400, "ERR-004", "AccountID"),
    ("AccountID-short", "accountServicingProvider", {"AccountID": "12345"}, {}, 400, "ERR-004", "AccountID"),
    ("AccountID-letters", "accountServicingProvider", {"AccountID": "abcdefghijk"}, {}, 400, "ERR-004", "AccountID"),
    ("AccountID-too-long", "accountServicingProvider", {"AccountID": "9" * 21}, {}, 400, "ERR-004", "AccountID"),
    ("asp-CorrelationID-missing", "accountServicingProvider", {"CorrelationID": DROP}, {}, 400, "ERR-006", "CorrelationID"),
    ("asp-AccountInfoRequestID-bad", "accountServicingProvider", {"AccountInfoRequestID": "x"}, {}, 400, "ERR-006", "AccountInfoRequestID"),
    ("asp-Legal-Mandate-missing", "accountServicingProvider", {"Legal-Mandate": DROP}, {}, 400, "ERR-006", "Legal-Mandate"),
]


def _register_send(register: RegisterApi, endpoint, headers=None, query=None, method="GET"):
    base_headers = ({"CustomerID": register.world.parties["ola"].identifier} if endpoint == "customerRelationships"
                    else {"AccountID": register.world.accounts["joint"].number})
    base_query = REGISTER_PERIOD if endpoint == "customerRelationships" else {}
    sent_headers = {**base_headers, **(headers or {})}
    sent_query = {**base_query, **(query or {})}
    drop = tuple(k for k, v in sent_headers.items() if v is DROP)
    return register.call(endpoint, {k: v for k, v in sent_query.items() if v is not DROP},
                         {k: v for k, v in sent_headers.items() if v is not DROP}, method=method, drop=drop)


def _assert_register_error(response, status, code, needle):
    assert response.status_code == status, f"expected {status} {code}, got {response.status_code}: {response.data[:300]!r}"
    assert response.mimetype == "application/json", response.content_type
    body = json.loads(response.data)
    assert_valid(REGISTER_ERROR_SCHEMA, body, "register error")
    if code is not None:
        assert body["errorCode"] == code, body
    if needle is not None:
        assert needle.lower() in body["errorMessage"].lower(), f"message does not name {needle!r}: {body['errorMessage']!r}"


def test_register_baselines_are_valid(register: RegisterApi):
    for endpoint in ("customerRelationships", "accountServicingProvider"):
        assert _register_send(register, endpoint).status_code == 200


@pytest.mark.parametrize("endpoint,headers,query,status,code,needle", [r[1:] for r in REGISTER_ROWS],
                         ids=[r[0] for r in REGISTER_ROWS])
def test_register_malformed_request(register: RegisterApi, endpoint, headers, query, status, code, needle):
    headers = dict(headers)
    if headers.get("CustomerID") == "@bad-person":
        headers["CustomerID"] = bad_check_digit(register.world.parties["ola"].identifier)
    response = _register_send(register, endpoint, headers, query)
    _assert_register_error(response, status, code, needle)


@pytest.mark.parametrize("endpoint", ["customerRelationships", "accountServicingProvider"])
@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_register_non_get_method_405(register: RegisterApi, endpoint, method):
    _assert_register_error(_register_send(register, endpoint, method=method), 405, None, method)


@pytest.mark.parametrize("value", ["", "  "])
def test_register_empty_onlyPrimaryOwner_is_a_wrong_value_not_a_missing_one(register: RegisterApi, value):
    """onlyPrimaryOwner is optional (D9, R-21): sent empty it is not "required", it is not true or false."""
    response = _register_send(register, "customerRelationships", query={"onlyPrimaryOwner": value})
    _assert_register_error(response, 400, "ERR-006", "onlyPrimaryOwner")
    message = response.get_json()["errorMessage"]
    assert "true or false" in message and "required" not in message, message


@pytest.mark.parametrize("pairs,code,needle", [
    ([("fromDate", "2024-01-01"), ("fromDate", "2023-01-01"), ("toDate", "2024-12-31")], "ERR-003", "fromDate"),
    ([("fromDate", "2024-01-01"), ("toDate", "2024-12-31"), ("toDate", "2024-06-30")], "ERR-003", "toDate"),
    ([("fromDate", "2024-01-01"), ("toDate", "2024-12-31"), ("onlyPrimaryOwner", "true"), ("onlyPrimaryOwner", "false")],
     "ERR-006", "onlyPrimaryOwner"),
], ids=["fromDate", "toDate", "onlyPrimaryOwner"])
def test_register_duplicate_query_parameter_400(register: RegisterApi, pairs, code, needle):
    response = register.call("customerRelationships", pairs, {"CustomerID": register.world.parties["ola"].identifier})
    _assert_register_error(response, 400, code, needle)
    assert "more than once" in response.get_json()["errorMessage"]


def test_register_unknown_route_404(client):
    for path in ("/kar-ws/api/v2/customers/nothing", "/kar-ws/api/v2/", "/kar-ws/api/v1/customers/customerRelationships"):
        response = client.get(path, headers=HEADERS)
        _assert_register_error(response, 404, None, None)


# ---- identifiers written with non-ASCII digits --------------------------------------------------------------
SUPERSCRIPT_TWO = "\u00b2"  # "²": str.isdigit() is True, int() refuses it; a latin-1 byte (0xB2) in a header


@pytest.mark.parametrize("endpoint", ["accounts", "transactions"])
def test_page_with_non_ascii_digit_400_ACC_001(api: BankApi, targets, endpoint):
    response = _send(api, targets[endpoint], query={"page": SUPERSCRIPT_TWO})
    _assert_error(response, 400, "ACC-001", "page")


def test_owners_account_id_with_non_ascii_digits_400_ACC_001(api: BankApi, targets):
    response = _send(api, targets["owners"], path=f"/accounts/{quote(SUPERSCRIPT_TWO * 11)}/owners")
    _assert_error(response, 400, "ACC-001", "accountID")


def test_register_account_id_with_non_ascii_digits_400_ERR_004(register: RegisterApi):
    response = _register_send(register, "accountServicingProvider", {"AccountID": SUPERSCRIPT_TWO * 11})
    _assert_register_error(response, 400, "ERR-004", "AccountID")


@pytest.mark.parametrize("field", ["PartyID", "AccountInfoRequestID"])
def test_non_ascii_digits_in_identifiers_400_ACC_001(api: BankApi, targets, field):
    value = SUPERSCRIPT_TWO * 11 if field == "PartyID" else "d4a820ca-ddde-41ed-b5ea-0242ac1200" + SUPERSCRIPT_TWO * 2
    _assert_error(_send(api, targets["accounts"], headers={field: value}), 400, "ACC-001", field)


@pytest.mark.parametrize("field", ["fromDate", "toDate"])
def test_non_ascii_digits_in_dates_400_ACC_001(api: BankApi, targets, field):
    value = "\uff12\uff10\uff12\uff14-01-01"  # full-width digits: \d matches them
    _assert_error(_send(api, targets["details"], query={field: value}), 400, "ACC-001", field)


# ---- robustness: never a 500, never HTML ------------------------------------------------------------------
BANK_HEADERS = ["AccountInfoRequestID", "CorrelationID", "Legal-Mandate", "PartyID", "AdditionalReferenceID",
                "AdditionalReferenceIDType", "RequesterID", "Accept", "Authorization", "X-Unknown"]
VALIDATED = {"AccountInfoRequestID", "CorrelationID", "Legal-Mandate", "PartyID", "AdditionalReferenceIDType"}
ODD_VALUES = {
    "10kB": "a" * 10_240,
    "10kB-percent": "%41" * 3_414,
    "nul": "\x00",
    "control": "abc\x01def",
    "escape": "\x1b[31mred\x1b[0m",
    "del": "\x7f",
    "tab-inside": "a\tb",
    "latin1": "Bjørn Ærlig Å",
    "utf8-as-latin1": "Ã¸Ã¥",
    "high-bytes": "\xff\xfe\xfd",
    "c1-control": "\x85\x9f",
    "empty": "",
    "spaces": "   ",
}
#: Odd values a validated header may legitimately carry: an empty optional header counts as absent. (A mandate in
#: raw, not percent-encoded, non-ASCII text is malformed: 400, see test_raw_legal_mandate_is_malformed_400_ACC_001.)
ACCEPTED_ODD_VALUES = {("AdditionalReferenceIDType", "empty"), ("AdditionalReferenceIDType", "spaces")}


@pytest.mark.parametrize("name", BANK_HEADERS)
@pytest.mark.parametrize("kind", sorted(ODD_VALUES))
def test_odd_header_values_never_500(api: BankApi, targets, name, kind):
    for endpoint in ("accounts", "transactions", "owners"):
        response = _send(api, targets[endpoint], headers={name: ODD_VALUES[kind]})  # BankApi checks the body
        assert response.status_code in (200, 400, 406), response.data[:300]
        validated = name in VALIDATED and (name != "PartyID" or endpoint == "accounts")
        if validated and (name, kind) not in ACCEPTED_ODD_VALUES:
            assert response.status_code == 400, (endpoint, response.data[:300])


@pytest.mark.parametrize("kind", sorted(ODD_VALUES))
def test_register_odd_header_values_never_500(register: RegisterApi, kind):
    for name in ("CustomerID", "CorrelationID", "AccountInfoRequestID", "Legal-Mandate", "X-Unknown"):
        response = _register_send(register, "customerRelationships", {name: ODD_VALUES[kind]})
        assert response.status_code in (200, 400), response.data[:300]
        if name != "X-Unknown":
            assert response.status_code == 400, (name, response.data[:300])
    for name in ("AccountID", "CorrelationID"):
        response = _register_send(register, "accountServicingProvider", {name: ODD_VALUES[kind]})
        assert response.status_code in (200, 400), response.data[:300]


ODD_PATHS = [
    "/banks/{org}/v2/accounts/" + "a" * 20_000,
    "/banks/" + "9" * 5_000 + "/v2/accounts",
    "/banks/{org}/v2/accounts/" + "%41" * 5_000 + "/transactions",
    "/banks/{org}/v2/" + "x/" * 2_000 + "accounts",
    "/banks/%ZZ/v2/accounts",
    "/banks/{org}/v2/accounts/%C3%28",
    "/banks/{org}/v2/accounts/%C3%28/transactions",
    "/banks/{org}/v2/accounts/%E2%82/roles",
    "/banks/{org}/v2/accounts/%00/cards",
    "/banks/{org}/v2/accounts/%",
    "/banks/{org}/v2/accounts/..%2F..%2Fhealth",
    "/banks/{org}/v2/accounts/%FF%FE/owners",
    "/banks/{org}/v2/accounts/%C2%A0%C2%A0/owners",
    "/banks/{org}%00/v2/accounts",
    "/banks/{org}/v2/accounts?fromDate=%C3%28&toDate=%FF&OnlyPrimaryOwner=%00",
    "/banks/{org}/v2/accounts?" + "&".join(f"p{i}=v" for i in range(2_000)),
    "/kar-ws/api/v2/customers/%C3%28",
    "/kar-ws/api/v2/customers/customerRelationships?fromDate=%E2%82&toDate=%00&onlyPrimaryOwner=%FF",
    "/kar-ws/api/v2/customers/" + "b" * 20_000,
    "/altinn/v1/directharvest/Kontrollinformasjon/%C3%28",
]


@pytest.mark.parametrize("path", ODD_PATHS, ids=lambda p: p[:60])
def test_odd_paths_never_500_never_html(client, api: BankApi, path):
    headers = {**HEADERS, "PartyID": api.pid("ola"), "CustomerID": api.pid("ola"), "AccountID": api.number("joint")}
    response = client.get(path.replace("{org}", api.org("alpha")), headers=headers)
    assert response.status_code < 500, response.data[:300]
    assert response.mimetype == "application/json", response.content_type
    body = json.loads(response.data)
    if path.startswith("/banks/") and response.status_code >= 400:
        assert_valid(BANK_ERROR_SCHEMA, body, "bank error")
    elif path.startswith("/kar-ws/") and response.status_code >= 400:
        assert_valid(REGISTER_ERROR_SCHEMA, body, "register error")


@pytest.mark.parametrize("path", ["/banks/{org}/v2/accounts//transactions", "/banks/{org}/v2//accounts",
                                  "/banks/{org}/v2/accounts/%2F%2E%2E%2F/transactions",
                                  "/kar-ws/api/v2/customers//customerRelationships"])
def test_empty_path_segment_answers_json_not_an_html_redirect(client, api: BankApi, path):
    """An empty accountReference (`/accounts//transactions`) is not redirected (308, text/html) elsewhere."""
    headers = {**HEADERS, "PartyID": api.pid("ola"), "CustomerID": api.pid("ola")}
    response = client.get(path.replace("{org}", api.org("alpha")), headers=headers)
    assert response.status_code in (400, 404), (response.status_code, response.headers.get("Location"))
    assert response.mimetype == "application/json", response.content_type


# Header values as a WSGI server hands them over: latin-1 text, no CR/LF (the server refuses those).
_HEADER_TEXT = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=255, blacklist_characters="\r\n"),
                       max_size=300)


@settings(max_examples=120, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(name=st.sampled_from(BANK_HEADERS + ["OnlyPrimaryOwner"]), value=_HEADER_TEXT,
       endpoint=st.sampled_from(BANK_ENDPOINTS))
def test_random_header_values_never_500(api: BankApi, targets, name, value, endpoint):
    response = _send(api, targets[endpoint], headers={name: value})  # BankApi checks status < 500 and the body
    if response.status_code == 403:  # D12: a decodable Legal-Mandate that is no service's mandate
        assert name == "Legal-Mandate" and response.get_json()["code"] == "ACC-011", (name, value)
    else:
        assert response.status_code in (200, 400, 406)


# Query values as any Unicode text (non-ASCII digits in `page` included: a cursor is ASCII, anything else a 400).
_QUERY_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=80, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(name=st.sampled_from(["fromDate", "toDate", "OnlyPrimaryOwner", "page"]), value=_QUERY_TEXT,
       endpoint=st.sampled_from(["accounts", "transactions", "details"]))
def test_random_query_values_never_500(api: BankApi, targets, name, value, endpoint):
    response = _send(api, targets[endpoint], query={name: value})
    assert response.status_code in (200, 400)


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(name=st.sampled_from(["CustomerID", "CorrelationID", "AccountInfoRequestID", "Legal-Mandate", "AccountID",
                             "onlyPrimaryOwner"]), value=_HEADER_TEXT,
       endpoint=st.sampled_from(["customerRelationships", "accountServicingProvider"]))
def test_register_random_header_values_never_500(register: RegisterApi, name, value, endpoint):
    response = _register_send(register, endpoint, {name: value})  # RegisterApi checks status < 500 and the body
    if response.status_code == 403:  # D12: a decodable Legal-Mandate that is no service's mandate
        assert name == "Legal-Mandate" and response.get_json()["errorCode"] == "ERR-001", (name, value)
    else:
        assert response.status_code in (200, 400, 404)
