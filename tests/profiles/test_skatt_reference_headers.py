"""Issue 14, defect 2: the served bank document says which services refuse AdditionalReferenceID* and which need
RequesterID — from the profile catalogue (sandbox/profiles/catalog.py), not copied prose — and an empty
AdditionalReferenceIDType (declared `pol1|srf`) is refused with 400 ACC-001 naming the header."""

from __future__ import annotations

import json

import pytest

from sandbox.profiles import PROFILES
from tests.support import TEN_YEARS


@pytest.fixture(scope="module")
def doc(client) -> dict:
    return json.loads(client.get("/openapi/bank.json").data)


def _active(app):
    settings = app.extensions["dsop"].settings
    return [p for p in PROFILES if p.flag is None or getattr(settings, p.flag)]


def _param(doc, name) -> dict:
    return doc["components"]["parameters"][name]


def test_reference_headers_say_per_service_whether_they_are_refused(app, doc):
    for name in ("AdditionalReferenceID", "AdditionalReferenceIDType"):
        text = _param(doc, name)["description"]
        for profile in _active(app):
            if profile.reference_type is None:
                assert f"{profile.name}: must be absent (400 ACC-001)" in text, (name, profile.name, text)
            else:
                assert f"{profile.name}: required" in text, (name, profile.name, text)
        assert "Skatt-Kontroll: must be absent (400 ACC-001)" in text  # the case the issue names
    assert "Politi-Utlevering: required, `pol1`" in _param(doc, "AdditionalReferenceIDType")["description"]


def test_requester_id_says_which_services_require_it(app, doc):
    text = _param(doc, "RequesterID")["description"]
    required = [p.name for p in _active(app) if p.requester_required]
    assert required and "Skatt-Kontroll" in required
    for profile in _active(app):
        expected = "required (400 ACC-001 without it)" if profile.requester_required else "optional, ignored"
        assert f"{profile.name}: {expected}" in text, (profile.name, text)


def test_the_document_has_a_per_service_header_table(app, doc):
    text = doc["info"]["description"]
    assert "| Service | AdditionalReferenceIDType | AdditionalReferenceID | RequesterID |" in text
    for profile in _active(app):
        row = next(line for line in text.splitlines() if line.startswith(f"| {profile.name} |"))
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[1] == (f"`{profile.reference_type}`" if profile.reference_type else "absent"), row
        assert cells[3] == ("required" if profile.requester_required else "—"), row


@pytest.mark.parametrize("value", ["", " ", "\t"])
def test_an_empty_additional_reference_id_type_is_refused(api, value):
    q = {"fromDate": TEN_YEARS[0], "toDate": TEN_YEARS[1], "OnlyPrimaryOwner": "false"}
    response = api.call("alpha", "/accounts", q, {"PartyID": api.pid("ola"), "AdditionalReferenceIDType": value})
    assert response.status_code == 400, response.data
    body = response.get_json()
    assert body["code"] == "ACC-001" and "AdditionalReferenceIDType" in body["message"], body


def test_skatt_refuses_an_additional_reference_id(api):
    q = {"fromDate": TEN_YEARS[0], "toDate": TEN_YEARS[1], "OnlyPrimaryOwner": "false"}
    response = api.call("alpha", "/accounts", q, {"PartyID": api.pid("ola"), "AdditionalReferenceID": "x"})
    assert response.status_code == 400 and response.get_json()["code"] == "ACC-001"
