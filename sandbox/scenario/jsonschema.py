"""The scenario format as JSON Schema (draft 2020-12), generated from the marshmallow schemas in schema.py.

`dsop-sandbox validate --schema` prints it; editors (e.g. the YAML language server) use it for completion and
early warnings. It is generated, never written by hand, so it cannot drift from what the loader accepts.

Fields are converted by apispec's marshmallow converter (the one the OpenAPI documents use), set to OpenAPI
3.1, whose Schema Object is JSON Schema 2020-12: types, `enum`, `pattern`, `minLength`/`maxLength`,
`minItems`/`maxItems`, `minimum`/`maximum`, `description` from `metadata["description"]`, List → array,
Nested → a `$ref` into `$defs`. Added here: the scenario's own fields (dates relative to today, months, money,
identifiers, seed, ranges), fields.Unique → `uniqueItems`, exclusive range bounds, and defaults (a callable
`load_default` such as `list` is shown by its value). The objects themselves are walked here: property names are
the file's keys (a field's `data_key`, e.g. `from`), `required` in declaration order, `additionalProperties:
false` (every scenario schema refuses unknown keys), the @pre_load shorthands and the @validates_schema rules.

What JSON Schema cannot say is left to the loader: checksums of identifiers, the order of dates, references
between entities, and dates relative to today being resolved. YAML turns an unquoted `2024-03-01` into a
date, not a string; a tool that validates YAML through this schema must turn dates back into `YYYY-MM-DD`
strings first (editors' YAML language servers do).
"""

from __future__ import annotations

from apispec.ext.marshmallow.field_converter import DEFAULT_FIELD_MAPPING, FieldConverterMixin
from marshmallow import Schema, fields, missing, validate
from packaging.version import Version

from . import schema as scenario_schema
from .fields import DateField, Identifier, Money, MonthField, Range, Seed, TodayField, Unique

DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID = "https://dsop-sandbox.invalid/schemas/scenario-v1.json"

_ABSOLUTE_DATE = r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
_RELATIVE_DATE = r"[+-] *[0-9]+ *[dwmy]( *[+-]? *[0-9]+ *[dwmy])*"
_MONTH = r"[0-9]{4}-(0[1-9]|1[0-2])"
DATE_PATTERN = rf"^\s*(today|{_ABSOLUTE_DATE}|{_RELATIVE_DATE})\s*$"
ABSOLUTE_DATE_PATTERN = rf"^\s*{_ABSOLUTE_DATE}\s*$"
MONTH_PATTERN = rf"^\s*(today|{_MONTH}|{_ABSOLUTE_DATE}|{_RELATIVE_DATE})\s*$"

_IDENTIFIER_DIGITS = {
    "validate_person_number": (11, "a person number (fødselsnummer) or D-number: 11 digits with valid check digits"),
    "validate_organisation_number": (9, "an organisation number: 9 digits with a valid MOD11 check digit"),
    "validate_account_number": (11, "a bank account number: 11 digits with a valid MOD11 check digit"),
}

_YAML_DATES = ("YAML reads an unquoted YYYY-MM-DD as a date; validate YAML through this schema only after "
               "turning dates back into strings.")

# Shorthands accepted by the schemas' @pre_load hooks (schema.py), e.g. `- kari` for `- {party: kari}` or
# `activity: household` for `activity: {profile: household}`, are found by feeding the hooks a probe value
# and seeing where it lands, so a new shorthand in schema.py shows up here without a change.
_PROBE = "\x00probe"


def _run_pre_load(instance: Schema, data):
    """`data` after the schema's own @pre_load hooks, or None if a hook refuses it."""
    for key, hooks in getattr(type(instance), "_hooks", {}).items():
        tag = key[0] if isinstance(key, tuple) else key
        if tag != "pre_load":
            continue
        for hook in hooks:
            name = hook[0] if isinstance(hook, tuple) else hook
            try:
                data = getattr(instance, name)(data, many=False, partial=None)
            except Exception:  # a hook that cannot take the probe simply has no shorthand
                return None
    return data


def _probe_key(result) -> str | None:
    """The one key of `result` that received the probe, if any."""
    if not isinstance(result, dict):
        return None
    keys = [k for k, v in result.items() if v == _PROBE]
    return keys[0] if len(keys) == 1 else None


def _string_shorthand(schema_cls) -> str | None:
    """The key a plain string stands for when given instead of the whole object (`- kari` → `party`)."""
    return _probe_key(_run_pre_load(schema_cls(), _PROBE))


def _field_shorthand(schema_cls, key: str) -> str | None:
    """The nested key a plain string stands for when given as the value of `key` (`activity` → `profile`)."""
    result = _run_pre_load(schema_cls(), {key: _PROBE})
    return _probe_key(result.get(key)) if isinstance(result, dict) else None


