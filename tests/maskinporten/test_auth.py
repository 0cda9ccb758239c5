"""Token checks of every API (DESIGN D11, D12; spec/protocol.md §2.5, §3.7.4, §4.1; docs/maskinporten.md).

One table of unusable tokens (→ 401) and one of valid tokens that do not grant the call (→ 403), each row named
for the rule it checks, run against every bank endpoint and both register endpoints. Every row checks the status,
the wire code, that the body validates (bank: Bank_v2.yaml through `BankApi`; owners and register: the shapes in
tests/support/bank.py; accountServicingProvider's 401: its own `{"statusCode", "message"}` body) and that the bearer token
appears nowhere: not in the body, not in a header, not in a log record, not in the state store (audit log).

The valid Skatt-Kontroll request, `Forge` and the targets live in tests/support/auth.py (test_jwe.py and
test_maskinporten.py use them too): adjust the valid request there when the service profiles change.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from sandbox.maskinporten.tokens import SCOPE_ACCOUNT_PROVIDER
from tests.support import (
    BANK,
    BANK_ENDPOINTS,
    BANK_ERROR_SCHEMA,
    CONSUMER_ORG,
    DROP,
    PERIOD,
    POLITI_MANDATE,
    REGISTER_ENDPOINTS,
    REGISTER_ERROR_SCHEMA,
    STRANGER_ORG,
    UNENTITLED_ORG,
    VALID_HEADERS,
    BankApi,
    assert_valid,
    b64url,
    bearer,
    call_bank,
    call_register,
    garbage,
    stranger_key,
)

#: Tokens that are no usable access token → 401 (bank ACC-010; register 401). (rule, Authorization or None)
UNUSABLE = [
    ("missing-authorization-header", lambda f, t: None),
    ("bearer-without-token", lambda f, t: "Bearer "),
    ("valid-token-under-basic-scheme", lambda f, t: "Basic " + f.token(t)),
    ("valid-token-without-scheme", lambda f, t: f.token(t)),
    ("garbled-not-a-jwt", lambda f, t: bearer(garbage())),
    ("garbled-segments-not-base64", lambda f, t: bearer(f"{garbage()}!.{garbage()}!.{garbage()}!")),
    ("garbled-header-not-json", lambda f, t: bearer(f"{b64url(b'{not json')}.{b64url(f.claims(t))}.{garbage()}")),
    ("garbled-two-segments", lambda f, t: bearer(f.token(t).rsplit(".", 1)[0])),
    ("garbled-truncated-signature", lambda f, t: bearer(f.token(t)[:-6])),
    ("payload-tampered-after-signing", lambda f, t: bearer(f.tampered(t))),
    ("alg-none-unsigned", lambda f, t: bearer(f.unsigned(t))),
    ("alg-hs256-with-public-key-as-secret", lambda f, t: bearer(f.hs256_with_public_key(t))),
    ("jwe-instead-of-signed-jwt", lambda f, t: bearer(f.encrypted_not_signed(t))),
    ("wrong-key", lambda f, t: bearer(f.sign(f.claims(t), stranger_key()))),
    ("wrong-key-claiming-issuer-kid",
     lambda f, t: bearer(f.sign(f.claims(t), stranger_key(), {"alg": "RS256", "kid": f.issuer.key.kid}))),
    ("wrong-key-without-kid", lambda f, t: bearer(f.sign(f.claims(t), stranger_key(), {"alg": "RS256"}))),
    ("expired", lambda f, t: bearer(f.token(t, iat=lambda now: now - 180, exp=lambda now: now - 60))),
    ("exp-missing", lambda f, t: bearer(f.token(t, exp=DROP))),
    ("exp-not-a-number", lambda f, t: bearer(f.token(t, exp=lambda now: str(now + 120)))),
    ("not-yet-valid-iat-in-future",
     lambda f, t: bearer(f.token(t, iat=lambda now: now + 600, exp=lambda now: now + 720))),
    ("not-yet-valid-nbf-in-future", lambda f, t: bearer(f.token(t, nbf=lambda now: now + 600))),
    ("wrong-iss-real-maskinporten", lambda f, t: bearer(f.token(t, iss="https://test.maskinporten.no/"))),
    ("iss-missing", lambda f, t: bearer(f.token(t, iss=DROP))),
    ("aud-missing", lambda f, t: bearer(f.token(t, aud=DROP))),
    ("aud-of-another-api", lambda f, t: bearer(f.token(t, aud=t.other_api_aud))),
    ("aud-of-a-sibling", lambda f, t: bearer(f.token(t, aud=t.sibling_aud))),
    ("aud-below-the-base-url", lambda f, t: bearer(f.token(t, aud=t.aud + "/accounts"))),
    ("aud-other-host", lambda f, t: bearer(f.token(t, aud="https://bank.no/dsop/"))),
]

#: Valid tokens that do not grant the call → 403 (bank ACC-011; register ERR-001).
NOT_GRANTED = [
    ("scope-of-another-endpoint", lambda f, t: bearer(f.token(t, scope=t.other_scope))),
    ("scope-missing", lambda f, t: bearer(f.token(t, scope=DROP))),
    ("scope-lookalike", lambda f, t: bearer(f.token(t, scope=t.scope + "x"))),
    ("consumer-claim-missing", lambda f, t: bearer(f.token(t, consumer=DROP))),
    ("consumer-not-in-scenario", lambda f, t: bearer(f.token(
        t, consumer={"authority": "iso6523-actorid-upis", "ID": f"0192:{STRANGER_ORG}"}))),
    ("consumer-not-entitled-to-the-mandates-service", lambda f, t: bearer(f.token(
        t, consumer={"authority": "iso6523-actorid-upis", "ID": f"0192:{UNENTITLED_ORG}"}, client_id="nav"))),
    ("consumer-id-without-0192-prefix", lambda f, t: bearer(f.token(
        t, consumer={"authority": "iso6523-actorid-upis", "ID": CONSUMER_ORG}))),
]

#: Valid tokens in forms the APIs must accept (docs/maskinporten.md).
ACCEPTED = [
    ("plain", lambda f, t: bearer(f.token(t))),
    ("scheme-in-lower-case", lambda f, t: "bearer " + f.token(t)),
    ("aud-with-trailing-slash", lambda f, t: bearer(f.token(t, aud=t.aud + "/"))),
    ("aud-as-list-with-another-api", lambda f, t: bearer(f.token(t, aud=[t.other_api_aud, t.aud]))),
    ("several-scopes", lambda f, t: bearer(f.token(t, scope=f"{t.other_scope} {t.scope}"))),
    ("with-supplier", lambda f, t: bearer(f.token(
        t, supplier={"authority": "iso6523-actorid-upis", "ID": "0192:991825827"}))),
    ("expired-within-leeway", lambda f, t: bearer(f.token(t, iat=lambda now: now - 120, exp=lambda now: now - 2))),
]


def params(rows):
    return [pytest.param(make, id=rule) for rule, make in rows]


# ----------------------------------------------------------------------------------------------------------
#  Never echoed, never logged
# ----------------------------------------------------------------------------------------------------------
def secret_of(authorization: str | None) -> str | None:
    """The token part of an Authorization value (the whole value when it has no scheme)."""
    if not authorization:
        return None
    scheme, _, rest = authorization.partition(" ")
    secret = rest.strip() if rest.strip() else scheme
    return secret if len(secret) >= 20 else None  # too short to be told apart from ordinary text


def assert_not_leaked(secret: str | None, response, caplog, state_dir: Path) -> None:
    """The token is in no response body or header, no log record and no file of the state store."""
    if secret is None:
        return
    assert secret not in response.get_data(as_text=True), "the token is echoed in the body"
    for name, value in response.headers.items():
        assert secret not in value, f"the token is echoed in the {name} header"
    assert secret not in caplog.text, "the token is in the log"
    for record in caplog.records:
        assert secret not in record.getMessage() and secret not in (record.exc_text or ""), "the token is logged"
    for path in state_dir.iterdir():
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), f"the token is stored in {path.name}"


ACCOUNT_SERVICING_401_SCHEMA = {
    "type": "object", "additionalProperties": False, "required": ["statusCode", "message"],
    "properties": {"statusCode": {"const": 401},
                   "message": {"type": "string", "pattern": "^Unauthorized. Access token is missing or invalid"}},
}


def check_register_error(endpoint: str, response, status: int) -> dict:
    assert response.status_code == status, f"HTTP {response.status_code}: {response.data[:300]!r}"
    assert response.mimetype == "application/json", response.content_type
    body = json.loads(response.data)
    if status == 401 and endpoint == "accountServicingProvider":
        assert_valid(ACCOUNT_SERVICING_401_SCHEMA, body, "accountServicingProvider 401")
    else:
        assert_valid(REGISTER_ERROR_SCHEMA, body, f"{endpoint} {status}")
        assert body["errorCode"] == "ERR-001", body
    return body


# ----------------------------------------------------------------------------------------------------------
#  Banks
# ----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("make", params(UNUSABLE))
@pytest.mark.parametrize("endpoint", BANK_ENDPOINTS)
def test_bank_unusable_token_401_ACC_010(auth_api, forge, targets, refs, state_dir, logs, endpoint, make):
    authorization = make(forge, targets["bank"])
    response = call_bank(auth_api, refs, endpoint, authorization)  # validates the body (Bank_v2.yaml / owners)
    assert response.status_code == 401, response.data
    assert response.get_json()["code"] == "ACC-010"
    assert response.headers["WWW-Authenticate"].startswith("Bearer"), "401 must carry a Bearer challenge (RFC 6750)"
    assert "Sandbox-Auth" not in response.headers
    assert_not_leaked(secret_of(authorization), response, logs, state_dir)


@pytest.mark.parametrize("make", params(NOT_GRANTED))
@pytest.mark.parametrize("endpoint", BANK_ENDPOINTS)
def test_bank_token_not_granting_the_call_403_ACC_011(auth_api, forge, targets, refs, state_dir, logs, endpoint, make):
    authorization = make(forge, targets["bank"])
    response = call_bank(auth_api, refs, endpoint, authorization)
    assert response.status_code == 403, response.data
    assert response.get_json()["code"] == "ACC-011"
    assert_not_leaked(secret_of(authorization), response, logs, state_dir)


@pytest.mark.parametrize("endpoint", BANK_ENDPOINTS)
def test_bank_valid_token_is_served_on_every_endpoint(auth_api, forge, targets, refs, state_dir, logs, endpoint):
    authorization = bearer(forge.token(targets["bank"]))
    response = call_bank(auth_api, refs, endpoint, authorization)
    assert response.status_code == 200, response.data
    assert "Sandbox-Auth" not in response.headers, "Sandbox-Auth is only sent with --auth off"
    assert_not_leaked(secret_of(authorization), response, logs, state_dir)


@pytest.mark.parametrize("make", params(ACCEPTED))
def test_bank_accepts_valid_token_forms(auth_api, forge, targets, refs, make):
    response = call_bank(auth_api, refs, "accounts", make(forge, targets["bank"]))
    assert response.status_code == 200, response.data


def test_bank_token_is_reusable_while_valid(auth_api, forge, targets, refs):
    """spec/protocol.md §4.1: a token may be reused for several requests while it lives."""
    authorization = bearer(forge.token(targets["bank"]))
    for endpoint in ("accounts", "details", "accounts"):
        assert call_bank(auth_api, refs, endpoint, authorization).status_code == 200


def test_bank_token_issued_in_the_future_401_even_with_past_nbf(auth_api, forge, targets, refs):
    token = forge.token(targets["bank"], iat=lambda now: now + 600, nbf=lambda now: now - 10,
                        exp=lambda now: now + 720)
    response = call_bank(auth_api, refs, "accounts", bearer(token))
    assert response.status_code == 401, response.data


def test_bank_checks_the_token_before_the_request(auth_api, refs):
    """No token and a broken request: the 401 comes first, so an unauthenticated caller learns nothing."""
    response = call_bank(auth_api, refs, "accounts", None, PartyID="not-a-party")
    assert response.status_code == 401
    response = auth_api.call(BANK, "/accounts/forged-reference/transactions", PERIOD, VALID_HEADERS)
    assert response.status_code == 401


@pytest.mark.parametrize("endpoint", BANK_ENDPOINTS)
def test_bank_500_does_not_echo_or_log_the_token(auth_api, forge, targets, refs, state_dir, logs, monkeypatch,
                                                  contract, endpoint):
    """An unexpected failure after the token check: 500 ACC-100, logged with its traceback, without the token."""
    rules = auth_api.client.application.extensions["dsop"].bank
    method = {"accounts": "list_accounts", "details": "account_details"}.get(endpoint, endpoint)

    def boom(*args, **kwargs):
        raise RuntimeError("injected failure in the bank rules")

    monkeypatch.setattr(rules, method, boom)
    authorization = bearer(forge.token(targets["bank"]))
    response = call_bank(auth_api, refs, endpoint, authorization, check=False)
    assert response.status_code == 500, response.data
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert not contract.strict_errors("Error", body), body
    assert_valid(BANK_ERROR_SCHEMA, body, "bank 500")
    assert body["code"] in ("ACC-100", "ACC-500")
    assert "injected failure in the bank rules" in logs.text, "the failure must be logged (with its traceback)"
    assert_not_leaked(secret_of(authorization), response, logs, state_dir)


# ----------------------------------------------------------------------------------------------------------
#  The register
# ----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("make", params(UNUSABLE))
@pytest.mark.parametrize("endpoint", REGISTER_ENDPOINTS)
def test_register_unusable_token_401(auth_app, forge, targets, refs, state_dir, logs, endpoint, make):
    """customerRelationships: 401 ERR-001 body; accountServicingProvider: its own {"statusCode": 401, ...}."""
    authorization = make(forge, targets[endpoint])
    response = call_register(auth_app.test_client(), refs, endpoint, authorization)
    check_register_error(endpoint, response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "Sandbox-Auth" not in response.headers
    assert_not_leaked(secret_of(authorization), response, logs, state_dir)


@pytest.mark.parametrize("make", params(NOT_GRANTED))
@pytest.mark.parametrize("endpoint", REGISTER_ENDPOINTS)
def test_register_token_not_granting_the_call_403_ERR_001(auth_app, forge, targets, refs, state_dir, logs, endpoint,
                                                          make):
    authorization = make(forge, targets[endpoint])
    response = call_register(auth_app.test_client(), refs, endpoint, authorization)
    check_register_error(endpoint, response, 403)
    assert_not_leaked(secret_of(authorization), response, logs, state_dir)


#: What the request log names for each NOT_GRANTED token: (consumer, scope). The token is ours (signature, iss), so
#: the row says whom it names even though the call is refused (sandbox/audit/row.py).
LOGGED_AS = {
    "scope-of-another-endpoint": (CONSUMER_ORG, "other_scope"),
    "scope-missing": (CONSUMER_ORG, None),
    "scope-lookalike": (CONSUMER_ORG, "scope+x"),
    "consumer-claim-missing": (None, "scope"),
    "consumer-not-in-scenario": (STRANGER_ORG, "scope"),
    "consumer-not-entitled-to-the-mandates-service": (UNENTITLED_ORG, "scope"),
    "consumer-id-without-0192-prefix": (CONSUMER_ORG, "scope"),
}


@pytest.mark.parametrize("target", ["bank", "customerRelationships", "accountServicingProvider"])
@pytest.mark.parametrize("rule,make", [pytest.param(rule, make, id=rule) for rule, make in NOT_GRANTED])
def test_refused_token_of_ours_is_logged_with_the_consumer_and_scope_it_names(auth_app, auth_api, forge, targets,
                                                                              refs, rule, make, target):
    cid = str(uuid.uuid4())
    authorization = make(forge, targets[target])
    if target == "bank":
        response = call_bank(auth_api, refs, "accounts", authorization, check=False, CorrelationID=cid)
    else:
        response = call_register(auth_app.test_client(), refs, target, authorization, CorrelationID=cid)
    assert response.status_code == 403, response.data
    rows = auth_app.test_client().get(f"/sandbox/v1/requests?correlationId={cid}").get_json()["requests"]
    assert len(rows) == 1 and rows[0]["status"] == 403, rows
    consumer, scope = LOGGED_AS[rule]
    wanted = {"scope": targets[target].scope, "other_scope": targets[target].other_scope,
              "scope+x": targets[target].scope + "x", None: None}[scope]
    assert (rows[0]["consumer"], rows[0]["scope"]) == (consumer, wanted)


def test_account_servicing_provider_refuses_skatteetatens_register_token_403_ERR_001(auth_app, forge, targets, refs):
    """The brief's example: Skatteetaten's ordinary register token (bits:kundeforhold) is not enough."""
    token = forge.token(targets["customerRelationships"])
    response = call_register(auth_app.test_client(), refs, "accountServicingProvider", bearer(token))
    body = check_register_error("accountServicingProvider", response, 403)
    assert SCOPE_ACCOUNT_PROVIDER in body["errorMessage"]


def test_customer_relationships_valid_token_is_served(auth_app, forge, targets, refs, state_dir, logs):
    authorization = bearer(forge.token(targets["customerRelationships"]))
    response = call_register(auth_app.test_client(), refs, "customerRelationships", authorization)
    assert response.status_code == 200, response.data
    assert "Sandbox-Auth" not in response.headers
    assert_not_leaked(secret_of(authorization), response, logs, state_dir)


def test_account_servicing_provider_valid_token_passes_the_token_check(auth_app, forge, targets, refs):
    """With the right scope and aud the next check answers: a malformed AccountID → 400 ERR-004."""
    authorization = bearer(forge.token(targets["accountServicingProvider"]))
    response = call_register(auth_app.test_client(), refs, "accountServicingProvider", authorization,
                             AccountID="12")
    assert response.status_code == 400, response.data
    assert response.get_json()["errorCode"] == "ERR-004"


def test_account_servicing_provider_serves_politiet_with_its_scope(auth_app, forge, targets, refs):
    """The positive control of the 403 above: Politiet's token carries bits:kundeforhold.konto."""
    token = forge.token(targets["accountServicingProvider"],
                        consumer={"authority": "iso6523-actorid-upis", "ID": "0192:915429785"}, client_id="politiet")
    response = call_register(auth_app.test_client(), refs, "accountServicingProvider", bearer(token),
                             **{"Legal-Mandate": POLITI_MANDATE})
    assert response.status_code == 200, response.data


