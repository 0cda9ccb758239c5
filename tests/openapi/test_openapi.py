"""The published OpenAPI documents (`/openapi/bank.json`, `/openapi/kar.json`) and the offline Swagger UI (`/docs`).

What is checked:
* both documents are valid OpenAPI 3 and every route of the bank and register blueprints is in its document,
  with the view's first docstring line as summary (a new route without documentation fails here);
* every example validates against its own schema in the document, strictly (no undeclared key);
* the bank document agrees with reference/Bank_v2.yaml on the shared endpoints (properties, enums, formats,
  required fields, parameters, statuses), and real responses of a walk through the test world validate
  against it (openapi-core, plus a strict copy);
* the examples are real: the example request answers exactly the example body;
* `/docs` links only local files, each of which answers 200; the bytes are the same in two app instances.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from openapi_spec_validator import validate as validate_spec

from sandbox.bank import schemas as bank_schemas
from sandbox.dsop import codes
from tests.support import BANK_OPENAPI, HEADERS, POLITI_MANDATE, TEN_YEARS, fastschema, inline_refs, link, load_yaml
from tests.support.bank import strict_schema

PUBLIC = "http://127.0.0.1:8000"  # Settings.public_url of the test apps
BLUEPRINTS = {"bank": ("bank", "/banks/<orgnr>/v2"), "kar": ("register", "/kar-ws/api/v2")}
OPERATION_IDS = {
    "bank": {"listAccounts", "showAccountById", "listTransactions", "listCards", "listRoles", "listOwners"},
    "kar": {"getCustomerRelation", "getAccountServicingProvider"},
}


# ----------------------------------------------------------------------------------------------------------
#  Helpers
# ----------------------------------------------------------------------------------------------------------
def fetch(client, name: str) -> dict:
    response = client.get(f"/openapi/{name}.json")
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "application/json"
    return json.loads(response.data)


def unwrap(node):
    """`{allOf: [X]}` → X, recursively (how Bank_v2.yaml wraps most properties)."""
    if isinstance(node, dict):
        node = {k: unwrap(v) for k, v in node.items()}
        if "allOf" in node and len(node["allOf"]) == 1:
            inner = node.pop("allOf")[0]
            return {**inner, **{k: v for k, v in node.items() if k in ("description", "example")}}
        return node
    if isinstance(node, list):
        return [unwrap(v) for v in node]
    return node



def schema_errors(schema: dict, value) -> list[str]:
    validator = OAS30Validator(strict_schema(schema), format_checker=oas30_format_checker)
    return [f"at {list(e.absolute_path)}: {e.message[:200]}" for e in validator.iter_errors(value)][:20]


def operations(doc: dict):
    """(path, operation) of every operation, with its $refs resolved."""
    full = inline_refs(doc, doc)
    for path, item in full["paths"].items():
        for method, op in item.items():
            yield path, method, op


def normalized(path: str) -> str:
    return re.sub(r"<[^>]+>|\{[^}]+\}", "{}", path)


class DocContract:
    """Validates real responses against a generated document (openapi-core + strict schemas).

    Every body goes through the strict schema (compiled where it can be: tests/support/fastschema.py, with
    OAS30Validator's messages when it refuses); openapi-core, which also checks the status, media type and
    headers, runs once per (template, status, media type, header names), as in BankContract."""

    def __init__(self, doc: dict):
        self.full = inline_refs(doc, doc)
        self.openapi = OpenAPI.from_dict(self.full)
        self._matched: set[tuple] = set()
        self._compiled: dict[tuple, object] = {}

    def _strict_errors(self, key: tuple, schema: dict, body) -> list[str]:
        if key not in self._compiled:
            try:
                self._compiled[key] = fastschema.compile_schema(strict_schema(schema))
            except ValueError:  # OpenAPI keywords the compiled form does not translate: jsonschema only
                self._compiled[key] = None
        return fastschema.errors(self._compiled[key], body, lambda b: schema_errors(schema, b))

    def check(self, base: str, path: str, response) -> None:
        """`base` is the API's base path on this server, `path` relative to it as in the document."""
        status = response.status_code
        assert status < 500, f"{path}: HTTP {status}: {response.data[:300]!r}"
        assert response.mimetype == "application/json"
        template = self._template(path)
        key = (template, status, response.mimetype, frozenset(k.lower() for k in response.headers.keys()))
        if key not in self._matched:
            request = MockRequest(PUBLIC, "get", base + path.split("?", 1)[0])
            mock = MockResponse(response.data, status_code=status, content_type=response.mimetype,
                                headers=dict(response.headers))
            try:
                self.openapi.validate_response(request, mock)
            except Exception as exc:  # noqa: BLE001 - any validation error is a documentation failure
                pytest.fail(f"{path}: HTTP {status} does not validate against the generated document: {exc!s:.600}")
            self._matched.add(key)
        responses = self.full["paths"][template]["get"]["responses"]
        schema = (responses.get(str(status)) or responses["default"])["content"]["application/json"]["schema"]
        errors = self._strict_errors((template, status), schema, json.loads(response.data))
        assert not errors, f"{path}: HTTP {status} body has keys or values the document does not declare:\n" + \
            "\n".join(errors)

    def _template(self, path: str) -> str:
        bare = path.split("?", 1)[0]
        for template in self.full["paths"]:
            if re.fullmatch(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)), bare):
                return template
        raise AssertionError(f"{bare} matches no path of the document")


