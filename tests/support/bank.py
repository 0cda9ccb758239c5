"""Contract checks and clients for the HTTP tests of the bank, register and directory APIs.

The tests read the world the app built from tests/support/scenario.py (one persona per behavioural rule of
spec/data-model.md §4). Every bank response that goes through `BankApi` is checked against the vendored
Bank_v2.yaml (DESIGN D5) twice:

* with openapi-core, as the response of the concrete path template, status and content type; and
* with a strict copy of the same component schemas (`additionalProperties: false` on every object), so a
  misspelt or undeclared key fails too. Nulls, unknown enum values and wrong types fail in both.

The v2.1 Owners endpoint is not in Bank_v2.yaml; OWNERS_SCHEMA encodes spec/data-model.md §2.8 with D5's
"no nulls" (an `endDate` is left out while the party still owns the account).
"""

from __future__ import annotations

import json
import random
import re
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

import jsonschema
import pytest
import yaml
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from openapi_schema_validator import OAS30Validator, oas30_format_checker

from sandbox import ids

from . import fastschema
from .constants import HEADERS, POLITI_MANDATE, TEN_YEARS

#: The vendored reference OpenAPI every bank body must validate against (DESIGN D5; tests/reference/README.md).
BANK_OPENAPI = Path(__file__).resolve().parents[1] / "reference" / "Bank_v2.yaml"


# ----------------------------------------------------------------------------------------------------------
#  Schemas
# ----------------------------------------------------------------------------------------------------------
def load_yaml(path: Path) -> dict:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def strict_schema(node):
    """The same schema with `additionalProperties: false` wherever properties are listed."""
    if isinstance(node, dict):
        out = {k: strict_schema(v) for k, v in node.items()}
        if "properties" in out and "additionalProperties" not in out:
            out["additionalProperties"] = False
        return out
    if isinstance(node, list):
        return [strict_schema(v) for v in node]
    return node


def inline_refs(node, root):
    """Resolve every local `$ref` (Bank_v2.yaml has no recursion): validation is then ~2x faster."""
    if isinstance(node, dict):
        if "$ref" in node:
            target = root
            for part in node["$ref"].split("#/", 1)[1].split("/"):
                target = target[part]
            return inline_refs(target, root)
        return {k: inline_refs(v, root) for k, v in node.items()}
    if isinstance(node, list):
        return [inline_refs(v, root) for v in node]
    return node


def _collapse(node):
    """`{allOf: [X]}` (how Bank_v2.yaml wraps most properties) → `X`: the same constraint, validated faster."""
    if isinstance(node, dict):
        node = {k: _collapse(v) for k, v in node.items()}
        if set(node) - {"description", "example"} == {"allOf"} and len(node["allOf"]) == 1:
            return node["allOf"][0]
        return node
    if isinstance(node, list):
        return [_collapse(v) for v in node]
    return node


_TEMPLATES = (
    (re.compile(r"^/accounts$"), "/accounts"),
    (re.compile(r"^/accounts/[^/]+$"), "/accounts/{accountReference}"),
    (re.compile(r"^/accounts/[^/]+/transactions$"), "/accounts/{accountReference}/transactions"),
    (re.compile(r"^/accounts/[^/]+/cards$"), "/accounts/{accountReference}/cards"),
    (re.compile(r"^/accounts/[^/]+/roles$"), "/accounts/{accountReference}/roles"),
)


def template_of(path: str) -> str | None:
    """The Bank_v2.yaml path template a bank-relative path belongs to (None: not in the OpenAPI)."""
    path = path.split("?", 1)[0]
    for pattern, template in _TEMPLATES:
        if pattern.match(path):
            return template
    return None


def _summary(exc: BaseException) -> str:
    """openapi-core's errors repeat the whole body; keep the paths and messages of the schema errors."""
    lines = [type(exc).__name__]
    seen = set()
    for err in (exc, exc.__cause__, exc.__context__):
        for e in getattr(err, "schema_errors", ()) or ():
            for leaf in [e, *getattr(e, "context", ())]:
                line = f"  at {list(leaf.absolute_path)}: {leaf.message[:200]}"
                if line not in seen:
                    seen.add(line)
                    lines.append(line)
    if len(lines) == 1:
        lines.append(str(exc)[:500])
    return "\n".join(lines[:25])


