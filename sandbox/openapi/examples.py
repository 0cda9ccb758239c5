"""Real examples for the OpenAPI documents, taken from the app's own world, rules and service profiles.

The example case is a Skatt-Kontroll case (all five bank endpoints and Owners, no subject precondition): every
2xx example is what the service answers to the example request for one persona of the loaded world, through
the same service-profile grant the views apply (only the transaction list is cut to a few items). Error
examples come from the same parsers, rules and token check that raise them, or carry a fixed message where
the situation needs a fault or a token (403, 429, 500). Identifiers are the world's own (valid check digits),
or a synthetic one that nobody in the world has. Built once per app, deterministically, without HTTP (so the
request log and injected faults never see it).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import quote

from sandbox import ids
from sandbox.bank import errors as bank_errors
from sandbox.bank.params import parse_common
from sandbox.maskinporten.errors import AuthenticationFailed
from sandbox.maskinporten.tokens import SCOPE_BANK
from sandbox.profiles import BY_SERVICE, ProfileError, service_profiles
from sandbox.world import Period

SERVICE = "skatt"
ACCOUNT_INFO_REQUEST_ID = "d4a820ca-ddde-41ed-b5ea-0242ac120002"
CORRELATION_ID = "14fbc062-aacb-4449-93c1-85c352d387a4"
REQUESTER_ID = "caseworker-7f3a"
METHOD_MESSAGE = "method POST is not allowed: the DSOP APIs only answer GET"
INTERNAL_MESSAGE = "internal error in the sandbox (logged)"
NO_TOKEN = "missing Authorization header: send 'Authorization: Bearer <access token>'"


def encoded(text: str) -> str:
    """A Legal-Mandate as consumers send it: JavaScript encodeURIComponent of the UTF-8 text."""
    return quote(text, safe="-_.!~*'()")


@dataclass
class Examples:
    """Parameter examples by name (with per-operation overrides); response examples by key and by status."""

    bank_org: str | None = None
    params: dict[str, object] = field(default_factory=dict)
    op_params: dict[str, dict[str, object]] = field(default_factory=dict)
    responses: dict[str, dict[str, dict]] = field(default_factory=dict)
    errors: dict[int, dict[str, dict]] = field(default_factory=dict)


def example(summary: str, value) -> dict:
    return {"summary": summary, "value": value}


def raised(call, error_type):
    try:
        call()
    except error_type as exc:
        return exc
    return None


def ten_years_back(today: date) -> date:
    """The first day Skatt-Kontroll's window allows, plus one (as far back as the example case asks)."""
    try:
        start = today.replace(year=today.year - 10)
    except ValueError:  # 29 February
        start = today.replace(year=today.year - 10, day=28)
    return start + timedelta(days=1)


def nobody(world) -> str:
    """A valid synthetic person number that nobody in the world has."""
    rng = random.Random("openapi example: nobody")
    while (number := ids.generate_person_number(rng, date(1980, 5, 17))) in world.party_by_identifier:
        pass
    return number


def unknown_account(world) -> str:
    """A valid account number that no bank of the world services."""
    registration = next(iter(world.banks.values())).registration_numbers[0] if world.banks else "9950"
    rng = random.Random("openapi example: unknown account")
    while (number := ids.generate_account_number(rng, registration)) in world.account_by_number:
        pass
    return number


def no_token_message(services, audience: str, scope: str) -> str:
    """What the token check says to a call without Authorization (the same check every API runs)."""
    issuer = services.maskinporten
    exc = raised(lambda: issuer.check(None, audience, scope), AuthenticationFailed) if issuer else None
    return exc.message if exc is not None else NO_TOKEN


def showcase(world):
    """(account, ownership, party): the open account that shows the most (cards, several parties, activity),
    primary-owned today by a named, unshielded person. Ties go to scenario order."""
    best = None
    for account in world.built_accounts():
        if account.data_not_delivered or not account.is_open_on(world.today):
            continue
        owner = world.primary_owner_on(account, world.today)
        if owner is None:
            continue
        party = world.parties[owner.party_id]
        if party.shielded:
            continue
        score = (not account.generated, not party.generated, party.kind == "person", bool(account.cards),
                 len(account.owners) + len(account.roles) > 1, account.activity is not None,
                 account.type == "salaryAccount")
        if best is None or score > best[0]:
            best = (score, account, owner, party)
    return None if best is None else best[1:]


def _pick_transactions(items: list[dict], count: int = 3) -> list[dict]:
    """A few transactions that show the variety: with a card, with a counterparty, pending; then the first."""
    chosen: list[int] = []
    for test in (lambda t: "paymentCard" in t, lambda t: "counterParties" in t, lambda t: t["status"] == "pending"):
        index = next((i for i, t in enumerate(items) if test(t) and i not in chosen), None)
        if index is not None:
            chosen.append(index)
    chosen += [i for i in range(len(items)) if i not in chosen][:max(0, count - len(chosen))]
    return [items[i] for i in sorted(chosen[:count])]


class _Case:
    """The example case's service grant, as the bank views obtain it (None when the world cannot grant it)."""

    def __init__(self, services, window: Period):
        self.profile = BY_SERVICE[SERVICE]
        self.profiles = service_profiles(services.world, services.settings.nav_v1)
        self.window = window

    def grant(self, endpoint: str, **facts):
        try:
            return self.profiles.authorize(
                None, endpoint, mandate=self.profile.canonical, window=self.window, requester_id=REQUESTER_ID,
                **facts)
        except ProfileError:
            return None


