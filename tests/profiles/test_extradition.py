"""Politi-Utlevering extradition orders (spec/services.md §2.2.1–2.2.2; sandbox/profiles/extradition.py): minting through
`POST /sandbox/v1/politi/orders`, the JWKS at `GET /sandbox/v1/politi/jwks`, and the banks' checks — signature,
content, party, mandate, period, onlyPrimaryOwner, per-endpoint flags (false → 403 ACC-011), expiry. On the
default scenario's personas (Ola Testmann; Per Fullmektig for Politi's alternative 1).
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from sandbox.keys import load_rsa_key, shipped
from sandbox.profiles import MalformedOrder, OrderRefused, extradition
from tests.support import TODAY, BankApi, T

ORDERS = "/sandbox/v1/politi/orders"
CRIMINAL = quote(extradition.CRIMINAL, safe="-_.!~*'()")
MISSING = quote(extradition.MISSING_PERSON, safe="-_.!~*'()")
PERIOD = ("2024-01-01", T)


@pytest.fixture(scope="module")
def app(make_app):
    return make_app(scenario="default")


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def world(app):
    return app.extensions["dsop"].world


@pytest.fixture(scope="module")
def police(app, contract):
    """police(order, **headers) -> a BankApi sending Politi's headers with that order."""
    def _api(order: str, **headers) -> BankApi:
        base = {"Legal-Mandate": CRIMINAL, "RequesterID": "investigator-1", "AdditionalReferenceIDType": "pol1",
                "AdditionalReferenceID": order}
        return BankApi(app.test_client(), app.extensions["dsop"].world, contract, headers={**base, **headers})
    return _api


def mint(client, world, party="ola-joint", **fields) -> str:
    body = {"partyID": world.parties[party].identifier, "fromDate": "2024-01-01", "toDate": T, **fields}
    response = client.post(ORDERS, json=body)
    assert response.status_code == 200, response.data
    return response.get_json()["order"]


def _code(response) -> tuple[int, str]:
    return response.status_code, response.get_json().get("code")


def accounts(api: BankApi, party="ola-joint", period=PERIOD, only="false"):
    return api.call("sandkasse", "/accounts", {"fromDate": period[0], "toDate": period[1], "OnlyPrimaryOwner": only},
                    {"PartyID": api.pid(party)})


