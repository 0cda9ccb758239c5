"""Real consumer libraries against the fake Maskinporten (issue 13 part 1, issue 14 token defects;
docs/maskinporten.md "Pointing a real client at the sandbox"): x5c client assertions (a certificate chain in the
header, bound to the client), kid-registered keys, assertion aud aliases, Maskinporten's root endpoints and
jwks_uri, a token without resource, the token check's lenient keywords, the shortcut switch and the shipped test
certificates. Assertions are built with the importable helper sandbox.maskinporten.assertions.build_assertion.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID
from joserfc import jwt
from joserfc.jwk import RSAKey

from sandbox import jwt_segments
from sandbox.keys import shipped
from sandbox.keys.certificates import HERE as KEYS_DIR
from sandbox.keys.certificates import certificate_path, shipped_certificates
from sandbox.maskinporten.assertions import build_assertion, encoded_jwk, x5c_chain
from sandbox.maskinporten.client_auth import MAX_HEADER_BYTES
from sandbox.maskinporten.errors import AccessDenied, AuthenticationFailed
from sandbox.maskinporten.tokens import JWT_BEARER, SCOPE_BANK, SCOPE_RELATIONS, shortcut_enabled
from sandbox.maskinporten.x5c import org_numbers
from tests.support import SKATT_ORG, bearer
from tests.support.maskinporten import (
    ALPHA,
    MP_SCENARIO,
    bank_call,
    bearer_grant,
    claims_of,
    granted,
    post_token,
    refused,
    write_private_key,
)

SKATT_KEY = shipped(f"consumer-{SKATT_ORG}")
SKATT_CERT = str(certificate_path(SKATT_KEY))
#: The module's scenario: Skatteetaten with two more registered keys, and an assertion audience alias.
KEYED = MP_SCENARIO.replace("name: maskinporten-tests", "name: maskinporten-keys").replace(
    '  - {id: skatteetaten, name: Skatteetaten, org_number: "974761076", services: [skatt]}\n',
    '  - id: skatteetaten\n    name: Skatteetaten\n    org_number: "974761076"\n    services: [skatt]\n'
    '    keys:\n      - {kid: skatt-2025, key: keys/second.pem}\n      - {kid: skatt-2026, key: keys/third.pem}\n'
) + """
maskinporten:
  audience_aliases: ["https://test.maskinporten.no/"]
"""


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("mp-compat")
    for name, text in (("default", MP_SCENARIO), ("keyed", KEYED)):
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    return {"default": folder / "default.yaml", "keyed": folder / "keyed.yaml",
            "second": write_private_key(folder / "keys" / "second.pem"),
            "third": write_private_key(folder / "keys" / "third.pem")}


@pytest.fixture(scope="module")
def app(make_app, files):
    return make_app(files["default"], fresh=True, auth=True)


@pytest.fixture(scope="module")
def keyed(make_app, files):
    return make_app(files["keyed"], fresh=True, auth=True)


def issuer_of(app):
    return app.extensions["dsop"].maskinporten


def assertion(app, key=SKATT_KEY, cert_chain=None, kid=None, *, client_id="skatteetaten", **more) -> str:
    issuer = issuer_of(app)
    more.setdefault("audience", issuer.issuer)
    more.setdefault("scope", SCOPE_BANK)
    more.setdefault("resource", issuer.bank_audience(ALPHA))
    return build_assertion(key, cert_chain, kid, client_id=client_id, **more)


def certificate(key_path, org: str | None, *, days=(-1, 365), via="serialNumber") -> str:
    """A self-signed PEM certificate for the key in `key_path`, naming `org` as `via` says; returns its x5c."""
    key = serialization.load_pem_private_key(Path(key_path).read_bytes(), password=None)
    names = [x509.NameAttribute(NameOID.COMMON_NAME, "test consumer")]
    if org and via == "serialNumber":
        names.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, org))
    elif org:
        names.append(x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, f"NTRNO-{org}"))
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(x509.Name(names)).issuer_name(x509.Name(names))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now + timedelta(days=days[0])).not_valid_after(now + timedelta(days=days[1]))
            .sign(key, hashes.SHA256()))
    return x5c_chain([cert])


@pytest.fixture(scope="module")
def stranger_pem(tmp_path_factory) -> Path:
    return write_private_key(tmp_path_factory.mktemp("stranger") / "stranger.pem")


# ----------------------------------------------------------------------------------------------------------
#  x5c: a certificate chain in the header
# ----------------------------------------------------------------------------------------------------------
def test_x5c_assertion_with_the_shipped_certificate_gets_a_token_the_bank_accepts(app):
    """Failed before issue 13: joserfc's default 512-byte header limit refused every x5c header."""
    signed = assertion(app, cert_chain=SKATT_CERT)
    header = jwt_segments.header(signed)
    assert len(signed.split(".")[0]) > 512 and len(header["x5c"]) == 1
    token = granted(bearer_grant(app, signed))["access_token"]
    assert claims_of(app, token)[1]["consumer"]["ID"] == f"0192:{SKATT_ORG}"
    assert bank_call(app, ALPHA, bearer(token)).status_code == 200


