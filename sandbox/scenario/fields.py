"""marshmallow fields for the scenario format: dates relative to today, card months, money, identifiers."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from marshmallow import ValidationError, fields, validate

from .dates import parse_date_expr, parse_month_expr

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
SLUG_MESSAGE = "expected an id of lower-case letters, digits, '-' or '_' (at most 64 characters)"


class DateField(fields.Field):
    """YYYY-MM-DD, `today`, or an offset from today such as -3y, -90d, +1m (see dates.py)."""

    def __init__(self, *, absolute_only: bool = False, **kwargs):
        self.absolute_only = absolute_only
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            expr = parse_date_expr(value)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None
        if self.absolute_only and expr.absolute is None:
            raise ValidationError("expected an absolute date YYYY-MM-DD here (relative dates need a fixed today)")
        return expr


class MonthField(fields.Field):
    """YYYY-MM, or any date expression whose month is taken (card validity)."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return parse_month_expr(value)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


class Money(fields.Field):
    """An amount with at most two decimals, kept as integer minor units (øre) so sums are exact."""

    def __init__(self, *, signed: bool = False, positive: bool = False, **kwargs):
        self.signed = signed
        self.positive = positive
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValidationError("expected an amount such as 1250 or 1250.50")
        try:
            amount = Decimal(str(value).replace(" ", "").replace("_", ""))
        except InvalidOperation:
            raise ValidationError(f"'{value}' is not an amount: expected a number such as 1250.50") from None
        if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
            raise ValidationError("expected an amount with at most two decimals")
        if amount < 0 and not self.signed:
            raise ValidationError("expected an amount of 0 or more (direction is given separately)")
        if self.positive and amount == 0:
            raise ValidationError("expected an amount greater than 0")
        return int(amount * 100)


class Seed(fields.Field):
    """An integer or a string; it names the random world, so it is kept as text."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, str)) or str(value).strip() == "":
            raise ValidationError("expected a seed: an integer or a non-empty string")
        return str(value).strip()


class Identifier(fields.String):
    """A digits-only identifier checked by a function of sandbox.ids (checksums included)."""

    def __init__(self, checker_name: str, **kwargs):
        self.checker_name = checker_name
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, int) and not isinstance(value, bool):
            raise ValidationError("write identifiers as quoted strings, e.g. \"01817012345\" (YAML drops leading zeros)")
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        from sandbox import ids

        try:
            getattr(ids, self.checker_name)(text)
        except ids.InvalidIdentifier as exc:
            raise ValidationError(str(exc)) from None
        return text


class Range(fields.Field):
    """`[min, max]` of integers (inclusive), or a single integer."""

    def __init__(self, *, minimum: int = 0, maximum: int | None = None, **kwargs):
        self.minimum, self.maximum = minimum, maximum
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, int) and not isinstance(value, bool):
            value = [value, value]
        if (not isinstance(value, list) or len(value) != 2
                or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)):
            raise ValidationError("expected [min, max] of whole numbers, or one whole number")
        low, high = value
        if low > high:
            raise ValidationError(f"min ({low}) is greater than max ({high})")
        if low < self.minimum or (self.maximum is not None and high > self.maximum):
            raise ValidationError(f"expected values from {self.minimum} to {self.maximum if self.maximum is not None else 'any'}")
        return (low, high)


class Unique(validate.Validator):
    """A list in which no item comes twice (JSON Schema `uniqueItems`)."""

    def __call__(self, value):
        seen = set()
        for item in value:
            if item in seen:
                raise ValidationError(f"'{item}' is listed twice")
            seen.add(item)
        return value


#: `today: real`: the sandbox's date is the real date, and follows it while the server runs (sandbox/clock.py).
TODAY_REAL = "real"


class TodayField(DateField):
    """The scenario's `today`: an absolute date YYYY-MM-DD, or `real` (the real date, followed at run time)."""

    def __init__(self, **kwargs):
        super().__init__(absolute_only=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and value.strip().lower() == TODAY_REAL:
            return TODAY_REAL
        return super()._deserialize(value, attr, data, **kwargs)
