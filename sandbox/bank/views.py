"""HTTP face of the fake banks: `/banks/{orgnr}/v2/...` (DESIGN D2). Thin: parse, call one rule, serialise."""

from __future__ import annotations

from functools import lru_cache

from flask import Blueprint, Response, current_app, g, request

from sandbox.dsop.wire import body_bytes
from sandbox.maskinporten.errors import AccessDenied, AuthenticationFailed
from sandbox.maskinporten.jwe import encrypt_for
from sandbox.maskinporten.tokens import ANONYMOUS, SCOPE_BANK
from sandbox.profiles import ProfileError, service_profiles
from sandbox.web import json_response, query_args, request_headers

from .errors import BankError, Forbidden, NotAcceptable, Unauthorized, UnknownAccount, for_profile
from .params import parse_account_number, parse_accounts, parse_common
from .service import authorized_accounts

bp = Blueprint("bank", __name__, url_prefix="/banks/<orgnr>/v2")


def _services():
    return current_app.extensions["dsop"]


def _bank(orgnr: str):
    bank = _services().world.bank_by_org.get(orgnr)
    if bank is None:
        raise UnknownAccount(f"no bank with organisation number {orgnr[:20]} in this sandbox (see the directory)")
    return bank


def _negotiate() -> bool:
    """D7: True for `application/jose` (encrypt), False for JSON (application/json, */* or no Accept);
    anything else → 406 ACC-013."""
    return _encrypts(request.environ.get("HTTP_ACCEPT", "").strip())


@lru_cache(maxsize=256)
def _encrypts(accept: str) -> bool:
    """_negotiate's answer for one Accept value (cached: clients send the same one every time)."""
    if not accept:
        return False
    kinds = _acceptable(accept)
    if "application/jose" in kinds:
        return True
    if kinds & {"application/json", "*/*", "application/*"}:
        return False
    raise NotAcceptable(f"Accept {accept[:100]!r} is not supported: send application/jose or application/json")


def _acceptable(accept: str) -> set[str]:
    """Media ranges of an Accept header, without those refused by `q=0` (RFC 9110 §12.4.2)."""
    out = set()
    for part in accept.split(","):
        kind, *params = [p.strip() for p in part.split(";")]
        refused = False
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    refused = float(value) <= 0
                except ValueError:
                    refused = False
        if not refused:
            out.add(kind.lower())
    return out


def _authenticate(services, bank):
    """D11/D12: the token must be ours, for this bank (`aud`), with scope bits:kontoinformasjon."""
    if not services.settings.auth:
        return ANONYMOUS
    issuer = services.maskinporten
    return issuer.check(request.headers.get("Authorization"), issuer.bank_audience(bank.org_number), SCOPE_BANK)


def _context(orgnr: str):
    services = _services()
    bank = _bank(orgnr)
    g.caller = _authenticate(services, bank)
    g.encrypt = _negotiate()
    req = parse_common(request_headers(), request.args, services.world.today, lenient=services.settings.lenient)
    return services.bank, bank, req


def _profiles():
    services = _services()
    return service_profiles(services.world, services.settings.nav_v1)


def _profile_facts(req) -> dict:
    """What the service profile judges of a request: the decoded mandate, the headers its rules read, and a
    production bank's extra mandate texts (sandbox/compat: "OED" too)."""
    return {"mandate": req.legal_mandate, "requester_id": req.requester_id,
            "reference_type": req.additional_reference_id_type, "reference_id": req.additional_reference_id,
            "aliases": _services().compat.bank_mandates(request.view_args["orgnr"])}


def _keep_grant(grant):
    g.grant = grant  # the request log's service (sandbox/audit/row.py), also when the call is refused later


def _grant(req, endpoint: str):
    """The request's service Grant for a call about one account (spec/services.md §3 steps 5–8; DESIGN D13)."""
    _keep_grant(_profiles().authorize(g.caller.consumer, endpoint, window=req.window, **_profile_facts(req)))
    return g.grant


def _recipient():
    """Whose key a JWE body is encrypted to: the token's consumer, else (auth off) the service's consumer."""
    grant = getattr(g, "grant", None)
    consumer = g.caller.consumer or getattr(grant, "consumer", None)
    if consumer is None:
        raise NotAcceptable("with auth off the sandbox cannot tell whose key to encrypt to: send a token, "
                            "or Accept: application/json")
    return consumer


