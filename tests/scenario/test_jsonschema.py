"""The JSON Schema generated from the marshmallow schemas (sandbox/scenario/jsonschema.py)."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import jsonschema
import pytest
import yaml
from marshmallow import fields

from sandbox.scenario import schema as S
from sandbox.scenario.jsonschema import scenario_json_schema

# A scenario that uses (nearly) every key of the format, including both shorthands and relative dates.
RICH = """\
version: 1
name: rich scenario
description: every corner of the format
seed: 42
today: 2025-06-30
banks:
  - id: alpha
    name: ALPHA SPAREBANK
    org_number: "295496568"
    registration_numbers: ["9910", "9911"]
    register: kar
    about: the main bank
  - id: beta
    name: BETA FINANS
    register: kfr
    country: "NO"  # unquoted NO is the YAML boolean false
consumers:
  - id: skatt
    name: SKATTEETATEN
    org_number: "974761076"
    services: [skatt, politi]
people:
  - id: kari
    name: Kari Nordmann
    national_id: "17858027241"
    address: {street: Storgata, building_number: "1A", post_code: "0155", town: OSLO}
    tags: [persona]
  - id: ola
    birth_date: 1990-02-03
    death_date: -30d
    shielded: false
  - id: dina
    d_number: true
organisations:
  - id: firma
    name: Firma AS
    org_number: "379229603"
    bankruptcy_date: -3m
accounts:
  - id: kari-salary
    bank: alpha
    number: "99100320750"
    type: salaryAccount
    currency: NOK
    opened: -3y
    owners:
      - {party: kari, primary: true, account_type: salaryAccount}
      - party: ola
        to: -1y
    roles:
      - {party: dina, permission: rightToSeeOnly, from: 2023-01-01, to: 2023-12-31}
    co_borrowers: [ola]
    guarantors:
      - {party: dina, from: -2y}
    opening_balance: -1250.50
    credit_line: "10 000"
    blocked_amount: 250
    cards:
      - {id: c1, holder: kari, type: debitCard, issued: 2023-01, expires: 2027-01, status: active, version: 2}
    activity: household
    transactions:
      - date: -10d
        amount: 99.90
        direction: debit
        kind: card_purchase
        merchant: REMA 1000
        card: c1
        original_currency: EUR
        original_amount: 8.65
      - date: 2024-05-01
        amount: 1000
        direction: credit
        counterparty: {name: NAV, org_number: "379229603", account: "99100234064"}
    pending:
      - {date: today, amount: 50, merchant: KIOSK}
    partial:
      - {from: 2015-01-01, to: 2019-12-31, message: older history is archived, endpoints: [transactions]}
  - id: firma-biz
    bank: beta
    type: businessAccount
    opened: 2021-01-01
    closed: -1w
    data_not_delivered: true
    status: disabled
    owners: [{party: firma}]
    activity: {profile: business, amount: 250000, purchases_per_month: 3, foreign_share: 0.1}
guardianships:
  - {guardian: kari, ward: dina, from: 2022-01-01, tasks: [representasjonDagligbank, forvaltningAvFastEiendom]}
events:
  - {date: 2024-02-01, type: grant_role, account: kari-salary, party: ola, permission: rightToUseAlone}
  - {date: 2024-03-01, type: revoke_role, account: kari-salary, party: ola}
  - {date: 2024-04-01, type: issue_card, account: kari-salary, card: c2, holder: kari, card_type: creditCard, expires: +3y}
  - {date: 2024-05-01, type: block_card, account: kari-salary, card: c2}
  - {date: 2024-06-01, type: transfer_ownership, account: firma-biz, party: kari, account_type: businessAccount}
generate:
  people: {count: 3, accounts_per_person: [1, 2], history_years: 5, banks: [alpha]}
  organisations: {count: 1, bankrupt_share: 0.5}