@pytest.mark.parametrize("make", params(ACCEPTED))
def test_customer_relationships_accepts_valid_token_forms(auth_app, forge, targets, refs, make):
    response = call_register(auth_app.test_client(), refs, "customerRelationships", make(forge, targets["customerRelationships"]))
    assert response.status_code == 200, response.data


def test_register_500_does_not_echo_or_log_the_token(auth_app, forge, targets, refs, state_dir, logs, monkeypatch):
    rules = auth_app.extensions["dsop"].register

    def boom(*args, **kwargs):
        raise RuntimeError("injected failure in the register rules")

    monkeypatch.setattr(rules, "customer_relationships", boom)
    authorization = bearer(forge.token(targets["customerRelationships"]))
    response = call_register(auth_app.test_client(), refs, "customerRelationships", authorization)
    assert response.status_code == 500, response.data
    assert response.mimetype == "application/json"
    assert_valid(REGISTER_ERROR_SCHEMA, response.get_json(), "register 500")
    assert "injected failure in the register rules" in logs.text
    assert_not_leaked(secret_of(authorization), response, logs, state_dir)


# ----------------------------------------------------------------------------------------------------------
#  --auth off
# ----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("authorization", [None, "Bearer " + "garbled-but-ignored-0123456789"],
                         ids=["no-token", "garbled-token-ignored"])