def test_x5c_with_intermediates_fits_and_over_16_kib_is_refused_naming_the_limit(app):
    leaf = x5c_chain(SKATT_CERT)
    granted(bearer_grant(app, assertion(app, cert_chain=leaf * 4)))  # a leaf and three "intermediates": ~8 kB
    body = refused(bearer_grant(app, assertion(app, cert_chain=leaf * 12)), "invalid_grant")
    assert str(MAX_HEADER_BYTES) in body["error_description"] and "16 KiB" in body["error_description"]


@pytest.mark.parametrize("via", ["serialNumber", "organizationIdentifier"])
def test_x5c_certificate_naming_the_clients_org_binds_an_unregistered_key(app, stranger_pem, via):
    chain = certificate(stranger_pem, SKATT_ORG, via=via)
    granted(bearer_grant(app, assertion(app, stranger_pem, chain)))


def test_x5c_certificate_of_a_registered_key_needs_no_org_number(app):
    """The default key's shipped certificate names no org. number; it binds to a consumer holding that key."""
    granted(bearer_grant(app, assertion(app, cert_chain=certificate(SKATT_KEY, None))))


def test_x5c_certificate_of_another_org_is_refused_saying_what_it_names_and_what_was_expected(app, stranger_pem):
    body = refused(bearer_grant(app, assertion(app, stranger_pem, certificate(stranger_pem, "915429785"))),
                   "invalid_grant")
    assert "names organisation number 915429785" in body["error_description"]
    assert f"belongs to organisation number {SKATT_ORG}" in body["error_description"]
    body = refused(bearer_grant(app, assertion(app, stranger_pem, certificate(stranger_pem, None))), "invalid_grant")
    assert "names no organisation number" in body["error_description"]


@pytest.mark.parametrize("days,words", [((-30, -1), "expired on"), ((1, 30), "not valid before")])
def test_x5c_certificate_outside_its_validity_is_refused(app, days, words):
    body = refused(bearer_grant(app, assertion(app, cert_chain=certificate(SKATT_KEY, SKATT_ORG, days=days))),
                   "invalid_grant")
    assert words in body["error_description"]


def test_x5c_assertion_signed_by_another_key_than_the_certificates_is_refused(app, stranger_pem):
    body = refused(bearer_grant(app, assertion(app, stranger_pem, SKATT_CERT)), "invalid_grant")
    assert "signature invalid" in body["error_description"] and "x5c certificate" in body["error_description"]


@pytest.mark.parametrize("x5c", [[], "MIIB", ["not base64!"], ["aGVsbG8="], [42]])
def test_x5c_that_is_no_certificate_is_invalid_grant(app, x5c):
    signed = build_assertion(SKATT_KEY, client_id="skatteetaten", audience=issuer_of(app).issuer, scope=SCOPE_BANK)
    # joserfc will not encode a malformed x5c: splice it into the header by hand (the signature no longer
    # matters, the certificate is refused first)
    import base64
    import json
    header = base64.urlsafe_b64encode(json.dumps({"alg": "RS256", "x5c": x5c}).encode()).rstrip(b"=").decode()
    body = refused(bearer_grant(app, header + signed[signed.index("."):]), "invalid_grant")
    assert "x5c" in body["error_description"]


