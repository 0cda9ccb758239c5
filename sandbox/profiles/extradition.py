"""Politi-Utlevering extradition orders ("utleveringspålegg", spec/services.md §2.2.1–2.2.2): mint and verify.

An order is a compact JWS (`PS256`, `typ: JWT`, `kid`) carried in `AdditionalReferenceID` with
`AdditionalReferenceIDType: pol1`. The sandbox signs orders with the published police test key
(sandbox/keys/politi-extradition-orders.pem) and publishes its public half as a JWKS at
`GET /sandbox/v1/politi/jwks`; `POST /sandbox/v1/politi/orders` mints one (sandbox/admin/politi.py).

What differs from a real bank, on purpose:
- **No certificate chain.** A real bank fetches politiet.no's `finans-jwks.json`, validates the `x5c` chain up to
  the pre-installed Buypass root and checks the certificate subject (`OU=Påtalemyndigheten`,
  `CN=Godkjenning av utleveringspålegg TEST`). Buypass-issued certificates cannot be reproduced, so the
  sandbox checks the signature against its own published JWKS (key chosen by `kid`) instead.
- **Sandbox clock.** "Today lies between approvalTimestamp and exp" is judged at the sandbox's "now" (noon UTC on
  the world's today, as for body timestamps), not the wall clock: an order minted for a fixed-date scenario stays
  valid for as long as the scenario does, and tests are reproducible.
- **Deterministic payloads.** Given all inputs, minting gives the same payload (`extraditionOrderID` and the
  default `caseID` are derived from the inputs, `approvalTimestamp` from the sandbox date). The PS256 signature
  itself is randomised by design (PSS salt, RFC 7518 §3.5), so two mints differ only in the signature bytes.
- `caseID` is checked for format only; it is not tied to AccountInfoRequestID (spec Q15).

Refusals map to 403 `ACC-011` (signature, content, party, mandate, period, onlyPrimaryOwner, endpoint flag);
a value that is not a compact JWS at all is a malformed header: 400 `ACC-001`.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey
from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load

from sandbox import ids, json_input, jwt_segments
from sandbox.keys import load_rsa_key, public_jwk, shipped
from sandbox.profiles.catalog import POLITI_CRIMINAL, POLITI_MISSING_PERSON
from sandbox.profiles.errors import MalformedOrder, OrderRefused
from sandbox.scenario.dates import add_months
from sandbox.world.period import Period

ALGORITHM = "PS256"
VERSION = "1.0.0"
CRIMINAL, MISSING_PERSON = POLITI_CRIMINAL, POLITI_MISSING_PERSON
MANDATES = (CRIMINAL, MISSING_PERSON)
MANDATE_CHOICES = {"criminal": CRIMINAL, "missing": MISSING_PERSON}
REASONS = {
    CRIMINAL: "Opplysningene antas å ha betydning som bevis i straffesak der noen med skjellig grunn kan mistenkes "
              "for en straffbar handling.",
    MISSING_PERSON: "Opplysningene antas å ha betydning i en sak hvor noen er meldt savnet, og det er grunn til å "
                    "frykte at noe har tilstøtt den savnede.",
}
ENDPOINT_FLAGS = ("accountDetails", "transactions", "cards", "roles")
#: The order's permission flag per bank endpoint. Owners (v2.1) has no flag of its own: it lists who held an
#: account, the same kind of information as Roles, so the `roles` flag governs it.
FLAG_OF_ENDPOINT = {"accounts": "accountList", "details": "accountDetails", "transactions": "transactions",
                    "cards": "cards", "roles": "roles", "owners": "roles"}
MAX_VALIDITY = timedelta(days=90)
DEFAULT_VALIDITY = timedelta(days=30)
HISTORY_YEARS = 10
DEFAULT_DISTRICT = ("56", "Økokrim")
DEFAULT_APPROVER = ("PA-56-0001", "PIA PÅTALESEN", "Politiadvokat")

_TIMESTAMP, _UUID = json_input.TIMESTAMP, json_input.UUID
_COMPACT = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")


def sandbox_now(today: date) -> datetime:
    """The sandbox clock's "now": noon UTC on the world's today (as sandbox.dsop.wire.sandbox_now)."""
    return datetime.combine(today, time(12, 0), UTC)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---- the order ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ExtraditionOrder:
    """A verified order's content (spec/services.md §2.2.1)."""

    order_id: str
    party_id: str
    mandate: str
    reason: str
    period: Period
    only_primary_owner: bool
    flags: tuple[tuple[str, bool], ...]  # accountList, accountDetails, transactions, cards, roles
    district: tuple[str, str]
    approved_by: tuple[str, str, str]
    approved_at: datetime
    case_id: str
    exp: int
    claims: dict = field(default_factory=dict, repr=False, compare=False)

    def allows(self, endpoint: str) -> bool:
        return dict(self.flags).get(FLAG_OF_ENDPOINT[endpoint], False)

    def covers(self, *, party_identifier: str | None = None, mandate: str | None = None,
               window: Period | None = None, only_primary: bool | None = None, endpoint: str | None = None) -> None:
        """§2.2.2 step 3, request against order: raise OrderRefused naming the first mismatch."""
        if endpoint is not None and not self.allows(endpoint):
            flag = FLAG_OF_ENDPOINT[endpoint]
            raise OrderRefused(f"the extradition order does not permit {endpoint} (its {flag} flag is false)",
                               "AdditionalReferenceID")
        if mandate is not None and mandate != self.mandate:
            raise OrderRefused(f"Legal-Mandate {mandate!r} is not the extradition order's mandate {self.mandate!r}",
                               "Legal-Mandate")
        if party_identifier is not None and party_identifier != self.party_id:
            raise OrderRefused("the extradition order is for another party (partyID differs from the request's party)",
                               "PartyID")
        if window is not None and not (self.period.start <= window.start and window.end <= self.period.end):
            raise OrderRefused(f"period {window.start}..{window.end} is not inside the extradition order's period "
                               f"{self.period.start}..{self.period.end}", "fromDate")
        if only_primary is False and self.only_primary_owner:
            raise OrderRefused("the extradition order allows only OnlyPrimaryOwner=true", "OnlyPrimaryOwner")