class BankContract:
    """Checks bank responses against Bank_v2.yaml (openapi-core + a strict copy of the component schemas).

    Every body goes through the strict validator: the response schema the document gives for its path and
    status, with `additionalProperties: false` wherever properties are listed, so a body that passes it also
    passes the document's own schema. openapi-core, which in addition matches the path, the status and the
    media type against the document, runs on the first body of each (path template, status, media type): on
    the bodies after that it would repeat the same schema check about four times slower (a ten-year walk
    validates 30 000 transactions).
    """

    def __init__(self, spec: dict):
        self.spec = spec
        # openapi-core gets the document with its $refs resolved and single-item allOf unwrapped: equivalent,
        # and about 2.5x faster on 1000-transaction pages.
        self.openapi = OpenAPI.from_dict({**_collapse(inline_refs(spec, spec)), "components": spec["components"]})
        strict = strict_schema(spec)
        self._validators: dict[str, OAS30Validator] = {}
        self._compiled: dict = {}  # name → fastjsonschema function (tests/support/fastschema.py)
        self._matched: set[tuple] = set()  # (template, status, mimetype) openapi-core has accepted
        for name in spec["components"]["schemas"]:
            schema = _collapse(inline_refs(strict["components"]["schemas"][name], strict))
            self._validators[name] = OAS30Validator(schema, format_checker=oas30_format_checker)
            self._compiled[name] = fastschema.compile_schema(schema)

    def schema_name(self, template: str | None, status: int) -> str:
        if template is None:
            return "Error"
        responses = self.spec["paths"][template]["get"]["responses"]
        response = responses.get(str(status)) or responses["default"]
        return response["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]

    def strict_errors(self, name: str, body) -> list[str]:
        """Compiled first, OAS30Validator's messages for a refused body (fastschema.errors)."""
        validator = self._validators[name]
        return fastschema.errors(self._compiled[name], body, lambda b: [
            f"at {list(e.absolute_path)}: {e.message[:200]}" for e in validator.iter_errors(b)][:25])

    def check(self, path: str, response, *, openapi: bool = True) -> None:
        """`path` is relative to the bank's base URL (`/accounts/...`), as in the OpenAPI."""
        status = response.status_code
        assert status < 500, f"{path}: HTTP {status}: {response.data[:300]!r}"
        assert response.mimetype == "application/json", f"{path}: HTTP {status} answered as {response.content_type}"
        body = json.loads(response.data)
        template = template_of(path)
        if openapi and template is not None and (template, status, response.mimetype) not in self._matched:
            concrete = "/v2" + template.replace("{accountReference}", "ref")
            request = MockRequest("https://hostname.no", "get", concrete)
            mock = MockResponse(response.data, status_code=status, content_type=response.mimetype)
            try:
                self.openapi.validate_response(request, mock)
            except Exception as exc:  # noqa: BLE001 - any validation error is a contract failure
                pytest.fail(f"{path}: HTTP {status} body does not validate against Bank_v2.yaml {template}:\n"
                            f"{_summary(exc)}")
            self._matched.add((template, status, response.mimetype))
        name = self.schema_name(template, status)
        errors = self.strict_errors(name, body)
        assert not errors, f"{path}: HTTP {status} body is not a strict {name}:\n" + "\n".join(errors)


#: The 12 account types of the v2.1 Owners endpoint (spec/data-model.md §2.8).
OWNER_ACCOUNT_TYPES = [
    "loanAccount", "salaryAccount", "currencyAccount", "savingsAccount", "clientAccount", "taxDeductionAccount",
    "businessAccount", "creditCardAccount", "leasingAccount", "prepaidCardAccount", "accountWithoutBalance",
    "otherAccount",
]
_ISO_DATE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
_RESPONSE_DETAILS = {
    "type": "object", "additionalProperties": False, "required": ["status"],
    "properties": {"status": {"enum": ["complete", "partial"]},
                   "message": {"type": "string", "minLength": 1, "maxLength": 500}},
    # "message MUST be filled when status = partial" (§2.8, R-06)
    "if": {"properties": {"status": {"const": "partial"}}}, "then": {"required": ["message"]},
}
OWNERS_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object", "additionalProperties": False, "required": ["responseDetails", "accountOwners"],
    "properties": {
        "responseDetails": _RESPONSE_DETAILS,
        "accountOwners": {"type": "array", "items": {
            "type": "object", "additionalProperties": False,
            "required": ["identifier", "name", "type", "startDate"],
            "properties": {
                "identifier": {
                    "type": "object", "additionalProperties": False, "required": ["value", "type"],  # Q-04: MC
                    "properties": {
                        "countryOfResidence": {"type": "string", "pattern": "^[A-Z]{2}$"},
                        "value": {"type": "string", "pattern": r"^(\d{9}|\d{11})$"},
                        "type": {"enum": ["countryIdentificationCode", "nationalIdentityNumber"]},
                    }},
                "name": {"type": "string", "minLength": 1, "maxLength": 140},
                "type": {"enum": OWNER_ACCOUNT_TYPES},
                "startDate": _ISO_DATE,
                "endDate": _ISO_DATE,
            }}},
    },
}
BANK_ERROR_SCHEMA = {
    "type": "object", "additionalProperties": False, "required": ["code", "message"],
    "properties": {"code": {"type": "string", "pattern": r"^ACC-\d{3}$"}, "message": {"type": "string", "minLength": 1}},
}