def _field_by_key(schema_cls, key: str) -> fields.Field:
    for name, field in schema_cls().fields.items():
        if (field.data_key or name) == key:
            return field
    raise KeyError(key)


def _schema_rules(schema_cls) -> dict:
    """Rules of the schemas' @validates_schema methods that JSON Schema can express."""
    if schema_cls is scenario_schema.ExplicitTransactionSchema:
        return {"dependentRequired": {"original_currency": ["original_amount"],
                                      "original_amount": ["original_currency"]}}
    if schema_cls is scenario_schema.EventSchema:
        rules = [{"if": {"properties": {"type": {"const": kind}}, "required": ["type"]},
                  "then": {"required": list(needs)}}
                 for kind, needs in scenario_schema._EVENT_NEEDS.items()]
        return {"allOf": rules}
    return {}


class _Converter(FieldConverterMixin):
    """apispec's field → JSON Schema conversion (OpenAPI 3.1 = JSON Schema 2020-12), taught the scenario's fields.
    Nested schemas become `$ref`s into the walker's `$defs` instead of an OpenAPI document's components."""

    def __init__(self, walker: _Walker):
        self.openapi_version = Version("3.1.0")
        self.walker = walker
        # The scenario's own fields get their whole description from scenario_field (below), no generic type.
        self.field_mapping = {**DEFAULT_FIELD_MAPPING, **dict.fromkeys(_OWN_FIELDS, (None, None))}
        self.init_attribute_functions()
        for extra in (_scenario_field, _unique, _exclusive_bounds):
            self.add_attribute_function(extra)

    def resolve_nested_schema(self, schema) -> dict:  # called by apispec's nested2properties
        ref = self.walker.ref(type(schema))
        return {"type": "array", "items": ref} if getattr(schema, "many", False) else ref

    def field2default(self, field: fields.Field, **kwargs) -> dict:
        default = _default(field)
        return {} if default is _NO_DEFAULT else {"default": default}


def _scenario_field(self, field: fields.Field, ret: dict, **kwargs) -> dict:
    """The scenario's own fields; a metadata description goes first, then what the field accepts."""
    own = _own_field(field)
    if own is None:
        return {}
    described = field.metadata.get("description")
    if described and own.get("description"):
        own["description"] = f"{described}; {own['description']}"
    elif described:
        own["description"] = described
    return own


def _unique(self, field: fields.Field, **kwargs) -> dict:
    return {"uniqueItems": True} if any(isinstance(v, Unique) for v in field.validators) else {}


def _exclusive_bounds(self, field: fields.Field, ret: dict, **kwargs) -> dict:
    """apispec writes every Range bound as inclusive; an exclusive one becomes exclusiveMinimum/-Maximum."""
    out = {}
    for validator in field.validators:
        if isinstance(validator, validate.Range):
            if validator.min is not None and not validator.min_inclusive and ret.get("minimum") == validator.min:
                del ret["minimum"]
                out["exclusiveMinimum"] = validator.min
            if validator.max is not None and not validator.max_inclusive and ret.get("maximum") == validator.max:
                del ret["maximum"]
                out["exclusiveMaximum"] = validator.max
    return out


class _Walker:
    def __init__(self):
        self.defs: dict[str, dict] = {}
        self.converter = _Converter(self)

    # ---- schemas --------------------------------------------------------------------------------
    def ref(self, schema_cls) -> dict:
        name = schema_cls.__name__
        if name not in self.defs:
            self.defs[name] = {}  # placeholder against recursion
            self.defs[name] = self.object(schema_cls)
        return {"$ref": f"#/$defs/{name}"}

    def object(self, schema_cls) -> dict:
        instance: Schema = schema_cls()
        properties, required = {}, []
        for name, field in instance.fields.items():
            if field.dump_only:
                continue
            key = field.data_key or name
            prop = self.field(field)
            nested = _nested_class(field)
            short = _field_shorthand(schema_cls, key) if nested is not None and not field.many else None
            if short:
                text = {**self.field(_field_by_key(nested, short)), "description": f"short for {{{short}: ...}}"}
                prop = {"anyOf": [prop, text]}
            properties[key] = prop
            if field.required:
                required.append(key)
        out: dict = {"type": "object"}
        doc = _first_paragraph(schema_cls.__doc__)
        if doc:
            out["description"] = doc
        out["properties"] = properties
        out["additionalProperties"] = False
        if required:
            out["required"] = required
        out.update(_schema_rules(schema_cls))
        key = _string_shorthand(schema_cls)
        if key:
            short = {**self.field(_field_by_key(schema_cls, key)), "description": f"short for {{{key}: ...}}"}
            return {"anyOf": [out, short]}
        return out

    def field(self, field: fields.Field) -> dict:
        return self.converter.field2property(field)