# ---- minting -----------------------------------------------------------------------------------------------
class OrderInputError(ValueError):
    """A minting input is missing or malformed (admin endpoint → 400)."""

    def __init__(self, field_name: str, message: str):
        self.field = field_name
        super().__init__(message)


def order_claims(today: date, *, party_id: str, mandate: str, from_date: date, to_date: date,
                 only_primary_owner: bool = False, account_list: bool = True, account_details: bool = True,
                 transactions: bool = True, cards: bool = True, roles: bool = True, case_id: str | None = None,
                 approved_at: datetime | None = None, exp: int | None = None,
                 district: tuple[str, str] = DEFAULT_DISTRICT,
                 approver: tuple[str, str, str] = DEFAULT_APPROVER) -> dict:
    """The payload of an order: every field of §2.2.1, deterministic in its inputs.

    `mandate` is one of MANDATES or a key of MANDATE_CHOICES; the reason follows the mandate. Defaults: approval
    at the sandbox's now, expiry 30 days later, a case id derived from the party and mandate. Nothing is checked
    beyond types, so refused orders (expired, too old, other flags) can be minted for negative tests.
    """
    mandate = MANDATE_CHOICES.get(mandate, mandate)
    if mandate not in MANDATES:
        raise OrderInputError("mandate", "mandate must be 'criminal', 'missing' or one of the two Straffeprosessloven "
                                         "§210 (3) texts")
    approved_at = approved_at or sandbox_now(today)
    if exp is None:
        exp = int((approved_at + DEFAULT_VALIDITY).timestamp())
    case_id = case_id or ids.deterministic_uuid(random.Random(f"politi-case:{party_id}:{mandate}"))
    claims = {
        "version": VERSION,
        "partyID": party_id,
        "mandate": mandate,
        "reason": REASONS[mandate],
        "fromDate": from_date.isoformat(),
        "toDate": to_date.isoformat(),
        "onlyPrimaryOwner": bool(only_primary_owner),
        "accountList": bool(account_list),
        "accountDetails": bool(account_details),
        "transactions": bool(transactions),
        "cards": bool(cards),
        "roles": bool(roles),
        "district": {"districtID": district[0], "districtLabel": district[1]},
        "approval": {"approvedByID": approver[0], "approvedByName": approver[1], "approvedByRole": approver[2],
                     "approvalTimestamp": _stamp(approved_at)},
        "caseID": case_id,
        "exp": int(exp),
    }
    seed = json.dumps(claims, sort_keys=True, ensure_ascii=False)
    return {"extraditionOrderID": ids.deterministic_uuid(random.Random(f"extradition-order:{seed}")), **claims}


class _NumericDate(json_input.Checked):
    """`exp`: a NumericDate (whole seconds, not a boolean) or YYYY-MM-DDThh:mm:ssZ."""

    def parse(self, value):
        if isinstance(value, str) and json_input.TIMESTAMP.match(value):
            moment = json_input.parse_timestamp(value)
            return int(moment.timestamp()) if moment is not None else None
        return value if isinstance(value, int) and not isinstance(value, bool) else None


