"""Norwegian identifiers: validation, parsing and deterministic generation.

This is the single place that knows the check-digit and date rules for person
numbers (fødselsnummer / D-number), organisation numbers, bank account numbers
and card numbers, so the API layer, the world generator and the tests all agree.

Design rules, and why:

* Validation is strict: exactly the right number of ASCII digits, no spaces or
  separators. The DSOP API carries identifiers as bare digit strings, and a
  sandbox that silently normalises input would hide client bugs.
* Validation never reads the clock (python-stdnum rejects birth dates in the
  future, which would make a sandbox world slowly change validity over time).
* Error messages never echo the identifier: person numbers are personal data
  even when synthetic, and messages end up in logs and API error bodies.
* Generation draws only from the ``random.Random`` passed in, so one seed
  gives the same world on every machine and every run.
* Everything generated is recognisably synthetic: person numbers use the
  national test register's month+80 convention, organisation numbers start
  with 2 or 3, account numbers use registration numbers 9900-9999 and card
  numbers use the BIN 999999.
"""

from __future__ import annotations

import random
import re
import uuid
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from stdnum import luhn
from stdnum.no import fodselsnummer as _fnr

#: Bank registration numbers reserved for the sandbox's fake banks.
SYNTHETIC_REGISTRATION_RANGE = range(9900, 10000)
#: Issuer identification number used for every sandbox card.
SYNTHETIC_BIN = "999999"

# ``str.isdigit`` accepts e.g. Arabic-Indic digits; identifiers are ASCII only.
_DIGITS = re.compile(r"[0-9]+")

_ORG_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)
_ACCOUNT_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)

# Offsets added to the real day/month. D-numbers add 40 to the day. The
# national test register (Tenor) adds 80 to the month; NAV's older synthetic
# numbers add 40. Both are accepted, only +80 is generated.
_D_NUMBER_DAY_OFFSET = 40
_TENOR_MONTH_OFFSET = 80
_NAV_MONTH_OFFSET = 40

# Which individual numbers (digits 7-9) are issued for which birth years. The
# century is not written in the number, so this table is the only way to
# recover it; keep it in sync with _century().
_INDIVIDUAL_RANGES: tuple[tuple[int, int, tuple[range, ...]], ...] = (
    (1854, 1899, (range(500, 750),)),
    (1900, 1939, (range(0, 500),)),
    (1940, 1999, (range(0, 500), range(900, 1000))),
    (2000, 2039, (range(500, 1000),)),
)


class InvalidIdentifier(ValueError):
    """An identifier failed validation.

    The message says what is wrong ("must be 11 digits", "check digit
    mismatch", ...) without naming the field or echoing the value, so callers
    can prefix it with the field name of their own context.
    """


@dataclass(frozen=True)
class PersonNumber:
    """A parsed person number (fødselsnummer) or D-number.

    ``birth_date`` is the real date with the D-number and synthetic offsets
    removed; ``synthetic`` is true for test-register numbers (month +80 or +40).
    """

    value: str
    birth_date: date
    d_number: bool
    synthetic: bool



def _require_digits(value: object, length: int) -> str:
    """Return ``value`` if it is exactly ``length`` ASCII digits, else raise."""
    expected = f"must be {length} digits"
    if not isinstance(value, str):
        raise InvalidIdentifier(f"{expected}, got {type(value).__name__} instead of a string")
    if not value:
        raise InvalidIdentifier(f"{expected}, got an empty value")
    if not _DIGITS.fullmatch(value):
        raise InvalidIdentifier(f"{expected}; only 0-9 allowed, no spaces or separators")
    if len(value) != length:
        raise InvalidIdentifier(f"{expected}, got {len(value)}")
    return value


def _mod11(digits: str, weights: tuple[int, ...]) -> int | None:
    """Norwegian MOD11 check digit, or None where the rules say "not issued" (10).

    Own implementation because stdnum.no.orgnr exposes only a whole-number
    checksum and stdnum.no.kontonr keeps its calculator private.
    """
    check = (11 - sum(w * int(d) for w, d in zip(weights, digits, strict=True)) % 11) % 11
    return None if check == 10 else check


