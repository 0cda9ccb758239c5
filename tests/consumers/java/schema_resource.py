"""Bank_v2.yaml → bank-schema.tsv, the resource the Java consumer checks every bank answer against.

The Java side has no YAML reader (JDK only), so the test turns the OpenAPI document into one constraint per line,
tab-separated, with every `$ref` / single-`allOf` resolved to a schema name and every inline schema given a
synthetic name (`Parent.property`, `Parent.property[]` for array items):

    response  /accounts  Accounts          the 200 body of a path
    type      Accounts   object            object | array | string | number | integer | boolean
    required  Accounts   responseDetails   one line per required member
    property  Accounts   accounts  Accounts.accounts
    items     Accounts.accounts  Account
    enum      AccountStatus  enabled  disabled  deleted
    format | pattern | minLength | maxLength | minItems | minimum | exclusiveMinimum   NAME  value

A keyword this file does not know makes it fail rather than leave that constraint unchecked; `description`,
`example` and `xml` carry no constraint.

    python schema_resource.py Bank_v2.yaml bank-schema.tsv
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

IGNORED = {"description", "example", "xml"}
SCALARS = ("format", "pattern", "minLength", "maxLength", "minItems", "minimum", "exclusiveMinimum")
REF = "#/components/schemas/"


def lines(document: dict) -> list[str]:
    schemas = document["components"]["schemas"]
    out: list[str] = [f"# generated from {document['info']['title']} {document['info']['version']} "
                      "by tests/consumers/java/schema_resource.py"]
    done: set[str] = set()

    def name_of(schema: dict, synthetic: str) -> str:
        """A schema's name: the target of a $ref (or of a lone allOf $ref), else `synthetic` for an inline one."""
        if set(schema) - IGNORED == {"$ref"}:
            return referenced(schema["$ref"])
        if set(schema) - IGNORED == {"allOf"}:
            if len(schema["allOf"]) != 1:
                raise ValueError(f"{synthetic}: allOf with {len(schema['allOf'])} members is not supported")
            return name_of(schema["allOf"][0], synthetic)
        emit(synthetic, schema)
        return synthetic

    def referenced(ref: str) -> str:
        if not ref.startswith(REF):
            raise ValueError(f"unsupported $ref {ref}")
        name = ref[len(REF):]
        emit(name, schemas[name])
        return name

    def emit(name: str, schema: dict) -> None:
        if name in done:
            return
        done.add(name)
        unknown = set(schema) - IGNORED - {"type", "required", "properties", "items", "enum", *SCALARS}
        if unknown:
            raise ValueError(f"schema {name}: keywords {sorted(unknown)} are not understood")
        if "type" in schema:
            out.append(f"type\t{name}\t{schema['type']}")
        for member in schema.get("required", ()):
            out.append(f"required\t{name}\t{member}")
        for prop, sub in (schema.get("properties") or {}).items():
            out.append(f"property\t{name}\t{prop}\t{name_of(sub, f'{name}.{prop}')}")
        if "items" in schema:
            out.append(f"items\t{name}\t{name_of(schema['items'], f'{name}[]')}")
        if "enum" in schema:
            out.append("enum\t" + name + "\t" + "\t".join(str(v) for v in schema["enum"]))
        for key in SCALARS:
            if key in schema:
                value = schema[key]
                out.append(f"{key}\t{name}\t{str(value).lower() if isinstance(value, bool) else value}")

    for path, operations in document["paths"].items():
        schema = operations["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        out.append(f"response\t{path}\t{name_of(schema, path)}")
    return out


def write(source: Path, target: Path) -> int:
    rows = lines(yaml.safe_load(Path(source).read_text(encoding="utf-8")))
    Path(target).write_text("\n".join(rows) + "\n", encoding="utf-8")
    return len(rows)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    print(f"{write(Path(sys.argv[1]), Path(sys.argv[2]))} lines")