@pytest.fixture(scope="module")
def bank_doc(client) -> dict:
    return fetch(client, "bank")


@pytest.fixture(scope="module")
def kar_doc(client) -> dict:
    return fetch(client, "kar")


@pytest.fixture(scope="module")
def docs(bank_doc, kar_doc) -> dict:
    return {"bank": bank_doc, "kar": kar_doc}


# ----------------------------------------------------------------------------------------------------------
#  Valid, complete, and summarised from the views
# ----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("settings", [{}, {"lenient": True}, {"auth": True}], ids=["default", "lenient", "auth"])
def test_documents_are_valid_openapi_3(make_app, settings):
    client = make_app(**settings).test_client()
    for name in ("bank", "kar"):
        doc = fetch(client, name)
        assert doc["openapi"].startswith("3.0")
        validate_spec(doc)
        period = [p for p in inline_refs(doc, doc)["paths"][next(iter(doc["paths"]))]["get"]["parameters"]
                  if p["name"] in ("fromDate", "toDate")]
        assert len(period) == 2 and all(p["required"] is not settings.get("lenient", False) for p in period)


@pytest.mark.parametrize("name", ["bank", "kar"])
def test_every_route_of_the_blueprint_is_documented(app, docs, name):
    blueprint, prefix = BLUEPRINTS[name]
    doc = docs[name]
    routes = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(f"{blueprint}."):
            assert rule.rule.startswith(prefix), rule.rule
            assert rule.methods - {"HEAD", "OPTIONS"} == {"GET"}, f"{rule.rule}: only GET is documented"
            routes[normalized(rule.rule[len(prefix):])] = rule.endpoint
    documented = {normalized(path): path for path in doc["paths"]}
    assert set(routes) == set(documented), (f"routes without documentation: {set(routes) - set(documented)}; "
                                            f"documented paths without a route: {set(documented) - set(routes)}")
    assert {op["operationId"] for _, _, op in operations(doc)} == OPERATION_IDS[name]
    for key, endpoint in routes.items():
        item = doc["paths"][documented[key]]
        assert set(item) == {"get"}
        view_doc = app.view_functions[endpoint].__doc__
        assert view_doc, f"{endpoint} has no docstring to summarise"
        assert item["get"]["summary"] == view_doc.strip().splitlines()[0].strip()


