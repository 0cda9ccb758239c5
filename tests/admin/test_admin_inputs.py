"""The admin API's inputs through their marshmallow schemas (sandbox/admin/schemas.py, sandbox.profiles.extradition.OrderInput,
sandbox/json_input.py): every bad input answers 400 with the message the hand-written checks gave (issue 14 asked
for no change), except JSON null for the clock (`not null` instead of `not 'None'`) and non-ASCII digits in the
request log's query (a 500 or a silently read digit before; 400 now)."""

from __future__ import annotations

import pytest

from sandbox.app import create_app
from sandbox.config import Settings
from sandbox.profiles.extradition import OrderInputError, claims_from_json
from tests.support import TODAY

PARTY = "01828500186"  # synthetic, valid MOD11
BASE = {"partyID": PARTY, "fromDate": "2024-01-01", "toDate": "2025-06-30"}
PARTY_MSG = "partyID must be an 11-digit person/D-number or a 9-digit organisation number"
ONE_CHANGE = 'send a JSON object with exactly one of {"today": "YYYY-MM-DD"}, {"advance": "+1d"} or {"reset": true}'


@pytest.fixture(scope="module")
def client():
    return create_app(Settings(scenario="default")).test_client()


# ---- POST /sandbox/v1/politi/orders and `dsop-sandbox token --extradition-order` --------------------------------
@pytest.mark.parametrize("body, field, message", [
    (None, "body", "send a JSON object"), ([], "body", "send a JSON object"), ("x", "body", "send a JSON object"),
    ({}, "partyID", PARTY_MSG), ({"partyID": None}, "partyID", PARTY_MSG), ({"partyID": 123}, "partyID", PARTY_MSG),
    ({**BASE, "partyID": "12345678901"}, "partyID", PARTY_MSG),
    ({**BASE, "mandate": None}, "mandate", "mandate must be a string"),
    ({**BASE, "mandate": 5}, "mandate", "mandate must be a string"),
    ({**BASE, "mandate": "bogus"}, "mandate",
     "mandate must be 'criminal', 'missing' or one of the two Straffeprosessloven §210 (3) texts"),
    ({**BASE, "fromDate": None}, "fromDate", "fromDate must be a date YYYY-MM-DD"),
    ({**BASE, "fromDate": "2024-1-1"}, "fromDate", "fromDate must be a date YYYY-MM-DD"),
    ({**BASE, "fromDate": "2024-02-30"}, "fromDate", "fromDate must be a date YYYY-MM-DD"),
    ({**BASE, "fromDate": 20240101}, "fromDate", "fromDate must be a date YYYY-MM-DD"),
    ({"partyID": PARTY, "fromDate": "2024-01-01"}, "toDate", "toDate must be a date YYYY-MM-DD"),
    ({**BASE, "onlyPrimaryOwner": "true"}, "onlyPrimaryOwner", "onlyPrimaryOwner must be true or false"),
    ({**BASE, "onlyPrimaryOwner": None}, "onlyPrimaryOwner", "onlyPrimaryOwner must be true or false"),
    ({**BASE, "cards": 0}, "cards", "cards must be true or false"),
    ({**BASE, "approvalTimestamp": "2025-06-01"}, "approvalTimestamp", "approvalTimestamp must be YYYY-MM-DDThh:mm:ssZ"),
    ({**BASE, "approvalTimestamp": 5}, "approvalTimestamp", "approvalTimestamp must be YYYY-MM-DDThh:mm:ssZ"),
    ({**BASE, "approvalTimestamp": "2025-06-31T10:00:00Z"}, "approvalTimestamp",
     "approvalTimestamp is not a calendar date-time"),
    ({**BASE, "exp": True}, "exp", "exp must be a NumericDate (seconds since 1970) or YYYY-MM-DDThh:mm:ssZ"),
    ({**BASE, "exp": 1.5}, "exp", "exp must be a NumericDate (seconds since 1970) or YYYY-MM-DDThh:mm:ssZ"),
    ({**BASE, "exp": "2025-07-32T00:00:00Z"}, "exp",
     "exp must be a NumericDate (seconds since 1970) or YYYY-MM-DDThh:mm:ssZ"),
    ({**BASE, "caseID": "x"}, "caseID", "caseID must be a UUID"),
    ({**BASE, "caseID": 5}, "caseID", "caseID must be a UUID"),
    # several problems: the first in the order partyID, mandate, dates, flags, approval, exp, caseID; the mandate's
    # text (not its type) is checked after all of them
    ({"partyID": "x", "fromDate": "x", "cards": "x"}, "partyID", PARTY_MSG),
    ({**BASE, "toDate": "x", "cards": 1, "exp": "x"}, "toDate", "toDate must be a date YYYY-MM-DD"),
    ({**BASE, "mandate": "bogus", "caseID": "x"}, "caseID", "caseID must be a UUID"),
])
def test_order_input_errors(body, field, message):
    with pytest.raises(OrderInputError) as info:
        claims_from_json(body, TODAY)
    assert (info.value.field, str(info.value)) == (field, message)


