"""The fake Maskinporten (DESIGN D11; spec/protocol.md §4.1; docs/maskinporten.md): metadata, JWKS, the real
jwt-bearer grant and the sandbox shortcut, replay protection, the claims of the tokens it issues, a scenario's
own issuer settings, and `dsop-sandbox token`; which `resource` (RFC 8707) the token endpoint accepts (this
sandbox's register and banks only, each with its own scopes) and the scenario format's word on consumer keys.

Its own small scenario (tests/support/maskinporten.py): three consumers with different entitlements
(Skatteetaten, NAV, Politiet: only Politiet may have bits:kundeforhold.konto), each with the sandbox's published
test key for its org. number.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from sandbox.app import create_app
from sandbox.cli.main import main as cli
from sandbox.config import Settings
from sandbox.maskinporten.errors import AccessDenied, AuthenticationFailed
from sandbox.maskinporten.tokens import JWT_BEARER, LEEWAY, SCOPE_ACCOUNT_PROVIDER, SCOPE_BANK, SCOPE_RELATIONS
from tests.support import b64url, bearer, stranger_key
from tests.support.maskinporten import (
    ALPHA,
    ALPHA_URL,
    BASE,
    BETA,
    FORM,
    MP_CUSTOM_SCENARIO,
    MP_SCENARIO,
    REGISTER_URL,
    bank_call,
    bearer_grant,
    claims_of,
    consumer_key,
    granted,
    make_assertion,
    post_token,
    refused,
    write_private_key,
)


# ----------------------------------------------------------------------------------------------------------
#  Fixtures (the world and helpers: tests/support/maskinporten.py)
# ----------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def scenario_files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("maskinporten")
    default = folder / "default.yaml"
    default.write_text(MP_SCENARIO, encoding="utf-8")
    custom = folder / "custom.yaml"
    custom.write_text(MP_CUSTOM_SCENARIO, encoding="utf-8")
    write_private_key(folder / "keys" / "issuer.pem")
    return {"default": default, "custom": custom, "issuer_key": folder / "keys" / "issuer.pem"}


@pytest.fixture(scope="module")
def mp_app(make_app, scenario_files):
    return make_app(scenario_files["default"], fresh=True, auth=True)


@pytest.fixture(scope="module")
def custom_app(make_app, scenario_files):
    return make_app(scenario_files["custom"], fresh=True, auth=True)


@pytest.fixture(scope="module")
def mp(mp_app):
    return mp_app.extensions["dsop"].maskinporten


@pytest.fixture(scope="module")
def orgs(mp_app) -> dict[str, str]:
    found = {b.id: b.org_number for b in mp_app.extensions["dsop"].world.banks.values()}
    assert found == {"alpha": ALPHA, "beta": BETA}
    return found


# ----------------------------------------------------------------------------------------------------------
#  Metadata and JWKS
# ----------------------------------------------------------------------------------------------------------
def test_metadata_names_issuer_endpoints_grants_and_algorithms(mp_app):
    response = mp_app.test_client().get("/maskinporten/.well-known/oauth-authorization-server")
    assert response.status_code == 200 and response.mimetype == "application/json"
    meta = response.get_json()
    issuer = "http://127.0.0.1:8000/maskinporten/"
    assert meta["issuer"] == issuer
    assert meta["token_endpoint"] == issuer + "token"
    assert meta["jwks_uri"] == issuer + "jwk", "Maskinporten's jwks_uri path (the old `jwks` still answers)"
    assert meta["grant_types_supported"] == [JWT_BEARER, "client_credentials"]
    assert meta["token_endpoint_auth_methods_supported"] == ["private_key_jwt"]
    assert "RS256" in meta["token_endpoint_auth_signing_alg_values_supported"]
    assert set(meta["scopes_supported"]) == {SCOPE_RELATIONS, SCOPE_ACCOUNT_PROVIDER, SCOPE_BANK}


def test_metadata_follows_the_public_url(make_app, scenario_files):
    app = make_app(scenario_files["default"], fresh=True, auth=True, public_url="https://sandbox.example:9443/")
    meta = app.test_client().get("/maskinporten/.well-known/oauth-authorization-server").get_json()
    assert meta["issuer"] == "https://sandbox.example:9443/maskinporten/"
    assert meta["token_endpoint"] == "https://sandbox.example:9443/maskinporten/token"


def test_jwks_publishes_only_the_public_signing_key(mp_app, mp):
    keys = mp_app.test_client().get("/maskinporten/jwks").get_json()["keys"]
    assert len(keys) == 1
    key = keys[0]
    assert key["kty"] == "RSA" and key["use"] == "sig" and key["alg"] == "RS256"
    assert key["kid"] == mp.key.kid
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key), "the JWKS must not publish the private key"


def test_jwks_verifies_issued_tokens(mp_app, orgs):
    body = granted(bearer_grant(mp_app, make_assertion(mp_app.extensions["dsop"].maskinporten.issuer,
                                                       resource=f"http://127.0.0.1:8000/banks/{orgs['alpha']}/v2")))
    header, claims = claims_of(mp_app, body["access_token"])
    assert header["alg"] == "RS256" and header["typ"] == "JWT"
    assert claims["iss"] == "http://127.0.0.1:8000/maskinporten/"


# ----------------------------------------------------------------------------------------------------------
#  The real grant: jwt-bearer
# ----------------------------------------------------------------------------------------------------------
def test_jwt_bearer_issues_a_token_with_the_claims_banks_check(mp_app, mp, orgs):
    resource = mp.bank_audience(orgs["alpha"])
    body = granted(bearer_grant(mp_app, make_assertion(mp.issuer, resource=resource)))
    assert body["expires_in"] == 120 and body["scope"] == SCOPE_BANK
    header, claims = claims_of(mp_app, body["access_token"])
    assert header["kid"] == mp.key.kid
    assert claims["iss"] == mp.issuer
    assert claims["aud"] == resource, "the assertion's resource becomes the token's aud"
    assert claims["scope"] == SCOPE_BANK
    assert claims["consumer"] == {"authority": "iso6523-actorid-upis", "ID": "0192:974761076"}
    assert claims["client_id"] == "skatteetaten"
    assert isinstance(claims["iat"], int) and isinstance(claims["exp"], int)
    assert claims["exp"] - claims["iat"] == 120, "default lifetime 120 s (spec/protocol.md §4.1)"
    assert abs(claims["iat"] - time.time()) < 10
    assert uuid.UUID(claims["jti"])


def test_jwt_bearer_token_is_accepted_by_the_bank_it_names_only(mp_app, mp, orgs):
    token = granted(bearer_grant(mp_app, make_assertion(mp.issuer, resource=mp.bank_audience(orgs["alpha"]))))
    assert bank_call(mp_app, orgs["alpha"], bearer(token["access_token"])).status_code == 200
    other = bank_call(mp_app, orgs["beta"], bearer(token["access_token"]))
    assert other.status_code == 401 and other.get_json()["code"] == "ACC-010"


def test_jwt_bearer_every_token_has_its_own_jti(mp_app, mp):
    jtis = {claims_of(mp_app, granted(bearer_grant(mp_app, make_assertion(mp.issuer)))["access_token"])[1]["jti"]
            for _ in range(3)}
    assert len(jtis) == 3


@pytest.mark.parametrize("resource,scope,aud", [
    ("one", SCOPE_BANK, "{bank}"),
    ("form", SCOPE_BANK, "{bank}"),
    ("trailing-slash", SCOPE_BANK, "{bank}"),  # tolerated; the token carries the directory's spelling
    ("list", f"{SCOPE_BANK} {SCOPE_RELATIONS}", ["{bank}", "{register}"]),
    ("list-with-a-duplicate", SCOPE_BANK, "{bank}"),
])
def test_jwt_bearer_resource_becomes_the_aud(mp_app, mp, orgs, resource, scope, aud):
    bank, register = mp.bank_audience(orgs["alpha"]), mp.register_audience()
    fill = lambda v: v.format(bank=bank, register=register)  # noqa: E731
    expected = [fill(a) for a in aud] if isinstance(aud, list) else fill(aud)
    if resource == "one":
        response = bearer_grant(mp_app, make_assertion(mp.issuer, resource=bank, scope=scope))
    elif resource == "form":  # resource as a form parameter of the token request instead of a claim
        response = bearer_grant(mp_app, make_assertion(mp.issuer, resource=None, scope=scope), resource=bank)
    elif resource == "trailing-slash":
        response = bearer_grant(mp_app, make_assertion(mp.issuer, resource=bank + "/", scope=scope))
    elif resource == "list":
        response = bearer_grant(mp_app, make_assertion(mp.issuer, resource=[bank, register], scope=scope))
    else:
        response = bearer_grant(mp_app, make_assertion(mp.issuer, resource=[bank, bank + "/"], scope=scope))
    token = granted(response)["access_token"]
    assert claims_of(mp_app, token)[1].get("aud") == expected
    assert bank_call(mp_app, orgs["alpha"], bearer(token)).status_code == 200


@pytest.mark.parametrize("ttl", ["1", "3600", "86400"])
def test_jwt_bearer_ttl_parameter_sets_the_lifetime(mp_app, mp, ttl):
    body = granted(bearer_grant(mp_app, make_assertion(mp.issuer), ttl=ttl))
    claims = claims_of(mp_app, body["access_token"])[1]
    assert body["expires_in"] == int(ttl) == claims["exp"] - claims["iat"]


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512"])
def test_jwt_bearer_accepts_the_documented_assertion_algorithms(mp_app, mp, alg):
    granted(bearer_grant(mp_app, make_assertion(mp.issuer, header={"alg": alg})))


def test_jwt_bearer_politiet_may_have_the_account_servicing_scope(mp_app, mp):
    body = granted(bearer_grant(mp_app, make_assertion(mp.issuer, "politiet", scope=f"{SCOPE_RELATIONS} {SCOPE_ACCOUNT_PROVIDER}",
                                                       resource=mp.register_audience())))
    assert body["scope"] == f"{SCOPE_RELATIONS} {SCOPE_ACCOUNT_PROVIDER}"


def test_jwt_bearer_uses_the_scenarios_client_id(mp_app, mp):
    """NAV's client id is `nav-integrasjon-1`: its consumer id `nav` is not a client id for the real grant."""
    body = granted(bearer_grant(mp_app, make_assertion(mp.issuer, "nav-integrasjon-1")))
    claims = claims_of(mp_app, body["access_token"])[1]
    assert claims["client_id"] == "nav-integrasjon-1"
    assert claims["consumer"]["ID"] == "0192:889640782"
    refused(bearer_grant(mp_app, make_assertion(mp.issuer, "nav", key=consumer_key("nav-integrasjon-1"))),
            "invalid_client", 401)


