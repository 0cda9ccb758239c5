"""Dates in scenario files: absolute (`2024-03-01`), or relative to the sandbox's today (`-3y`, `-90d`, `+1m`,
`-1y6m`, `today`).

Relative dates keep a scenario useful for years: "an account closed 90 days ago" stays 90 days ago whatever
`today` is. Parsing happens at load time (so a typo is reported with its line); resolving needs `today`, which
is only known once the whole file is read, so a parsed value is a `DateExpr` that resolves later.
Card validity uses months (`2024-01`, or a relative expression whose month is taken).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

_REL_TOKEN = re.compile(r"([+-]?)(\d+)([dwmy])")
_REL_FULL = re.compile(r"^[+-]\d+[dwmy](?:[+-]?\d+[dwmy])*$")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


_CALENDAR_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def add_months(d: date, months: int) -> date:
    """Calendar month arithmetic that clamps the day (31 Jan + 1 month = 28/29 Feb)."""
    y, m = divmod(d.year * 12 + (d.month - 1) + months, 12)
    m += 1
    return date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


@dataclass(frozen=True)
class DateExpr:
    """An absolute date, or an offset from today given as (years, months, days)."""

    absolute: date | None = None
    years: int = 0
    months: int = 0
    days: int = 0
    text: str = ""

    def resolve(self, today: date) -> date:
        if self.absolute is not None:
            return self.absolute
        d = add_months(today, self.years * 12 + self.months)
        return date.fromordinal(d.toordinal() + self.days)

    def __str__(self) -> str:
        return self.text or (self.absolute.isoformat() if self.absolute else "today")


def parse_date_expr(value: object) -> DateExpr:
    """Parse a YAML value into a DateExpr; raises ValueError with what was expected."""
    if isinstance(value, date):
        return DateExpr(absolute=value, text=value.isoformat())
    if not isinstance(value, str):
        raise ValueError("expected a date: YYYY-MM-DD, 'today', or an offset like -3y, -90d, +1m, -1y6m")
    text = value.strip()
    if text == "today":
        return DateExpr(text=text)
    compact = text.replace(" ", "")
    if _REL_FULL.match(compact):
        years = months = days = 0
        sign = "+"
        # "-1y6m" means minus one year and six months: a sign carries to the following unsigned tokens.
        for part in _REL_TOKEN.finditer(compact):
            sign = part.group(1) or sign
            n = int(part.group(2)) * (-1 if sign == "-" else 1)
            unit = part.group(3)
            if unit == "y":
                years += n
            elif unit == "m":
                months += n
            elif unit == "w":
                days += 7 * n
            else:
                days += n
        return DateExpr(years=years, months=months, days=days, text=text)
    try:
        if not _CALENDAR_DATE.fullmatch(text):  # fromisoformat would also take 20240101 and 2024-W01-1
            raise ValueError(text)
        return DateExpr(absolute=date.fromisoformat(text), text=text)
    except ValueError:
        raise ValueError(
            f"'{text}' is not a date: expected YYYY-MM-DD, 'today', or an offset like -3y, -90d, +1m, -1y6m"
        ) from None


def parse_month_expr(value: object) -> DateExpr:
    """A card month: `YYYY-MM`, or any date expression (its month is used)."""
    if isinstance(value, str) and _MONTH.match(value.strip()):
        y, m = value.strip().split("-")
        return DateExpr(absolute=date(int(y), int(m), 1), text=value.strip())
    try:
        return parse_date_expr(value)
    except ValueError:
        raise ValueError(
            f"'{value}' is not a month: expected YYYY-MM, or an offset like -2y, +3y"
        ) from None