def test_org_numbers_of_the_shipped_certificates():
    for path in sorted(KEYS_DIR.glob("consumer-*.cert.pem")):
        cert = x509.load_pem_x509_certificate(path.read_bytes())
        org = path.name[len("consumer-"):-len(".cert.pem")]
        assert org_numbers(cert) == ([] if org == "default" else [org])
        assert cert.not_valid_after_utc.year >= 2075


def test_every_shipped_consumer_key_has_its_generated_certificate():
    """The shipped certificates are exactly what `python -m sandbox.keys.certificates` makes (not hand-made)."""
    expected = shipped_certificates()
    keys = [p for p in KEYS_DIR.glob("consumer-*.pem") if not p.name.endswith(".cert.pem")]
    assert len(expected) == len(keys) >= 8
    for path, data in expected.items():
        assert path.read_bytes() == data, f"{path.name} differs from its generated form"


# ----------------------------------------------------------------------------------------------------------
#  kid: several registered keys
# ----------------------------------------------------------------------------------------------------------
def test_kid_selects_a_registered_key(keyed, files):
    for kid, key in (("skatt-2025", files["second"]), ("skatt-2026", files["third"])):
        granted(bearer_grant(keyed, assertion(keyed, key, kid=kid)))
    primary = RSAKey.import_key(Path(SKATT_KEY).read_bytes())
    granted(bearer_grant(keyed, assertion(keyed, kid=primary.thumbprint())))  # the key file's kid: its thumbprint
    granted(bearer_grant(keyed, assertion(keyed, files["third"])))  # no kid: every registered key is tried


def test_kid_of_another_registered_key_or_an_unknown_kid_is_refused_naming_it(keyed, files):
    body = refused(bearer_grant(keyed, assertion(keyed, files["second"], kid="skatt-2026")), "invalid_grant")
    assert "signature invalid" in body["error_description"]
    body = refused(bearer_grant(keyed, assertion(keyed, files["second"], kid="skatt-2019")), "invalid_grant")
    assert "'skatt-2019'" in body["error_description"] and "skatt-2025, skatt-2026" in body["error_description"]


def test_the_altinn_clients_jwk_header_with_the_encoded_jwk_kid_is_accepted(app):
    """The Altinn .NET client's JWK path sends alg, kid (the JWK's) and typ JWT."""
    import base64
    import json
    jwk = json.loads(base64.b64decode(encoded_jwk(SKATT_KEY)))
    granted(bearer_grant(app, assertion(app, RSAKey.import_key(jwk), kid=jwk["kid"], typ="JWT")))


# ----------------------------------------------------------------------------------------------------------
#  Assertion aud: the issuer and its aliases
# ----------------------------------------------------------------------------------------------------------
def test_issuer_with_or_without_trailing_slash_is_accepted(app):
    issuer = issuer_of(app).issuer
    for aud in (issuer, issuer.rstrip("/"), [issuer.rstrip("/")]):
        granted(bearer_grant(app, assertion(app, audience=aud)))


def test_real_maskinporten_is_not_an_audience_by_default_and_the_refusal_names_the_switch(app):
    body = refused(bearer_grant(app, assertion(app, audience="https://test.maskinporten.no/")), "invalid_grant")
    assert "--maskinporten-alias https://test.maskinporten.no/" in body["error_description"]
    assert "audience_aliases" in body["error_description"]


def test_aliases_from_the_scenario_and_the_serve_flag(make_app, keyed, files):
    for aud in ("https://test.maskinporten.no/", "https://test.maskinporten.no"):
        granted(bearer_grant(keyed, assertion(keyed, audience=aud)))
    refused(bearer_grant(keyed, assertion(keyed, audience="https://maskinporten.no/")), "invalid_grant")
    flagged = make_app(files["default"], fresh=True, auth=True, maskinporten_aliases=("https://maskinporten.no/",))
    granted(bearer_grant(flagged, assertion(flagged, audience="https://maskinporten.no")))
    assert issuer_of(flagged).aliases == ("https://maskinporten.no/",)


# ----------------------------------------------------------------------------------------------------------
#  Maskinporten's own paths and metadata
# ----------------------------------------------------------------------------------------------------------
def test_metadata_has_the_fields_real_maskinporten_publishes(app):
    meta = app.test_client().get("/maskinporten/.well-known/oauth-authorization-server").get_json()
    issuer = issuer_of(app).issuer
    assert meta["issuer"] == issuer and meta["token_endpoint"] == issuer + "token"
    assert meta["jwks_uri"] == issuer + "jwk"
    assert meta["token_endpoint_auth_methods_supported"] == ["private_key_jwt"]
    assert meta["token_endpoint_auth_signing_alg_values_supported"] == ["RS256", "RS384", "RS512"]
    assert JWT_BEARER in meta["grant_types_supported"]