def test_servers_use_the_public_url(docs, world):
    (bank_server,) = docs["bank"]["servers"]
    assert bank_server["url"] == f"{PUBLIC}/banks/{{orgnr}}/v2"
    orgnr = bank_server["variables"]["orgnr"]
    assert orgnr["enum"] == [b.org_number for b in world.banks.values()] and orgnr["default"] in orgnr["enum"]
    assert [s["url"] for s in docs["kar"]["servers"]] == [f"{PUBLIC}/kar-ws/api/v2"]


def test_security_schemes_name_the_scopes(docs):
    bank = docs["bank"]
    assert bank["components"]["securitySchemes"]["maskinporten"]["scheme"] == "bearer"
    for _, _, op in operations(bank):
        assert op["security"] == [{"maskinporten": []}] and op["x-maskinporten-scope"] == "bits:kontoinformasjon"
    kar = docs["kar"]
    scopes = {op["operationId"]: (op["x-maskinporten-scope"], op["security"]) for _, _, op in operations(kar)}
    assert scopes == {"getCustomerRelation": ("bits:kundeforhold", [{"kundeforhold": []}]),
                      "getAccountServicingProvider": ("bits:kundeforhold.konto", [{"kundeforholdKonto": []}])}


def test_every_error_status_is_documented_with_its_codes(docs):
    expected = {"400": ["ACC-001"], "401": ["ACC-010"], "403": ["ACC-011"], "404": ["ACC-002", "ACC-003"],
                "405": ["ACC-012"], "406": ["ACC-013"], "429": ["ACC-022"], "500": ["ACC-100"]}
    for path, _, op in operations(docs["bank"]):
        for status, wire_codes in expected.items():
            response = op["responses"][status]
            assert all(code in response["description"] for code in wire_codes), (path, status)
            shown = {ex["value"]["code"] for ex in response["content"]["application/json"]["examples"].values()}
            assert shown == set(wire_codes), (path, status, shown)
        assert "default" in op["responses"]
    kar = {op["operationId"]: op for _, _, op in operations(docs["kar"])}
    codes_of = {"getCustomerRelation": {"400": {"ERR-002", "ERR-003", "ERR-006"}, "401": {"ERR-001"},
                                        "403": {"ERR-001"}, "405": {"ERR-405"}, "500": {"ERR-500"}},
                "getAccountServicingProvider": {"400": {"ERR-004", "ERR-006"}, "403": {"ERR-001"},
                                                "404": {"ERR-005"}, "405": {"ERR-405"}, "500": {"ERR-500"}}}
    for op_id, statuses in codes_of.items():
        for status, wire_codes in statuses.items():
            examples = kar[op_id]["responses"][status]["content"]["application/json"]["examples"]
            assert {ex["value"]["errorCode"] for ex in examples.values()} == wire_codes, (op_id, status)
    unauthorized = kar["getAccountServicingProvider"]["responses"]["401"]["content"]["application/json"]
    assert [ex["value"]["statusCode"] for ex in unauthorized["examples"].values()] == [401]


# ----------------------------------------------------------------------------------------------------------
#  Examples
# ----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["bank", "kar"])
def test_every_example_validates_against_its_own_schema(docs, name):
    counted = 0
    for path, _, op in operations(docs[name]):
        for param in op["parameters"]:
            if "example" in param:
                counted += 1
                errors = schema_errors(param["schema"], param["example"])
                assert not errors, f"{path} parameter {param['name']}: {errors}"
        for status, response in op["responses"].items():
            for media, content in response.get("content", {}).items():
                for key, ex in content.get("examples", {}).items():
                    counted += 1
                    errors = schema_errors(content["schema"], ex["value"])
                    assert not errors, f"{path} {status} {media} example {key}:\n" + "\n".join(errors)
    assert counted >= (60 if name == "bank" else 25)