def _unsigned_assertion(issuer: str) -> str:
    now = int(time.time())
    claims = {"iss": "skatteetaten", "aud": issuer, "iat": now, "exp": now + 60, "jti": str(uuid.uuid4()),
              "scope": SCOPE_BANK}
    return f"{b64url({'alg': 'none'})}.{b64url(claims)}."


#: (rule, expected error, status, form factory(issuer) -> form fields)
GRANT_REFUSALS = [
    ("assertion-signed-with-another-key", "invalid_grant", 400,
     lambda iss: {"assertion": make_assertion(iss, key=stranger_key())}),
    ("assertion-signed-with-another-consumers-key", "invalid_grant", 400,
     lambda iss: {"assertion": make_assertion(iss, key=consumer_key("politiet"))}),
    ("assertion-alg-none", "invalid_grant", 400, lambda iss: {"assertion": _unsigned_assertion(iss)}),
    ("assertion-hs256", "invalid_grant", 400,
     lambda iss: {"assertion": f"{b64url({'alg': 'HS256'})}.{b64url({'iss': 'skatteetaten', 'aud': iss})}.c2ln"}),
    ("assertion-garbled", "invalid_grant", 400, lambda iss: {"assertion": "garbled-assertion"}),
    ("assertion-missing", "invalid_request", 400, lambda iss: {}),
    ("iss-unknown-client", "invalid_client", 401,
     lambda iss: {"assertion": make_assertion(iss, iss="no-such-client", key=consumer_key("skatteetaten"))}),
    ("iss-missing", "invalid_grant", 400, lambda iss: {"assertion": make_assertion(iss, iss=None)}),
    ("aud-not-the-issuer", "invalid_grant", 400,
     lambda iss: {"assertion": make_assertion(iss, aud="https://test.maskinporten.no/")}),
    ("aud-a-bank", "invalid_grant", 400,
     lambda iss: {"assertion": make_assertion(iss, aud=iss.replace("/maskinporten/", "/banks/329389243/v2"))}),
    ("aud-missing", "invalid_grant", 400, lambda iss: {"assertion": make_assertion(iss, aud=None)}),
    ("expired", "invalid_grant", 400,
     lambda iss: {"assertion": make_assertion(iss, iat=lambda n: n - 200, exp=lambda n: n - 90)}),
    ("iat-in-the-future", "invalid_grant", 400,
     lambda iss: {"assertion": make_assertion(iss, iat=lambda n: n + 300, exp=lambda n: n + 360)}),
    ("lives-longer-than-120s", "invalid_grant", 400,
     lambda iss: {"assertion": make_assertion(iss, exp=lambda n: n + 121)}),
    ("exp-missing", "invalid_grant", 400, lambda iss: {"assertion": make_assertion(iss, exp=None)}),
    ("iat-missing", "invalid_grant", 400, lambda iss: {"assertion": make_assertion(iss, iat=None)}),
    ("jti-missing", "invalid_grant", 400, lambda iss: {"assertion": make_assertion(iss, jti=None)}),
    ("scope-missing", "invalid_scope", 400, lambda iss: {"assertion": make_assertion(iss, scope=None)}),
    ("scope-unknown", "invalid_scope", 400, lambda iss: {"assertion": make_assertion(iss, scope="bits:everything")}),
    ("scope-not-allowed-for-consumer", "invalid_scope", 400,  # only Politiet may ask which bank services an account
     lambda iss: {"assertion": make_assertion(iss, "nav-integrasjon-1", scope=SCOPE_ACCOUNT_PROVIDER)}),
    ("scope-one-of-several-not-allowed", "invalid_scope", 400,
     lambda iss: {"assertion": make_assertion(iss, scope=f"{SCOPE_BANK} {SCOPE_ACCOUNT_PROVIDER}")}),
    ("resource-not-a-url", "invalid_target", 400, lambda iss: {"assertion": make_assertion(iss, resource="alpha")}),
    ("resource-foreign", "invalid_target", 400,
     lambda iss: {"assertion": make_assertion(iss, resource="https://evil.example/")}),
    ("nbf-in-the-future", "invalid_grant", 400,
     lambda iss: {"assertion": make_assertion(iss, nbf=lambda n: n + LEEWAY + 30)}),
    ("nbf-not-a-number", "invalid_grant", 400,
     lambda iss: {"assertion": make_assertion(iss, nbf=lambda n: str(n))}),
    ("ttl-zero", "invalid_request", 400, lambda iss: {"assertion": make_assertion(iss), "ttl": "0"}),
    ("ttl-over-a-day", "invalid_request", 400, lambda iss: {"assertion": make_assertion(iss), "ttl": "86401"}),
    ("ttl-not-a-number", "invalid_request", 400, lambda iss: {"assertion": make_assertion(iss), "ttl": "2m"}),
]


