"""docs/compatibility.md lists every deviation and knob of the tables; the shipped default scenario has one
production bank (nordlys) whose answers still validate, and the export answers as strict regardless."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from sandbox.compat import deviations
from tests.support import BANK_OPENAPI, SKATT_MANDATE, BankContract, load_yaml

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "compatibility.md").read_text(encoding="utf-8")
SKATT = SKATT_MANDATE


def test_the_page_documents_every_row_with_its_source():
    for row in deviations.REGISTER + deviations.BANK:
        assert f"(`{row.key}`)" in DOC, row.key
        first_file = row.source.split(":", 1)[0]
        assert f"`{first_file}`" in DOC, (row.key, first_file)
    for knob in deviations.KNOBS:
        assert f"| `{knob.key}` |" in DOC, knob.key
    assert "--profile strict|production" in DOC
    assert "docs/compatibility.md" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert "../docs/compatibility.md" in (ROOT / "scenarios" / "README.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def default_app(make_app):
    return make_app("default", audit=False)


def test_nordlys_is_the_production_bank_of_the_default_scenario(default_app):
    profiles = default_app.test_client().get("/health").json["profiles"]
    assert profiles["register"] == "strict"
    assert {b for b, p in profiles["banks"].items() if p == "production"} == {"nordlys"}


def test_nordlys_answers_deviate_per_correlation_id_and_still_validate(default_app):
    contract = BankContract(load_yaml(BANK_OPENAPI))
    client, world = default_app.test_client(), default_app.extensions["dsop"].world
    org = world.banks["nordlys"].org_number
    party = world.parties["ingrid-multibank"].identifier
    seen_links, seen_details = set(), set()
    for n in range(40):
        headers = {"AccountInfoRequestID": str(uuid.UUID(int=1)), "CorrelationID": str(uuid.UUID(int=n + 1)),
                   "Legal-Mandate": SKATT, "RequesterID": "compat", "PartyID": party, "Accept": "application/json"}
        r = client.get(f"/banks/{org}/v2/accounts?fromDate=2025-01-01&toDate=2025-06-30&OnlyPrimaryOwner=false",
                       headers=headers)
        assert r.status_code == 200, r.json
        contract.check("/accounts", r)
        seen_links.add(bool(r.json.get("links")))
        ref = r.json["accounts"][0]["accountReference"]
        d = client.get(f"/banks/{org}/v2/accounts/{ref}?fromDate=2025-01-01&toDate=2025-06-30",
                       headers={k: v for k, v in headers.items() if k != "PartyID"})
        contract.check(f"/accounts/{ref}", d)
        seen_details.add("account" in d.json)
        again = client.get(f"/banks/{org}/v2/accounts?fromDate=2025-01-01&toDate=2025-06-30&OnlyPrimaryOwner=false",
                           headers=headers)
        assert again.data == r.data  # same CorrelationID, same answer
    assert seen_links == {True, False} and True in seen_details