@pytest.mark.parametrize("endpoint", BANK_ENDPOINTS)
def test_auth_off_bank_serves_without_token_and_says_so(open_app, contract, refs, endpoint, authorization):
    api = BankApi(open_app.test_client(), open_app.extensions["dsop"].world, contract)
    response = call_bank(api, refs, endpoint, authorization)
    assert response.status_code == 200, response.data
    assert response.headers.get("Sandbox-Auth") == "off"


def test_auth_off_register_serves_without_token_and_says_so(open_app, refs):
    response = call_register(open_app.test_client(), refs, "customerRelationships", None)
    assert response.status_code == 200, response.data
    assert response.headers.get("Sandbox-Auth") == "off"


def test_auth_off_says_so_on_errors_too(open_app, contract, refs):
    api = BankApi(open_app.test_client(), open_app.extensions["dsop"].world, contract)
    response = call_bank(api, refs, "accounts", None, PartyID="not-a-party")
    assert response.status_code == 400
    assert response.headers.get("Sandbox-Auth") == "off"


@pytest.mark.parametrize("path", ["/health", "/altinn/v1/directharvest/Kontrollinformasjon",
                                  "/maskinporten/.well-known/oauth-authorization-server"])
def test_auth_on_never_sends_sandbox_auth(auth_app, path):
    response = auth_app.test_client().get(path)
    assert response.status_code == 200
    assert "Sandbox-Auth" not in response.headers
    if path == "/health":
        assert response.get_json()["auth"] is True

