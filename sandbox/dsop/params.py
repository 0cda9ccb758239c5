"""Parsing of the standard's request parameters, shared by the register and the banks (plain Python).

Every failure raises ParamError naming the field and what was expected; each service maps it to its own
wire error once (bank: 400 ACC-001; register: 400 ERR-002/ERR-003/ERR-006). Header lookups take a mapping
whose keys are lower-cased, because HTTP header names are case-insensitive (DESIGN D10).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import lru_cache
from urllib.parse import unquote

from sandbox import ids
from sandbox.world.period import Period

# What the parsers accept, as constants the request schemas (and so the OpenAPI documents) are built from: one
# source per parameter (issue 14). Patterns are written so Python's `re` and ECMA-262 (JSON Schema) read them alike.
UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
#: A party: an 11-digit person or D-number, or a 9-digit organisation number (check digits checked besides).
PARTY_ID_PATTERN = r"^([0-9]{9}|[0-9]{11})$"
#: Legal-Mandate as it travels: percent-encoded (encodeURIComponent), so printable ASCII only (R-69).
LEGAL_MANDATE_PATTERN = r"^[\x20-\x7E]+$"
#: The values of a boolean query parameter, compared in any letter case (D9).
BOOLEAN_VALUES = ("true", "false")
MAX_HEADER = 4096
_UUID = re.compile(UUID_PATTERN)
_DATE = re.compile(DATE_PATTERN)
_MANDATE = re.compile(LEGAL_MANDATE_PATTERN)


class ParamError(ValueError):
    """A parameter is missing or malformed. `kind` is "missing", "invalid" or "period"."""

    def __init__(self, field: str, message: str, kind: str = "invalid"):
        self.field, self.kind = field, kind
        super().__init__(message)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _printable(value: str) -> bool:
    return _CONTROL.search(value) is None


def header(headers, name: str, *, required: bool = True) -> str | None:
    value = headers.get(name.lower())
    if value is None or value.strip() == "":
        if required:
            raise ParamError(name, f"header {name} is required", "missing")
        return None
    if len(value) > MAX_HEADER:
        raise ParamError(name, f"header {name} is longer than {MAX_HEADER} characters")
    if not _printable(value):
        raise ParamError(name, f"header {name} contains control characters")
    return value.strip()


def uuid_header(headers, name: str) -> str:
    value = header(headers, name)
    if not _UUID.fullmatch(value):
        raise ParamError(name, f"header {name} must be a UUID (e.g. 3f2b8c1e-0000-4000-8000-000000000001)")
    return value  # echoed exactly (D10: values are exact)


def is_uuid(value: str) -> bool:
    """What uuid_header accepts once `header` has stripped the value (a UUID has no control characters)."""
    return _UUID.fullmatch(value) is not None


def legal_mandate(headers, name: str = "Legal-Mandate") -> str:
    """The legal basis as compared: percent-decoded as UTF-8 (R-69; `+` is not a space), in canonical form.

    Normalised here, once, where the header is read: equivalent encodings of one mandate (`%C2%A7` or `%c2%a7`,
    composed or decomposed letters, extra spaces) give the same string, so everything downstream (the service
    profile's grant cache, extradition orders) sees one value."""
    return _decoded_mandate(header(headers, name), name)


def canonical_mandate(text: str) -> str:
    """A decoded mandate's canonical form: Unicode NFC, runs of whitespace as one space, trimmed (protocol.md §3.4)."""
    return " ".join(unicodedata.normalize("NFC", text).split())


@lru_cache(maxsize=1024)
def _decoded_mandate(raw: str, name: str) -> str:
    """Cached: a client sends the same few mandates on every call (failures raise, and are not cached)."""
    if not _MANDATE.fullmatch(raw):
        # R-69, protocol.md §3.4: the mandate travels percent-encoded (encodeURIComponent), i.e. as ASCII. Raw
        # non-ASCII bytes have no charset in HTTP (RFC 9110 §5.5: obs-text): the server hands them over as latin-1,
        # so raw UTF-8 and raw latin-1 text would otherwise be told apart by accident. D4: not decodable → 400.
        if raw.isascii():  # ASCII but not printable: header() refuses control characters before this
            raise ParamError(name, f"header {name} contains control characters")
        first = ord(next(c for c in raw if not c.isascii()))
        found = f"the raw byte 0x{first:02X}" if first < 256 else f"the raw character U+{first:04X}"
        raise ParamError(name, f"header {name} must be percent-encoded UTF-8 (as encodeURIComponent writes it, "
                               f"e.g. § as %C2%A7): it contains {found}")
    try:
        text = unquote(raw, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise ParamError(name, f"header {name} is not percent-encoded UTF-8") from None
    if not _printable(text):
        raise ParamError(name, f"header {name} decodes to control characters")
    return canonical_mandate(text)


def party_identifier(value: str | None, name: str) -> str:
    """An 11-digit person/D-number or a 9-digit organisation number, with valid check digits."""
    if value is None:
        raise ParamError(name, f"{name} is required", "missing")
    kind = ids.identifier_kind(value)
    if kind is None:
        if value.isdigit() and len(value) in (9, 11):
            raise ParamError(name, f"{name} has an invalid check digit (MOD11)")
        raise ParamError(name, f"{name} must be an 11-digit national identity number or a 9-digit organisation number")
    return value


def parse_date(value: str, name: str) -> date:
    if not _DATE.fullmatch(value):
        raise ParamError(name, f"{name} must be a date YYYY-MM-DD", "period")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ParamError(name, f"{name} ({value}) is not a calendar date", "period") from None


def period(args, today: date, *, lenient: bool = False) -> Period:
    """fromDate/toDate, both inclusive (R-08). Mandatory unless lenient (D8), never reversed, never future."""
    return _period(args.get("fromDate"), args.get("toDate"), today, lenient)


@lru_cache(maxsize=4096)
def _period(from_date: str | None, to_date: str | None, today: date, lenient: bool) -> Period:
    """Cached per (fromDate, toDate, today, lenient): the same windows come back on every call of a case."""
    raw = {}
    for name, value in (("fromDate", from_date), ("toDate", to_date)):
        if value is None or value == "":
            if not lenient:
                raise ParamError(name, f"query parameter {name} is required (YYYY-MM-DD)", "period")
            value = today.isoformat()
        raw[name] = parse_date(value, name)
    start, end = raw["fromDate"], raw["toDate"]
    if start > end:
        raise ParamError("fromDate", f"toDate ({end}) is earlier than fromDate ({start})", "period")
    if end > today:
        raise ParamError("toDate", f"toDate ({end}) is after the sandbox's today ({today})", "period")
    return Period(start, end)


def boolean(value: str | None, name: str, *, default: bool | None = None) -> bool:
    """`true`/`false` in any letter case (D9, Q-31). Absent → the default (required without one); present but
    empty is a wrong value, not an absent one."""
    if value is None:
        if default is None:
            raise ParamError(name, f"query parameter {name} is required (true or false)", "missing")
        return default
    lowered = value.strip().lower()
    if lowered not in BOOLEAN_VALUES:
        got = "an empty value" if lowered == "" else f"{value[:40]!r}"
        raise ParamError(name, f"{name} must be true or false (got {got})")
    return lowered == "true"


def single(args, names, *, kind: str = "invalid", any_case: bool = False) -> None:
    """Each query parameter in `names` at most once (`any_case`: counting every letter case of the name as the
    same parameter). Two values of one parameter are ambiguous: the first is not silently taken."""
    wanted = {n.lower() if any_case else n: n for n in names}
    seen: dict[str, int] = {}
    for key, _ in args.items(multi=True) if hasattr(args, "getlist") else args.items():
        key = key.lower() if any_case else key
        if key in wanted:
            seen[key] = seen.get(key, 0) + 1
            if seen[key] == 2:
                name = wanted[key]
                raise ParamError(name, f"query parameter {name} is given more than once: send it once", kind)