def _ok(body: dict, req):
    """The one wire step of every bank answer: a production bank's knobs (sandbox/compat/knobs.py), then JSON/JWE."""
    knobs = _services().compat.bank_knobs(request.view_args["orgnr"])
    if knobs is not None:
        outcome = knobs.answer(request.view_args["orgnr"], _ENDPOINT[request.endpoint], req.correlation_id, body,
                               _page())
        body = outcome.body
        if outcome.notes:
            g.audit_fault = "; ".join(filter(None, (g.get("audit_fault"), "deviation: " + ", ".join(outcome.notes))))
    g.audit_body = body  # the request log reads count and responseDetails here, not from the bytes (sandbox/audit/log.py)
    headers = {"CorrelationID": req.correlation_id}
    if getattr(g, "encrypt", False):
        token = encrypt_for(_recipient(), body_bytes(body))
        return Response(token, mimetype="application/jose", headers=headers)
    return json_response(body, headers=headers)


#: view → endpoint name (the scenario's and the knobs' names).
_ENDPOINT = {"bank.list_accounts": "accounts", "bank.show_account": "details", "bank.list_transactions": "transactions",
             "bank.list_cards": "cards", "bank.list_roles": "roles", "bank.list_owners": "owners"}


def _page() -> int | None:
    """The page number a `page` cursor names (None: page 1, or no cursor); a bad cursor was refused already."""
    from .pagination import PageCursors

    cursors = current_app.extensions.get("sandbox.page_cursors")
    if cursors is None:
        cursors = current_app.extensions["sandbox.page_cursors"] = PageCursors(_services().world.seed)
    return cursors.peek(request.args.get("page"))


@bp.errorhandler(BankError)
def bank_error(exc: BankError):
    return json_response(exc.body(), exc.status, exc.headers)


@bp.errorhandler(ProfileError)
def profile_error(exc: ProfileError):
    return bank_error(for_profile(exc))


@bp.errorhandler(AuthenticationFailed)
def unauthenticated(exc: AuthenticationFailed):
    return bank_error(Unauthorized(exc.message, {"WWW-Authenticate": exc.challenge}))


@bp.errorhandler(AccessDenied)
def forbidden(exc: AccessDenied):
    return bank_error(Forbidden(exc.message))


@bp.get("/accounts")
def list_accounts(orgnr: str):
    """List the accounts a party has or had at this bank in the period."""
    rules, bank, req = _context(orgnr)
    party, only_primary = parse_accounts(request_headers(), request.args)
    return _ok(authorized_accounts(rules, _profiles(), g.caller.consumer, bank, party, req.window, only_primary,
                                   **_profile_facts(req), page=request.args.get("page"), query=query_args(),
                                   granted=_keep_grant), req)


@bp.get("/accounts/<reference>")
def show_account(orgnr: str, reference: str):
    """Show one account with its balances."""
    rules, bank, req = _context(orgnr)
    return _ok(rules.account_details(bank, reference, req.window, _grant(req, "details")), req)


@bp.get("/accounts/<reference>/transactions")
def list_transactions(orgnr: str, reference: str):
    """List an account's transactions in the period, paginated."""
    rules, bank, req = _context(orgnr)
    return _ok(rules.transactions(bank, reference, req.window, request.args.get("page"),
                                  f"/accounts/{reference}/transactions", query_args(), _grant(req, "transactions")), req)


@bp.get("/accounts/<reference>/cards")
def list_cards(orgnr: str, reference: str):
    """List the payment cards linked to an account in the period."""
    rules, bank, req = _context(orgnr)
    return _ok(rules.cards(bank, reference, req.window, _grant(req, "cards")), req)


@bp.get("/accounts/<reference>/roles")
def list_roles(orgnr: str, reference: str):
    """List the role holders of an account in the period."""
    rules, bank, req = _context(orgnr)
    return _ok(rules.roles(bank, reference, req.window, _grant(req, "roles")), req)


@bp.get("/accounts/<account_id>/owners")
def list_owners(orgnr: str, account_id: str):
    """List every owner of an account number in the period (v2.1 Owners)."""
    rules, bank, req = _context(orgnr)
    number = parse_account_number(account_id)
    return _ok(rules.owners(bank, number, req.window, _grant(req, "owners")), req)