"""


def _strings_for_dates(value):
    """What a YAML language server does before validating: dates back to ISO strings."""
    if isinstance(value, dict):
        return {k: _strings_for_dates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_strings_for_dates(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def yaml_instance(text: str):
    return _strings_for_dates(yaml.safe_load(text))


@pytest.fixture(scope="module")
def schema():
    return scenario_json_schema()


@pytest.fixture(scope="module")
def validator(schema):
    return jsonschema.Draft202012Validator(schema)


def errors(validator, instance) -> list[jsonschema.ValidationError]:
    return sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))


def flat(found):
    """The errors and, for anyOf/oneOf, the errors of each alternative."""
    for error in found:
        yield error
        yield from flat(error.context or ())


def test_schema_is_valid_draft_2020_12(schema):
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_schema_is_json_and_stable(schema):
    import json

    assert json.loads(json.dumps(schema)) == schema
    assert scenario_json_schema() == schema


def test_a_scenario_that_loads_validates(load, validator):
    load(RICH)  # the loader accepts it ...
    assert errors(validator, yaml_instance(RICH)) == []  # ... and so does the JSON Schema


@pytest.mark.parametrize("text, where", [
    (RICH.replace("    shielded: false\n", "    shieldd: false\n"), ["people", 1]),
    (RICH.replace("bankruptcy_date: -3m", "bankrupcy_date: -3m"), ["organisations", 0]),
    (RICH.replace("  - {party: kari, primary: true,", "  - {party: kari, primry: true,"), ["accounts", 0, "owners", 0]),
    (RICH.replace("seed: 42\n", "seed: 42\nsede: 43\n"), []),
])
def test_unknown_key_fails(load, validator, problems, text, where):
    assert any("unknown key" in p.message for p in problems(text))  # the loader refuses it ...
    found = errors(validator, yaml_instance(text))
    assert found, "the JSON Schema accepted an unknown key"  # ... and so does the JSON Schema
    assert any(list(e.absolute_path) == where and e.validator == "additionalProperties" for e in flat(found)), found


@pytest.mark.parametrize("change", [
    lambda d: d["people"][0].update(national_id=17858027241),  # an identifier written as a YAML int
    lambda d: d["people"][0].update(national_id="1785802724"),  # wrong length
    lambda d: d["accounts"][0].update(type="checkingAccount"),  # not in the enum
    lambda d: d["accounts"][0].update(opened="3 years ago"),  # not a date expression
    lambda d: d["accounts"][0].update(opened="2024-13-01"),  # no such month
    lambda d: d["accounts"][0].update(credit_line=-5),  # negative where not allowed
    lambda d: d["accounts"][0].update(credit_line="12.345"),  # three decimals
    lambda d: d["accounts"][0]["transactions"][0].update(amount=0),  # must be > 0
    lambda d: d["accounts"][0]["transactions"][0].pop("original_amount"),  # currency pair goes together
    lambda d: d["accounts"][0]["cards"][0].update(version=10),  # 1..9
    lambda d: d["accounts"][0].update(owners=[]),  # at least one owner
    lambda d: d["accounts"][0].pop("type"),  # required
    lambda d: d["events"][0].pop("permission"),  # grant_role needs a permission
    lambda d: d["events"][4].pop("party"),  # transfer_ownership needs a party
    lambda d: d.update(today="-1d"),  # today must be absolute
    lambda d: d.update(version=2),
    lambda d: d["generate"]["people"].update(accounts_per_person=[1, 2, 3]),
    lambda d: d["generate"]["people"].update(accounts_per_person=21),
    lambda d: d["banks"][0].update(registration_numbers=["991"]),
    lambda d: d["guardianships"][0].update(tasks=[]),  # at least one task
    lambda d: d["guardianships"][0].update(tasks=["Representasjon Dagligbank"]),  # not camelCase
    lambda d: d["guardianships"][0].update(tasks=["a" * 61]),  # at most 60 characters
    lambda d: d["guardianships"][0].update(tasks=["representasjonDagligbank"] * 2),  # no task twice
])
def test_invalid_values_fail(validator, change):
    instance = yaml_instance(RICH)
    change(instance)
    assert errors(validator, instance), "the JSON Schema accepted an invalid scenario"


def test_minimal_scenario_and_shorthands(validator, load):
    text = ("version: 1\nname: m\nbanks: [{id: a, name: A}]\npeople: [{id: p}]\n"
            "accounts:\n  - {id: x, bank: a, type: loanAccount, opened: today, owners: [{party: p}],"
            " guarantors: [p], activity: loan, opening_balance: '-100 000.50'}\n")
    load(text)
    assert errors(validator, yaml_instance(text)) == []


def test_owner_shorthand_agrees_with_the_loader(validator, load):
    """Whatever the loader decides about `owners: [p]`, the JSON Schema decides the same."""
    from sandbox.scenario import ScenarioError

    text = ("version: 1\nname: m\nbanks: [{id: a, name: A}]\npeople: [{id: p}]\n"
            "accounts:\n  - {id: x, bank: a, type: savingsAccount, opened: -1y, owners: [p]}\n")
    try:
        load(text)
        accepted = True
    except ScenarioError:
        accepted = False
    assert (errors(validator, yaml_instance(text)) == []) is accepted


def _fields_of(schema_cls):
    return {(f.data_key or name): f for name, f in schema_cls().fields.items()}


def _object_def(schema, name):
    node = schema["$defs"][name]
    return next(n for n in node["anyOf"] if n.get("type") == "object") if "anyOf" in node else node


def _all_schemas():
    seen, todo = [], [S.ScenarioSchema]
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen.append(cls)
        for f in cls().fields.values():
            inner = f.inner if isinstance(f, fields.List) else f
            if isinstance(inner, fields.Nested):
                todo.append(inner.nested if isinstance(inner.nested, type) else type(inner.nested))
    return seen


def test_every_marshmallow_field_is_in_the_json_schema(schema):
    """A drift guard: every key of every schema, its requiredness and its closedness."""
    classes = _all_schemas()
    assert len(classes) == len(schema["$defs"]) + 1  # + the root
    for cls in classes:
        node = schema if cls is S.ScenarioSchema else _object_def(schema, cls.__name__)
        declared = _fields_of(cls)
        assert set(node["properties"]) == set(declared), cls.__name__
        assert set(node.get("required", [])) == {k for k, f in declared.items() if f.required}, cls.__name__
        assert node["additionalProperties"] is False
    ownership = _object_def(schema, "OwnershipSchema")["properties"]
    assert "from" in ownership and "from_" not in ownership  # the file's key (data_key), not the attribute


def test_descriptions_come_from_field_metadata(schema):
    bankruptcy = schema["$defs"]["OrganisationSchema"]["properties"]["bankruptcy_date"]
    assert bankruptcy["description"].startswith("the bankruptcy ruling date (kjennelsesdato)")
    assert "YAML reads an unquoted YYYY-MM-DD as a date" in bankruptcy["description"]


@pytest.mark.parametrize("value, ok", [
    ("2024-03-01", True), ("today", True), ("-3y", True), ("-90d", True), ("+1m", True), ("-1y6m", True),
    ("-1y 6m", True), ("2024-13-01", False), ("3y", False), ("-3x", False), ("yesterday", False), ("", False),
])
def test_date_pattern_matches_the_loader(validator, load, problems, value, ok):
    instance = yaml_instance(RICH)
    instance["accounts"][0]["pending"][0]["date"] = value  # a date no cross-check looks at
    assert (errors(validator, instance) == []) is ok
    text = RICH.replace("{date: today, amount: 50", f"{{date: '{value}', amount: 50")
    if ok:
        load(text)
    else:
        assert [p.path for p in problems(text)] == ["accounts[0].pending[0].date"]


SHIPPED = sorted((Path(__file__).resolve().parents[2] / "scenarios").glob("*.yaml"))


@pytest.mark.skipif(not SHIPPED, reason="no shipped scenarios yet")
@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_scenarios_validate(validator, load, path):
    text = path.read_text(encoding="utf-8")
    load(text)
    assert errors(validator, yaml_instance(text)) == []


@pytest.mark.parametrize("tasks, ok", [
    (["representasjonDagligbank"], True), (["forvaltningAvFastEiendom", "representasjonDagligbank"], True),
    (["a" + "B" * 59], True), ([], False), ([""], False), (["RepresentasjonDagligbank"], False),
    (["representasjon_dagligbank"], False), (["økonomiskForvaltning"], False), (["a" * 61], False),
    (["forvaltningAvFastEiendom", "forvaltningAvFastEiendom"], False), ([42], False),
])
def test_guardian_tasks_agree_with_the_loader(validator, load, problems, tasks, ok):
    """`tasks` of a guardianship: the JSON Schema and the loader accept and refuse the same values."""
    instance = yaml_instance(RICH)
    instance["guardianships"][0]["tasks"] = tasks
    assert (errors(validator, instance) == []) is ok
    text = RICH.replace("tasks: [representasjonDagligbank, forvaltningAvFastEiendom]", f"tasks: {json.dumps(tasks)}")
    if ok:
        assert load(text).data["guardianships"][0]["tasks"] == tasks
    else:
        assert all(p.path.startswith("guardianships[0].tasks") for p in problems(text))


def test_guardian_tasks_default_is_published(schema):
    tasks = _object_def(schema, "GuardianshipSchema")["properties"]["tasks"]
    assert tasks["default"] == ["representasjonDagligbank"] and tasks["uniqueItems"] is True
    assert "vergeTjenesteoppgave" in tasks["description"]


def test_fields_are_converted_by_apispec_with_the_scenarios_additions():
    """sandbox/scenario/jsonschema.py converts fields through apispec's marshmallow converter (OpenAPI 3.1 = JSON
    Schema 2020-12): marshmallow's fields and validators as apispec writes them, plus what apispec does not know
    (the scenario's own fields, Unique, exclusive bounds, a callable default) and $defs for nested schemas."""
    from marshmallow import RAISE, Schema, validate

    from sandbox.scenario.fields import DateField, Unique
    from sandbox.scenario.jsonschema import _Walker

    class Inner(Schema):
        """An inner object."""

        class Meta:
            unknown = RAISE

        n = fields.Integer(required=True, validate=validate.Range(min=1, max=9))

    class Probe(Schema):
        class Meta:
            unknown = RAISE

        share = fields.Float(validate=validate.Range(min=0, max=1, min_inclusive=False))
        tags = fields.List(fields.String(validate=validate.Length(min=1, max=5)), load_default=list,
                           validate=Unique())
        kind = fields.String(validate=validate.OneOf(["x", "y"]), load_default="x", metadata={"description": "a kind"})
        items = fields.Nested(Inner, many=True, data_key="inner")
        when = DateField(absolute_only=True, metadata={"description": "the day"})

    walker = _Walker()
    node = walker.object(Probe)
    props = node["properties"]
    assert props["share"] == {"type": "number", "maximum": 1, "exclusiveMinimum": 0}
    assert props["tags"] == {"type": "array", "default": [], "uniqueItems": True,
                             "items": {"type": "string", "minLength": 1, "maxLength": 5}}
    assert props["kind"] == {"type": "string", "default": "x", "enum": ["x", "y"], "description": "a kind"}
    assert props["inner"] == {"type": "array", "items": {"$ref": "#/$defs/Inner"}}
    assert props["when"]["description"].startswith("the day; an absolute date YYYY-MM-DD")
    assert props["when"]["type"] == "string" and "format" not in props["when"]
    assert walker.defs["Inner"] == {"type": "object", "description": "An inner object.",
                                    "properties": {"n": {"type": "integer", "minimum": 1, "maximum": 9}},
                                    "additionalProperties": False, "required": ["n"]}