@pytest.mark.parametrize("path", ["/.well-known/oauth-authorization-server",
                                  "/.well-known/oauth-authorization-server/maskinporten"])
def test_metadata_also_at_the_root_and_the_rfc8414_path(app, path):
    expected = app.test_client().get("/maskinporten/.well-known/oauth-authorization-server").get_json()
    response = app.test_client().get(path)
    assert response.status_code == 200 and response.get_json() == expected


@pytest.mark.parametrize("path", ["/maskinporten/jwk", "/maskinporten/jwks", "/jwk"])
def test_jwks_at_maskinportens_path_the_old_one_and_the_root(app, path):
    response = app.test_client().get(path)
    assert response.status_code == 200 and response.get_json() == issuer_of(app).jwks()


def test_root_token_endpoint_grants_and_refuses_like_the_prefixed_one(app):
    client = app.test_client()
    answer = client.post("/token", data={"grant_type": JWT_BEARER, "assertion": assertion(app, cert_chain=SKATT_CERT)})
    token = granted(answer)["access_token"]
    assert bank_call(app, ALPHA, bearer(token)).status_code == 200
    refused(client.post("/token", data={"grant_type": JWT_BEARER}), "invalid_request")
    refused(client.post("/token", data={"grant_type": "password"}), "unsupported_grant_type")


# ----------------------------------------------------------------------------------------------------------
#  check(): the 'no exp' message; accept_audiences and bare_token (off by default); the cache stays right
# ----------------------------------------------------------------------------------------------------------
def forged(app, **claims) -> str:
    issuer = issuer_of(app)
    now = int(time.time())
    body = {"iss": issuer.issuer, "aud": issuer.bank_audience(ALPHA), "scope": SCOPE_BANK, "iat": now,
            "exp": now + 120, "jti": str(uuid.uuid4()),
            "consumer": {"authority": "iso6523-actorid-upis", "ID": f"0192:{SKATT_ORG}"}, "client_id": "skatteetaten"}
    body.update(claims)
    body = {k: v for k, v in body.items() if v is not None}
    return jwt.encode({"alg": "RS256", "kid": issuer.key.kid}, body, issuer.key, algorithms=["RS256"])


def test_token_without_exp_says_so_not_expired(app):
    """Issue 14: it said 'access token has expired'."""
    issuer = issuer_of(app)
    with pytest.raises(AuthenticationFailed) as caught:
        issuer.check(bearer(forged(app, exp=None)), issuer.bank_audience(ALPHA), SCOPE_BANK)
    assert caught.value.message == "access token has no exp"
    with pytest.raises(AuthenticationFailed) as caught:
        issuer.check(bearer(forged(app, exp="soon")),
                     issuer.bank_audience(ALPHA), SCOPE_BANK)
    assert "NumericDate" in caught.value.message
    with pytest.raises(AuthenticationFailed) as caught:
        issuer.check(bearer(forged(app, iat=1, exp=2)), issuer.bank_audience(ALPHA), SCOPE_BANK)
    assert caught.value.message == "access token has expired"


def test_accept_audiences_admits_an_unspecified_token_only_when_asked_and_the_cache_keeps_them_apart(app):
    issuer = issuer_of(app)
    audience = issuer.bank_audience(ALPHA)
    token = bearer(granted(post_token(app, {"grant_type": JWT_BEARER, "assertion": assertion(app, resource=None)}))
                   ["access_token"])
    for _ in range(2):  # the second round answers from the cache: still strict, then lenient, then strict
        with pytest.raises(AuthenticationFailed) as caught:
            issuer.check(token, audience, SCOPE_BANK)
        assert "'unspecified'" in caught.value.message
        caller = issuer.check(token, audience, SCOPE_BANK, accept_audiences=("unspecified",))
        assert caller.org == SKATT_ORG
    with pytest.raises(AuthenticationFailed):
        issuer.check(token, audience, SCOPE_BANK, accept_audiences=("https://elsewhere.example/",))
    with pytest.raises(AccessDenied):  # the other checks still run
        issuer.check(token, audience, SCOPE_RELATIONS, accept_audiences=("unspecified",))


