"""marshmallow fields for the sandbox's own JSON inputs (admin API bodies, the CLI's extradition-order JSON).

Strict where JSON is strict: a flag is `true`/`false` (not "true" or 1), a date is exactly `YYYY-MM-DD`. Each
field carries one message for every way it can be wrong (missing, null, malformed), because these messages are
the API's answer (400 `{"error", "message"}`), and `first_error` reports one problem, the first in the order the
schema declares its fields, as the hand-written checks these schemas replaced did. Plain Python (no Flask).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from marshmallow import Schema, ValidationError, fields

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class Checked(fields.Field):
    """A field with one message for a missing, null or malformed value (`calendar`: a well-formed value that is
    no calendar date, `null`: JSON null, when these deserve their own words)."""

    def __init__(self, message: str, *, calendar: str | None = None, null: str | None = None, **kwargs):
        messages = dict.fromkeys(("required", "null", "invalid", "validator_failed"), message)
        messages["calendar"] = calendar or message
        messages["null"] = null or message
        super().__init__(error_messages=messages, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        result = self.parse(value)
        if result is None:
            raise self.make_error("invalid")
        return result

    def parse(self, value):  # the value, or None when it is not acceptable
        raise NotImplementedError


class Boolean(Checked):
    def _deserialize(self, value, attr, data, **kwargs):  # False is a value, not a failure: no parse()
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class Text(Checked):
    def parse(self, value):
        return value if isinstance(value, str) else None


class Uuid(Checked):
    def parse(self, value):
        return value if isinstance(value, str) and UUID.match(value) else None


class IsoDate(Checked):
    """Exactly YYYY-MM-DD (not the other forms date.fromisoformat accepts)."""

    def parse(self, value):
        if isinstance(value, str) and len(value) == 10:
            try:
                return date.fromisoformat(value)
            except ValueError:
                return None
        return None


class Timestamp(Checked):
    """YYYY-MM-DDThh:mm:ssZ → an aware UTC datetime; a well-formed non-date gets the `calendar` message."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not TIMESTAMP.match(value):
            raise self.make_error("invalid")
        moment = parse_timestamp(value)
        if moment is None:
            raise self.make_error("calendar")
        return moment


def parse_timestamp(value: str) -> datetime | None:
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def first_error(exc: ValidationError, schema: Schema, *, whole: str = "_schema") -> tuple[str, str]:
    """(field, message) of the first problem in the schema's field order; a problem with the whole input (not an
    object, a schema-level rule) is reported first, as the field `whole`, and so is an unknown key."""
    messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
    declared = [f.data_key or name for name, f in schema.fields.items()]
    unknown = [key for key in messages if key != "_schema" and key not in declared]
    for key in ["_schema", *unknown, *declared]:
        if key in messages:
            found = messages[key]
            while isinstance(found, (list, dict)):
                found = found[0] if isinstance(found, list) else next(iter(found.values()))
            return (whole if key == "_schema" or key in unknown else key), str(found)
    raise AssertionError(f"a ValidationError without messages: {exc.messages!r}")