def _segments(token: str) -> list[str]:
    return token.split(".")


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _payload(token: str) -> dict:
    part = _segments(token)[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


# ---- minting and the JWKS -------------------------------------------------------------------------------
def test_minted_order_has_every_field_and_verifies_with_the_published_jwks(client, world):
    response = client.post(ORDERS, json={"partyID": world.parties["ola-joint"].identifier, "fromDate": "2024-01-01",
                                         "toDate": T, "mandate": "missing", "cards": False})
    body = response.get_json()
    assert response.status_code == 200 and body["headers"]["AdditionalReferenceIDType"] == "pol1"
    payload = body["payload"]
    assert set(payload) == {"extraditionOrderID", "version", "partyID", "mandate", "reason", "fromDate", "toDate",
                            "onlyPrimaryOwner", "accountList", "accountDetails", "transactions", "cards", "roles",
                            "district", "approval", "caseID", "exp"}
    assert set(payload["district"]) == {"districtID", "districtLabel"}
    assert set(payload["approval"]) == {"approvedByID", "approvedByName", "approvedByRole", "approvalTimestamp"}
    assert payload["mandate"] == extradition.MISSING_PERSON and payload["reason"] == extradition.REASONS[extradition.MISSING_PERSON]
    assert payload["cards"] is False and payload["accountList"] is True and payload["version"] == "1.0.0"
    assert payload["approval"]["approvalTimestamp"] == f"{T}T12:00:00Z"
    # a consumer (or a bank) verifies with nothing but the published JWKS
    jwks = client.get("/sandbox/v1/politi/jwks").get_json()
    assert [k["alg"] for k in jwks["keys"]] == ["PS256"] and "d" not in jwks["keys"][0]
    token = jwt.decode(body["order"], KeySet.import_key_set(jwks), algorithms=["PS256"])
    assert token.header == {"alg": "PS256", "typ": "JWT", "kid": jwks["keys"][0]["kid"]}
    assert dict(token.claims) == payload


def test_minting_is_deterministic_given_all_inputs(client, world):
    body = {"partyID": world.parties["ola-joint"].identifier, "fromDate": "2024-01-01", "toDate": T}
    first, second = client.post(ORDERS, json=body).get_json(), client.post(ORDERS, json=body).get_json()
    assert first["payload"] == second["payload"], "same inputs, same payload (ids derived from the inputs)"
    assert first["order"] != second["order"], "PS256 signatures are salted (RFC 7518 §3.5)"
    other = client.post(ORDERS, json={**body, "toDate": "2025-06-29"}).get_json()["payload"]
    assert other["extraditionOrderID"] != first["payload"]["extraditionOrderID"]
    assert other["caseID"] == first["payload"]["caseID"], "the default case id is per party and mandate"
    compact = client.post(ORDERS, json=body, headers={"Accept": "application/jwt"})
    assert compact.mimetype == "application/jwt" and compact.data.count(b".") == 2


@pytest.mark.parametrize("body,field", [
    ({}, "partyID"), ({"partyID": "123"}, "partyID"), ({"partyID": "@ola", "fromDate": "2024-13-01"}, "fromDate"),
    ({"partyID": "@ola", "fromDate": "2024-01-01"}, "toDate"),
    ({"partyID": "@ola", "fromDate": "2024-01-01", "toDate": T, "mandate": "theft"}, "mandate"),
    ({"partyID": "@ola", "fromDate": "2024-01-01", "toDate": T, "cards": "no"}, "cards"),
    ({"partyID": "@ola", "fromDate": "2024-01-01", "toDate": T, "exp": "tomorrow"}, "exp"),
    ({"partyID": "@ola", "fromDate": "2024-01-01", "toDate": T, "caseID": "42"}, "caseID"),
    ({"partyID": "@ola", "fromDate": "2024-01-01", "toDate": T, "approvalTimestamp": "2025-06-30"}, "approvalTimestamp"),
])
def test_minting_input_errors_400(client, world, body, field):
    if body.get("partyID") == "@ola":
        body = {**body, "partyID": world.parties["ola-joint"].identifier}
    response = client.post(ORDERS, json=body)
    assert response.status_code == 400 and response.mimetype == "application/json"
    assert response.get_json()["field"] == field and field in response.get_json()["message"]


def test_minting_without_json_body_400(client):
    response = client.post(ORDERS, data="partyID=1", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 400


# ---- a valid order ---------------------------------------------------------------------------------------
def test_valid_order_serves_every_endpoint(client, world, police):
    api = police(mint(client, world))
    body = api.ok(accounts(api))
    refs = [a["accountReference"] for a in body["accounts"]]
    assert refs and body["responseDetails"] == {"status": "complete"}
    period = dict(zip(("fromDate", "toDate"), PERIOD, strict=True))
    for suffix in ("", "/transactions", "/cards", "/roles"):
        assert api.call("sandkasse", f"/accounts/{refs[0]}{suffix}", period).status_code == 200, suffix
    owned = world.accounts["ola-salary"].number
    assert api.call("sandkasse", f"/accounts/{owned}/owners", period).status_code == 200
    # a period inside the order's, and the other mandate's order
    assert accounts(api, period=("2024-06-01", "2024-06-30")).status_code == 200
    missing = police(mint(client, world, mandate="missing"), **{"Legal-Mandate": MISSING})
    assert accounts(missing).status_code == 200


def test_politi_alternative_1_partial_for_a_disponent(client, world, police):
    """docs/personas.md: Per only disposes at Sandkasse → OnlyPrimaryOwner=true: empty list + partial."""
    api = police(mint(client, world, "per-disponent"))
    body = api.ok(accounts(api, "per-disponent", only="true"))
    assert body["accounts"] == [] and body["responseDetails"]["status"] == "partial"
    assert body["responseDetails"]["message"]
    full = api.ok(accounts(api, "per-disponent", only="false"))
    assert full["accounts"] and full["responseDetails"] == {"status": "complete"}  # alternative 2


# ---- refusals: 403 ACC-011 -------------------------------------------------------------------------------
def test_tampered_signature_403(client, world, police):
    head, payload, signature = _segments(mint(client, world))
    flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
    response = accounts(police(f"{head}.{payload}.{flipped}"))
    assert _code(response) == (403, "ACC-011") and "signature" in response.get_json()["message"]


def test_tampered_payload_403(client, world, police):
    """The order for Ola with its partyID swapped to Eva's, keeping Ola's signature."""
    order = mint(client, world)
    head, _, signature = _segments(order)
    forged = _b64({**_payload(order), "partyID": world.parties["eva-joint"].identifier})
    response = accounts(police(f"{head}.{forged}.{signature}"), "eva-joint")
    assert _code(response) == (403, "ACC-011") and "signature" in response.get_json()["message"]


def test_order_signed_by_another_key_403(world, police):
    other = load_rsa_key(shipped("maskinporten-signing"))
    fake = RSAKey.import_key(other.as_dict(private=True))
    claims = extradition.order_claims(TODAY, party_id=world.parties["ola-joint"].identifier, mandate="criminal",
                                      from_date=date(2024, 1, 1), to_date=TODAY)
    police_kid = extradition.police_key().key.kid
    token = jwt.encode({"alg": "PS256", "typ": "JWT", "kid": police_kid}, claims, fake, algorithms=["PS256"])
    assert _code(accounts(police(token))) == (403, "ACC-011")


def test_order_for_another_party_403(client, world, police):
    api = police(mint(client, world, "eva-joint"))
    response = accounts(api, "ola-joint")
    assert _code(response) == (403, "ACC-011") and "another party" in response.get_json()["message"]
    assert accounts(api, "eva-joint").status_code == 200


def test_order_for_another_mandate_403(client, world, police):
    api = police(mint(client, world, mandate="criminal"), **{"Legal-Mandate": MISSING})
    response = accounts(api)
    assert _code(response) == (403, "ACC-011") and "mandate" in response.get_json()["message"]


@pytest.mark.parametrize("period", [("2023-12-31", T), ("2023-06-01", "2024-06-30")])
def test_period_outside_the_order_403(client, world, police, period):
    response = accounts(police(mint(client, world)), period=period)
    assert _code(response) == (403, "ACC-011") and "period" in response.get_json()["message"]
    narrow = police(mint(client, world, toDate="2024-12-31"))
    assert _code(accounts(narrow, period=("2024-01-01", "2025-01-01"))) == (403, "ACC-011")
    assert accounts(narrow, period=("2024-01-01", "2024-12-31")).status_code == 200


def test_only_primary_owner_true_in_the_order(client, world, police):
    api = police(mint(client, world, onlyPrimaryOwner=True))
    response = accounts(api, only="false")
    assert _code(response) == (403, "ACC-011") and "OnlyPrimaryOwner" in response.get_json()["message"]
    body = api.ok(accounts(api, only="true"))
    assert body["accounts"]
    # the order's rule holds on the other endpoints too: Eva's reference to the joint account (secondary owner)
    eva = police(mint(client, world, "eva-joint", onlyPrimaryOwner=True))
    loose = police(mint(client, world, "eva-joint"))
    ref = loose.listed("sandkasse", "eva-joint", PERIOD, "false")[world.accounts["ola-eva-joint"].number]["accountReference"]
    response = eva.call("sandkasse", f"/accounts/{ref}", dict(zip(("fromDate", "toDate"), PERIOD, strict=True)))
    assert _code(response) == (404, "ACC-003")


@pytest.mark.parametrize("flag,suffix", [("accountDetails", ""), ("transactions", "/transactions"),
                                         ("cards", "/cards"), ("roles", "/roles"), ("roles", "@owners")])
def test_endpoint_flag_false_403_ACC_011(client, world, police, flag, suffix):
    api = police(mint(client, world, **{flag: False}))
    ref = api.ok(accounts(api))["accounts"][0]["accountReference"]
    period = dict(zip(("fromDate", "toDate"), PERIOD, strict=True))
    path = f"/accounts/{world.accounts['ola-salary'].number}/owners" if suffix == "@owners" else f"/accounts/{ref}{suffix}"
    response = api.call("sandkasse", path, period)
    assert _code(response) == (403, "ACC-011") and flag in response.get_json()["message"]
    governed = {"/roles"} if suffix == "@owners" else {suffix}  # the roles flag governs Roles and Owners
    others = [s for s in ("", "/transactions", "/cards", "/roles") if s not in governed]
    for other in others:
        assert api.call("sandkasse", f"/accounts/{ref}{other}", period).status_code == 200, other


def test_account_list_false_403(client, world, police):
    assert _code(accounts(police(mint(client, world, accountList=False)))) == (403, "ACC-011")


def test_expired_order_403(client, world, police):
    order = mint(client, world, approvalTimestamp="2025-05-01T09:00:00Z", exp="2025-06-29T09:00:00Z")
    response = accounts(police(order))
    assert _code(response) == (403, "ACC-011") and "expired" in response.get_json()["message"]
    last_day = mint(client, world, approvalTimestamp="2025-05-01T09:00:00Z", exp="2025-06-30T12:00:00Z")
    assert accounts(police(last_day)).status_code == 200, "valid until its exp (the sandbox's now is noon UTC)"


@pytest.mark.parametrize("fields,needle", [
    ({"approvalTimestamp": "2025-07-01T08:00:00Z"}, "approved"),                                # approved in the future
    ({"approvalTimestamp": "2025-06-01T08:00:00Z", "exp": "2025-09-01T08:00:00Z"}, "90 days"),  # lives too long
    ({"fromDate": "2015-06-29"}, "10 years"),                                                   # too far back
])
def test_invalid_order_content_403(client, world, police, fields, needle):
    response = accounts(police(mint(client, world, **fields)), period=("2024-01-01", T))
    assert _code(response) == (403, "ACC-011") and needle in response.get_json()["message"]


# ---- malformed: 400 ACC-001 -------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["not-a-jws", "a.b", "a.b.c.d.e", "eyJhbGciOiJub25lIn0.e30.", "!!.??.##"])
def test_not_a_compact_jws_400_ACC_001(police, value):
    response = accounts(police(value))
    assert _code(response) == (400, "ACC-001") and "AdditionalReferenceID" in response.get_json()["message"]


def test_jws_shaped_garbage_400_but_an_unverifiable_order_403(police):
    assert _code(accounts(police("abc.def.ghi"))) == (400, "ACC-001"), "no JSON header: not a JWS"
    header = _b64({"alg": "PS256", "typ": "JWT", "kid": "nobody"})
    response = accounts(police(f"{header}.{_b64({'partyID': '1'})}.c2lnbmF0dXJl"))
    assert _code(response) == (403, "ACC-011") and "signature" in response.get_json()["message"]


# ---- the verifier without HTTP ------------------------------------------------------------------------------
def test_verify_and_covers_directly(world):
    key = extradition.police_key()
    party = world.parties["ola-joint"].identifier
    order = key.verify(key.mint(TODAY, party_id=party, mandate="criminal", from_date=date(2024, 1, 1), to_date=TODAY,
                                cards=False), TODAY)
    assert order.party_id == party and order.allows("details") and not order.allows("cards")
    assert order.allows("owners") == order.allows("roles")
    order.covers(party_identifier=party, mandate=extradition.CRIMINAL, endpoint="accounts", only_primary=False)
    with pytest.raises(OrderRefused):
        order.covers(endpoint="cards")
    with pytest.raises(MalformedOrder):
        key.verify("x", TODAY)
    later = TODAY + timedelta(days=31)  # default validity: 30 days from approval
    with pytest.raises(OrderRefused, match="expired"):
        key.verify(key.mint(TODAY, party_id=party, mandate="criminal", from_date=date(2024, 1, 1), to_date=TODAY), later)
    approved = datetime(2025, 6, 30, 12, tzinfo=UTC)
    assert order.approved_at == approved and order.exp == int((approved + timedelta(days=30)).timestamp())


# ---- the order's id, for the request log ---------------------------------------------------------------------
def test_order_id_of_reads_the_orders_id_without_verifying(client, world):
    """sandbox/audit/row.py logs pol1 calls by the order's extraditionOrderID: read, never trusted."""
    order = mint(client, world)
    order_id = _payload(order)["extraditionOrderID"]
    assert extradition.order_id_of(order) == order_id
    head, payload, signature = _segments(order)
    assert extradition.order_id_of(f"{head}.{payload}.{signature[:-8]}AAAAAAAA") == order_id, "a log, not a check"
    other = mint(client, world, "eva-joint")
    assert _segments(other)[0] == head and extradition.order_id_of(other) != order_id


@pytest.mark.parametrize("value", [
    "not-a-jws", "a.b", "abc.def.ghi", "eyJhbGciOiJub25lIn0.e30.", "!!.??.##", "",
    f"{_b64({'alg': 'PS256'})}.{_b64({'extraditionOrderID': 'Ola Nordmann, Oslo'})}.c2ln",  # free text is no id
    f"{_b64({'alg': 'PS256'})}.{_b64({'extraditionOrderID': 42})}.c2ln",
    f"{_b64({'alg': 'PS256'})}.{_b64(['not', 'an', 'object'])}.c2ln",
    f"{_b64({'alg': 'PS256'})}.bm90IGpzb24.c2ln",
])
def test_order_id_of_is_none_for_anything_else(value):
    assert extradition.order_id_of(value) is None


def test_request_log_names_the_order_not_its_header(app, client, world, police):
    """§4.4: a Politi call's row keeps the order's id — one per order, not the JWS's protected header."""
    orders = [mint(client, world), mint(client, world, "eva-joint")]
    for order in orders:
        accounts(police(order), "ola-joint")
    rows = client.get("/sandbox/v1/requests?limit=2&endpoint=accounts").get_json()["requests"]
    assert [r["additionalReferenceId"] for r in rows] == [_payload(o)["extraditionOrderID"] for o in reversed(orders)]
    assert [r["status"] for r in rows] == [403, 200], "Eva's order is refused for Ola: logged by its id all the same"
    assert all(r["additionalReferenceIdType"] == "pol1" for r in rows)