_OWN_FIELDS = (Identifier, TodayField, DateField, MonthField, Money, Seed, Range)


def _own_field(field: fields.Field) -> dict | None:
    """What the scenario's own fields accept, as JSON Schema (None for marshmallow's fields)."""
    if isinstance(field, Identifier):
        length, what = _IDENTIFIER_DIGITS.get(field.checker_name, (None, "digits"))
        pattern = rf"^[0-9]{{{length}}}$" if length else r"^[0-9]+$"
        return {"type": "string", "pattern": pattern,
                "description": f"{what}; quote it in YAML (an unquoted number loses leading zeros)"}
    if isinstance(field, TodayField):
        return {"type": "string", "pattern": rf"^\s*({_ABSOLUTE_DATE}|real)\s*$",
                "description": "an absolute date YYYY-MM-DD, or 'real'. " + _YAML_DATES}
    if isinstance(field, DateField):
        if field.absolute_only:
            return {"type": "string", "pattern": ABSOLUTE_DATE_PATTERN,
                    "description": "an absolute date YYYY-MM-DD. " + _YAML_DATES}
        return {"type": "string", "pattern": DATE_PATTERN,
                "description": "YYYY-MM-DD, 'today', or an offset from today such as -3y, -90d, -2w, +1m, "
                               "-1y6m. " + _YAML_DATES}
    if isinstance(field, MonthField):
        return {"type": "string", "pattern": MONTH_PATTERN,
                "description": "a month YYYY-MM, or any date expression whose month is taken (-2y, +3y). "
                               + _YAML_DATES}
    if isinstance(field, Money):
        return _money(field)
    if isinstance(field, Seed):
        return {"description": "the seed of the random world: an integer or a non-empty string",
                "anyOf": [{"type": "integer"}, {"type": "string", "pattern": r"\S"}]}
    if isinstance(field, Range):
        bounds = {"minimum": field.minimum}
        if field.maximum is not None:
            bounds["maximum"] = field.maximum
        return {"description": "[min, max] (inclusive), or one whole number for both",
                "anyOf": [{"type": "integer", **bounds},
                          {"type": "array", "prefixItems": [{"type": "integer", **bounds}] * 2,
                           "items": False, "minItems": 2, "maxItems": 2}]}
    return None


_NO_DEFAULT = object()


def _nested_class(field: fields.Field):
    """The schema class of a Nested field, else None."""
    if not isinstance(field, fields.Nested):
        return None
    nested = field.nested
    if isinstance(nested, type):
        return nested
    if isinstance(nested, Schema):
        return type(nested)
    return type(field.schema)  # a name or a callable: let marshmallow resolve it


def _default(field: fields.Field):
    value = field.load_default
    if value is missing:
        return _NO_DEFAULT
    if callable(value):
        value = value()
    if isinstance(value, tuple):
        value = list(value)
    if isinstance(value, (str, int, float, bool, list, dict)) or value is None:
        return value
    return _NO_DEFAULT


def _money(field: Money) -> dict:
    sign = "-?" if field.signed else ""
    number: dict = {"type": "number"}
    if field.positive:
        number["exclusiveMinimum"] = 0
    elif not field.signed:
        number["minimum"] = 0
    what = "an amount" + (" (negative = owed)" if field.signed else "")
    if field.positive:
        what += " greater than 0"
    elif not field.signed:
        what += " of 0 or more"
    return {"description": f"{what}, with at most two decimals, e.g. 1250 or 1250.50",
            "anyOf": [number, {"type": "string",
                               "pattern": rf"^\s*{sign}[0-9][0-9 _]*(\.[0-9]{{1,2}})?\s*$"}]}


def _first_paragraph(doc: str | None) -> str:
    return " ".join((doc or "").strip().split("\n\n")[0].split())


def scenario_json_schema() -> dict:
    """The JSON Schema (draft 2020-12) of scenario files, walked from schema.ScenarioSchema."""
    walker = _Walker()
    root = walker.object(scenario_schema.ScenarioSchema)
    root.pop("description", None)
    return {
        "$schema": DIALECT,
        "$id": SCHEMA_ID,
        "title": "dsop-sandbox scenario (format version 1)",
        "description": ("A scenario for dsop-sandbox: banks, consumers, people, organisations, accounts and "
                        "events over time. Generated from the marshmallow schemas (sandbox/scenario/schema.py); "
                        "the loader also checks identifiers' check digits, references and the order of dates. "
                        + _YAML_DATES),
        **root,
        "$defs": dict(sorted(walker.defs.items())),
    }


__all__ = ["scenario_json_schema"]