@pytest.mark.parametrize("error,status,make", [pytest.param(e, s, m, id=r) for r, e, s, m in GRANT_REFUSALS])
def test_jwt_bearer_refusals(mp_app, mp, error, status, make):
    refused(post_token(mp_app, {"grant_type": JWT_BEARER, **make(mp.issuer)}), error, status)


@pytest.mark.parametrize("form,error", [
    pytest.param({}, "invalid_request", id="grant-type-missing"),
    pytest.param({"grant_type": "password", "username": "x"}, "unsupported_grant_type", id="grant-type-password"),
    pytest.param({"grant_type": "authorization_code", "code": "x"}, "unsupported_grant_type", id="grant-type-code"),
])
def test_token_endpoint_grant_type_refusals(mp_app, form, error):
    refused(post_token(mp_app, form), error)


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", "multipart/form-data; boundary=x"])
def test_token_endpoint_wants_a_form(mp_app, mp, content_type):
    data = json.dumps({"grant_type": JWT_BEARER, "assertion": make_assertion(mp.issuer)})
    refused(post_token(mp_app, content_type=content_type, data=data), "invalid_request")


def test_token_endpoint_accepts_a_form_with_charset(mp_app, mp):
    data = urlencode({"grant_type": JWT_BEARER, "assertion": make_assertion(mp.issuer)})
    granted(post_token(mp_app, content_type=FORM + "; charset=UTF-8", data=data))