class _PartyID(json_input.Checked):
    def parse(self, value):
        return value if isinstance(value, str) and ids.identifier_kind(value) is not None else None


def _flag(name: str, default: bool) -> json_input.Boolean:
    return json_input.Boolean(f"{name} must be true or false", data_key=name, load_default=default)


class OrderInput(Schema):
    """The admin endpoint's / CLI's JSON input of an order (fields: sandbox/admin/politi.py). Unknown keys are
    ignored. `mandate` is only typed here: which texts are accepted is order_claims' rule (checked last)."""

    class Meta:
        unknown = EXCLUDE

    party_id = _PartyID("partyID must be an 11-digit person/D-number or a 9-digit organisation number",
                        data_key="partyID", required=True)
    mandate = json_input.Text("mandate must be a string", load_default="criminal")
    from_date = json_input.IsoDate("fromDate must be a date YYYY-MM-DD", data_key="fromDate", required=True)
    to_date = json_input.IsoDate("toDate must be a date YYYY-MM-DD", data_key="toDate", required=True)
    only_primary_owner = _flag("onlyPrimaryOwner", False)
    account_list = _flag("accountList", True)
    account_details = _flag("accountDetails", True)
    transactions = _flag("transactions", True)
    cards = _flag("cards", True)
    roles = _flag("roles", True)
    approved_at = json_input.Timestamp("approvalTimestamp must be YYYY-MM-DDThh:mm:ssZ", data_key="approvalTimestamp",
                                       calendar="approvalTimestamp is not a calendar date-time", load_default=None)
    exp = _NumericDate("exp must be a NumericDate (seconds since 1970) or YYYY-MM-DDThh:mm:ssZ", load_default=None)
    case_id = json_input.Uuid("caseID must be a UUID", data_key="caseID", load_default=None)
    district_id = fields.Raw(data_key="districtID", load_default=DEFAULT_DISTRICT[0], allow_none=True)
    district_label = fields.Raw(data_key="districtLabel", load_default=DEFAULT_DISTRICT[1], allow_none=True)

    @post_load
    def _district(self, data: dict, **kwargs) -> dict:
        data["district"] = (str(data.pop("district_id")), str(data.pop("district_label")))  # any JSON value, as text
        return data


ORDER_INPUT = OrderInput()


def claims_from_json(body, today: date) -> dict:
    """The admin endpoint's / CLI's JSON input → order claims; the first problem → OrderInputError(field)."""
    try:
        inputs = ORDER_INPUT.load(body)
    except ValidationError as exc:
        name, message = json_input.first_error(exc, ORDER_INPUT, whole="body")
        raise OrderInputError(name, "send a JSON object" if name == "body" else message) from None
    return order_claims(today, **inputs)


# ---- the police key: sign and verify ------------------------------------------------------------------------
class PoliceKey:
    """The prosecuting authority's signing key: signs orders (sandbox side) and verifies them (bank side)."""

    def __init__(self, key: RSAKey):
        self.key = key
        self.keyset = KeySet([key])

    def jwks(self) -> dict:
        return {"keys": [public_jwk(self.key, use="sig", alg=ALGORITHM)]}

    def sign(self, claims: dict) -> str:
        header = {"alg": ALGORITHM, "typ": "JWT", "kid": self.key.kid}
        return jwt.encode(header, claims, self.key, algorithms=[ALGORITHM])

    def mint(self, today: date, **inputs) -> str:
        return self.sign(order_claims(today, **inputs))

    def verify(self, token: str, today: date) -> ExtraditionOrder:
        """§2.2.2 steps 1–2: signature against our JWKS, then the content checks."""
        if not isinstance(token, str) or not _COMPACT.match(token.strip()) or _header(token.strip()) is None:
            raise MalformedOrder("AdditionalReferenceID (pol1) must be the extradition order as a compact JWS "
                                 "(header.payload.signature, with a JSON header)", "AdditionalReferenceID")
        try:
            decoded = jwt.decode(token.strip(), self.keyset, algorithms=[ALGORITHM])
        except JoseError as exc:
            raise OrderRefused("the extradition order's signature does not verify against the police JWKS "
                               f"(/sandbox/v1/politi/jwks): {exc.error}", "AdditionalReferenceID") from None
        except (ValueError, TypeError, KeyError, IndexError):
            raise MalformedOrder("AdditionalReferenceID (pol1) is not a decodable JWS", "AdditionalReferenceID") from None
        if decoded.header.get("typ") != "JWT" or decoded.header.get("kid") != self.key.kid:
            raise OrderRefused("the extradition order's header must carry typ JWT and the kid of the police key",
                               "AdditionalReferenceID")
        return _content(dict(decoded.claims), today)


