"""The admin API's JSON bodies and query parameters as marshmallow schemas (the police order's input is
sandbox.profiles.extradition.OrderInput, shared with the CLI). Input that breaks a schema answers 400
`{"error": 400, "message": ...}` with the first problem (sandbox.json_input.first_error)."""

from __future__ import annotations

from datetime import date

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, pre_load, validates_schema

from sandbox.json_input import Checked, first_error

CLOCK_CHOICES = ("today", "advance", "reset")
ONE_CLOCK_CHANGE = ('send a JSON object with exactly one of {"today": "YYYY-MM-DD"}, {"advance": "+1d"} '
                    'or {"reset": true}')


class _Day(Checked):
    """`today`: a date as date.fromisoformat reads the value's text (YYYY-MM-DD, also YYYYMMDD)."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise self.make_error("invalid", input=str(value)[:40]) from None


class _Text(Checked):
    """`advance`: the value as text; whether it is an offset is the clock's to say (sandbox.clock.ClockError)."""

    def _deserialize(self, value, attr, data, **kwargs):
        return str(value)


class _True(Checked):
    def _deserialize(self, value, attr, data, **kwargs):
        if value is not True:
            raise self.make_error("invalid")
        return True


class ClockChange(Schema):
    """POST /sandbox/v1/clock: exactly one of `today`, `advance` or `reset` (true)."""

    class Meta:
        unknown = RAISE

    error_messages = {"type": ONE_CLOCK_CHANGE}  # not an object at all
    today = _Day("today must be a date YYYY-MM-DD, not {input!r}", null="today must be a date YYYY-MM-DD, not null")
    advance = _Text("advance must be an offset such as +1d, 3d, -2w, +1m or +1y6m, not null")  # only null fails here
    reset = _True("reset must be true")

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def _exactly_one(self, data, original, **kwargs):
        """Reported before any field's problem (an unknown key included): which change is meant comes first."""
        if not isinstance(original, dict) or sum(k in original for k in CLOCK_CHOICES) != 1 \
                or set(original) - set(CLOCK_CHOICES):
            raise ValidationError(ONE_CLOCK_CHANGE)


CLOCK_CHANGE = ClockChange()


class _WholeNumber(Checked):
    """A query parameter of ASCII digits within [low, high]."""

    def __init__(self, name: str, low: int, high: int, **kwargs):
        super().__init__(f"{name} must be a whole number from {low} to {high}", data_key=name, **kwargs)
        self.low, self.high = low, high

    def parse(self, value):
        if isinstance(value, str) and value.isascii() and value.isdigit() and self.low <= int(value) <= self.high:
            return int(value)
        return None


class _Query(Schema):
    """Query parameters (a werkzeug MultiDict: the first value of each name); an empty value counts as absent.
    Other parameters (the log's filters) are left to the view."""

    class Meta:
        unknown = EXCLUDE

    @pre_load
    def _drop_empty(self, data, **kwargs):
        return {key: value for key, value in data.items() if value != ""}


class RequestsQuery(_Query):
    """GET /sandbox/v1/requests: page size and the id cursor of the next page."""

    limit = _WholeNumber("limit", 1, 500, load_default=50)
    before = _WholeNumber("before", 1, 2**62, load_default=None)


class CaseQuery(_Query):
    """GET /sandbox/v1/cases/{AccountInfoRequestID}: page size and the id cursor of the next page."""

    limit = _WholeNumber("limit", 1, 10000, load_default=1000)
    after = _WholeNumber("after", 0, 2**62, load_default=None)


REQUESTS_QUERY, CASE_QUERY = RequestsQuery(), CaseQuery()


def load(schema: Schema, body) -> dict:
    """A body (or query) loaded through `schema`; its first problem → InputError (400)."""
    try:
        return schema.load(body)
    except ValidationError as exc:
        raise InputError(first_error(exc, schema)[1]) from None


class InputError(ValueError):
    """An admin request's body or query that breaks its schema: 400 with this message."""