def test_jwt_bearer_replayed_jti_is_refused(mp_app, mp):
    assertion = make_assertion(mp.issuer)
    granted(bearer_grant(mp_app, assertion))
    body = refused(bearer_grant(mp_app, assertion), "invalid_grant")
    assert "jti" in body["error_description"]
    # the same jti in a fresh assertion is a replay too
    jti = claims_of_assertion(assertion)["jti"]
    refused(bearer_grant(mp_app, make_assertion(mp.issuer, jti=jti)), "invalid_grant")


def test_jwt_bearer_accepts_non_integer_numeric_dates(mp_app, mp):
    granted(bearer_grant(mp_app, make_assertion(mp.issuer, iat=lambda n: n + 0.25, exp=lambda n: n + 60.25)))


def test_jwt_bearer_same_jti_for_another_client_is_not_a_replay(mp_app, mp):
    jti = str(uuid.uuid4())
    granted(bearer_grant(mp_app, make_assertion(mp.issuer, jti=jti)))
    granted(bearer_grant(mp_app, make_assertion(mp.issuer, "politiet", jti=jti)))


def test_jwt_bearer_refused_assertion_does_not_burn_its_jti(mp_app, mp):
    jti = str(uuid.uuid4())
    refused(bearer_grant(mp_app, make_assertion(mp.issuer, jti=jti, scope="bits:everything")), "invalid_scope")
    granted(bearer_grant(mp_app, make_assertion(mp.issuer, jti=jti)))


def test_jwt_bearer_replay_is_refused_across_workers_sharing_the_state_dir(scenario_files, tmp_path):
    """Two app instances (gunicorn workers, replicas on one host) with one state_dir see each other's jtis."""
    settings = Settings(scenario=str(scenario_files["default"]), state_dir=str(tmp_path / "state"))
    first, second = create_app(settings), create_app(settings)
    assert first.extensions["dsop"].maskinporten is not second.extensions["dsop"].maskinporten
    assertion = make_assertion(first.extensions["dsop"].maskinporten.issuer)
    granted(bearer_grant(first, assertion))
    refused(bearer_grant(second, assertion), "invalid_grant")


@pytest.mark.parametrize("grant", ["jwt-bearer", "shortcut", "refused"])
def test_token_endpoint_logs_and_stores_neither_the_assertion_nor_the_token(mp_app, mp, orgs, caplog, grant):
    caplog.set_level(logging.DEBUG)
    assertion = make_assertion(mp.issuer, resource=mp.bank_audience(orgs["alpha"]))
    if grant == "jwt-bearer":
        response = bearer_grant(mp_app, assertion)
    elif grant == "shortcut":
        response = post_token(mp_app, {"grant_type": "client_credentials", "client_id": "skatteetaten",
                                       "scope": SCOPE_BANK, "resource": mp.bank_audience(orgs["alpha"])})
    else:  # a refused assertion: its error must not quote it back either
        assertion = make_assertion(mp.issuer, key=stranger_key())
        response = bearer_grant(mp_app, assertion)
    secrets = [assertion] if grant != "shortcut" else []
    if response.status_code == 200:
        token = response.get_json()["access_token"]
        secrets.append(token)
        bank_call(mp_app, orgs["alpha"], bearer(token))  # and use it once
    else:
        assert assertion not in response.get_data(as_text=True)
    state = Path(mp_app.extensions["dsop"].state.directory)
    for secret in secrets:
        assert secret not in caplog.text
        for path in (p for p in state.rglob("*") if p.is_file()):  # the database and the audit journals
            assert secret.encode() not in path.read_bytes(), f"stored in {path.relative_to(state)}"


def claims_of_assertion(assertion: str) -> dict:
    return jwt.decode(assertion, consumer_key("skatteetaten"), algorithms=["RS256"]).claims


# ----------------------------------------------------------------------------------------------------------
#  The client assertion's nbf
# ----------------------------------------------------------------------------------------------------------
def test_jwt_bearer_refuses_an_assertion_not_valid_yet(mp_app, mp):
    body = refused(bearer_grant(mp_app, make_assertion(mp.issuer, nbf=lambda n: n + 60)), "invalid_grant")
    assert "not valid yet" in body["error_description"] and "nbf" in body["error_description"]
    assert f"{LEEWAY} s" in body["error_description"], "the description names the clock skew tolerated"


@pytest.mark.parametrize("nbf", [lambda n: n - 30, lambda n: n, lambda n: n + LEEWAY - 2, lambda n: n + 0.5],
                         ids=["past", "now", "within-the-skew", "fractional"])
def test_jwt_bearer_accepts_an_nbf_up_to_the_clock_skew(mp_app, mp, nbf):
    granted(bearer_grant(mp_app, make_assertion(mp.issuer, nbf=nbf)))


