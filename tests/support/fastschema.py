"""A compiled (fastjsonschema) form of the strict Bank_v2.yaml component schemas, for the bulk of the bodies.

Why: jsonschema walks a schema interpretively, about 1.5 ms per transaction of a 1000-item page; the contract
tests validate some 60 000 transactions, which made them the slowest part of `make test`. fastjsonschema
compiles a schema into Python code once and runs it about 20 times faster.

The OpenAPI 3.0 dialect differs from draft 7 in three places Bank_v2.yaml uses, handled here: `format: date`
and `date-time` are checked as OpenAPI's checker does (RFC 3339: a real calendar date, an offset); `exclusiveMinimum: false` (the
OpenAPI 3.0 / draft 4 boolean form, a no-op when false) is dropped; `example` keys are ignored by both.
BankContract keeps jsonschema's OAS30Validator for the error messages and as the judge when the two disagree
(tests/support/test_fastschema.py checks that they agree on valid and on broken bodies).
"""

from __future__ import annotations

import re
from datetime import date, datetime

import fastjsonschema

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")  # RFC 3339


def _is_date(value: str) -> bool:
    if not _DATE.match(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_date_time(value: str) -> bool:
    """RFC 3339 `date-time`: a calendar date, a time and an offset (which ISO 8601 alone would not demand)."""
    if not _DATE_TIME.match(value):
        return False
    try:
        datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


FORMATS = {"date": _is_date, "date-time": _is_date_time}


def _draft7(node):
    if isinstance(node, dict):
        if node.get("exclusiveMinimum") is False or node.get("exclusiveMaximum") is False:
            node = {k: v for k, v in node.items() if k not in ("exclusiveMinimum", "exclusiveMaximum")}
        return {k: _draft7(v) for k, v in node.items() if k != "example"}
    if isinstance(node, list):
        return [_draft7(v) for v in node]
    return node


def compile_schema(schema: dict):
    """A function that returns None for a valid body and raises fastjsonschema.JsonSchemaException otherwise."""
    if any(key in str(schema) for key in ("'nullable'", "'discriminator'", "'oneOf'", "'anyOf'")):
        raise ValueError("this schema uses OpenAPI keywords the compiled form does not translate")
    return fastjsonschema.compile({"$schema": "http://json-schema.org/draft-07/schema#", **_draft7(schema)},
                                  formats=FORMATS)


Invalid = fastjsonschema.JsonSchemaException


def errors(compiled, body, slow_errors) -> list[str]:
    """The compiled schema answers for a valid body; a body it refuses gets `slow_errors(body)` (jsonschema's
    messages), or the compiled schema's own should jsonschema accept it: then the two disagree and the body is
    reported, never waved through. `compiled` None: jsonschema alone."""
    if compiled is None:
        return slow_errors(body)
    try:
        compiled(body)
        return []
    except Invalid as exc:
        return slow_errors(body) or [f"(fastjsonschema only) {exc.message}"]
