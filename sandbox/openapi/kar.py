"""`/openapi/kar.json`: the register ("KAR") v2, from register/schemas.py.

Paths are relative to `/kar-ws/api/v2` (D1); operationIds and shapes follow reference/KAR.yaml with the v2
changes; error codes follow spec/protocol.md §2.5, register/errors.py and DESIGN D4 (ERR-005 and ERR-006 are
sandbox codes).
"""

from __future__ import annotations

from sandbox import __version__
from sandbox.maskinporten.tokens import SCOPE_ACCOUNT_PROVIDER, SCOPE_RELATIONS
from sandbox.register import schemas

from .common import (
    Operation,
    auth_sentence,
    blueprint_rules,
    json_content,
    new_spec,
    openapi_path,
    parameters,
    register_schemas,
    summary_and_details,
    without_design_refs,
)
from .register_examples import register_examples

PREFIX = "/kar-ws/api/v2"
_AUTH = {
    401: "ERR-001: missing, malformed or expired access token (only when the sandbox checks tokens).",
    403: "ERR-001: the token lacks the endpoint's scope, or the consumer may not use the register.",
    405: "ERR-405: a method other than GET.",
    500: "ERR-500: internal error.",
}
_CASE = (schemas.RegisterCaseHeadersSchema, "header")

OPERATIONS = {
    "register.customer_relationships": Operation(
        "getCustomerRelation", "customers", schemas.RegisterCustomerRelationsSchema, "customerRelationships",
        ((schemas.RegisterCustomerHeaderSchema, "header"), _CASE, (schemas.RegisterPeriodQuerySchema, "query"),
         (schemas.RegisterOwnershipQuerySchema, "query")),
        {400: "ERR-002: CustomerID missing or malformed. ERR-003: fromDate/toDate missing, malformed, reversed "
              "or after today. ERR-006 (sandbox code): CorrelationID, AccountInfoRequestID or Legal-Mandate "
              "missing or malformed, or onlyPrimaryOwner not true/false.", **_AUTH},
        "Banks the customer had any relation with (owner, disponent, co-borrower, guarantor) in the period. "
        "Banks known only through KFR always have activeAccount false.",
        {"x-maskinporten-scope": SCOPE_RELATIONS}),
    "register.account_servicing_provider": Operation(
        "getAccountServicingProvider", "customers", schemas.RegisterBankSchema, "accountServicingProvider",
        ((schemas.RegisterAccountHeaderSchema, "header"), _CASE),
        {400: "ERR-004: AccountID is not an account number. ERR-006 (sandbox code): CorrelationID, "
              "AccountInfoRequestID or Legal-Mandate missing or malformed.",
         404: "ERR-005 (sandbox code): no bank in this sandbox services the account number.", **_AUTH,
         401: "{statusCode: 401, message}: missing, malformed or expired access token (only when the sandbox "
              "checks tokens)."},
        "Found by the account itself, never guessed from the registration number; the check digit is not "
        "verified.",
        {"x-maskinporten-scope": SCOPE_ACCOUNT_PROVIDER}, {401: schemas.RegisterUnauthorizedSchema}),
}
SECURITY = {SCOPE_RELATIONS: "kundeforhold", SCOPE_ACCOUNT_PROVIDER: "kundeforholdKonto"}


def _description(services) -> str:
    world, settings = services.world, services.settings
    auth = auth_sentence(settings)
    return (
        "The customer-relations register (\"KAR\") of dsop-sandbox, version 2: which banks a control object has "
        "or had a relation with, and which bank services an account number. Generated from the sandbox's own "
        "schemas.\n\n"
        f"Each endpoint needs a Maskinporten access token with its own scope (`{SCOPE_RELATIONS}` or "
        f"`{SCOPE_ACCOUNT_PROVIDER}`) and the case headers. {auth} Get one from `POST /maskinporten/token` or "
        "with `dsop-sandbox token --consumer NAME --register`. Errors are `{errorCode, errorMessage, timestamp}` "
        "(but the 401 of accountServicingProvider is `{statusCode, message}`, as in KAR.yaml).\n\n"
        f"World: scenario `{world.name}`, today {world.today.isoformat()}, digest `{services.digest}`. The examples "
        "are this world's real answers.")


def kar_document(app) -> dict:
    services = app.extensions["dsop"]
    examples = register_examples(services)
    spec, plugin = new_spec(
        title="Customer Relations Overview API (dsop-sandbox register)", version=f"2.0.0+sandbox.{__version__}",
        description=_description(services),
        servers=[{"url": services.settings.public_url.rstrip("/") + PREFIX, "description": "the sandbox's register"}],
        tags=[{"name": "customers", "description": "Customer relations and account servicing providers"}])
    for scope, name in SECURITY.items():
        spec.components.security_scheme(name, {
            "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
            "description": f"Maskinporten access token (RS256 JWT) with the scope `{scope}`."})
    register_schemas(spec, schemas.RESPONSE_SCHEMAS)
    optional = frozenset() if not services.settings.lenient else frozenset({"fromDate", "toDate"})
    for endpoint, rule in blueprint_rules(app, "register"):
        op = OPERATIONS.get(endpoint)
        if op is None:
            continue  # an undocumented route: tests/openapi/test_openapi.py fails on it
        summary, details = summary_and_details(app.view_functions[endpoint])
        scope = op.extensions["x-maskinporten-scope"]
        responses = {"200": {"description": "OK", "content": json_content(
            op.response, examples.responses.get(op.example_key))}}
        for status, text in op.errors.items():
            own = op.error_schemas.get(status)
            shown = (examples.responses.get(f"{op.example_key}:{status}") if own else
                     {code: ex for code, ex in examples.errors.get(status, {}).items() if code in text})
            responses[str(status)] = {"description": text,
                                      "content": json_content(own or schemas.RegisterErrorSchema, shown)}
        responses["401"]["headers"] = {"WWW-Authenticate": {"description": 'Bearer error="invalid_token"',
                                                            "schema": {"type": "string"}}}
        spec.path(path=openapi_path(rule, PREFIX, {}), operations={"get": {
            "operationId": op.operation_id, "tags": [op.tag], "summary": summary,
            "description": " ".join(x for x in (details, op.description, f"Scope: `{scope}`.") if x),
            "parameters": parameters(spec, plugin, op, examples.params, optional,
                                     examples.op_params.get(op.example_key)),
            "responses": responses, "security": [{SECURITY[scope]: []}], **op.extensions}})
    return without_design_refs(spec.to_dict())
