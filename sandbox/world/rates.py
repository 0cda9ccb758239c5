"""Interest rates by date: a deterministic path shaped like Norges Bank's key policy rate, and the margins a
bank puts on it per kind of account.

Synthetic, not market data: the steps follow the broad history (the 2008 peak, the near-zero years around
2020, the climb of 2022-23 and the first cuts of 2025) so that loans cost and savings earn plausibly for the
period a transaction lies in. Rates are in basis points (1/100 of a percent) so every computation is exact.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date

# (first day, key policy rate in basis points), oldest first; the last step holds from then on.
POLICY_PATH: tuple[tuple[date, int], ...] = (
    (date(1990, 1, 1), 600), (date(2002, 7, 1), 700), (date(2003, 3, 1), 500), (date(2003, 12, 1), 225),
    (date(2004, 3, 1), 175), (date(2005, 7, 1), 200), (date(2006, 3, 1), 250), (date(2006, 12, 1), 350),
    (date(2007, 6, 1), 450), (date(2007, 12, 1), 525), (date(2008, 6, 1), 575), (date(2008, 12, 1), 300),
    (date(2009, 6, 1), 125), (date(2009, 12, 1), 175), (date(2010, 5, 1), 200), (date(2011, 5, 1), 225),
    (date(2011, 12, 1), 175), (date(2012, 3, 1), 150), (date(2014, 12, 1), 125), (date(2015, 6, 1), 100),
    (date(2015, 9, 1), 75), (date(2016, 3, 1), 50), (date(2018, 9, 1), 75), (date(2019, 3, 1), 100),
    (date(2019, 6, 1), 125), (date(2019, 9, 1), 150), (date(2020, 3, 1), 25), (date(2020, 5, 1), 0),
    (date(2021, 9, 1), 25), (date(2021, 12, 1), 50), (date(2022, 3, 1), 75), (date(2022, 6, 1), 125),
    (date(2022, 8, 1), 175), (date(2022, 9, 1), 225), (date(2022, 11, 1), 250), (date(2022, 12, 1), 275),
    (date(2023, 3, 1), 300), (date(2023, 5, 1), 325), (date(2023, 6, 1), 375), (date(2023, 8, 1), 400),
    (date(2023, 12, 1), 450), (date(2025, 6, 1), 425), (date(2025, 9, 1), 400),
)
_STARTS = tuple(start for start, _ in POLICY_PATH)

# The bank's margin over the policy rate per activity profile, in basis points (a deposit rate is a share of
# the policy rate instead: current accounts pay next to nothing, savings accounts most of it).
LOAN_MARGIN = 175
DEPOSIT_SHARE = {"savings": 0.9, "household": 0.1, "business": 0.3}


def policy_rate(day: date) -> int:
    """The key policy rate on `day`, basis points."""
    index = bisect_right(_STARTS, day) - 1
    return POLICY_PATH[max(index, 0)][1]


def loan_rate(day: date) -> int:
    """A mortgage-like nominal rate on `day`, basis points per year."""
    return policy_rate(day) + LOAN_MARGIN


def deposit_rate(profile: str, day: date) -> int:
    """The deposit rate of an account of `profile` on `day`, basis points per year (0: the profile earns none)."""
    return int(policy_rate(day) * DEPOSIT_SHARE.get(profile, 0.0))


def monthly_interest(balance: int, rate_bp: int) -> int:
    """One month's interest (minor units, rounded half up) on `balance` at `rate_bp` per year."""
    return (abs(balance) * rate_bp + 60_000) // 120_000