# Register shapes: reference/KAR.yaml with the v2 changes (organizationID, ownershipType; D5).
REGISTER_ERROR_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object", "additionalProperties": False, "required": ["errorCode", "errorMessage", "timestamp"],
    "properties": {"errorCode": {"type": "string", "pattern": r"^ERR-\d{3}$"},
                   "errorMessage": {"type": "string", "minLength": 1},
                   "timestamp": {"type": "string", "format": "date-time",
                                 "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"}},
}
_ORG = {"type": "string", "pattern": r"^\d{9}$"}
CUSTOMER_RELATIONSHIPS_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object", "additionalProperties": False, "required": ["banks"],
    "properties": {"banks": {"type": "array", "items": {
        "type": "object", "additionalProperties": False, "required": ["organizationID", "bankName", "activeAccount"],
        "properties": {"organizationID": _ORG, "bankName": {"type": "string", "minLength": 1},
                       "activeAccount": {"type": "boolean"},
                       "ownershipType": {"enum": ["primaryOwner", "notPrimaryOwner", "unknown"]}}}}},
}
SERVICING_PROVIDER_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object", "additionalProperties": False, "required": ["organizationID", "bankName"],
    "properties": {"organizationID": _ORG, "bankName": {"type": "string", "minLength": 1}},
}


def assert_valid(schema: dict, body, what: str = "body") -> None:
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    errors = [f"at {list(e.absolute_path)}: {e.message[:200]}" for e in validator.iter_errors(body)]
    assert not errors, f"{what} does not validate:\n" + "\n".join(errors[:25])


