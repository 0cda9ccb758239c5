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
from .params import parse_account_number, parse_accounts, parse_common, remembered, with_correlation_id
from .service import authorized_accounts

bp = Blueprint("bank", __name__, url_prefix="/banks/<orgnr>/v2")


def _services():
    return current_app.extensions["dsop"]


def _bank(orgnr: str, services=None):
    bank = (services or _services()).world.bank_by_org.get(orgnr)
    if bank is None:
        raise UnknownAccount(f"no bank with organisation number {orgnr[:20]} in this sandbox (see the directory)")
    return bank


@lru_cache(maxsize=256)
def _encrypts(accept: str) -> bool:
    """D7, for one (stripped) Accept value: True for `application/jose` (encrypt), False for JSON
    (application/json, */* or no Accept); anything else → 406 ACC-013. Cached: clients send the same one every
    time."""
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


def _authenticate(services, bank, environ=None):
    """D11/D12: the token must be ours, for this bank (`aud`), with scope bits:kontoinformasjon."""
    if not services.settings.auth:
        return ANONYMOUS
    issuer = services.maskinporten
    # the header as werkzeug's request.headers.get reads it, without building the headers object
    authorization = (request.environ if environ is None else environ).get("HTTP_AUTHORIZATION")
    return issuer.check(authorization, issuer.bank_audience(bank.org_number), SCOPE_BANK)


class Call:
    """One bank call as the views see it once its context is checked: the services, the bank, the parsed case
    headers and period, the caller and the request's environ and `g` (each read once: every `request.`/`g.`
    look-up goes through a context-local proxy)."""

    __slots__ = ("services", "rules", "orgnr", "bank", "req", "caller", "environ", "g")

    def __init__(self, orgnr: str):
        services = self.services = _services()
        self.rules = services.bank
        self.orgnr = orgnr
        self.bank = _bank(orgnr, services)
        environ = self.environ = request.environ
        state = self.g = g._get_current_object()
        self.caller = state.caller = _authenticate(services, self.bank, environ)
        state.encrypt = _encrypts(environ.get("HTTP_ACCEPT", "").strip())
        self.req = _common(environ, services.world.today, services.settings.lenient)

    def profiles(self):
        return service_profiles(self.services.world, self.services.settings.nav_v1)

    def facts(self) -> dict:
        """What the service profile judges of a request: the decoded mandate, the headers its rules read, and a
        production bank's extra mandate texts (sandbox/compat: "OED" too)."""
        req = self.req
        return {"mandate": req.legal_mandate, "requester_id": req.requester_id,
                "reference_type": req.additional_reference_id_type, "reference_id": req.additional_reference_id,
                "aliases": self.services.compat.bank_mandates(self.orgnr)}

    def keep_grant(self, grant):
        self.g.grant = grant  # the request log's service (sandbox/audit/row.py), also when the call is refused later

    def grant(self, endpoint: str):
        """The request's service Grant for a call about one account (spec/services.md §3 steps 5–8; DESIGN D13)."""
        grant = self.profiles().authorize(self.caller.consumer, endpoint, window=self.req.window, **self.facts())
        self.keep_grant(grant)
        return grant

    def ok(self, body: dict):
        """The one wire step of every bank answer: a production bank's knobs (sandbox/compat/knobs.py), then
        JSON/JWE."""
        req, state = self.req, self.g
        knobs = self.services.compat.bank_knobs(self.orgnr)
        if knobs is not None:
            outcome = knobs.answer(self.orgnr, _ENDPOINT[request.endpoint], req.correlation_id, body, _page())
            body = outcome.body
            if outcome.notes:
                state.audit_fault = "; ".join(filter(None, (state.get("audit_fault"),
                                                            "deviation: " + ", ".join(outcome.notes))))
        state.audit_body = body  # the request log reads count and responseDetails here (sandbox/audit/log.py)
        headers = {"CorrelationID": req.correlation_id}
        if getattr(state, "encrypt", False):
            token = encrypt_for(_recipient(), body_bytes(body))
            return Response(token, mimetype="application/jose", headers=headers)
        return json_response(body, headers=headers)


def _common(environ: dict, today, lenient: bool):
    """parse_common of this request, from params.remembered by the raw values it reads (the headers it reads as
    request_headers() finds them in the environ, the query string request.args is parsed from): only the
    CorrelationID, new on every call, is checked each time; a request whose CorrelationID is not valid is parsed
    in full, so its 400 is the one parse_common gives."""
    key = ("common", environ.get("HTTP_ACCOUNTINFOREQUESTID"), environ.get("HTTP_LEGAL_MANDATE"),
           environ.get("HTTP_REQUESTERID"), environ.get("HTTP_ADDITIONALREFERENCEID"),
           environ.get("HTTP_ADDITIONALREFERENCEIDTYPE"), environ.get("QUERY_STRING", ""), today, lenient)
    known = remembered(key, lambda: parse_common(request_headers(), request.args, today, lenient=lenient))
    req = with_correlation_id(known, environ.get("HTTP_CORRELATIONID"))
    return req if req is not None else parse_common(request_headers(), request.args, today, lenient=lenient)


def _recipient():
    """Whose key a JWE body is encrypted to: the token's consumer, else (auth off) the service's consumer."""
    grant = getattr(g, "grant", None)
    consumer = g.caller.consumer or getattr(grant, "consumer", None)
    if consumer is None:
        raise NotAcceptable("with auth off the sandbox cannot tell whose key to encrypt to: send a token, "
                            "or Accept: application/json")
    return consumer


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
    call = Call(orgnr)
    environ = call.environ
    party, only_primary = remembered(("accounts", environ.get("HTTP_PARTYID"), environ.get("QUERY_STRING", "")),
                                     lambda: parse_accounts(request_headers(), request.args))
    query = query_args(environ)  # kept per query string: request.args would parse it again on every call
    return call.ok(authorized_accounts(call.rules, call.profiles(), call.caller.consumer, call.bank, party,
                                       call.req.window, only_primary, **call.facts(), page=query.get("page"),
                                       query=query, granted=call.keep_grant))


@bp.get("/accounts/<reference>")
def show_account(orgnr: str, reference: str):
    """Show one account with its balances."""
    call = Call(orgnr)
    return call.ok(call.rules.account_details(call.bank, reference, call.req.window, call.grant("details")))


@bp.get("/accounts/<reference>/transactions")
def list_transactions(orgnr: str, reference: str):
    """List an account's transactions in the period, paginated."""
    call = Call(orgnr)
    query = query_args(call.environ)
    return call.ok(call.rules.transactions(call.bank, reference, call.req.window, query.get("page"),
                                           f"/accounts/{reference}/transactions", query, call.grant("transactions")))


@bp.get("/accounts/<reference>/cards")
def list_cards(orgnr: str, reference: str):
    """List the payment cards linked to an account in the period."""
    call = Call(orgnr)
    return call.ok(call.rules.cards(call.bank, reference, call.req.window, call.grant("cards")))


@bp.get("/accounts/<reference>/roles")
def list_roles(orgnr: str, reference: str):
    """List the role holders of an account in the period."""
    call = Call(orgnr)
    return call.ok(call.rules.roles(call.bank, reference, call.req.window, call.grant("roles")))


@bp.get("/accounts/<account_id>/owners")
def list_owners(orgnr: str, account_id: str):
    """List every owner of an account number in the period (v2.1 Owners)."""
    call = Call(orgnr)
    number = parse_account_number(account_id)
    return call.ok(call.rules.owners(call.bank, number, call.req.window, call.grant("owners")))
