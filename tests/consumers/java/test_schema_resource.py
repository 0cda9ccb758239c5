"""schema_resource.py: Bank_v2.yaml → the constraints file the Java consumer checks bank answers against. Every enum and
required member of the reference reaches the file, and a keyword it does not understand stops it (a constraint must
never be dropped silently). No JDK needed."""

from __future__ import annotations

from pathlib import Path

import pytest
import schema_resource
import yaml

BANK_V2 = Path(__file__).resolve().parents[2] / "reference" / "Bank_v2.yaml"


@pytest.fixture(scope="module")
def reference() -> dict:
    return yaml.safe_load(BANK_V2.read_text(encoding="utf-8"))


def rows(lines: list[str], kind: str) -> list[list[str]]:
    return [line.split("\t")[1:] for line in lines if line.split("\t")[0] == kind]


def test_every_enum_required_member_and_response_of_bank_v2_is_in_the_file(reference, tmp_path):
    target = tmp_path / "bank-schema.tsv"
    schema_resource.write(BANK_V2, target)
    lines = target.read_text(encoding="utf-8").splitlines()
    enums = {name: values for name, *values in rows(lines, "enum")}
    for name, schema in reference["components"]["schemas"].items():
        if "enum" in schema:
            assert enums.pop(name) == [str(v) for v in schema["enum"]], name
        for member in schema.get("required", ()):
            assert [name, member] in rows(lines, "required"), (name, member)
    assert enums == {"ResponseDetails.status": ["partial", "complete"]}, "only the inline enum is left"
    responses = {path: name for path, name in rows(lines, "response")}
    assert responses == {"/accounts": "Accounts", "/accounts/{accountReference}": "AccountDetails",
                         "/accounts/{accountReference}/transactions": "Transactions",
                         "/accounts/{accountReference}/cards": "Cards", "/accounts/{accountReference}/roles": "Roles"}
    assert ["Transaction", "amount", "Amount"] in rows(lines, "property")
    assert ["Amount", "number"] in rows(lines, "type") and ["Amount", "0"] in rows(lines, "minimum")
    assert ["ISODate", "date"] in rows(lines, "format") and ["ISODateTime", "date-time"] in rows(lines, "format")


@pytest.mark.parametrize("schema, word", [
    ({"type": "object", "additionalProperties": False}, "additionalProperties"),
    ({"oneOf": [{"type": "string"}, {"type": "number"}]}, "oneOf"),
    ({"allOf": [{"$ref": "#/components/schemas/A"}, {"$ref": "#/components/schemas/A"}]}, "allOf with 2 members"),
])
def test_a_constraint_the_file_cannot_carry_stops_the_generator(schema, word):
    document = {"info": {"title": "t", "version": "1"},
                "components": {"schemas": {"A": {"type": "string"}, "B": {"type": "object", "properties": {"x": schema}}}},
                "paths": {"/b": {"get": {"responses": {"200": {"content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/B"}}}}}}}}}
    with pytest.raises(ValueError, match=word):
        schema_resource.lines(document)