# ----------------------------------------------------------------------------------------------------------
#  resource: this sandbox's register and banks only, each with its own scopes (RFC 8707 invalid_target)
# ----------------------------------------------------------------------------------------------------------
def shortcut(app, scope: str, resource, client_id: str = "skatteetaten"):
    form = {"grant_type": "client_credentials", "client_id": client_id, "scope": scope}
    if resource is not None:
        form["resource"] = resource
    return post_token(app, form)


def grant_both_ways(app, mp, scope: str, resource, client_id: str = "skatteetaten"):
    """The same request with the real grant (resource as an assertion claim) and with the shortcut."""
    assertion = make_assertion(mp.issuer, client_id, scope=scope, resource=resource)
    return [bearer_grant(app, assertion), shortcut(app, scope, resource, client_id)]


def assert_lists_what_is_accepted(description: str, mp) -> None:
    assert mp.register_audience() in description
    for bank in mp.world.banks.values():
        assert mp.bank_audience(bank.org_number) in description
    assert SCOPE_BANK in description and SCOPE_RELATIONS in description


@pytest.mark.parametrize("resource", [
    pytest.param("https://evil.example/", id="another-host"),
    pytest.param("https://evil.example/banks/{alpha}/v2", id="a-banks-path-on-another-host"),
    pytest.param(f"{BASE}/banks/999999999/v2", id="a-bank-not-in-the-directory"),
    pytest.param(f"{BASE}/banks/{{alpha}}/v2/accounts", id="below-a-banks-base-url"),
    pytest.param(f"{BASE}/banks/{{alpha}}", id="above-a-banks-base-url"),
    pytest.param(f"{BASE}/kar-ws/api/v1", id="another-register-version"),
    pytest.param(f"{BASE}/maskinporten/", id="the-issuer"),
    pytest.param(f"{BASE}/", id="the-sandbox-itself"),
    pytest.param(f"{BASE}/banks/{{alpha}}/v2?x=1", id="with-a-query"),
    pytest.param(f"{BASE.upper()}/banks/{{alpha}}/v2", id="another-spelling"),
    pytest.param("alpha", id="not-a-url"),
])
def test_foreign_resource_is_invalid_target_naming_it_and_listing_what_is_accepted(mp_app, mp, orgs, resource):
    resource = resource.format(alpha=orgs["alpha"])
    for response in grant_both_ways(mp_app, mp, SCOPE_BANK, resource):
        body = refused(response, "invalid_target")
        assert repr(resource) in body["error_description"], "the description names the resource"
        assert_lists_what_is_accepted(body["error_description"], mp)


def test_foreign_resource_in_an_assertion_as_a_number_is_invalid_target(mp_app, mp):
    refused(bearer_grant(mp_app, make_assertion(mp.issuer, resource=42)), "invalid_target")


@pytest.mark.parametrize("scope", [SCOPE_BANK, SCOPE_RELATIONS])
def test_missing_resource_issues_an_unspecified_aud_token_the_strict_apis_refuse(mp_app, mp, orgs, scope):
    """Behaviour change (issue 13): real Maskinporten answers a request without resource with a token whose aud
    is `unspecified` (the plugin's KAR call asks so). Before, the sandbox refused the request (invalid_target)."""
    for response in grant_both_ways(mp_app, mp, scope, None):
        token = granted(response)["access_token"]
        assert claims_of(mp_app, token)[1]["aud"] == "unspecified"
        with pytest.raises(AuthenticationFailed) as caught:
            mp.check(bearer(token), mp.bank_audience(orgs["alpha"]) if scope == SCOPE_BANK else mp.register_audience(),
                     scope)
        assert "'unspecified'" in caught.value.message and "resource=" in caught.value.message
    if scope == SCOPE_BANK:
        answer = bank_call(mp_app, orgs["alpha"], bearer(token))
        assert answer.status_code == 401 and "ask the token endpoint with resource=" in answer.get_data(as_text=True)


def test_the_right_path_on_another_base_url_says_where_the_apis_live(mp_app, mp, orgs):
    """A developer reaching `make run` as localhost: the APIs compare aud with the directory's URLs only."""
    for response in grant_both_ways(mp_app, mp, SCOPE_BANK, f"http://localhost:8000/banks/{orgs['alpha']}/v2"):
        body = refused(response, "invalid_target")
        assert f"live under {BASE} (its --public-url)" in body["error_description"]


def test_reaching_the_server_under_another_name_is_explained(make_app, scenario_files, orgs):
    """The test client reaches the app as http://localhost/: named when it is not the public URL, else not."""
    hint = "You reached this server as http://localhost"
    default = make_app(scenario_files["default"], fresh=True, auth=True)
    body = refused(shortcut(default, SCOPE_BANK, "https://evil.example/"), "invalid_target")
    assert hint in body["error_description"]
    same = make_app(scenario_files["default"], fresh=True, auth=True, public_url="http://localhost")
    body = refused(shortcut(same, SCOPE_BANK, "https://evil.example/"), "invalid_target")
    assert hint not in body["error_description"] and "http://localhost/kar-ws/api/v2" in body["error_description"]


