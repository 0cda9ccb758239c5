"""HTTP face of the register: `/kar-ws/api/v2/customers/...` (DESIGN D1). Thin."""

from __future__ import annotations

from flask import Blueprint, current_app, request

from sandbox.dsop import params as p
from sandbox.dsop.wire import sandbox_now
from sandbox.web import json_response, request_headers

from .errors import InvalidAccountNumber, InvalidCustomer, InvalidHeader, InvalidPeriod, RegisterError

bp = Blueprint("register", __name__, url_prefix="/kar-ws/api/v2/customers")


def error_body(exc: RegisterError, today) -> dict:
    return {"errorCode": exc.code, "errorMessage": exc.message, "timestamp": sandbox_now(today)}


@bp.errorhandler(RegisterError)
def register_error(exc: RegisterError):
    return json_response(error_body(exc, current_app.extensions["dsop"].world.today), exc.status)


def _common(headers: dict) -> None:
    try:
        p.uuid_header(headers, "CorrelationID")
        p.uuid_header(headers, "AccountInfoRequestID")
        p.legal_mandate(headers)
    except p.ParamError as exc:
        raise InvalidHeader(str(exc)) from None


@bp.get("/customerRelationships")
def customer_relationships():
    """Which banks the customer has or had a relation with in the period."""
    services = current_app.extensions["dsop"]
    headers = request_headers()
    try:
        customer = p.party_identifier(p.header(headers, "CustomerID", required=False), "CustomerID")
    except p.ParamError as exc:
        raise InvalidCustomer(str(exc)) from None
    _common(headers)
    try:
        window = p.period(request.args, services.world.today, lenient=services.settings.lenient)
    except p.ParamError as exc:
        raise InvalidPeriod(str(exc)) from None
    raw = request.args.get("onlyPrimaryOwner", headers.get("onlyprimaryowner"))
    try:
        only_primary = None if raw is None else p.boolean(raw, "onlyPrimaryOwner")
    except p.ParamError as exc:
        raise InvalidHeader(str(exc)) from None
    return json_response(services.register.customer_relationships(customer, window, only_primary))


@bp.get("/accountServicingProvider")
def account_servicing_provider():
    """Which bank services an account number."""
    services = current_app.extensions["dsop"]
    headers = request_headers()
    number = headers.get("accountid", "").strip()
    if not (number.isascii() and number.isdigit() and 11 <= len(number) <= 20):
        raise InvalidAccountNumber("AccountID must be an account number of 11 digits")
    _common(headers)
    return json_response(services.register.account_servicing_provider(number))
