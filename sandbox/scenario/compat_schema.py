"""The scenario keys of the compatibility profiles (DESIGN D22, docs/compatibility.md): `register.profile`,
`banks[].profile` and `banks[].deviations`. What they do lives in sandbox/compat/; this file only says what a
scenario may write, and, like the rest of the format, unknown keys are errors.

A bank's `deviations` (the knobs real consumers must survive) only act while the bank answers as `production`:
`strict` is the standard to the letter. So a bank that lists deviations must say `profile: production`; a serve
with `--profile strict` switches them off, `--profile production` switches every bank's on.
"""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from .fault_schema import MAX_DELAY_MS, LatencySchema

PROFILES = ("strict", "production")


class _Strict(Schema):
    class Meta:
        ordered = True


def Profile(**kw):
    return fields.String(validate=validate.OneOf(PROFILES, error="expected one of: {choices}"), metadata={
        "description": "strict: the standard to the letter (default); production: also what real participants "
                       "accept and answer (docs/compatibility.md)"}, **kw)


def _share(description: str):
    return fields.Float(validate=validate.Range(min=0, max=1, error="expected a share from 0 to 1 (0.05 = 5 %)"),
                        metadata={"description": description})


class RegisterCompatSchema(_Strict):
    """The register's (KAR's) behaviour profile."""

    profile = Profile()


class Error200Schema(_Strict):
    """Answer a share of the requests `200 OK` with an error text instead of the body."""

    rate = _share("share of the requests answered 200 with an error text")
    message = fields.String(validate=validate.Length(min=1, max=500),
                            metadata={"description": "the error text (default: a Norwegian 'technical error')"})

    @validates_schema
    def needs_rate(self, data, **kwargs):
        if "rate" not in data:
            raise ValidationError("an error_200 deviation needs 'rate'", "rate")


class SlowPagesSchema(_Strict):
    """Every page from `from_page` on of a paginated walk (accounts, transactions) takes `delay_ms` longer."""

    from_page = fields.Integer(load_default=2, validate=validate.Range(min=1, max=10_000_000))
    delay_ms = fields.Float(required=True, validate=validate.Range(
        min=0, max=MAX_DELAY_MS, error=f"expected milliseconds from 0 to {MAX_DELAY_MS}"))


class DeviationsSchema(_Strict):
    """A production bank's deviations from the standard, each decided per request from its CorrelationID."""

    latency = fields.Nested(LatencySchema, metadata={"description": "answer delay (same distributions as faults)"})
    omit_optional = _share("share of the answers that leave out optional fields (docs/compatibility.md)")
    error_200 = fields.Nested(Error200Schema)
    empty_links = _share("share of the last (or only) pages answered with `links: []` instead of a self link")
    slow_pages = fields.Nested(SlowPagesSchema)
    empty_details = _share("share of the account details answered with no account, only responseDetails")


def check_bank(data: dict) -> None:
    """A bank's deviations need `profile: production` (they are no part of the standard)."""
    if data.get("deviations") and data.get("profile") != "production":
        raise ValidationError("deviations only act on a production bank: add 'profile: production'", "deviations")