@pytest.mark.parametrize("scope,resource,client_id", [
    pytest.param(SCOPE_BANK, "register", "skatteetaten", id="bank-scope-for-the-register"),
    pytest.param(SCOPE_RELATIONS, "alpha", "skatteetaten", id="register-scope-for-a-bank"),
    pytest.param(SCOPE_ACCOUNT_PROVIDER, "alpha", "politiet", id="account-servicing-scope-for-a-bank"),
    pytest.param(f"{SCOPE_BANK} {SCOPE_RELATIONS}", "alpha", "skatteetaten", id="one-of-two-scopes-not-for-it"),
    pytest.param(SCOPE_BANK, "alpha+register", "skatteetaten", id="a-resource-no-scope-is-for"),
])
def test_scope_the_resources_api_does_not_accept_is_invalid_target(mp_app, mp, orgs, scope, resource, client_id):
    urls = {"register": mp.register_audience(), "alpha": mp.bank_audience(orgs["alpha"])}
    wanted = [urls[r] for r in resource.split("+")]
    for response in grant_both_ways(mp_app, mp, scope, wanted if len(wanted) > 1 else wanted[0], client_id):
        description = refused(response, "invalid_target")["error_description"]
        assert any(url in description for url in wanted), "the description names the resource"
        assert any(s in description for s in (SCOPE_BANK, SCOPE_RELATIONS)), "and the scopes it accepts"


def test_every_url_the_directory_publishes_and_the_register_are_accepted(mp_app, mp):
    """Exactly what the directory lists (one source: the audiences the APIs check), plus the register."""
    client = mp_app.test_client()
    listed = [e["url"] for e in client.get("/altinn/v1/directharvest/Kontrollinformasjon").get_json()]
    assert sorted(listed) == sorted(a for a in mp.audiences() if a != mp.register_audience())
    for url in listed:
        for response in grant_both_ways(mp_app, mp, SCOPE_BANK, url):
            assert claims_of(mp_app, granted(response)["access_token"])[1]["aud"] == url
    for client_id, scope in (("skatteetaten", SCOPE_RELATIONS), ("politiet", SCOPE_ACCOUNT_PROVIDER),
                             ("politiet", f"{SCOPE_RELATIONS} {SCOPE_ACCOUNT_PROVIDER}")):
        for response in grant_both_ways(mp_app, mp, scope, mp.register_audience() + "/", client_id):
            assert claims_of(mp_app, granted(response)["access_token"])[1]["aud"] == mp.register_audience()


def test_resources_follow_the_public_url(make_app, scenario_files, orgs):
    there = make_app(scenario_files["default"], fresh=True, auth=True, public_url="https://sandbox.example:9443/")
    issuer = there.extensions["dsop"].maskinporten
    granted(shortcut(there, SCOPE_BANK, f"https://sandbox.example:9443/banks/{orgs['alpha']}/v2"))
    body = refused(shortcut(there, SCOPE_BANK, ALPHA_URL), "invalid_target")
    assert "https://sandbox.example:9443/banks/" in body["error_description"]
    assert issuer.bank_audience(orgs["alpha"]) in body["error_description"]


def test_refused_target_does_not_burn_the_assertions_jti(mp_app, mp):
    jti = str(uuid.uuid4())
    foreign = make_assertion(mp.issuer, jti=jti, resource="https://evil.example/")
    refused(bearer_grant(mp_app, foreign), "invalid_target")
    granted(bearer_grant(mp_app, make_assertion(mp.issuer, jti=jti)))


def test_a_long_bank_list_is_cut_and_points_to_the_directory(mp):
    from sandbox.maskinporten.errors import TokenRequestError
    from sandbox.maskinporten.resources import LISTED_BANKS, Audience
    from sandbox.maskinporten.scopes import BANK_SCOPES

    saved = mp._audiences
    many = dict(mp.audiences())
    for i in range(LISTED_BANKS + 3):
        url = f"{BASE}/banks/9{i:08d}/v2"
        many[url] = Audience(url, f"bank {i}", BANK_SCOPES)
    try:
        mp._audiences = many
        with pytest.raises(TokenRequestError) as caught:
            mp.grant({"grant_type": "client_credentials", "client_id": "skatteetaten", "scope": SCOPE_BANK,
                      "resource": "https://evil.example/"})
    finally:
        mp._audiences = saved
    assert caught.value.error == "invalid_target"
    assert f"and {len(many) - 1 - LISTED_BANKS} more" in caught.value.description
    assert "/altinn/v1/directharvest/Kontrollinformasjon" in caught.value.description


# ----------------------------------------------------------------------------------------------------------
#  The shortcut grant
# ----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("client_id", ["skatteetaten", "974761076"], ids=["client-id", "org-number"])
def test_shortcut_grant_issues_a_token(mp_app, mp, orgs, client_id):
    body = granted(post_token(mp_app, {"grant_type": "client_credentials", "client_id": client_id,
                                       "scope": SCOPE_BANK, "resource": mp.bank_audience(orgs["alpha"])}))
    assert body["expires_in"] == 120
    claims = claims_of(mp_app, body["access_token"])[1]
    assert claims["consumer"]["ID"] == "0192:974761076" and claims["aud"] == mp.bank_audience(orgs["alpha"])
    assert bank_call(mp_app, orgs["alpha"], bearer(body["access_token"])).status_code == 200


