"""The DSOP services a consumer can run, as the public service pages describe them (spec/services.md §1–4).

Everything here is what an agency reads in the documentation: the mandate texts (steps 1 and 2), the consumer
organisation, which bank endpoints the service may call, the OnlyPrimaryOwner rule, the extra headers and the
default period. Nothing is taken from the sandbox's code.
"""

from __future__ import annotations

import calendar
import urllib.parse
from dataclasses import dataclass
from datetime import date

#: Bank endpoints in the order a case walks them (spec/protocol.md §3.1, v2.1 Owners §3.10).
BANK_ENDPOINTS = ("accounts", "details", "transactions", "cards", "roles", "owners")


def encode_mandate(text: str) -> str:
    """The Legal-Mandate header value: JavaScript encodeURIComponent of the UTF-8 text (spec/protocol.md §3.4)."""
    return urllib.parse.quote(text, safe="-_.!~*'()")


@dataclass(frozen=True)
class Service:
    key: str  # skatt, politi, konkurs, oed, verge, fi-utlegg
    name: str
    consumer: str  # the shipped consumer's client id (the scenario's consumers[].id)
    org_number: str
    register_mandate: str  # step 1, decoded
    bank_mandate: str  # step 2, decoded
    endpoints: tuple[str, ...]  # bank endpoints the service may call
    forced_primary_owner: bool = False  # OnlyPrimaryOwner must be TRUE
    requester_id: bool = False  # RequesterID is (logically) mandatory
    reference_type: str | None = None  # AdditionalReferenceIDType the service requires

    def allows(self, endpoint: str) -> bool:
        return endpoint in self.endpoints

    @property
    def register_header(self) -> str:
        return encode_mandate(self.register_mandate)

    @property
    def bank_header(self) -> str:
        return encode_mandate(self.bank_mandate)


SKATT = "Skatteforvaltningsloven § 10-2 første ledd, jf. § 10-14, jf. skatteforvaltningsforskriften § 10-2-1"
POLITI_CRIMINAL = "Straffeprosessloven §210 (3) første punktum"
POLITI_MISSING_PERSON = "Straffeprosessloven §210 (3) andre punktum"
KONKURS = "kkl. §156 (3) og (4), jf. kkfor.§21"
OED = "Arveloven § 92 første ledd og § 118, jf. § 88 a, jf. forskrift om Digitalt dødsbo"
VERGE_STEP1 = "Vergemålsloven § 54 (2), jf. vergemålsforskriften §20a (2), jf. vergemålsforskriften §20a (1) a"
VERGE_STEP2 = ("Vergemålsloven § 54 (2), jf. vergemålsforskriften § 20 (2), "
               "jf. vergemålsforskriften § 20a (1) b-e")
FI_UTLEGG = "FI-Utlegg-Test"

_ALL = BANK_ENDPOINTS
_ADT = ("accounts", "details", "transactions")

SERVICES: dict[str, Service] = {s.key: s for s in (
    Service("skatt", "Skatt-Kontroll", "skatteetaten", "974761076", SKATT, SKATT, _ALL, requester_id=True),
    Service("politi", "Politi-Utlevering", "politiet", "915429785", POLITI_CRIMINAL, POLITI_CRIMINAL, _ALL,
            requester_id=True, reference_type="pol1"),
    Service("konkurs", "Konkursbehandling", "brreg", "974760673", KONKURS, KONKURS, _ADT, forced_primary_owner=True),
    Service("oed", "Oppgjør etter dødsfall", "digdir", "991825827", OED, OED, _ADT, forced_primary_owner=True),
    Service("verge", "Vergekontroll", "srf", "986186999", VERGE_STEP1, VERGE_STEP2, _ADT + ("roles",),
            forced_primary_owner=True, reference_type="srf"),
    Service("fi-utlegg", "FI-Utlegg Saldo", "skatteetaten", "974761076", FI_UTLEGG, FI_UTLEGG,
            ("accounts", "details"), forced_primary_owner=True),
)}


def service(key: str) -> Service:
    try:
        return SERVICES[key]
    except KeyError:
        raise ValueError(f"unknown service {key!r}: one of {', '.join(SERVICES)}") from None


# ---- periods ---------------------------------------------------------------------------------------------
def add_months(day: date, months: int) -> date:
    """Calendar months; the day is clamped to the target month's length (29 Feb − 12 months → 28 Feb)."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class PeriodNeedsFacts(ValueError):
    """The service's earliest fromDate depends on a fact about the subject that was not given.

    `reach` says how far back the service reaches, `fact` names what is missing; the message is for a person
    who can give the whole period instead."""

    def __init__(self, reach: str, fact: str):
        self.reach, self.fact = reach, fact
        super().__init__(f"{reach}: the subject has no {fact} (give --from/--to)")


def earliest_from(key: str, today: date, *, death_date: date | None = None,
                  ruling_date: date | None = None) -> date:
    """The lower bound of fromDate on the service's page (spec/services.md §3 "fromDate lower bound")."""
    if key in ("skatt", "politi"):
        return add_months(today, -120)
    if key == "konkurs":
        if ruling_date is None:
            raise PeriodNeedsFacts("Konkursbehandling reaches 12 months before the bankruptcy ruling", "ruling date")
        return add_months(ruling_date, -12)
    if key == "oed":
        if death_date is None:
            raise PeriodNeedsFacts("Oppgjør etter dødsfall reaches 3 months before the death", "date of death")
        return add_months(death_date, -3)
    if key == "verge":
        return date(today.year - 1, 1, 1)
    if key == "fi-utlegg":
        return today
    raise ValueError(f"unknown service {key!r}")


def latest_to(key: str, today: date) -> date:
    """The latest toDate the service allows: today, except Vergekontroll's last calendar year (31 December)."""
    if key not in SERVICES:
        raise ValueError(f"unknown service {key!r}")
    return date(today.year - 1, 12, 31) if key == "verge" else today


def default_period(key: str, today: date, *, death_date: date | None = None,
                   ruling_date: date | None = None) -> tuple[date, date]:
    """The widest period the service's page allows, ending today (spec/services.md §2, §3 "fromDate lower bound")."""
    return earliest_from(key, today, death_date=death_date, ruling_date=ruling_date), latest_to(key, today)


def complete_period(key: str, today: date, from_date: date | None = None, to_date: date | None = None, *,
                    death_date: date | None = None, ruling_date: date | None = None) -> tuple[date, date]:
    """The period a caseworker meant when giving only one end (or none): a missing toDate is the latest the
    service allows, a missing fromDate its earliest. Only the fromDate may need a fact about the subject, so a
    given fromDate never raises PeriodNeedsFacts."""
    start = from_date or earliest_from(key, today, death_date=death_date, ruling_date=ruling_date)
    return start, to_date or latest_to(key, today)