def _random_digits(rng: random.Random, count: int) -> str:
    return f"{rng.randrange(10 ** count):0{count}d}" if count else ""


def _century(individual: int, yy: int) -> int | None:
    """Full birth year from the individual number and two-digit year, or None."""
    if individual < 500:
        return 1900 + yy
    if individual < 750 and yy >= 54:
        return 1800 + yy
    if yy <= 39:
        return 2000 + yy
    if individual >= 900:
        return 1900 + yy
    return None



def parse_person_number(value: str) -> PersonNumber:
    """Validate a fødselsnummer or D-number (real or synthetic) and decode it.

    Check digits come from python-stdnum; the date and century handling is ours
    because stdnum rejects month+80 and future birth dates (it reads the clock).
    """
    _require_digits(value, 11)
    # stdnum returns "10" for the not-issued case, which never equals one digit.
    if value[9] != _fnr.calc_check_digit1(value) or value[10] != _fnr.calc_check_digit2(value):
        raise InvalidIdentifier("check digit mismatch")
    day, month, yy, individual = int(value[0:2]), int(value[2:4]), int(value[4:6]), int(value[6:9])
    d_number = day > _D_NUMBER_DAY_OFFSET
    if d_number:
        day -= _D_NUMBER_DAY_OFFSET
    synthetic = month > _NAV_MONTH_OFFSET
    if month > _TENOR_MONTH_OFFSET:
        month -= _TENOR_MONTH_OFFSET
    elif synthetic:
        month -= _NAV_MONTH_OFFSET
    year = _century(individual, yy)
    if year is None:
        raise InvalidIdentifier(
            "no valid birth date: the individual number is not issued for this birth year"
        )
    try:
        birth_date = date(year, month, day)
    except ValueError:
        raise InvalidIdentifier("no valid birth date: day or month out of range") from None
    return PersonNumber(value=value, birth_date=birth_date, d_number=d_number, synthetic=synthetic)


def validate_person_number(value: str) -> str:
    """Return ``value`` if it is a valid person number or D-number, else raise InvalidIdentifier."""
    parse_person_number(value)
    return value


def is_valid_person_number(value: str) -> bool:
    """True for a valid fødselsnummer or D-number, real or synthetic."""
    try:
        parse_person_number(value)
    except InvalidIdentifier:
        return False
    return True


def generate_person_number(rng: random.Random, birth_date: date, *, d_number: bool = False) -> str:
    """A synthetic (month+80) person number or D-number for ``birth_date``.

    The individual number is drawn from the range that encodes the birth
    century, and redrawn while a check digit would be 10 (such numbers are
    never issued). Birth years outside 1854-2039 cannot be encoded.
    """
    if not isinstance(birth_date, date):
        raise TypeError("birth_date must be a datetime.date")
    ranges = next((r for lo, hi, r in _INDIVIDUAL_RANGES if lo <= birth_date.year <= hi), None)
    if ranges is None:
        raise ValueError(f"birth year {birth_date.year} cannot be encoded (1854-2039 only)")
    day = birth_date.day + (_D_NUMBER_DAY_OFFSET if d_number else 0)
    prefix = f"{day:02d}{birth_date.month + _TENOR_MONTH_OFFSET:02d}{birth_date.year % 100:02d}"
    total = sum(len(r) for r in ranges)
    while True:
        index = rng.randrange(total)
        for r in ranges:
            if index < len(r):
                individual = r[index]
                break
            index -= len(r)
        number = f"{prefix}{individual:03d}"
        k1 = _fnr.calc_check_digit1(number)
        if len(k1) != 1:
            continue
        k2 = _fnr.calc_check_digit2(number + k1)
        if len(k2) != 1:
            continue
        return number + k1 + k2



def validate_organisation_number(value: str) -> str:
    """Return ``value`` if it is a valid 9-digit organisation number, else raise.

    Any valid number is accepted, not only the sandbox's own 2/3-prefixed ones,
    so clients can reuse numbers they already have in their test data.
    """
    _require_digits(value, 9)
    if _mod11(value[:8], _ORG_WEIGHTS) != int(value[8]):
        raise InvalidIdentifier("check digit mismatch")
    return value


