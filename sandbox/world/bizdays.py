"""The Norwegian banking calendar: which days a bank books on.

Norwegian public holidays come from the `holidays` library (Easter-dependent days, 17 May, Ascension, Whit
Monday...); Christmas Eve and New Year's Eve are bank holidays on top ("bankfridager": no settlement in NOK).
Saturdays and Sundays never book. Salaries and transfers are booked on business days only; a card purchase
may happen on any day and is booked on the next business day (activity.py).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

# Imported with the world (about 0.2 s: the library loads every country's calendar), so that the first request
# a fresh worker serves does not pay for it.
from holidays.countries.norway import Norway

_BANK_EXTRA = ((12, 24), (12, 31))  # Christmas Eve and New Year's Eve: bank holidays, not public ones
_DAY = timedelta(days=1)


@lru_cache(maxsize=256)
def closed_days(year: int) -> frozenset[date]:
    """Every non-business day of a year that is not a weekend: public holidays plus the bank holidays."""
    public = Norway(years=year, include_sundays=False)
    return frozenset(public) | {date(year, m, d) for m, d in _BANK_EXTRA}


_OFF: dict[int, frozenset[date]] = {}  # year -> its closed days: the hot path below, without lru_cache's overhead


def is_business_day(day: date) -> bool:
    if day.weekday() >= 5:
        return False
    off = _OFF.get(day.year)
    if off is None:
        off = _OFF[day.year] = closed_days(day.year)
    return day not in off


def next_business_day(day: date) -> date:
    """`day` if it is a business day, else the first one after it."""
    while not is_business_day(day):
        day += _DAY
    return day


def previous_business_day(day: date) -> date:
    """`day` if it is a business day, else the last one before it (salaries: paid before the 20th, not after)."""
    while not is_business_day(day):
        day -= _DAY
    return day


@lru_cache(maxsize=4096)
def business_days(start: date, end: date) -> tuple[date, ...]:
    """The business days from `start` to `end`, both included (cached: every account's months share them)."""
    out, day = [], start
    while day <= end:
        if is_business_day(day):
            out.append(day)
        day += _DAY
    return tuple(out)