def _header(token: str) -> dict | None:
    """The JWS header as a dict with an `alg`, or None when the first segment is not base64url JSON."""
    header = jwt_segments.header(token)
    return header if header is not None and "alg" in header else None


def order_id_of(token: str) -> str | None:
    """The `extraditionOrderID` of a compact JWS's payload, read WITHOUT verifying anything: for the request log
    (sandbox/audit/row.py), which records which order a call named, refused or not. None unless the value is a
    compact JWS with a JSON header and payload whose `extraditionOrderID` is a UUID (so a log never keeps free text
    from it). Never use it to decide anything: `PoliceKey.verify` is the check."""
    if not isinstance(token, str) or len(token) > 64 * 1024 or not _COMPACT.match(token) or _header(token) is None:
        return None
    claims = jwt_segments.payload(token)
    order_id = claims.get("extraditionOrderID") if claims is not None else None
    return order_id if isinstance(order_id, str) and _UUID.match(order_id) else None


def _refuse(message: str) -> OrderRefused:
    return OrderRefused(f"invalid extradition order: {message}", "AdditionalReferenceID")


def _content(claims: dict, today: date) -> ExtraditionOrder:
    """§2.2.1 (every field mandatory, right types) and §2.2.2 step 2 (recommended content checks)."""
    def text(name, source=claims):
        value = source.get(name) if isinstance(source, dict) else None
        if not isinstance(value, str) or not value:
            raise _refuse(f"{name} is missing or not a string")
        return value

    def flag(name):
        if not isinstance(claims.get(name), bool):
            raise _refuse(f"{name} is missing or not a boolean")
        return claims[name]

    if text("version") != VERSION:
        raise _refuse(f"version must be {VERSION}")
    order_id, case_id = text("extraditionOrderID"), text("caseID")
    for name, value in (("extraditionOrderID", order_id), ("caseID", case_id)):
        if not _UUID.match(value):
            raise _refuse(f"{name} must be a UUID")
    party = text("partyID")
    if ids.identifier_kind(party) is None:
        raise _refuse("partyID is not a valid person/D-number or organisation number")
    mandate, reason = text("mandate"), text("reason")
    if mandate not in MANDATES:
        raise _refuse("mandate is not one of the two Straffeprosessloven §210 (3) texts")
    if reason != REASONS[mandate]:
        raise _refuse("reason does not match the mandate")
    try:
        start, end = date.fromisoformat(text("fromDate")), date.fromisoformat(text("toDate"))
    except ValueError:
        raise _refuse("fromDate/toDate must be dates YYYY-MM-DD") from None
    if start > end:
        raise _refuse("fromDate is after toDate")
    if start < add_months(today, -12 * HISTORY_YEARS):
        raise _refuse(f"fromDate {start} is more than {HISTORY_YEARS} years before today")
    flags = tuple((name, flag(name)) for name in ("accountList", *ENDPOINT_FLAGS))
    if not dict(flags)["accountList"]:
        raise _refuse("accountList must be true")
    only_primary = flag("onlyPrimaryOwner")
    district, approval = claims.get("district"), claims.get("approval")
    district_ids = (text("districtID", district), text("districtLabel", district))
    approver = tuple(text(n, approval) for n in ("approvedByID", "approvedByName", "approvedByRole"))
    stamp = text("approvalTimestamp", approval)
    approved_at = json_input.parse_timestamp(stamp) if _TIMESTAMP.match(stamp) else None
    if approved_at is None:
        raise _refuse("approval.approvalTimestamp must be YYYY-MM-DDThh:mm:ssZ")
    exp = claims.get("exp")
    if isinstance(exp, bool) or not isinstance(exp, int):
        raise _refuse("exp must be a NumericDate")
    expires = datetime.fromtimestamp(exp, UTC)
    if expires - approved_at > MAX_VALIDITY:
        raise _refuse("exp is more than 90 days after approval.approvalTimestamp")
    now = sandbox_now(today)
    if now < approved_at:
        raise _refuse(f"approved {stamp}, after the sandbox's now {_stamp(now)}")
    if now > expires:
        raise _refuse(f"expired at {_stamp(expires)} (the sandbox's now is {_stamp(now)})")
    return ExtraditionOrder(order_id, party, mandate, reason, Period(start, end), only_primary, flags, district_ids,
                            approver, approved_at, case_id, exp, claims)


@lru_cache(maxsize=8)
def police_key(path: str | None = None) -> PoliceKey:
    """The police key: the shipped test key unless a path is given."""
    return PoliceKey(load_rsa_key(path or shipped("politi-extradition-orders")))
