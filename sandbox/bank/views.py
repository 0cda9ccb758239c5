"""HTTP face of the fake banks: `/banks/{orgnr}/v2/...` (DESIGN D2). Thin: parse, call one rule, serialise."""

from __future__ import annotations

from flask import Blueprint, current_app, request

from sandbox.web import json_response, query_args, request_headers

from .errors import BankError, NotAcceptable, UnknownAccount
from .params import parse_account_number, parse_accounts, parse_common

bp = Blueprint("bank", __name__, url_prefix="/banks/<orgnr>/v2")


def _services():
    return current_app.extensions["dsop"]


def _bank(orgnr: str):
    bank = _services().world.bank_by_org.get(orgnr)
    if bank is None:
        raise UnknownAccount(f"no bank with organisation number {orgnr[:20]} in this sandbox (see the directory)")
    return bank


def _negotiate() -> None:
    """D7: JSON for application/json, */* or no Accept; anything else → 406 ACC-013."""
    accept = request.headers.get("Accept", "").strip()
    if not accept:
        return
    kinds = {part.split(";")[0].strip().lower() for part in accept.split(",")}
    if kinds & {"application/json", "*/*", "application/*"}:
        return
    raise NotAcceptable(f"Accept {accept[:100]!r} is not supported: send application/json")


def _context(orgnr: str):
    services = _services()
    bank = _bank(orgnr)
    _negotiate()
    req = parse_common(request_headers(), request.args, services.world.today, lenient=services.settings.lenient)
    return services.bank, bank, req


def _ok(body: dict, req):
    return json_response(body, headers={"CorrelationID": req.correlation_id})


@bp.errorhandler(BankError)
def bank_error(exc: BankError):
    return json_response(exc.body(), exc.status, exc.headers)


@bp.get("/accounts")
def list_accounts(orgnr: str):
    """List the accounts a party has or had at this bank in the period."""
    rules, bank, req = _context(orgnr)
    party, only_primary = parse_accounts(request_headers(), request.args)
    return _ok(rules.list_accounts(bank, party, req.window, only_primary, request.args.get("page"),
                                   "/accounts", query_args()), req)


@bp.get("/accounts/<reference>")
def show_account(orgnr: str, reference: str):
    """Show one account with its balances."""
    rules, bank, req = _context(orgnr)
    return _ok(rules.account_details(bank, reference, req.window), req)


@bp.get("/accounts/<reference>/transactions")
def list_transactions(orgnr: str, reference: str):
    """List an account's transactions in the period, paginated."""
    rules, bank, req = _context(orgnr)
    return _ok(rules.transactions(bank, reference, req.window, request.args.get("page"),
                                  f"/accounts/{reference}/transactions", query_args()), req)


@bp.get("/accounts/<reference>/cards")
def list_cards(orgnr: str, reference: str):
    """List the payment cards linked to an account in the period."""
    rules, bank, req = _context(orgnr)
    return _ok(rules.cards(bank, reference, req.window), req)


@bp.get("/accounts/<reference>/roles")
def list_roles(orgnr: str, reference: str):
    """List the role holders of an account in the period."""
    rules, bank, req = _context(orgnr)
    return _ok(rules.roles(bank, reference, req.window), req)


@bp.get("/accounts/<account_id>/owners")
def list_owners(orgnr: str, account_id: str):
    """List every owner of an account number in the period (v2.1 Owners)."""
    rules, bank, req = _context(orgnr)
    return _ok(rules.owners(bank, parse_account_number(account_id), req.window), req)