def test_examples_are_the_real_answers_to_the_example_request(client, bank_doc, kar_doc):
    """The default server and the parameters' examples, sent as they are, get the examples' bodies."""
    for doc, base in ((bank_doc, None), (kar_doc, "/kar-ws/api/v2")):
        full = inline_refs(doc, doc)
        if base is None:
            base = "/banks/" + doc["servers"][0]["variables"]["orgnr"]["default"] + "/v2"
        for path, _, op in operations(doc):
            params = {p["name"]: p for p in op["parameters"]}
            url = path.format(**{n: p["example"] for n, p in params.items() if p["in"] == "path"})
            query = {n: str(p["example"]).lower() if isinstance(p["example"], bool) else p["example"]
                     for n, p in params.items() if p["in"] == "query" and "example" in p}
            headers = {n: str(p["example"]) for n, p in params.items() if p["in"] == "header" and "example" in p}
            assert all(n in headers for n, p in params.items() if p["in"] == "header" and p["required"]), path
            response = client.get(f"{base}{url}?{urlencode(query)}", headers={**headers, "Accept": "application/json"})
            assert response.status_code == 200, f"{path}: {response.data[:300]!r}"
            body = response.get_json()
            example = full["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["examples"]["persona"]
            if "transactions" in body:
                shown = example["value"]["transactions"]
                assert shown and all(t in body["transactions"] for t in shown)
                body = {**body, "transactions": shown}
            assert body == example["value"], path


def test_error_examples_carry_the_messages_the_code_sends(client, bank_doc):
    full = inline_refs(bank_doc, bank_doc)
    base = "/banks/" + bank_doc["servers"][0]["variables"]["orgnr"]["default"] + "/v2"
    op = full["paths"]["/accounts/{accountReference}"]["get"]
    examples = op["responses"]["404"]["content"]["application/json"]["examples"]
    response = client.get(f"{base}/accounts/unknown-reference?fromDate={TEN_YEARS[0]}&toDate={TEN_YEARS[1]}",
                          headers=HEADERS)
    assert response.status_code == 404 and response.get_json() == examples["ACC-002"]["value"]
    missing = client.get(f"{base}/accounts/unknown-reference")
    assert missing.get_json() == op["responses"]["400"]["content"]["application/json"]["examples"]["missingHeader"]["value"]


# ----------------------------------------------------------------------------------------------------------
#  Agreement with the public OpenAPI (Bank_v2.yaml) and with real responses
# ----------------------------------------------------------------------------------------------------------
FACETS = ("type", "format", "minLength", "maxLength", "minItems", "minimum")


def compare(ours, theirs, where: str, problems: list[str]) -> None:
    """Our schema must say what Bank_v2.yaml says: same properties, enums and facets; at least its required."""
    for facet in FACETS:
        if facet == "minItems" and theirs.get(facet) == 0:  # the default: says nothing
            continue
        if facet in theirs and ours.get(facet) != theirs[facet]:
            problems.append(f"{where}: {facet} {ours.get(facet)!r} != {theirs[facet]!r}")
    if "enum" in theirs and sorted(x.strip() for x in theirs["enum"]) != sorted(ours.get("enum", [])):
        problems.append(f"{where}: enum {ours.get('enum')} != {theirs['enum']}")
    if "properties" in theirs:
        mine, public = set(ours.get("properties", {})), set(theirs["properties"])
        if mine != public:
            problems.append(f"{where}: properties only ours {sorted(mine - public)}, only Bank_v2 {sorted(public - mine)}")
        if not set(theirs.get("required", [])) <= set(ours.get("required", [])):
            problems.append(f"{where}: required {ours.get('required')} lacks some of {theirs['required']}")
        for key in mine & public:
            compare(ours["properties"][key], theirs["properties"][key], f"{where}.{key}", problems)
    if "items" in theirs:
        compare(ours.get("items", {}), theirs["items"], f"{where}[]", problems)


def test_bank_document_agrees_with_bank_v2(bank_doc):
    public = unwrap(inline_refs(load_yaml(BANK_OPENAPI), load_yaml(BANK_OPENAPI)))
    ours = unwrap(inline_refs(bank_doc, bank_doc))
    by_id = {op["operationId"]: (path, op) for path, item in ours["paths"].items() for op in item.values()}
    problems: list[str] = []
    shared = 0
    for path, item in public["paths"].items():
        theirs = item["get"]
        assert theirs["operationId"] in by_id, f"{theirs['operationId']} is not in the generated document"
        our_path, op = by_id[theirs["operationId"]]
        assert our_path == path
        shared += 1
        for status, response in theirs["responses"].items():
            assert status in op["responses"], f"{path}: status {status} is not documented"
            compare(op["responses"][status]["content"]["application/json"]["schema"],
                    response["content"]["application/json"]["schema"], f"{path} {status}", problems)
        their_params = {(p["name"].strip(), p["in"]): p for p in theirs["parameters"]}
        our_params = {(p["name"], p["in"]): p for p in op["parameters"]}
        assert set(their_params) <= set(our_params), f"{path}: missing {set(their_params) - set(our_params)}"
        assert set(our_params) - set(their_params) <= {("page", "query")}, path
        for key, param in their_params.items():
            compare(our_params[key]["schema"], param["schema"], f"{path} parameter {key[0]}", problems)
            # Stricter than the OpenAPI only where the design says so (D8: fromDate/toDate are mandatory).
            if key[0] not in ("fromDate", "toDate"):
                assert our_params[key]["required"] == param["required"], (path, key)
    assert shared == 5
    assert not problems, "\n".join(problems)


def test_code_lists_are_bank_v2s():
    schemas = load_yaml(BANK_OPENAPI)["components"]["schemas"]
    for ours, name in ((codes.DOMAINS, "DomainType"), (codes.FAMILIES, "FamilyType"),
                       (codes.SUB_FAMILIES, "SubFamilyType"), (codes.ADDRESS_TYPES, "AddressType"),
                       (codes.TRANSACTION_REFERENCE_TYPES, "TransactionReferenceType"),
                       (codes.COUNTERPARTY_TYPES, "CounterPartyType")):
        assert list(ours) == [x.strip() for x in schemas[name]["enum"]], name


def test_real_bank_responses_validate_against_the_generated_document(api, world, bank_doc):
    """A walk through every named party's accounts at every bank: each body (and a few errors) is described."""
    contract = DocContract(bank_doc)
    checked = 0
    for party in (p for p in world.parties.values() if not p.generated):
        for bank in world.banks_for(party.id, world.date_range()):
            base = api.base(bank.id)
            response = api.call(bank.id, "/accounts", {"fromDate": TEN_YEARS[0], "toDate": TEN_YEARS[1],
                                                       "OnlyPrimaryOwner": "false"}, {"PartyID": party.identifier})
            contract.check(base, "/accounts", response)
            checked += 1
            if response.status_code != 200:
                continue
            for entry in response.get_json()["accounts"]:
                ref, number = entry["accountReference"], entry["accountIdentifier"]
                period = {"fromDate": TEN_YEARS[0], "toDate": TEN_YEARS[1]}
                for path in (f"/accounts/{ref}", f"/accounts/{ref}/transactions", f"/accounts/{ref}/cards",
                             f"/accounts/{ref}/roles", f"/accounts/{number}/owners"):
                    page = api.call(bank.id, path, period)
                    contract.check(base, path, page)
                    checked += 1
                    nxt = link(page.get_json(), "next") if page.status_code == 200 else None
                    if nxt:
                        contract.check(base, nxt, api.follow(bank.id, nxt))
                        checked += 1
    bank_id = next(iter(world.banks))
    for path, query, drop in (("/accounts", {}, ()), ("/accounts/forged", dict(zip(("fromDate", "toDate"), TEN_YEARS, strict=True)), ()),
                              ("/accounts/forged/cards", {}, ("AccountInfoRequestID",)),
                              ("/accounts/123/owners", dict(zip(("fromDate", "toDate"), TEN_YEARS, strict=True)), ())):
        response = api.call(bank_id, path, query, drop=drop, check=False)
        assert response.status_code in (400, 404)
        contract.check(api.base(bank_id), path, response)
        checked += 1
    assert checked > 50


def test_real_register_responses_validate_against_the_generated_document(client, world, kar_doc):
    contract = DocContract(kar_doc)
    base = "/kar-ws/api/v2"
    period = {"fromDate": TEN_YEARS[0], "toDate": TEN_YEARS[1]}
    for party in (p for p in world.parties.values() if not p.generated):
        for only in (None, "true", "false"):
            query = {**period, **({"onlyPrimaryOwner": only} if only else {})}
            response = client.get(f"{base}/customers/customerRelationships?{urlencode(query)}",
                                  headers={**HEADERS, "CustomerID": party.identifier})
            assert response.status_code == 200
            contract.check(base, "/customers/customerRelationships", response)
    politi = {**HEADERS, "Legal-Mandate": POLITI_MANDATE}
    for number in list(world.account_by_number)[:10] + ["12345678903", "123"]:
        response = client.get(f"{base}/customers/accountServicingProvider", headers={**politi, "AccountID": number})
        contract.check(base, "/customers/accountServicingProvider", response)
    response = client.get(f"{base}/customers/customerRelationships", headers={**HEADERS, "CustomerID": "123"})
    assert response.status_code == 400
    contract.check(base, "/customers/customerRelationships", response)


def test_error_body_is_dumped_through_its_schema():
    from sandbox.bank.errors import UnknownAccount

    body = UnknownAccount("no such account").body()
    assert body == bank_schemas.BankErrorSchema().dump(body) == {"code": "ACC-002", "message": "no such account"}


# ----------------------------------------------------------------------------------------------------------
#  /docs: offline Swagger UI; bytes and 404s
# ----------------------------------------------------------------------------------------------------------
class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])
        if tag == "link" and attrs.get("href"):
            self.urls.append(attrs["href"])