# ----------------------------------------------------------------------------------------------------------
#  Clients
# ----------------------------------------------------------------------------------------------------------
class BankApi:
    """Calls a fake bank the way a consumer does, checking every answer against the contract."""

    def __init__(self, client, world, contract: BankContract, *, validate: bool = True, headers: dict | None = None):
        self.client, self.world, self.contract, self.validate = client, world, contract, validate
        self.headers = {**HEADERS, **(headers or {})}  # sent on every call unless overridden or dropped

    # identifiers -----------------------------------------------------------------------------------------
    def org(self, bank_id: str) -> str:
        return self.world.banks[bank_id].org_number

    def pid(self, party_id: str) -> str:
        return self.world.parties[party_id].identifier

    def number(self, account_id: str) -> str:
        return self.world.accounts[account_id].number

    def base(self, bank_id: str) -> str:
        return f"/banks/{self.org(bank_id)}/v2"

    # raw calls -------------------------------------------------------------------------------------------
    def call(self, bank_id: str, path: str, query=None, headers=None, *, method: str = "GET", drop=(),
             check: bool | None = None, base: str | None = None):
        """`path` relative to the bank base; `query` a dict or list of pairs; `drop` header names to leave out."""
        sent = {k: v for k, v in {**self.headers, **(headers or {})}.items() if k not in drop}
        url = (base if base is not None else self.base(bank_id)) + path
        if query:
            url += ("&" if "?" in path else "?") + urlencode(query)
        response = self.client.open(url, method=method, headers=sent)
        if check if check is not None else self.validate:
            if path.split("?", 1)[0].endswith("/owners"):
                check_owners(response)
            else:
                self.contract.check(path, response)
        return response

    def follow(self, bank_id: str, href: str, headers=None):
        """A links[].href, relative to the bank's base URL (D6), with the same headers."""
        assert href.startswith("/accounts"), href
        return self.call(bank_id, href, headers=headers)

    def ok(self, response) -> dict:
        assert response.status_code == 200, f"HTTP {response.status_code}: {response.data[:500]!r}"
        return response.get_json()

    # endpoints ------------------------------------------------------------------------------------------
    def accounts(self, bank_id, party_id, period=TEN_YEARS, only="false", *, party_value=None, **query) -> dict:
        q = {"fromDate": period[0], "toDate": period[1], "OnlyPrimaryOwner": only, **query}
        ident = party_value if party_value is not None else self.pid(party_id)
        return self.ok(self.call(bank_id, "/accounts", q, {"PartyID": ident}))

    def accounts_all(self, bank_id, party_id, period=TEN_YEARS, only="false") -> list[dict]:
        """Every page of Accounts, following links next (D6)."""
        pages = [self.accounts(bank_id, party_id, period, only)]
        while (nxt := link(pages[-1], "next")) is not None:
            pages.append(self.ok(self.follow(bank_id, nxt, {"PartyID": self.pid(party_id)})))
            assert len(pages) < 1000
        return pages

    def listed(self, bank_id, party_id, period=TEN_YEARS, only="false") -> dict[str, dict]:
        """{account number: accounts[] entry}"""
        return {a["accountIdentifier"]: a for p in self.accounts_all(bank_id, party_id, period, only)
                for a in p["accounts"]}

    def ref(self, party_id: str, account_id: str, period=TEN_YEARS, only="false") -> str:
        """The accountReference the account's bank issues to `party_id` for `account_id`."""
        account = self.world.accounts[account_id]
        entry = self.listed(account.bank_id, party_id, period, only).get(account.number)
        assert entry is not None, f"{account_id} is not in {party_id}'s account list for {period}"
        return entry["accountReference"]

    def _period(self, period):
        return {"fromDate": period[0], "toDate": period[1]}

    def details(self, bank_id, ref, period=TEN_YEARS) -> dict:
        return self.ok(self.call(bank_id, f"/accounts/{ref}", self._period(period)))

    def transaction_pages(self, bank_id, ref, period=TEN_YEARS) -> list[dict]:
        pages = [self.ok(self.call(bank_id, f"/accounts/{ref}/transactions", self._period(period)))]
        while (nxt := link(pages[-1], "next")) is not None:
            pages.append(self.ok(self.follow(bank_id, nxt)))
            assert len(pages) < 1000, "paging does not end"
        return pages

    def transactions(self, bank_id, ref, period=TEN_YEARS) -> list[dict]:
        return [t for page in self.transaction_pages(bank_id, ref, period) for t in page["transactions"]]

    def cards(self, bank_id, ref, period=TEN_YEARS) -> dict:
        return self.ok(self.call(bank_id, f"/accounts/{ref}/cards", self._period(period)))

    def roles(self, bank_id, ref, period=TEN_YEARS) -> dict:
        return self.ok(self.call(bank_id, f"/accounts/{ref}/roles", self._period(period)))

    def owners(self, bank_id, number, period=TEN_YEARS) -> dict:
        return self.ok(self.call(bank_id, f"/accounts/{number}/owners", self._period(period)))