@pytest.mark.parametrize("form,error,status", [
    pytest.param({"client_id": "no-such-client", "scope": SCOPE_BANK}, "invalid_client", 401, id="unknown-client"),
    pytest.param({"scope": SCOPE_BANK}, "invalid_client", 401, id="client-id-missing"),
    pytest.param({"client_id": "nav-integrasjon-1", "scope": SCOPE_ACCOUNT_PROVIDER}, "invalid_scope", 400,
                 id="scope-not-allowed-for-consumer"),
    pytest.param({"client_id": "skatteetaten"}, "invalid_scope", 400, id="scope-missing"),
    pytest.param({"client_id": "skatteetaten", "scope": SCOPE_BANK, "ttl": "-5", "resource": ALPHA_URL},
                 "invalid_request", 400, id="ttl-negative"),
    pytest.param({"client_id": "skatteetaten", "scope": SCOPE_BANK, "resource": "https://evil.example/"},
                 "invalid_target", 400, id="resource-foreign"),
    pytest.param({"client_id": "skatteetaten", "scope": SCOPE_BANK, "resource": REGISTER_URL}, "invalid_target", 400,
                 id="scope-not-for-the-resource"),
])
def test_shortcut_grant_refusals(mp_app, form, error, status):
    refused(post_token(mp_app, {"grant_type": "client_credentials", **form}), error, status)


def test_shortcut_grant_switched_off_by_the_scenario(custom_app):
    body = refused(post_token(custom_app, {"grant_type": "client_credentials", "client_id": "skatteetaten",
                                           "scope": SCOPE_BANK}), "unsupported_grant_type")
    assert "jwt-bearer" in body["error_description"]
    meta = custom_app.test_client().get("/maskinporten/.well-known/oauth-authorization-server").get_json()
    assert meta["grant_types_supported"] == [JWT_BEARER]


# ----------------------------------------------------------------------------------------------------------
#  A scenario's own issuer settings
# ----------------------------------------------------------------------------------------------------------
def test_scenario_signing_key_signs_the_tokens(custom_app, mp, scenario_files):
    custom = custom_app.extensions["dsop"].maskinporten
    own = RSAKey.import_key(scenario_files["issuer_key"].read_bytes())
    assert custom.key.kid == own.thumbprint() != mp.key.kid
    assert custom_app.test_client().get("/maskinporten/jwks").get_json()["keys"][0]["kid"] == own.thumbprint()
    body = granted(bearer_grant(custom_app, make_assertion(custom.issuer)))
    header, _ = claims_of(custom_app, body["access_token"])
    assert header["kid"] == own.thumbprint()
    jwt.decode(body["access_token"], own, algorithms=["RS256"])  # really signed with the scenario's key


def test_scenario_token_ttl_is_the_default_lifetime(custom_app):
    custom = custom_app.extensions["dsop"].maskinporten
    body = granted(bearer_grant(custom_app, make_assertion(custom.issuer)))
    claims = claims_of(custom_app, body["access_token"])[1]
    assert body["expires_in"] == 300 == claims["exp"] - claims["iat"]


def test_token_of_the_default_issuer_is_refused_where_the_scenario_names_its_own_key(mp_app, custom_app, mp, orgs):
    """Same public URL, same iss and aud: only the signature tells them apart → 401."""
    body = granted(bearer_grant(mp_app, make_assertion(mp.issuer, resource=mp.bank_audience(orgs["alpha"]))))
    response = bank_call(custom_app, orgs["alpha"], bearer(body["access_token"]))
    assert response.status_code == 401 and response.get_json()["code"] == "ACC-010"


# ----------------------------------------------------------------------------------------------------------
#  The check itself: cached verification still expires; the documented leeway
# ----------------------------------------------------------------------------------------------------------
def test_a_token_verified_once_still_expires(mp, orgs):
    aud = mp.bank_audience(orgs["alpha"])
    now = int(time.time())
    token = mp.issue(mp.world.consumers["skatteetaten"], [SCOPE_BANK], aud, now=now)["access_token"]
    assert mp.check(bearer(token), aud, SCOPE_BANK, now=now).org == "974761076"
    assert mp.check(bearer(token), aud, SCOPE_BANK, now=now + 120 + LEEWAY - 1).org == "974761076"
    with pytest.raises(AuthenticationFailed, match="expired"):
        mp.check(bearer(token), aud, SCOPE_BANK, now=now + 120 + LEEWAY)


def test_a_kept_acceptance_holds_only_in_the_seconds_the_time_checks_pass(mp, orgs):
    """check keeps an accepted header with the seconds its time checks pass: before iat minus the leeway the same
    header is refused again, and the kept answer is per audience and scope."""
    aud = mp.bank_audience(orgs["alpha"])
    now = int(time.time())
    token = mp.issue(mp.world.consumers["skatteetaten"], [SCOPE_BANK], aud, now=now)["access_token"]
    assert mp.check(bearer(token), aud, SCOPE_BANK, now=now).org == "974761076"
    assert mp.check(bearer(token), aud, SCOPE_BANK, now=now - LEEWAY).org == "974761076"
    with pytest.raises(AuthenticationFailed, match="not valid yet"):
        mp.check(bearer(token), aud, SCOPE_BANK, now=now - LEEWAY - 1)
    with pytest.raises(AuthenticationFailed, match="aud must be"):
        mp.check(bearer(token), mp.bank_audience(orgs["beta"]), SCOPE_BANK, now=now)
    with pytest.raises(AccessDenied, match="lacks scope"):
        mp.check(bearer(token), aud, SCOPE_RELATIONS, now=now)


def test_a_token_issued_later_is_not_valid_yet(mp, orgs):
    aud = mp.bank_audience(orgs["alpha"])
    now = int(time.time())
    token = mp.issue(mp.world.consumers["skatteetaten"], [SCOPE_BANK], aud, now=now + LEEWAY + 1)["access_token"]
    with pytest.raises(AuthenticationFailed, match="not valid yet"):
        mp.check(bearer(token), aud, SCOPE_BANK, now=now)


