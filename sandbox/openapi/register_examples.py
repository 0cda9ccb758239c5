"""Real examples for `/openapi/kar.json`: the register's answers for personas of the loaded world.

customerRelationships is shown for the Skatt-Kontroll case (as the bank document); accountServicingProvider,
which only Politi-Utlevering may use, with the Politi mandate. Error examples come from the same parsers and
rules that raise them (see examples.py for the rest of the approach).
"""

from __future__ import annotations

from sandbox.dsop import params as dsop_params
from sandbox.maskinporten.tokens import SCOPE_RELATIONS
from sandbox.profiles import BY_SERVICE
from sandbox.register import errors as register_errors
from sandbox.world import Period

from .examples import (
    ACCOUNT_INFO_REQUEST_ID,
    CORRELATION_ID,
    INTERNAL_MESSAGE,
    METHOD_MESSAGE,
    SERVICE,
    Examples,
    encoded,
    example,
    no_token_message,
    nobody,
    raised,
    showcase,
    ten_years_back,
    unknown_account,
)

ACCOUNT_SERVICE = "politi"


def register_examples(services) -> Examples:
    world, rules, today = services.world, services.register, services.world.today
    out = Examples()
    out.params.update({"AccountInfoRequestID": ACCOUNT_INFO_REQUEST_ID, "CorrelationID": CORRELATION_ID,
                       "Legal-Mandate": encoded(BY_SERVICE[SERVICE].register_mandates[0])})
    out.op_params["accountServicingProvider"] = {
        "Legal-Mandate": encoded(BY_SERVICE[ACCOUNT_SERVICE].register_mandates[0])}
    _errors(out, services)
    window = Period(ten_years_back(today), today)
    candidates = [party for party in world.built_parties() if not party.shielded]
    if candidates:
        party = max(candidates, key=lambda q: (not q.generated, len(world.banks_for(q.id, window))))
        period = {"fromDate": window.start.isoformat(), "toDate": window.end.isoformat()}
        out.params.update({"CustomerID": party.identifier, **period})
        where = f"{party.name}, {period['fromDate']}…{period['toDate']}"
        out.responses["customerRelationships"] = {
            "persona": example(f"The banks of {where}", rules.customer_relationships(party.identifier, window, None)),
            "withOwnershipType": example(f"The banks of {where}, with onlyPrimaryOwner=false",
                                         rules.customer_relationships(party.identifier, window, False)),
            "noCustomer": example("A valid person number no bank knows",
                                  rules.customer_relationships(nobody(world), window, None)),
        }
    picked = showcase(world)
    if picked is not None:
        number = picked[0].number
        out.params["AccountID"] = number
        out.responses["accountServicingProvider"] = {"persona": example(
            f"The bank of account {number} (asked with the Politi-Utlevering mandate)",
            rules.account_servicing_provider(number))}
    return out


def _errors(out: Examples, services) -> None:
    today = services.world.today
    public = services.settings.public_url.rstrip("/")

    def body(exc) -> dict:
        return exc.body(today)

    def param_error(call, cls):
        exc = raised(call, dsop_params.ParamError)
        return cls(str(exc) if exc is not None else "invalid request")

    no_token = no_token_message(services, f"{public}/kar-ws/api/v2", SCOPE_RELATIONS)
    bad = {exc.code: example(summary, body(exc)) for exc, summary in (
        (param_error(lambda: dsop_params.party_identifier("12345678901", "CustomerID"),
                     register_errors.InvalidCustomer),
         "CustomerID fails the check digit"),
        (param_error(lambda: dsop_params.period({"fromDate": today.isoformat(), "toDate": "2015-13-01"}, today),
                     register_errors.InvalidPeriod), "Not a calendar date"),
        (register_errors.InvalidAccountNumber("AccountID must be an account number of 11 digits"),
         "AccountID is not an account number"),
        (param_error(lambda: dsop_params.uuid_header({}, "CorrelationID"), register_errors.InvalidHeader),
         "A mandatory header is missing (a sandbox code)"))}
    out.errors = {
        400: bad,
        401: {"ERR-001": example("No access token", body(register_errors.Unauthorized(no_token)))},
        403: {"ERR-001": example("The token lacks the endpoint's scope", body(register_errors.Forbidden(
            f"access token lacks scope {SCOPE_RELATIONS}")))},
        405: {"ERR-405": example("Only GET", body(register_errors.MethodNotAllowed(METHOD_MESSAGE)))},
        500: {"ERR-500": example("An internal error", body(register_errors.RegisterError(INTERNAL_MESSAGE)))},
    }
    unknown = raised(lambda: services.register.account_servicing_provider(unknown_account(services.world)),
                     register_errors.RegisterError)
    if unknown is not None:
        out.errors[404] = {unknown.code: example("A valid account number no bank in the sandbox services",
                                                 body(unknown))}
    out.responses["accountServicingProvider:401"] = {"statusCode": example(
        "No access token (KAR.yaml's own 401 shape for this endpoint)",
        register_errors.provider_unauthorized_body(no_token))}
