"""One account's month as the generators see it (activity.py, steering.py), and their small helpers."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property

from .bizdays import next_business_day, previous_business_day
from .household import Household
from .model import Account, Card
from .period import Period
from .pools import BASE_RATES, Pools

_DAY = timedelta(days=1)


def at(day: date, rng: random.Random, start_hour: int = 6, end_hour: int = 21) -> datetime:
    """A registration time on `day` (Oslo daytime expressed in UTC)."""
    seconds = rng.randrange(start_hour * 3600, end_hour * 3600)
    return datetime.combine(day, time(), UTC) + timedelta(seconds=seconds)


def round_amount(rng: random.Random, low: float, high: float) -> int:
    """A log-uniform amount between low and high major units, as minor units, rounded to whole or .x0."""
    value = math.exp(rng.uniform(math.log(low), math.log(high)))
    return int(round(value, 1) * 100)


@dataclass(frozen=True)
class Month:
    """One account's segment of one month as the generators see it, with the world around it."""

    account: Account
    seg: Period  # the days of the month inside one lifecycle
    bdays: tuple[date, ...]  # its business days
    first: date  # the month's first and last calendar day
    last: date
    pools: Pools
    household: Household
    cards_on: Callable[[date], list[Card]]
    end_balance: Callable[[int, int], int]  # (y, m) -> the account's end-of-month booked balance
    lc_start: date  # the first day of the lifecycle the segment belongs to
    _cards: dict = field(default_factory=dict, compare=False, repr=False)

    def in_seg(self, day: date) -> bool:
        return self.seg.start <= day <= self.seg.end

    def booking_day(self, day_of_month: int) -> date | None:
        """The business day a monthly order due on `day_of_month` is booked, if in the segment: the next one,
        or the one before when the next is in another month (an order is paid once a month)."""
        due = self.first.replace(day=min(day_of_month, self.last.day))
        day = next_business_day(due)
        if day > self.last:
            day = previous_business_day(due)
        return day if self.in_seg(day) else None

    @cached_property
    def _window(self) -> tuple[date, int]:
        """(first day, number of days) whose next business day falls in this segment."""
        start = max(previous_business_day(self.bdays[0] - _DAY) + _DAY, self.lc_start)
        return start, (self.bdays[-1] - start).days + 1

    def any_day(self, rng: random.Random) -> tuple[date, date]:
        """(the day something happened, the business day it is booked): uniform over the days whose next
        business day falls in this segment."""
        start, n = self._window
        day = start + timedelta(days=rng.randrange(n))
        return day, next_business_day(day)

    @cached_property
    def _steady_cards(self) -> list[Card] | None:
        """The cards usable all through the segment's window when they are the same on its first and last day
        (a card issued, expired or blocked in between changes one end), else None: nearly every month."""
        start, n = self._window
        first, last = self.cards_on(start), self.cards_on(start + timedelta(days=n - 1))
        return first if first == last else None

    def cards(self, day: date) -> list[Card]:
        """The account's cards usable on `day`."""
        steady = self._steady_cards
        if steady is not None:
            return steady
        memo = self._cards
        found = memo.get(day)
        if found is None:
            found = memo[day] = self.cards_on(day)
        return found


def previous_month(first: date) -> tuple[int, int]:
    return (first.year - 1, 12) if first.month == 1 else (first.year, first.month - 1)




# ---- loans: a serial loan, the same principal part every month and interest on what is left ---------------
LOAN_TERM_MONTHS = 300


def loan_balance(account: Account, months_open: int) -> int:
    """A loan's booked balance (negative) after `months_open` instalments."""
    principal = -min(account.opening_balance, 0)
    return -(principal * max(0, LOAN_TERM_MONTHS - months_open) // LOAN_TERM_MONTHS)  # exact: integers only


def loan_due_day(account: Account) -> int:
    """The day of the month a loan's instalment falls due (1..28), fixed per loan."""
    return 1 + int(account.number[-3:]) % 28


def loan_payout_day(account: Account) -> date:
    """The payout: the opening day's next business day, unless that is in the next month."""
    day = next_business_day(account.opened)
    return day if day.month == account.opened.month else account.opened


def months_between(a: date, b: date) -> int:
    return (b.year - a.year) * 12 + (b.month - a.month)


def exchange_rate(source: str, target_currency: str, rng: random.Random) -> float:
    """Units of `target_currency` per unit of `source` on some day: the base rates (NOK per unit) wobbling."""
    nok_per = {**BASE_RATES, "NOK": 1.0}
    return round(nok_per[source] / nok_per[target_currency] * rng.uniform(0.97, 1.03), 6)