def is_valid_organisation_number(value: str) -> bool:
    try:
        validate_organisation_number(value)
    except InvalidIdentifier:
        return False
    return True


def generate_organisation_number(rng: random.Random) -> str:
    """A valid organisation number starting with 2 or 3.

    Real numbers start with 8 or 9, so sandbox ones can never be mistaken for
    (or collide with) a real organisation.
    """
    while True:
        base = rng.choice("23") + _random_digits(rng, 7)
        check = _mod11(base, _ORG_WEIGHTS)
        if check is not None:
            return f"{base}{check}"



def validate_account_number(value: str) -> str:
    """Return ``value`` if it is a valid 11-digit account number, else raise.

    Unlike stdnum.no.kontonr, 7-digit postgiro numbers and separators are
    not accepted: the API exchanges full 11-digit BBANs.
    """
    _require_digits(value, 11)
    if _mod11(value[:10], _ACCOUNT_WEIGHTS) != int(value[10]):
        raise InvalidIdentifier("check digit mismatch")
    return value


def is_valid_account_number(value: str) -> bool:
    try:
        validate_account_number(value)
    except InvalidIdentifier:
        return False
    return True


def generate_account_number(rng: random.Random, registration_number: str) -> str:
    """A valid account number at the bank with this 4-digit registration number.

    Sandbox banks use SYNTHETIC_REGISTRATION_RANGE, but any 4 digits are
    accepted. Account parts whose check digit would be 10 are redrawn.
    """
    if not (isinstance(registration_number, str) and len(registration_number) == 4
            and _DIGITS.fullmatch(registration_number)):
        raise ValueError("registration_number must be a string of 4 digits")
    while True:
        base = registration_number + _random_digits(rng, 6)
        check = _mod11(base, _ACCOUNT_WEIGHTS)
        if check is not None:
            return f"{base}{check}"



def is_valid_card_number(value: str) -> bool:
    """True for a 12-19 digit PAN with a valid Luhn check digit."""
    return (isinstance(value, str) and 12 <= len(value) <= 19
            and bool(_DIGITS.fullmatch(value)) and luhn.is_valid(value))


def generate_card_number(rng: random.Random, bin: str = SYNTHETIC_BIN) -> str:
    """A 16-digit, Luhn-valid PAN starting with ``bin`` (default: synthetic 999999)."""
    if not (isinstance(bin, str) and 1 <= len(bin) <= 15 and _DIGITS.fullmatch(bin)):
        raise ValueError("bin must be a string of 1-15 digits")
    body = bin + _random_digits(rng, 15 - len(bin))
    return body + luhn.calc_check_digit(body)


def mask_card_number(pan: str) -> str:
    """Mask a PAN as PCI DSS allows: first 6 and last 4 digits, the rest "X".

    Output has no spaces (e.g. ``999999XXXXXX0001``). The Luhn digit is not
    checked: masking must work for any PAN a client might send.
    """
    if not isinstance(pan, str) or not _DIGITS.fullmatch(pan) or not 12 <= len(pan) <= 19:
        raise InvalidIdentifier("card number must be 12-19 digits, no spaces or separators")
    return pan[:6] + "X" * (len(pan) - 10) + pan[-4:]



@lru_cache(maxsize=16_384)
def identifier_kind(value: str) -> str | None:
    """The DSOP identifier type of ``value``, or None if it is neither kind (cached: PartyID and CustomerID are
    checked on every call, and the same few subjects come back again and again).

    "nationalIdentityNumber" for a valid person/D-number, "countryIdentificationCode"
    for a valid organisation number (the names used in the API's customer queries).
    """
    if is_valid_person_number(value):
        return "nationalIdentityNumber"
    if is_valid_organisation_number(value):
        return "countryIdentificationCode"
    return None


def deterministic_uuid(rng: random.Random) -> str:
    """A version-4 formatted UUID whose 122 random bits come from ``rng``.

    The standard library's random UUIDs read os.urandom, which would make worlds unreproducible.
    """
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))
