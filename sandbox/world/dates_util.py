"""Small date helpers shared by the world builder."""

from __future__ import annotations

from datetime import date

from sandbox.scenario.dates import add_months


def add_years_month(day: date, years: int) -> date:
    """First day of the month `years` after `day` (card expiry months)."""
    return add_months(day, 12 * years).replace(day=1)