def test_bare_token_is_accepted_only_when_asked(app):
    issuer = issuer_of(app)
    token = forged(app)
    with pytest.raises(AuthenticationFailed) as caught:
        issuer.check(token, issuer.bank_audience(ALPHA), SCOPE_BANK)
    assert "Bearer" in caught.value.message
    assert issuer.check(token, issuer.bank_audience(ALPHA), SCOPE_BANK, bare_token=True).org == SKATT_ORG
    assert issuer.check(bearer(token), issuer.bank_audience(ALPHA), SCOPE_BANK, bare_token=True).org == SKATT_ORG
    for garbage in ("Basic " + token, "not-a-jwt", token + " extra"):
        with pytest.raises(AuthenticationFailed):
            issuer.check(garbage, issuer.bank_audience(ALPHA), SCOPE_BANK, bare_token=True)


# ----------------------------------------------------------------------------------------------------------
#  The shortcut switch
# ----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("flag,admin,expected", [
    (None, None, None), (None, "secret", False), ("on", "secret", True), ("off", None, False), ("on", None, True),
])
def test_shortcut_switch_resolution(flag, admin, expected):
    assert shortcut_enabled(flag, admin) is expected


def shortcut_form(app) -> dict:
    return {"grant_type": "client_credentials", "client_id": "skatteetaten", "scope": SCOPE_BANK,
            "resource": issuer_of(app).bank_audience(ALPHA)}


@pytest.mark.parametrize("settings,on", [
    pytest.param({}, True, id="default-on"),
    pytest.param({"admin_token": "s3cret"}, False, id="admin-token-turns-it-off"),
    pytest.param({"admin_token": "s3cret", "token_shortcut": "on"}, True, id="explicit-on-with-admin-token"),
    pytest.param({"token_shortcut": "off"}, False, id="explicit-off"),
])
def test_shortcut_follows_the_switch_and_health_and_metadata_say_so(make_app, files, settings, on):
    """Issue 14: with --admin-token the shortcut still minted tokens for any client."""
    app = make_app(files["default"], fresh=True, auth=True, **settings)
    client = app.test_client()
    answer = client.post("/maskinporten/token", data=shortcut_form(app))
    if on:
        granted(answer)
    else:
        description = refused(answer, "unsupported_grant_type")["error_description"]
        assert "--token-shortcut" in description and "jwt-bearer" in description
    assert client.get("/health").get_json()["token_shortcut"] is on
    grants = client.get("/.well-known/oauth-authorization-server").get_json()["grant_types_supported"]
    assert ("client_credentials" in grants) is on


def test_the_scenario_turns_the_shortcut_off_whatever_the_flag(make_app):
    off = MP_SCENARIO + "\nmaskinporten:\n  token_shortcut: false\n"
    app = make_app(off, fresh=True, auth=True, token_shortcut="on")
    body = refused(app.test_client().post("/maskinporten/token", data=shortcut_form(app)), "unsupported_grant_type")
    assert "this scenario turned the sandbox shortcut off" in body["error_description"]


def test_serve_flags_reach_the_settings():
    from sandbox.cli.main import build_parser
    from sandbox.cli.serve import settings_from_args

    args = build_parser().parse_args(["serve", "--maskinporten-alias", "https://test.maskinporten.no/",
                                      "--maskinporten-alias", "https://maskinporten.no/", "--token-shortcut", "on"])
    settings = settings_from_args(args)
    assert settings.maskinporten_aliases == ("https://test.maskinporten.no/", "https://maskinporten.no/")
    assert settings.token_shortcut == "on"
    assert settings_from_args(build_parser().parse_args(["serve"])).token_shortcut is None


