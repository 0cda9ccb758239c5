"""The strict parsers of plugin-banking's models (plugin_banking/models.py): they refuse what Newtonsoft would
refuse, and they read every register, accounts, details and transactions body of the golden corpus
(fixtures/default), the directory's entries and the APIs' error bodies. No server, no other branch needed."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from tests.consumers.plugin_banking import models
from tests.consumers.plugin_banking.replay import add_months, load_flow

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "fixtures" / "default"
MODEL_OF = {"customerRelationships": models.ListCustomerRelation, "accounts": models.Accounts,
            "details": models.AccountDetails, "transactions": models.Transactions}


def corpus_bodies():
    for path in sorted(CORPUS.rglob("*.json")):
        kind = path.name.split(".")[0]
        if kind in MODEL_OF:
            yield path, MODEL_OF[kind], json.loads(path.read_text(encoding="utf-8"))["response"]["body"]


def test_every_corpus_body_the_plugin_reads_parses():
    counts: dict[str, int] = {}
    for path, model, body in corpus_bodies():
        model.parse(body, str(path.relative_to(CORPUS)))
        counts[model.name] = counts.get(model.name, 0) + 1
    assert set(counts) == {"ListCustomerRelation", "Accounts", "AccountDetails", "Transactions"}
    assert min(counts.values()) >= 10, counts


def test_the_directory_corpus_body_is_a_list_of_endpoint_external():
    body = json.loads((CORPUS / "directory.json").read_text(encoding="utf-8"))["response"]["body"]
    entries = models.endpoint_list(body)
    assert entries and all(e["version"].upper() == "V2" and e["env"] == "test" for e in entries)
    with pytest.raises(models.ModelError, match="expected the directory's JSON array"):
        models.endpoint_list({"endpoints": body, "total": len(body)})  # the old object shape would break it


def _details() -> dict:
    path = next(p for p, m, _ in corpus_bodies() if m is models.AccountDetails)
    return json.loads(path.read_text(encoding="utf-8"))["response"]["body"]


@pytest.mark.parametrize("change,fragment", [
    (lambda b: b.pop("responseDetails"), "responseDetails: required property of AccountDetails is missing"),
    (lambda b: b["responseDetails"].update(status=None), "null is not allowed (Required.Always)"),
    (lambda b: b["responseDetails"].update(status="done"), "'done' is not a ResponseDetailsStatus value"),
    (lambda b: b["account"].update(type="leasingAccount"), "'leasingAccount' is not a AccountType value"),
    (lambda b: b["account"].update(servicer=None), "account.servicer: null is not allowed (Required.DisallowNull)"),
    (lambda b: b["account"].update(startDate="30.06.2025"), "expected a date yyyy-MM-dd"),
    (lambda b: b["account"]["balances"][0].update(registered="yesterday"), "is not an ISO 8601 date-time"),
    (lambda b: b["account"]["balances"][0].update(amount="12.50"), "expected a number"),
    (lambda b: b["account"]["servicer"]["identifier"].update(type=None), "null cannot be converted"),
], ids=["missing-always", "null-always", "unknown-status", "v21-type-in-v2", "null-disallow", "date-format",
        "datetime", "amount-string", "null-value-type"])
def test_what_newtonsoft_refuses_is_refused(change, fragment):
    body = copy.deepcopy(_details())
    assert body["account"]["balances"], "the first corpus details body has a balance"
    change(body)
    with pytest.raises(models.ModelError) as caught:
        models.AccountDetails.parse(body)
    assert fragment in str(caught.value)


def test_what_newtonsoft_tolerates_is_tolerated():
    body = copy.deepcopy(_details())
    body["account"]["somethingNew"] = {"any": "thing"}  # JsonExtensionData
    body["account"]["type"] = "SavingsAccount"  # StringEnumConverter matches ignoring case
    body["account"].pop("endDate", None)
    body["account"]["primaryOwner"]["name"] = None  # NullValueHandling.Ignore on a reference type
    models.AccountDetails.parse(body)


def test_error_bodies_of_both_apis_parse_and_a_wrong_format_does_not():
    models.KarErrorResponse.parse({"errorCode": "ERR-401", "errorMessage": "no", "timestamp": "2025-06-30T10:00:00Z"})
    models.BankError.parse({"code": "ACC-010", "message": "no"})
    with pytest.raises(models.ModelError, match="errorCode: required"):
        models.KarErrorResponse.parse({"code": "ACC-010", "message": "a bank's body from the register"})


def test_the_fixture_is_the_plugins_flow():
    """flow.yaml says what plugin-banking's code sends; these are the facts the replay relies on."""
    flow = load_flow()
    steps = {s["id"]: s for s in flow["steps"] if "id" in s}
    bank = {s["id"]: s for s in flow["steps"][-1]["steps"] if "id" in s}
    account = {s["id"]: s for s in flow["steps"][-1]["steps"][-1]["steps"]}
    assert steps["token-register"]["resource"] is None and steps["token-register"]["scope"] == "bits:kundeforhold"
    kar = steps["register"]["request"]
    assert kar["headers"]["Authorization"] == "{token:token-register}"  # no "Bearer"
    assert kar["headers"]["Legal-Mandate"] == "Prosjekt OED"
    assert dict(kar["query"])["onlyPrimaryOwner"] == "true"
    assert bank["token-bank"]["resource"] == "{bank.url}"
    assert dict(bank["accounts"]["request"]["query"])["OnlyPrimaryOwner"] == "true"
    for request in (bank["accounts"]["request"], account["details"]["request"], account["transactions"]["request"]):
        assert request["headers"]["Legal-Mandate"] == "OED" and request["headers"]["Accept"] == "application/jose"
        assert request["headers"]["Authorization"].startswith("Bearer ")
    assert [s for s in account] == ["transactions", "details"]  # BankService starts transactions first


@pytest.mark.parametrize("day,months,expected", [("2026-12-03", -3, "2026-09-03"), ("2026-05-31", -3, "2026-02-28"),
                                                 ("2024-05-31", -3, "2024-02-29"), ("2026-02-15", -3, "2025-11-15")])
def test_the_period_starts_as_dotnet_add_months_says(day, months, expected):
    from datetime import date

    assert add_months(date.fromisoformat(day), months).isoformat() == expected
