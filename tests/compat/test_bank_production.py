"""A bank in `production` takes `Legal-Mandate: OED` for Oppgjør etter dødsfall, as the data.altinn.no banking
plugin sends it (Services/BankService.cs); a strict bank answers the standard's 403. The alias names only OED:
the consumer must still be entitled to it, and OED's own rules (endpoints, death precondition) still hold."""

from __future__ import annotations

import json

import pytest

from sandbox.compat import deviations
from tests.support import BANK_OPENAPI, OED_MANDATE, BankContract, Plugin, load_yaml


@pytest.fixture(scope="module")
def contract():
    return BankContract(load_yaml(BANK_OPENAPI))


def test_the_plugins_case_completes_at_a_production_bank(plugin, contract):
    r = plugin.accounts("prod")
    assert r.status_code == 200, r.json
    contract.check("/accounts", r)
    (entry,) = r.json["accounts"]
    ref = entry["accountReference"]
    for path in (f"/accounts/{ref}", f"/accounts/{ref}/transactions"):
        answer = plugin.bank("prod", path)
        assert answer.status_code == 200, (path, answer.json)
        contract.check(path, answer)
    assert plugin.bank("prod", f"/accounts/{ref}").json["account"]["accountIdentifier"] == entry["accountIdentifier"]


def test_a_strict_bank_refuses_the_alias_and_takes_the_standard_text(plugin):
    r = plugin.accounts("std")
    assert (r.status_code, r.json["code"]) == (403, "ACC-011")
    assert plugin.accounts("std", mandate=OED_MANDATE).status_code == 200


def test_the_serve_flag_makes_every_bank_strict(compat_app):
    strict = Plugin(compat_app(profile="strict"))
    assert strict.accounts("prod").status_code == 403
    assert strict.accounts("prod", mandate=OED_MANDATE).status_code == 200


def test_the_alias_keeps_the_services_rules(plugin):
    r = plugin.bank("prod", "/accounts/whatever/cards")  # cards is no part of OED
    assert (r.status_code, r.json["code"]) == (400, "ACC-001")
    r = plugin.bank("prod", "/accounts?OnlyPrimaryOwner=false", PartyID=plugin.arne)  # OED: true only
    assert (r.status_code, r.json["code"]) == (400, "ACC-001")
    r = plugin.accounts("prod", mandate="Prosjekt OED")  # the register's alias is not the banks'
    assert (r.status_code, r.json["code"]) == (403, "ACC-011")


def test_the_request_log_keeps_the_mandate_as_sent(make_app, scenario_path):
    app = make_app(scenario_path, fresh=True, auth=True)
    plugin = Plugin(app)
    assert plugin.accounts("prod").status_code == 200
    rows = app.test_client().get("/sandbox/v1/requests").json
    text = json.dumps(rows)
    assert '"OED"' in text


def test_every_bank_deviation_has_its_source():
    assert [d.key for d in deviations.BANK] == ["mandate-oed"]
    assert dict(deviations.BANK_MANDATES) == {"OED": "oed"}
    for d in deviations.BANK:
        assert d.api == "bank" and "BankService.cs" in d.source
