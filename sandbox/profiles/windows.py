"""Period windows per service (spec/services.md §3, "fromDate lower bound" / "toDate" rows). Plain Python.

A window is a list of Limits on fromDate/toDate. Some depend on the control object (the bankruptcy ruling, the
date of death, the guardianship): those are only added once the subject is known, so a request is checked
twice — before the subject is looked up (party-independent limits) and after (all limits). Both ends are
inclusive: "10 years back" from 2025-06-30 allows fromDate 2015-06-30, refuses 2015-06-29.

| service   | fromDate                                          | toDate                                      |
|-----------|---------------------------------------------------|---------------------------------------------|
| skatt     | ≥ today − 10 years                                | ≤ today (generic)                            |
| politi    | ≥ today − 10 years (and inside the order: 403)    | ≤ today (and inside the order: 403)          |
| konkurs   | ≥ bankruptcy ruling − 12 months                   | = today                                     |
| oed       | ≥ date of death − 3 months                        | = today                                     |
| verge     | ≥ 1 Jan last year and ≥ guardianship start        | ≤ 31 Dec last year and ≤ guardianship end   |
| fi-utlegg | = today                                           | = today                                     |
| nav       | no service limit (v1: none documented)            | ≤ today (generic)                            |
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sandbox.scenario.dates import add_months
from sandbox.world.period import Period

from .errors import PeriodOutsideWindow


@dataclass(frozen=True)
class Limit:
    field: str  # "fromDate" | "toDate"
    op: str  # ">=" | "<=" | "=="
    day: date
    why: str

    def holds(self, value: date) -> bool:
        return {">=": value >= self.day, "<=": value <= self.day, "==": value == self.day}[self.op]

    def message(self, value: date) -> str:
        wanted = {">=": "on or after", "<=": "on or before", "==": "exactly"}[self.op]
        return f"{self.field} {value} is outside the service's window: it must be {wanted} {self.day} ({self.why})"


def limits(service: str, today: date, *, party=None, guardianship=None) -> list[Limit]:
    """The limits of `service`; pass the subject (party, guardianship) to add the limits that depend on it."""
    out: list[Limit] = []
    if service in ("skatt", "politi"):
        out.append(Limit("fromDate", ">=", add_months(today, -120), "at most 10 years back"))
    elif service in ("konkurs", "oed"):
        out.append(Limit("toDate", "==", today, "toDate must be today"))
        if service == "konkurs" and party is not None and party.bankruptcy_date is not None:
            out.append(Limit("fromDate", ">=", add_months(party.bankruptcy_date, -12),
                             f"at most 12 months before the bankruptcy ruling of {party.bankruptcy_date}"))
        if service == "oed" and party is not None and party.death_date is not None:
            out.append(Limit("fromDate", ">=", add_months(party.death_date, -3),
                             f"at most 3 months before the date of death {party.death_date}"))
    elif service == "verge":
        year = today.year - 1
        out += [Limit("fromDate", ">=", date(year, 1, 1), f"inside the last calendar year {year}"),
                Limit("toDate", "<=", date(year, 12, 31), f"inside the last calendar year {year}")]
        if guardianship is not None:
            out.append(Limit("fromDate", ">=", guardianship.period.start,
                             f"inside the guardianship, which began {guardianship.period.start}"))
            if guardianship.period.end is not None:
                out.append(Limit("toDate", "<=", guardianship.period.end,
                                 f"inside the guardianship, which ended {guardianship.period.end}"))
    elif service == "fi-utlegg":
        out += [Limit("fromDate", "==", today, "FI-Utlegg asks for today's balance"),
                Limit("toDate", "==", today, "FI-Utlegg asks for today's balance")]
    return out


def check(window: Period, rules: list[Limit]) -> None:
    """Raise PeriodOutsideWindow for the first limit the window breaks."""
    for rule in rules:
        value = window.start if rule.field == "fromDate" else window.end
        if not rule.holds(value):
            raise PeriodOutsideWindow(rule.message(value), rule.field)