# ----------------------------------------------------------------------------------------------------------
#  dsop-sandbox token
# ----------------------------------------------------------------------------------------------------------
def run_cli(capsys, *argv) -> tuple[int, str, str]:
    try:
        code = cli(["token", *argv])
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_token_prints_only_a_token_the_server_accepts(capsys, scenario_files, mp_app, orgs):
    code, out, err = run_cli(capsys, "--scenario", str(scenario_files["default"]), "--consumer", "skatteetaten",
                             "--bank", orgs["alpha"])
    assert code == 0, err
    assert out.endswith("\n") and out.count("\n") == 1, "only the token, on one line"
    token = out.strip()
    assert token.count(".") == 2 and " " not in token
    header, claims = claims_of(mp_app, token)
    assert claims["aud"] == "http://127.0.0.1:8000/banks/" + orgs["alpha"] + "/v2"
    assert claims["exp"] - claims["iat"] == 120
    assert bank_call(mp_app, orgs["alpha"], bearer(token)).status_code == 200


def test_cli_token_for_the_register(capsys, scenario_files, mp_app):
    code, out, err = run_cli(capsys, "--scenario", str(scenario_files["default"]), "--consumer", "politiet",
                             "--register", "--scope", SCOPE_ACCOUNT_PROVIDER)
    assert code == 0, err
    claims = claims_of(mp_app, out.strip())[1]
    assert claims["aud"] == "http://127.0.0.1:8000/kar-ws/api/v2" and claims["scope"] == SCOPE_ACCOUNT_PROVIDER
    assert claims["consumer"]["ID"] == "0192:915429785"


@pytest.mark.parametrize("ttl", ["60", "3600"])
def test_cli_token_ttl(capsys, scenario_files, mp_app, orgs, ttl):
    code, out, err = run_cli(capsys, "--scenario", str(scenario_files["default"]), "--consumer", "974761076",
                             "--bank", orgs["alpha"], "--ttl", ttl)
    assert code == 0, err
    claims = claims_of(mp_app, out.strip())[1]
    assert claims["exp"] - claims["iat"] == int(ttl)


def test_cli_token_public_url_matches_a_server_elsewhere(capsys, make_app, scenario_files, mp_app, orgs):
    code, out, err = run_cli(capsys, "--scenario", str(scenario_files["default"]), "--consumer", "skatteetaten",
                             "--bank", orgs["alpha"], "--public-url", "https://sandbox.example:9443")
    assert code == 0, err
    token = out.strip()
    there = make_app(scenario_files["default"], fresh=True, auth=True, public_url="https://sandbox.example:9443")
    assert bank_call(there, orgs["alpha"], bearer(token)).status_code == 200
    assert bank_call(mp_app, orgs["alpha"], bearer(token)).status_code == 401, "iss/aud of another server"


def test_cli_token_uses_the_scenarios_signing_key(capsys, scenario_files, custom_app, orgs):
    code, out, err = run_cli(capsys, "--scenario", str(scenario_files["custom"]), "--consumer", "skatteetaten",
                             "--bank", orgs["alpha"])
    assert code == 0, err
    header, claims = claims_of(custom_app, out.strip())
    assert header["kid"] == custom_app.extensions["dsop"].maskinporten.key.kid
    assert claims["exp"] - claims["iat"] == 300, "the scenario's token_ttl"
    assert bank_call(custom_app, orgs["alpha"], bearer(out.strip())).status_code == 200


@pytest.mark.parametrize("argv,needle", [
    pytest.param(["--consumer", "no-such-agency", "--bank", "{alpha}"], "no-such-agency", id="unknown-consumer"),
    pytest.param(["--consumer", "nav", "--register", "--scope", SCOPE_ACCOUNT_PROVIDER], SCOPE_ACCOUNT_PROVIDER,
                 id="scope-not-allowed"),
    pytest.param(["--consumer", "skatteetaten", "--bank", "999999999"], "999999999", id="unknown-bank"),
    pytest.param(["--consumer", "skatteetaten", "--audience", "https://x.example"], "--scope",
                 id="audience-without-scope"),
])
def test_cli_token_refusals_exit_2_with_a_message(capsys, scenario_files, orgs, argv, needle):
    argv = [a.format(alpha=orgs["alpha"]) for a in argv]
    code, out, err = run_cli(capsys, "--scenario", str(scenario_files["default"]), *argv)
    assert code == 2
    assert out == "", "nothing on stdout: a script must not mistake a message for a token"
    assert needle in err and err.startswith("dsop-sandbox token:"), err


# ----------------------------------------------------------------------------------------------------------
#  The scenario format's word on a consumer's key
# ----------------------------------------------------------------------------------------------------------
def test_schema_describes_a_consumers_key_as_its_public_key(capsys):
    """`consumers[].key` needs only the public half (docs/maskinporten.md; the e2e consumer registers one)."""
    try:
        code = cli(["validate", "--schema"])
    except SystemExit as exc:
        code = exc.code
    out, _ = capsys.readouterr()
    assert code in (0, None)
    schema = json.loads(out)
    assert schema["properties"]["consumers"]["items"] == {"$ref": "#/$defs/ConsumerSchema"}
    described = schema["$defs"]["ConsumerSchema"]["properties"]["key"]["description"]
    assert "public key" in described and "private key" not in described