def test_docs_page_is_fully_offline(client):
    response = client.get("/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "://" not in html and "//" not in html.replace("://", ""), "the page must not link another host"
    parser = _Links()
    parser.feed(html)
    scripts = [u for u in parser.urls if u.endswith(".js")]
    styles = [u for u in parser.urls if u.endswith(".css")]
    assert scripts and styles
    for url in parser.urls:
        assert url.startswith("/docs/") and not url.startswith("//"), url
        asset = client.get(url)
        assert asset.status_code == 200 and asset.data, url
        asset.close()  # a file response: release the file
    config = json.loads(re.search(r"var config = (\{.*?\});\n", html, re.S).group(1))
    assert config["validatorUrl"] is None  # Swagger UI would otherwise fetch a badge from the internet
    assert {u["url"] for u in config["urls"]} == {"/openapi/bank.json", "/openapi/kar.json"}
    for entry in config["urls"]:
        assert client.get(entry["url"]).status_code == 200


@pytest.mark.parametrize("path", ["/docs/", "/docs/assets/nope.js", "/docs/assets/index.html", "/docs/x/y",
                                  "/openapi/other.json", "/openapi/bank.yaml", "/openapi", "/openapi/"])
def test_unknown_paths_under_docs_and_openapi_are_json_404(client, path):
    response = client.get(path)
    assert response.status_code == 404 and response.mimetype == "application/json"
    assert response.get_json()["error"] == 404


def test_documents_are_deterministic_bytes(make_app, client):
    other = make_app(page_size=1000).test_client()  # a second app instance with the same settings
    assert other is not client
    for name in ("bank", "kar"):
        first = client.get(f"/openapi/{name}.json")
        assert first.data == client.get(f"/openapi/{name}.json").data == other.get(f"/openapi/{name}.json").data
        assert first.headers["ETag"] == other.get(f"/openapi/{name}.json").headers["ETag"]
        cached = client.get(f"/openapi/{name}.json", headers={"If-None-Match": first.headers["ETag"]})
        assert cached.status_code == 304