def test_order_input_defaults_and_lenient_parts():
    claims = claims_from_json({**BASE, "extra": 1, "approvalTimestamp": None, "exp": None, "caseID": None}, TODAY)
    assert claims["onlyPrimaryOwner"] is False and claims["cards"] is True and claims["mandate"].startswith("Straff")
    assert claims["exp"] - 30 * 86400 == 1751284800  # 30 days after the sandbox's now (noon UTC on today)
    assert claims_from_json({**BASE, "exp": "2025-07-01T00:00:00Z"}, TODAY)["exp"] == 1751328000
    assert claims_from_json({**BASE, "districtID": 12, "districtLabel": None}, TODAY)["district"] == {
        "districtID": "12", "districtLabel": "None"}  # any JSON value, as text (as before)


def test_order_input_error_over_http(client):
    response = client.post("/sandbox/v1/politi/orders", json={**BASE, "cards": "no"})
    assert response.status_code == 400
    assert response.get_json() == {"error": 400, "message": "cards must be true or false", "field": "cards"}


# ---- POST /sandbox/v1/clock -----------------------------------------------------------------------------------
@pytest.mark.parametrize("body, message", [
    ([], ONE_CHANGE), ("x", ONE_CHANGE), ({}, ONE_CHANGE), ({"x": 1}, ONE_CHANGE),
    ({"today": "2025-07-01", "reset": True}, ONE_CHANGE), ({"today": "2025-07-01", "x": 1}, ONE_CHANGE),
    ({"today": "bad", "advance": "bad"}, ONE_CHANGE),
    ({"today": None}, "today must be a date YYYY-MM-DD, not null"),
    ({"today": "2025-13-01"}, "today must be a date YYYY-MM-DD, not '2025-13-01'"),
    ({"today": "x" * 100}, f"today must be a date YYYY-MM-DD, not {'x' * 40!r}"),
    ({"today": "1800-01-01"}, "the sandbox date must lie between 1900-01-01 and 2199-12-31"),
    ({"advance": None}, "advance must be an offset such as +1d, 3d, -2w, +1m or +1y6m, not null"),
    ({"advance": "+1x"}, "advance must be an offset such as +1d, 3d, -2w, +1m or +1y6m, not '+1x'"),
    ({"advance": "today"}, "advance must be an offset such as +1d, 3d, -2w, +1m or +1y6m, not 'today'"),
    ({"advance": 3}, "advance must be an offset such as +1d, 3d, -2w, +1m or +1y6m, not '3'"),
    ({"reset": False}, "reset must be true"), ({"reset": "true"}, "reset must be true"),
    ({"reset": None}, "reset must be true"), ({"reset": 1}, "reset must be true"),
])
def test_clock_body_errors(client, body, message):
    response = client.post("/sandbox/v1/clock", json=body)
    assert (response.status_code, response.get_json()) == (400, {"error": 400, "message": message})
    assert client.get("/sandbox/v1/clock").get_json()["moved"] is False


def test_clock_body_not_json(client):
    response = client.post("/sandbox/v1/clock", data="{", content_type="application/json")
    assert (response.status_code, response.get_json()["message"]) == (400, ONE_CHANGE)


@pytest.mark.parametrize("body, today", [({"today": "2025-07-01"}, "2025-07-01"), ({"today": 20250701}, "2025-07-01"),
                                         ({"advance": "3d"}, "2025-07-03"), ({"advance": "+1d"}, "2025-07-01")])
def test_clock_bodies_accepted(client, body, today):
    try:
        response = client.post("/sandbox/v1/clock", json=body)
        assert (response.status_code, response.get_json()["today"]) == (200, today)
    finally:
        client.post("/sandbox/v1/clock", json={"reset": True})


# ---- GET /sandbox/v1/requests, /sandbox/v1/cases/{id} ---------------------------------------------------------
@pytest.mark.parametrize("path, status, message", [
    ("/sandbox/v1/requests?limit=0", 400, "limit must be a whole number from 1 to 500"),
    ("/sandbox/v1/requests?limit=501", 400, "limit must be a whole number from 1 to 500"),
    ("/sandbox/v1/requests?limit=+5", 400, "limit must be a whole number from 1 to 500"),
    ("/sandbox/v1/requests?limit=%C2%B2", 400, "limit must be a whole number from 1 to 500"),  # was a 500
    ("/sandbox/v1/requests?limit=%D9%A3", 400, "limit must be a whole number from 1 to 500"),  # was read as 3
    ("/sandbox/v1/requests?limit=x&before=0", 400, "limit must be a whole number from 1 to 500"),
    ("/sandbox/v1/requests?before=0", 400, "before must be a whole number from 1 to 4611686018427387904"),
    ("/sandbox/v1/requests?status=zzz", 400, "status must be a code (500), a class (5xx), error, ok or dropped"),
    ("/sandbox/v1/cases/x?limit=10001", 400, "limit must be a whole number from 1 to 10000"),
    ("/sandbox/v1/cases/x?after=%C2%B2", 400, "after must be a whole number from 0 to 4611686018427387904"),
    ("/sandbox/v1/requests?limit=&before=", 200, None), ("/sandbox/v1/requests?limit=05", 200, None),
    ("/sandbox/v1/cases/x?after=0&limit=10000", 200, None),
])
def test_request_log_query(client, path, status, message):
    response = client.get(path)
    assert response.status_code == status
    if message is not None:
        assert response.get_json() == {"error": 400, "message": message}