# ----------------------------------------------------------------------------------------------------------
#  The docs' Python recipe works as printed
# ----------------------------------------------------------------------------------------------------------
def test_the_docs_python_recipe_gets_a_token_the_bank_accepts(tmp_path, monkeypatch):
    """docs/maskinporten.md, "Python": run as printed against the default scenario, `requests.post` answered by
    the app (the recipe's URLs are the default public URL's)."""
    import sys
    import types

    from sandbox.app import create_app
    from sandbox.config import Settings

    root = Path(__file__).resolve().parents[2]
    text = (root / "docs" / "maskinporten.md").read_text(encoding="utf-8")
    recipe = text.split("### Python", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    app = create_app(Settings(scenario="default", state_dir=str(tmp_path / "state")))
    base = app.extensions["dsop"].settings.public_url
    fake = types.ModuleType("requests")
    fake.post = lambda url, data: types.SimpleNamespace(json=app.test_client().post(url.removeprefix(base),
                                                                                     data=data).get_json)
    monkeypatch.setitem(sys.modules, "requests", fake)
    monkeypatch.chdir(root)
    scope: dict = {}
    exec(compile(recipe, "docs/maskinporten.md", "exec"), scope)
    claims = claims_of(app, scope["token"])[1]
    assert claims["aud"] == f"{base}/banks/320907063/v2" and claims["consumer"]["ID"] == f"0192:{SKATT_ORG}"
    assert "x5c" in jwt_segments.header(scope["assertion"])


# ----------------------------------------------------------------------------------------------------------
#  The scenario format: consumers[].keys and maskinporten.audience_aliases
# ----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("change,where,words", [
    pytest.param(("keys/third.pem}", "keys/second.pem}"), None, None, id="two-kids-one-file-is-fine"),
    pytest.param(("kid: skatt-2026", "kid: skatt-2025"), "consumers[0].keys", "kid 'skatt-2025' is listed twice",
                 id="kid-twice"),
    pytest.param(("keys/third.pem}", "keys/missing.pem}"), "consumers[0].keys[1].key", "no such key file",
                 id="missing-key-file"),
    pytest.param(("{kid: skatt-2025, ", "{"), "consumers[0].keys[0].kid", "required", id="kid-missing"),
    pytest.param(('["https://test.maskinporten.no/"]', '["test.maskinporten.no"]'), "maskinporten.audience_aliases[0]",
                 "expected an http(s) URL", id="alias-not-a-url"),
])
def test_scenario_keys_and_aliases_are_validated(files, change, where, words):
    from sandbox.scenario import ScenarioError, load_scenario_text

    text = KEYED.replace(*change)
    assert text != KEYED
    if where is None:
        spec = load_scenario_text(text, base_dir=files["keyed"].parent)
        assert [k["kid"] for k in spec.data["consumers"][0]["keys"]] == ["skatt-2025", "skatt-2026"]
        return
    with pytest.raises(ScenarioError) as caught:
        load_scenario_text(text, base_dir=files["keyed"].parent)
    problems = [str(p) for p in caught.value.problems]
    assert any(where in p and words in p for p in problems), problems


def test_shipped_scenarios_stay_valid_and_declare_no_extra_keys():
    from sandbox.scenario import load_scenario
    from sandbox.scenario.catalog import resolve, shipped

    for name, _, _ in shipped():
        spec = load_scenario(resolve(name))
        assert all(c["keys"] == [] for c in spec.data["consumers"])
        assert spec.data["maskinporten"]["audience_aliases"] == []


def test_serve_banner_says_whether_the_shortcut_is_on_and_lists_the_aliases(files, tmp_path, monkeypatch, capsys):
    import gc

    from flask import Flask

    from sandbox.cli.main import build_parser
    from sandbox.cli.serve import serve

    monkeypatch.setattr(Flask, "run", lambda self, **kw: None)  # --dev would serve here; the banner is printed first
    monkeypatch.setattr(gc, "freeze", lambda: None)  # keep the test process's collector as it was
    for extra, said in ((["--admin-token", "s3cret"], "shortcut grant off"), ([], "shortcut grant on")):
        args = build_parser().parse_args(["serve", "--scenario", str(files["default"]), "--dev", "--state-dir",
                                          str(tmp_path / "state"), "--maskinporten-alias",
                                          "https://test.maskinporten.no/", *extra])
        assert serve(args) == 0
        banner = [line for line in capsys.readouterr().out.splitlines() if line.startswith("maskinporten")]
        assert len(banner) == 1 and said in banner[0], banner
        assert "assertion aud aliases https://test.maskinporten.no/" in banner[0] and "/token, /jwk" in banner[0]
