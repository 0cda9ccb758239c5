"""`/openapi/bank.json`: the fake banks' DSOP Control API v2 (+ v2.1 Owners), from bank/schemas.py.

Paths are relative to the bank base URL `/banks/{orgnr}/v2` (a server variable listing every bank of the
world), as in reference/Bank_v2.yaml; operationIds are the standard's. Error statuses and codes follow
DESIGN D4 and spec/protocol.md §3.7.
"""

from __future__ import annotations

from sandbox import __version__
from sandbox.bank import request_schemas, schemas
from sandbox.maskinporten.tokens import SCOPE_BANK as SCOPE

from .common import (
    Operation,
    auth_sentence,
    blueprint_rules,
    component_name,
    json_content,
    new_spec,
    openapi_path,
    parameters,
    register_schemas,
    summary_and_details,
    without_design_refs,
)
from .examples import bank_examples
from .service_headers import describe as describe_service_headers
from .service_headers import header_table

PREFIX = "/banks/<orgnr>/v2"
JWE_COMPACT = r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$"
RENAMES = {"reference": "accountReference", "account_id": "accountID"}

ERRORS = {
    400: "ACC-001: a mandatory header or parameter is missing or malformed (UUID, date, PartyID, "
         "OnlyPrimaryOwner, page), fromDate is after toDate or toDate after today, the period is outside the "
         "service's window, or the endpoint is not part of the service.",
    401: "ACC-010: missing, malformed or expired access token, bad signature, wrong iss or aud (only when the "
         "sandbox checks tokens).",
    403: "ACC-011: the token lacks the scope bits:kontoinformasjon, the consumer is unknown, the Legal-Mandate "
         "is not a legal basis of the consumer, or the service's precondition (bankruptcy, death, "
         "guardianship) is not met.",
    404: "ACC-002: unknown accountReference (forged, altered or from another bank), unknown account number, or "
         "no bank with the orgnr of the URL. ACC-003: the reference is not valid for its party in this period.",
    405: "ACC-012: a method other than GET.",
    406: "ACC-013: an Accept header without application/jose, application/json, application/* or */*; or "
         "application/jose while auth is off and no token names the consumer to encrypt to.",
    429: "ACC-022: too many requests (an injected fault).",
    500: "ACC-100: back-end failure (an injected fault); retry later.",
}

ERROR_RESPONSES = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 405: "MethodNotAllowed",
                   406: "NotAcceptable", 429: "TooManyRequests", 500: "InternalError"}
_CASE = (request_schemas.BankCaseHeadersSchema, "header")
_PERIOD = (request_schemas.BankPeriodQuerySchema, "query")
_REF = (request_schemas.BankAccountReferencePathSchema, "path")
_PAGING = "Paginated (D6): follow links[rel=next] with the same headers until it is absent."

OPERATIONS = {
    "bank.list_accounts": Operation(
        "listAccounts", "accounts", schemas.BankAccountsSchema, "accounts",
        (_CASE, (request_schemas.BankPartyHeaderSchema, "header"), _PERIOD, (request_schemas.BankAccountsQuerySchema, "query"),
         (request_schemas.BankPageQuerySchema, "query")), ERRORS,
        "A case starts here: each account carries the accountReference the other endpoints take. A party "
        "without accounts, a guarantor only or a shielded person gets an empty, complete list (D16). " + _PAGING),
    "bank.show_account": Operation(
        "showAccountById", "accounts", schemas.BankAccountDetailsSchema, "details", (_REF, _CASE, _PERIOD), ERRORS,
        "Balances (D15): toDate today gives availableBalance and bookedBalance; an earlier toDate the booked "
        "balance at its end; an account closed within the period has no balance."),
    "bank.list_transactions": Operation(
        "listTransactions", "transactions", schemas.BankTransactionsSchema, "transactions",
        (_REF, _CASE, _PERIOD, (request_schemas.BankPageQuerySchema, "query")), ERRORS,
        "Booked transactions in the period; pending ones too when toDate is today. " + _PAGING),
    "bank.list_cards": Operation("listCards", "cards", schemas.BankCardsSchema, "cards", (_REF, _CASE, _PERIOD),
                                 ERRORS),
    "bank.list_roles": Operation("listRoles", "roles", schemas.BankRolesSchema, "roles", (_REF, _CASE, _PERIOD),
                                 ERRORS),
    "bank.list_owners": Operation(
        "listOwners", "owners", schemas.BankOwnersSchema, "owners",
        ((request_schemas.BankAccountNumberPathSchema, "path"), _CASE, _PERIOD), ERRORS,
        "DSOP Control API v2.1 (draft, not in the published v2.0 OpenAPI): takes the real account number, "
        "and gives each owner's real ownership dates, not clipped to the period.",
        {"x-dsop-version": "2.1"}),
}

TAGS = [
    {"name": "accounts", "description": "Account list and account details"},
    {"name": "transactions", "description": "Transactions of an account"},
    {"name": "cards", "description": "Payment cards of an account"},
    {"name": "roles", "description": "Owners and disponents of an account"},
    {"name": "owners", "description": "All owners of an account number (v2.1)"},
]


