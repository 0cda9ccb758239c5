"""The `faults:` section of a scenario (scenarios/README.md#faults): what sandbox/faults.py injects.

Each entry targets one bank (`bank: <id>`) or the register (`register: true`), optionally only some of its
endpoints, and may combine latency, errors at a rate, outage windows (sandbox dates), slow pages, dropped
connections and stale register entries. Like the rest of the format, unknown keys are errors.
"""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from .fields import SLUG, SLUG_MESSAGE, DateField

BANK_ENDPOINTS = ("accounts", "details", "transactions", "cards", "roles", "owners")
REGISTER_ENDPOINTS = ("customerRelationships", "accountServicingProvider")
MAX_DELAY_MS = 60_000
_LATENCY_KEYS = {"fixed": ("ms",), "uniform": ("min_ms", "max_ms"), "lognormal": ("median_ms", "sigma", "max_ms")}


class _Strict(Schema):
    class Meta:
        ordered = True


def _ms(**kw):
    return fields.Float(validate=validate.Range(min=0, max=MAX_DELAY_MS, error=f"expected milliseconds from 0 to {MAX_DELAY_MS}"), **kw)


def _rate(**kw):
    return fields.Float(validate=validate.Range(min=0, max=1, error="expected a share from 0 to 1 (0.05 = 5 %)"), **kw)


class LatencySchema(_Strict):
    """Added delay per request: fixed, uniform between two values, or lognormal around a median."""

    distribution = fields.String(required=True, validate=validate.OneOf(tuple(_LATENCY_KEYS), error="expected one of: {choices}"))
    ms = _ms(metadata={"description": "fixed: the delay"})
    min_ms = _ms(metadata={"description": "uniform: the shortest delay"})
    max_ms = _ms(metadata={"description": "uniform: the longest delay; lognormal: a cap (default 60000)"})
    median_ms = _ms(metadata={"description": "lognormal: the median delay"})
    sigma = fields.Float(validate=validate.Range(min=0, max=5), metadata={"description": "lognormal: the spread (default 0.5)"})

    @validates_schema
    def keys_fit_distribution(self, data, **kwargs):
        kind = data.get("distribution")
        allowed = _LATENCY_KEYS.get(kind, ())
        for key in ("ms", "min_ms", "max_ms", "median_ms", "sigma"):
            if key in data and key not in allowed:
                raise ValidationError(f"'{key}' does not belong to a {kind} latency (it takes {', '.join(allowed)})", key)
        needed = {"fixed": ("ms",), "uniform": ("min_ms", "max_ms"), "lognormal": ("median_ms",)}.get(kind, ())
        for key in needed:
            if key not in data:
                raise ValidationError(f"a {kind} latency needs '{key}'", key)
        if kind == "uniform" and data["min_ms"] > data["max_ms"]:
            raise ValidationError("min_ms is larger than max_ms", "max_ms")


class FaultErrorSchema(_Strict):
    """Answer a share of the requests with an error instead of the real response."""

    rate = _rate(required=True)
    status = fields.Integer(required=True, validate=validate.OneOf((500, 429, 503), error="expected one of: {choices}"),
                            metadata={"description": "500 (ACC-100), 429 (ACC-022, with Retry-After) or 503"})
    code = fields.String(validate=validate.Regexp(r"^(ACC|ERR)-\d{3}$", error="expected a code such as ACC-100 or ERR-500"),
                         metadata={"description": "the body's code instead of the status's usual one (e.g. ACC-500)"})
    retry_after = fields.Integer(load_default=1, validate=validate.Range(min=0, max=86400),
                                 metadata={"description": "seconds, sent as Retry-After with 429 and 503"})
    message = fields.String(validate=validate.Length(min=1, max=500))


class OutageSchema(_Strict):
    """A window of sandbox dates (inclusive) in which every matching request fails."""

    from_ = DateField(data_key="from", metadata={"description": "first day down (default: always)"})
    to = DateField(metadata={"description": "last day down (default: until further notice)"})
    status = fields.Integer(load_default=503, validate=validate.OneOf((503, 500), error="expected one of: {choices}"))


class SlowPageSchema(_Strict):
    """Delay one page of a paginated walk (accounts, transactions): `page` counts from 1."""

    page = fields.Integer(required=True, validate=validate.Range(min=1, max=10_000_000))
    delay_ms = _ms(required=True)


class DropsSchema(_Strict):
    """Drop a share of the connections: `reset` (TCP RST) or `empty` (closed before any byte of a response)."""

    reset = _rate()
    empty = _rate()


class FaultSchema(_Strict):
    """One fault rule: a target (a bank, or the register), optional endpoints, and what goes wrong there."""

    bank = fields.String(validate=validate.Regexp(SLUG, error=SLUG_MESSAGE), metadata={"description": "a bank's id"})
    register = fields.Boolean(metadata={"description": "true: the rule targets the register (KAR) instead of a bank"})
    endpoints = fields.List(fields.String(validate=validate.OneOf(BANK_ENDPOINTS + REGISTER_ENDPOINTS, error="expected one of: {choices}")),
                            validate=validate.Length(min=1), metadata={"description": "only these endpoints (default: all)"})
    latency = fields.Nested(LatencySchema)
    errors = fields.List(fields.Nested(FaultErrorSchema))
    outages = fields.List(fields.Nested(OutageSchema))
    slow_pages = fields.List(fields.Nested(SlowPageSchema))
    drops = fields.Nested(DropsSchema)
    stale_for = fields.List(fields.String(validate=validate.Regexp(SLUG, error=SLUG_MESSAGE)), metadata={
        "description": "party ids: the register lists this bank for them although the bank has nothing"})

    @validates_schema
    def target(self, data, **kwargs):
        if ("bank" in data) == bool(data.get("register")):
            raise ValidationError("give either 'bank: <id>' or 'register: true'", "bank")
        endpoints = data.get("endpoints") or []
        allowed = BANK_ENDPOINTS if "bank" in data else REGISTER_ENDPOINTS
        for i, name in enumerate(endpoints):
            if name not in allowed:
                where = "a bank" if "bank" in data else "the register"
                raise ValidationError({i: [f"'{name}' is not an endpoint of {where} (expected one of: {', '.join(allowed)})"]}, "endpoints")
        if data.get("stale_for") and "bank" not in data:
            raise ValidationError("stale_for belongs to a bank's rule (the register then lists that bank)", "stale_for")
        total = sum(e["rate"] for e in data.get("errors") or []) + sum((data.get("drops") or {}).values())
        if total > 1 + 1e-9:
            raise ValidationError(f"the error and drop rates add up to {total:g}, more than 1", "errors")
