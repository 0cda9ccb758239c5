"""Inclusive date periods, the unit of every time question in the world.

The standard says `fromDate` and `toDate` are both included (spec/data-model.md R-08), and so are the start
and end of every ownership, role, lifecycle and guardianship here. `end=None` means "still going".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, order=True)
class Period:
    start: date
    end: date | None = None

    def contains(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)

    def overlaps(self, other: Period) -> bool:
        return (self.end is None or other.start <= self.end) and (other.end is None or self.start <= other.end)

    def intersect(self, other: Period) -> Period | None:
        start = max(self.start, other.start)
        ends = [e for e in (self.end, other.end) if e is not None]
        end = min(ends) if ends else None
        if end is not None and end < start:
            return None
        return Period(start, end)

    def last_day(self, cap: date) -> date:
        """The period's last day, no later than `cap` (open periods end at `cap`)."""
        return cap if self.end is None or self.end > cap else self.end

    def __str__(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat() if self.end else ''}"


def latest_overlapping(periods, window: Period):
    """The latest of `periods` (anything with a `.period`) that overlaps `window`, or None."""
    best = None
    for item in periods:
        if item.period.overlaps(window) and (best is None or item.period.start > best.period.start):
            best = item
    return best