def link(body: dict, rel: str) -> str | None:
    hrefs = [lk["href"] for lk in body.get("links", []) if lk["rel"] == rel]
    assert len(hrefs) <= 1, f"more than one link {rel!r}: {hrefs}"
    return hrefs[0] if hrefs else None


def check_owners(response) -> None:
    """v2.1 Owners: 200 bodies against OWNERS_SCHEMA, errors against the bank error shape."""
    assert response.status_code < 500, f"owners: HTTP {response.status_code}: {response.data[:300]!r}"
    assert response.mimetype == "application/json", response.content_type
    body = json.loads(response.data)
    assert_valid(OWNERS_SCHEMA if response.status_code == 200 else BANK_ERROR_SCHEMA, body, "owners body")


class RegisterApi:
    """Calls the register ("KAR") and checks the bodies' shapes."""

    PREFIX = "/kar-ws/api/v2/customers"

    def __init__(self, client, world):
        self.client, self.world = client, world

    def call(self, endpoint: str, query=None, headers=None, *, method: str = "GET", drop=()):
        defaults = {**HEADERS, "Legal-Mandate": POLITI_MANDATE} if endpoint == "accountServicingProvider" else HEADERS
        sent = {k: v for k, v in {**defaults, **(headers or {})}.items() if k not in drop}
        url = f"{self.PREFIX}/{endpoint}" + (f"?{urlencode(query)}" if query else "")
        response = self.client.open(url, method=method, headers=sent)
        assert response.status_code < 500, f"HTTP {response.status_code}: {response.data[:300]!r}"
        assert response.mimetype == "application/json", response.content_type
        body = json.loads(response.data)
        if response.status_code >= 400:
            assert_valid(REGISTER_ERROR_SCHEMA, body, "register error")
        elif endpoint == "customerRelationships":
            assert_valid(CUSTOMER_RELATIONSHIPS_SCHEMA, body, "customerRelationships")
        else:
            assert_valid(SERVICING_PROVIDER_SCHEMA, body, "accountServicingProvider")
        return response

    def relationships(self, party_id=None, period=TEN_YEARS, only=None, *, customer=None) -> dict[str, dict]:
        """{bank id: entry}; `only` None leaves onlyPrimaryOwner out of the request."""
        query = {"fromDate": period[0], "toDate": period[1]}
        if only is not None:
            query["onlyPrimaryOwner"] = only
        ident = customer if customer is not None else self.world.parties[party_id].identifier
        response = self.call("customerRelationships", query, {"CustomerID": ident})
        assert response.status_code == 200, response.data
        by_org = {b.org_number: b.id for b in self.world.banks.values()}
        entries = response.get_json()["banks"]
        assert len({e["organizationID"] for e in entries}) == len(entries), f"duplicate banks: {entries}"
        return {by_org[e["organizationID"]]: e for e in entries}


def signed(entry: dict) -> int:
    """A balance or transaction amount as signed øre (credit +, debit −)."""
    minor = round(entry["amount"] * 100)
    return minor if entry["creditDebitIndicator"] == "credit" else -minor



def unknown_person(world) -> str:
    """A valid synthetic person number that is nobody in the world."""
    rng = random.Random("tests/api unknown person")
    while (number := ids.generate_person_number(rng, date(1980, 5, 17))) in world.party_by_identifier:
        pass
    return number


def unknown_account(world, registration: str = "9950") -> str:
    """A valid account number (MOD11) that no bank in the world services."""
    rng = random.Random("tests/api unknown account")
    while (number := ids.generate_account_number(rng, registration)) in world.account_by_number:
        pass
    return number


def bad_check_digit(number: str) -> str:
    """The same number with its (last) check digit changed: fails MOD11."""
    return number[:-1] + str((int(number[-1]) + 1) % 10)
