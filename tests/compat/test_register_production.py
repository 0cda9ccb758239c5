"""The register in `production` accepts what the data.altinn.no banking plugin sends KAR (sandbox/compat/
deviations.py REGISTER): a bare token, `aud: "unspecified"`, `Legal-Mandate: Prosjekt OED`; `strict` refuses
each of them with the standard's answer."""

from __future__ import annotations

import pytest

from sandbox.compat import deviations
from tests.support import OED_MANDATE, Plugin


@pytest.fixture(scope="module")
def strict(compat_app):
    return Plugin(compat_app(profile="strict"))


def test_the_plugins_request_as_it_is_sent_completes(plugin):
    r = plugin.kar()  # bare token, aud unspecified, Prosjekt OED, onlyPrimaryOwner=true
    assert r.status_code == 200, r.json
    assert {b["bankName"] for b in r.json["banks"]} == {"STANDARD TESTBANK", "PRODUKSJON TESTBANK", "AVVIK TESTBANK"}


def test_the_standard_request_still_completes_in_production(plugin):
    r = plugin.kar(mandate=OED_MANDATE, aud=plugin.issuer.register_audience(), bare=False)
    assert r.status_code == 200, r.json


@pytest.mark.parametrize("variant, status, code, words", [
    ("bare", 401, "ERR-001", "Bearer"),
    ("aud", 401, "ERR-001", "aud"),
    ("mandate", 403, "ERR-001", "Legal-Mandate"),
])
def test_strict_refuses_each_variant_alone(strict, variant, status, code, words):
    standard = {"mandate": OED_MANDATE, "aud": strict.issuer.register_audience(), "bare": False}
    changed = {"bare": {"bare": True}, "aud": {"aud": "unspecified"}, "mandate": {"mandate": "Prosjekt OED"}}[variant]
    assert strict.kar(**standard).status_code == 200
    r = strict.kar(**{**standard, **changed})
    assert (r.status_code, r.json["errorCode"]) == (status, code), r.json
    assert words in r.json["errorMessage"]


def test_production_still_refuses_what_no_participant_accepts(plugin):
    r = plugin.kar(authorization="Basic dXNlcjpwYXNz")
    assert r.status_code == 401 and r.json["errorCode"] == "ERR-001"
    r = plugin.kar(aud="https://somewhere.else.example/")
    assert r.status_code == 401 and "aud" in r.json["errorMessage"]
    r = plugin.kar(mandate="OED")  # the banks' alias, not the register's
    assert r.status_code == 403 and r.json["errorCode"] == "ERR-001"
    token = plugin.token("bits:kontoinformasjon", "unspecified")  # the bank scope: still 403 at the register
    r = plugin.kar(authorization=token)
    assert r.status_code == 403 and "scope" in r.json["errorMessage"]


def test_every_register_deviation_has_its_source():
    keys = {d.key for d in deviations.REGISTER}
    assert keys == {"bare-token", "aud-unspecified", "mandate-prosjekt-oed"}
    for d in deviations.REGISTER:
        assert d.api == "register" and ".cs" in d.source and d.accepts and d.strict


def test_a_token_from_the_token_endpoint_without_resource_works_at_a_production_register(plugin):
    """End to end with the sandbox's own Maskinporten: no `resource` → aud "unspecified" (as real Maskinporten),
    sent bare as the plugin does."""
    r = plugin.client.post("/maskinporten/token", data={
        "grant_type": "client_credentials", "client_id": plugin.consumer.client_id, "scope": "bits:kundeforhold"})
    assert r.status_code == 200, r.json
    token = r.json["access_token"]
    assert plugin.kar(authorization=token).status_code == 200
    assert plugin.kar(authorization=f"Bearer {token}").status_code == 200
