"""Requests, not only responses, against the served documents (issue 14, defect 1: "published contract vs server").

A consumer may validate what it sends against our OpenAPI documents. It must then accept everything our own
answers tell it to send: every `links[].href` (`next` and `prev`, with the opaque `page` cursor) and every header.
This walks the default scenario in process, with tokens from the sandbox's Maskinporten (auth on) and a small page
size so that Accounts and Transactions page: for every named persona, as Skatt-Kontroll, the register's
customerRelationships, then at every bank it names Accounts (OnlyPrimaryOwner true and false) and every account's
details, transactions, cards, roles and v2.1 Owners, following `next` to the end and every `prev` met on the way;
as Politi-Utlevering, the register's accountServicingProvider for every account number seen. Each request is
validated, before it is sent, against `/openapi/bank.json` or `/openapi/kar.json` as served, with openapi-core
(the validator the response-contract tests already use: maintained, OpenAPI 3.0/3.1, validates path, query,
header and security parameters against their schemas); and every header sent must be a declared parameter of
its operation (Authorization is the security scheme, Accept the content negotiation). Every answer is a 200.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest
from werkzeug.datastructures import ImmutableMultiDict

from sandbox.app import create_app
from sandbox.config import Settings
from sandbox.maskinporten.tokens import SCOPE_ACCOUNT_PROVIDER, SCOPE_BANK, SCOPE_RELATIONS
from tests.support import MANDATE, POLITI_MANDATE, inline_refs

PAGE_SIZE = 3
PERIOD = ("2025-05-01", "2025-06-30")  # today is 2025-06-30: pending items and available balances too
UNDOCUMENTED_HEADERS = {"authorization", "accept"}  # the security scheme; content negotiation (not parameters)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    settings = Settings(scenario="default", state_dir=str(tmp_path_factory.mktemp("request-contract")),
                        page_size=PAGE_SIZE)
    return create_app(settings)


class Validator:
    """One served document: validates requests (path relative to the server's host) with openapi-core."""

    def __init__(self, client, name: str, public: str):
        self.doc = json.loads(client.get(f"/openapi/{name}.json").data)
        # openapi-core resolves every $ref on every request (most of its time here): give it the same document
        # with its local references resolved once (inline_refs; the served documents have no recursion).
        self.openapi = OpenAPI.from_dict({**inline_refs(self.doc, self.doc), "components": self.doc["components"]})
        self.public, self.params = public, self._header_params()
        self.checked = 0

    def _header_params(self) -> dict[str, set[str]]:
        """operationId → the header names its parameters declare (lower-cased)."""
        components = self.doc["components"].get("parameters", {})
        out = {}
        for item in self.doc["paths"].values():
            op = item["get"]
            declared = [components[p.split("/")[-1]] if isinstance(p, str) else
                        components[p["$ref"].split("/")[-1]] if "$ref" in p else p for p in op["parameters"]]
            out[op["operationId"]] = {p["name"].lower() for p in declared if p["in"] == "header"}
        return out

    def problems(self, target: str, headers: dict) -> list[str]:
        url = urlsplit(target)
        request = MockRequest(self.public, "get", url.path, args=ImmutableMultiDict(parse_qsl(url.query)),
                              headers=headers)
        self.checked += 1
        try:
            result = self.openapi.unmarshal_request(request)
        except Exception as exc:  # noqa: BLE001 - e.g. no path or operation matched
            return [f"{target}: {type(exc).__name__}: {exc!s:.300}"]
        out = [f"{target}: {type(e).__name__}: {e!s:.300}{_why(e)}" for e in result.errors]
        operation = self._operation_id(url.path)
        undeclared = {h.lower() for h in headers} - self.params[operation] - UNDOCUMENTED_HEADERS
        if undeclared:
            out.append(f"{target}: headers {sorted(undeclared)} are not parameters of {operation}")
        return out

    def _operation_id(self, path: str) -> str:
        from openapi_core.templating.paths.finders import APICallPathFinder

        found = APICallPathFinder(self.openapi.spec).find("get", self.public + path)
        return found.operation["operationId"]


def _why(error: Exception) -> str:
    """The schema errors openapi-core keeps on the cause of an InvalidParameter (which value, which keyword)."""
    causes = getattr(error.__cause__, "schema_errors", None) or ()
    return "".join(f" [{type(c).__name__}: {c!s:.200}]" for c in causes)


class Walk:
    def __init__(self, client, public: str):
        self.client, self.public = client, public
        self.bank = Validator(client, "bank", public)
        self.kar = Validator(client, "kar", public)
        self.tokens: dict = {}
        self.problems: list[str] = []
        self.n = 0
        self.prev_followed = 0
        self.next_followed = {"accounts": 0, "transactions": 0}

    def token(self, client_id: str, audience: str, scope: str) -> str:
        key = (client_id, audience, scope)
        if key not in self.tokens:
            response = self.client.post("/maskinporten/token", data={
                "grant_type": "client_credentials", "client_id": client_id, "scope": scope, "resource": audience})
            assert response.status_code == 200, response.data
            self.tokens[key] = response.get_json()["access_token"]
        return self.tokens[key]

    def get(self, validator: Validator, target: str, token: str, mandate: str, **headers) -> dict:
        self.n += 1
        sent = {"Authorization": f"Bearer {token}", "Accept": "application/json",
                "AccountInfoRequestID": "3f2b8c1e-0000-4000-8000-0000000000c0",
                "CorrelationID": f"3f2b8c1e-0000-4000-8000-{self.n:012d}", "Legal-Mandate": mandate, **headers}
        self.problems += validator.problems(target, sent)
        response = self.client.get(target, headers=sent)
        assert response.status_code == 200, (target, response.status_code, response.data[:300])
        return response.get_json()

    def pages(self, prefix: str, first: str, token: str, **headers) -> list[dict]:
        """Every page from `first`, following `next` to the end; every `prev` met is requested (validated) too."""
        out, target = [], prefix + first
        while target:
            body = self.get(self.bank, target, token, MANDATE, **headers)
            out.append(body)
            links = {link["rel"]: link["href"] for link in body.get("links", [])}
            if "prev" in links:
                self.get(self.bank, prefix + links["prev"], token, MANDATE, **headers)
                self.prev_followed += 1
            target = prefix + links["next"] if "next" in links else None
            if target:
                self.next_followed["transactions" if "/transactions" in first else "accounts"] += 1
        return out

    def persona(self, party) -> None:
        q = urlencode({"fromDate": PERIOD[0], "toDate": PERIOD[1]})
        register = self.public + "/kar-ws/api/v2"
        relations = self.get(self.kar, f"/kar-ws/api/v2/customers/customerRelationships?{q}&onlyPrimaryOwner=false",
                             self.token("skatteetaten", register, SCOPE_RELATIONS), MANDATE,
                             CustomerID=party.identifier)
        for org in (b["organizationID"] for b in relations.get("banks", [])):
            prefix = f"/banks/{org}/v2"
            token = self.token("skatteetaten", self.public + prefix, SCOPE_BANK)
            accounts = {}
            for only in ("true", "false"):
                for page in self.pages(prefix, f"/accounts?{q}&OnlyPrimaryOwner={only}", token,
                                       PartyID=party.identifier, RequesterID="caseworker-contract"):
                    accounts.update({a["accountReference"]: a["accountIdentifier"] for a in page["accounts"]})
            for ref, number in accounts.items():
                self.account_servicing_provider(number)
                if ref == "dataNotDelivered":
                    continue
                for suffix in ("", "/cards", "/roles"):
                    self.get(self.bank, f"{prefix}/accounts/{ref}{suffix}?{q}", token, MANDATE,
                             RequesterID="caseworker-contract")
                self.pages(prefix, f"/accounts/{ref}/transactions?{q}", token, RequesterID="caseworker-contract")
                self.get(self.bank, f"{prefix}/accounts/{number}/owners?{q}", token, MANDATE,
                         RequesterID="caseworker-contract")

    def account_servicing_provider(self, number: str) -> None:
        token = self.token("politiet", self.public + "/kar-ws/api/v2", SCOPE_ACCOUNT_PROVIDER)
        self.get(self.kar, "/kar-ws/api/v2/customers/accountServicingProvider", token, POLITI_MANDATE,
                 AccountID=number)


def test_every_request_of_a_full_walk_validates_against_the_served_documents(app):
    services = app.extensions["dsop"]
    walk = Walk(app.test_client(), services.settings.public_url)
    personas = [p for p in services.world.parties.values() if not p.generated]
    assert len(personas) >= 20
    for party in personas:
        walk.persona(party)
    # the walk really paged, both lists, forwards and back
    assert walk.prev_followed > 10 and walk.next_followed["accounts"] >= 2 and walk.next_followed["transactions"] > 50, \
        (walk.prev_followed, walk.next_followed)
    assert walk.kar.checked > len(personas) and walk.bank.checked > 200, (walk.kar.checked, walk.bank.checked)
    assert not walk.problems, f"{len(walk.problems)} requests do not validate, e.g.:\n" + "\n".join(walk.problems[:15])


def test_documented_parameters_are_the_parsers_constants(app):
    """One source per parameter: the document's patterns, lengths and enums are the parser's own constants."""
    from sandbox.bank import formats, pagination, references
    from sandbox.bank import params as bank_params
    from sandbox.dsop import params

    doc = Validator(app.test_client(), "bank", app.extensions["dsop"].settings.public_url).doc
    schema = {name: p["schema"] for name, p in doc["components"]["parameters"].items()}
    assert schema["page"]["pattern"] == formats.CURSOR_PATTERN == pagination._CURSOR.pattern
    assert schema["page"]["minLength"] == schema["page"]["maxLength"] == formats.CURSOR_LENGTH
    assert schema["accountReference"]["pattern"] == formats.REFERENCE_PATTERN == references._REFERENCE.pattern
    assert schema["accountID"]["pattern"] == formats.ACCOUNT_NUMBER_PATTERN == bank_params._ACCOUNT_NUMBER.pattern
    assert schema["PartyID"]["pattern"] == params.PARTY_ID_PATTERN
    assert schema["AccountInfoRequestID"]["pattern"] == schema["CorrelationID"]["pattern"] == params.UUID_PATTERN
    assert schema["fromDate"]["pattern"] == schema["toDate"]["pattern"] == params.DATE_PATTERN
    assert schema["Legal-Mandate"]["pattern"] == params.LEGAL_MANDATE_PATTERN
    assert schema["AdditionalReferenceIDType"]["enum"] == list(bank_params.ADDITIONAL_REFERENCE_TYPES)
    for name in ("Legal-Mandate", "RequesterID", "AdditionalReferenceID"):
        assert schema[name]["maxLength"] == params.MAX_HEADER