def bank_examples(services) -> Examples:
    world, rules = services.world, services.bank
    out = Examples()
    out.params.update({"AccountInfoRequestID": ACCOUNT_INFO_REQUEST_ID, "CorrelationID": CORRELATION_ID,
                       "Legal-Mandate": encoded(BY_SERVICE[SERVICE].canonical), "RequesterID": REQUESTER_ID,
                       "OnlyPrimaryOwner": False})
    _bank_errors(out, services)
    picked = showcase(world)
    if picked is None:
        return out
    account, owner, party = picked
    bank = world.banks[account.bank_id]
    first = world.today.replace(day=1)
    window = Period(max((first - timedelta(days=1)).replace(day=1), owner.period.start), world.today)
    case = _Case(services, window)
    period = {"fromDate": window.start.isoformat(), "toDate": window.end.isoformat()}
    where = f"{party.name} at {bank.name}, {period['fromDate']}…{period['toDate']}"
    query = {**period, "OnlyPrimaryOwner": "false"}
    accounts = rules.list_accounts(bank, party.identifier, window, False, None, "/accounts", query,
                                   grant=case.grant("accounts", party_identifier=party.identifier, only_primary=False))
    ref = next(a["accountReference"] for a in accounts["accounts"] if a["accountIdentifier"] == account.number)
    out.bank_org = bank.org_number
    out.params.update({"PartyID": party.identifier, **period, "accountReference": ref, "accountID": account.number})
    stranger = nobody(world)
    empty = rules.list_accounts(bank, stranger, window, False, None, "/accounts", query,
                                grant=case.grant("accounts", party_identifier=stranger, only_primary=False))
    page = rules.transactions(bank, ref, window, None, f"/accounts/{ref}/transactions", period,
                              case.grant("transactions"))
    total = len(page["transactions"])
    page["transactions"] = _pick_transactions(page["transactions"])
    out.responses = {
        "accounts": {"persona": example(f"The accounts of {where}", accounts),
                     "noCustomer": example("A valid person number the bank does not know", empty)},
        "details": {"persona": example(f"An account of {where}",
                                       rules.account_details(bank, ref, window, case.grant("details")))},
        "transactions": {"persona": example(
            f"Transactions of {where} ({len(page['transactions'])} of the {total} on this page shown)", page)},
        "cards": {"persona": example(f"Cards of {where}", rules.cards(bank, ref, window, case.grant("cards")))},
        "roles": {"persona": example(f"Role holders of {where}", rules.roles(bank, ref, window, case.grant("roles")))},
        "owners": {"persona": example(f"Owners of {account.number} at {bank.name}, {period['fromDate']}…"
                                      f"{period['toDate']}",
                                      rules.owners(bank, account.number, window, case.grant("owners")))},
    }
    not_found = out.errors[404]
    exc = raised(lambda: rules.account_details(bank, "unknown-reference", window), bank_errors.BankError)
    if exc is not None:
        not_found[exc.code] = example("An accountReference this bank never issued", exc.body())
    if account.opened > date(1900, 2, 1):
        before = Period(account.opened - timedelta(days=31), account.opened - timedelta(days=1))
        exc = raised(lambda: rules.account_details(bank, ref, before), bank_errors.BankError)
        if exc is not None:
            not_found[exc.code] = example("A reference asked for a period before the party's relation", exc.body())
    return out


def _bank_errors(out: Examples, services) -> None:
    today, public = services.world.today, services.settings.public_url.rstrip("/")
    headers = {"accountinforequestid": ACCOUNT_INFO_REQUEST_ID, "correlationid": CORRELATION_ID,
               "legal-mandate": encoded(BY_SERVICE[SERVICE].canonical)}
    reversed_period = {"fromDate": today.isoformat(), "toDate": (today - timedelta(days=1)).isoformat()}
    bad = {}
    for key, summary, call in (
            ("missingHeader", "A mandatory header is missing", lambda: parse_common({}, {}, today)),
            ("reversedPeriod", "toDate before fromDate", lambda: parse_common(headers, reversed_period, today))):
        exc = raised(call, bank_errors.BankError)
        if exc is not None:
            bad[key] = example(summary, exc.body())
    profiles = service_profiles(services.world, services.settings.nav_v1)
    unknown = raised(lambda: profiles.identify(None, "Straffeprosessloven § 999"), ProfileError)
    fixed = {
        401: (bank_errors.Unauthorized, "No access token",
              no_token_message(services, f"{public}/banks/000000000/v2", SCOPE_BANK)),
        403: (bank_errors.Forbidden, "A Legal-Mandate of no DSOP service",
              unknown.message if unknown is not None else f"access token lacks scope {SCOPE_BANK}"),
        405: (bank_errors.MethodNotAllowed, "Only GET", METHOD_MESSAGE),
        406: (bank_errors.NotAcceptable, "Unsupported Accept",
              "Accept 'text/html' is not supported: send application/jose or application/json"),
        429: (bank_errors.TooManyRequests, "An injected rate limit", "too many requests: slow down and retry"),
        500: (bank_errors.BackendFailure, "An injected back-end failure", INTERNAL_MESSAGE),
    }
    out.errors = {400: bad, 404: {}}
    for status, (cls, summary, message) in fixed.items():
        exc = cls(message)
        out.errors[status] = {exc.code: example(summary, exc.body())}