def _description(services) -> str:
    world, settings = services.world, services.settings
    auth = auth_sentence(settings)
    return (
        "The fake banks of dsop-sandbox: the DSOP Control API v2 (accounts, details, transactions, cards, roles) "
        "and the draft v2.1 Owners endpoint, generated from the sandbox's own schemas. Pick a bank in the "
        "server's `orgnr` (the API directory lists the same base URLs).\n\n"
        f"Every call needs a Maskinporten access token with the scope `{SCOPE}` and the case headers. {auth} "
        "Get a token from `POST /maskinporten/token` (the jwt-bearer grant, or the sandbox shortcut "
        "`grant_type=client_credentials` with `client_id`, `scope` and `resource` = the bank's base URL) or "
        "with `dsop-sandbox token --consumer NAME --bank ORGNR`.\n\n"
        "`Accept: application/jose` gives the 200 body as a JWE (compact; RSA-OAEP-256 + A128CBC-HS256) to the "
        "consumer's key, `application/json` plain JSON (D7). Errors are always plain JSON `{code, message}` "
        "with an ACC code.\n\n"
        f"{header_table(settings)}\n\n"
        f"World: scenario `{world.name}`, today {world.today.isoformat()}, digest `{services.digest}`. The examples "
        "are this world's real answers: the default server and the example parameters work as they are.")


def _servers(services, default_org: str | None) -> list:
    banks = list(services.world.banks.values())
    orgs = [b.org_number for b in banks]
    variable = {"default": default_org or (orgs[0] if orgs else "000000000"),
                "description": "the bank's organisation number: " + "; ".join(f"{b.org_number} {b.name}" for b in banks)}
    if orgs:
        variable["enum"] = orgs
    return [{"url": services.settings.public_url.rstrip("/") + "/banks/{orgnr}/v2",
             "description": "a fake bank of this sandbox", "variables": {"orgnr": variable}}]


def _responses(op: Operation, examples, auth: bool) -> dict:
    headers = {"CorrelationID": {"description": "the request's CorrelationID, echoed",
                                 "schema": {"type": "string", "format": "uuid"}}}
    if not auth:
        headers["Sandbox-Auth"] = {"description": "`off`: this server does not check tokens",
                                   "schema": {"type": "string", "enum": ["off"]}}
    content = json_content(op.response, examples.responses.get(op.example_key))
    content["application/jose"] = {"schema": {
        "type": "string", "pattern": JWE_COMPACT,
        "description": f"the {component_name(op.response)} body as a compact JWE to the consumer's key"}}
    out = {"200": {"description": "OK", "headers": headers, "content": content}}
    out.update({str(status): ERROR_RESPONSES[status] for status in op.errors})
    out["default"] = "OtherError"
    return out


def _error_responses(spec, examples) -> None:
    """One shared response per error status (components/responses), with its codes and examples."""
    for status, text in ERRORS.items():
        response = {"description": text, "content": json_content(schemas.BankErrorSchema, examples.errors.get(status))}
        if status == 401:
            response["headers"] = {"WWW-Authenticate": {"description": 'Bearer error="invalid_token"',
                                                        "schema": {"type": "string"}}}
        spec.components.response(ERROR_RESPONSES[status], response)
    spec.components.response("OtherError", {"description": "Any other error status, as {code, message}.",
                                            "content": json_content(schemas.BankErrorSchema, None)})


def bank_document(app) -> dict:
    services = app.extensions["dsop"]
    examples = bank_examples(services)
    spec, plugin = new_spec(title="DSOP Control API (dsop-sandbox banks)", version=f"2.1.0+sandbox.{__version__}",
                            description=_description(services), servers=_servers(services, examples.bank_org),
                            tags=TAGS)
    spec.components.security_scheme("maskinporten", {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
        "description": f"Maskinporten access token (RS256 JWT) with the scope `{SCOPE}` and the bank's audience."})
    register_schemas(spec, schemas.RESPONSE_SCHEMAS)
    _error_responses(spec, examples)
    optional = frozenset() if not services.settings.lenient else frozenset({"fromDate", "toDate"})
    for endpoint, rule in blueprint_rules(app, "bank"):
        op = OPERATIONS.get(endpoint)
        if op is None:
            continue  # an undocumented route: tests/openapi/test_openapi.py fails on it
        summary, details = summary_and_details(app.view_functions[endpoint])
        spec.path(path=openapi_path(rule, PREFIX, RENAMES), operations={"get": {
            "operationId": op.operation_id, "tags": [op.tag], "summary": summary,
            "description": " ".join(x for x in (details, op.description, f"Scope: `{SCOPE}`.") if x),
            "parameters": parameters(spec, plugin, op, examples.params, optional),
            "responses": _responses(op, examples, services.settings.auth),
            "security": [{"maskinporten": []}], "x-maskinporten-scope": SCOPE, **op.extensions}})
    describe_service_headers(spec.components.parameters, services.settings)
    return without_design_refs(spec.to_dict())
