"""The workshop UI through Flask's test client (fast): every page answers, shows what the world and the services'
rules say, runs a case with the reference consumer, serves the live traffic data, mints working tokens, keeps
API errors in their JSON formats, and asks for the admin token when the server has one.

Browser tests (real Chromium): tests/ui/. Page timings: tests/perf/bench_ui.py.
"""

from __future__ import annotations

import html
import re
import shlex
import urllib.parse
from datetime import date

import pytest

from sandbox.app import build_services, create_app
from sandbox.config import Settings
from sandbox.ui import model, runner, timeline

PAGES = ("/", "/parties/ola-joint", "/run", "/traffic", "/tokens", "/traffic/cases/nothing-yet", "/login")
FULL_JWT = re.compile(r"eyJ[\w-]{10,}\.eyJ[\w-]{40,}\.[\w-]{40,}")


@pytest.fixture(scope="module")
def services(tmp_path_factory):
    return build_services(Settings(state_dir=str(tmp_path_factory.mktemp("ui-state"))))


@pytest.fixture(scope="module")
def app(services):
    return create_app(services.settings, services)


@pytest.fixture()
def client(app):
    return app.test_client()


def text(response) -> str:
    """The page as plain text (tags dropped, entities decoded), whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def post_run(client, **form):
    response = client.post("/run", data=form)
    page = response.get_data(as_text=True)
    case_id = re.search(r'data-testid="case-id">([0-9a-f-]{36})<', page)
    return response, page, case_id.group(1) if case_id else None


# ---- every page ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", PAGES)
def test_every_page_answers_html(client, path):
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "/ui/static/ui.css" in page and "2025-06-30" in page
    assert not re.search(r'<(script|link)[^>]+(src|href)="(https?:)?//', page), "no external scripts or styles"
    for link in ("/docs", "/openapi/bank.json", "/openapi/kar.json"):
        assert f'href="{link}"' in page


def test_static_assets_are_served(client):
    for name, kind in (("ui.css", "text/css"), ("ui.js", "text/javascript"), ("traffic.js", "text/javascript")):
        with client.get(f"/ui/static/{name}") as response:
            assert response.status_code == 200 and response.mimetype == kind
            assert b"http://" not in response.data and b"https://" not in response.data  # no CDN


def test_overview_shows_scenario_banks_agencies_and_personas(client, services):
    world = services.world
    page = text(client.get("/"))
    assert "Sandbox date 2025-06-30" in page
    for bank in world.banks.values():
        assert bank.name in page and bank.org_number in page
        assert f"{services.settings.public_url}/banks/{bank.org_number}/v2" in page
        assert ", ".join(bank.registration_numbers) in page
    for consumer in world.consumers.values():
        assert consumer.name in page and consumer.org_number in page
    for name in ("Skatt-Kontroll", "Politi-Utlevering", "Konkursbehandling", "Oppgjør etter dødsfall", "Vergekontroll",
                 "FI-Utlegg Saldo"):
        assert name in page
    for p in world.parties.values():
        if not p.generated:
            assert p.name in page and p.identifier in page and p.about.split(":")[0] in page
    assert 'href="/run?party=smuldre-bakeri&amp;service=konkurs"' in client.get("/").get_data(as_text=True)


# ---- party page ------------------------------------------------------------------------------------------
def test_party_page_identity_accounts_and_timeline(client, services):
    page = client.get("/parties/ola-joint").get_data(as_text=True)
    assert "OLA TESTMANN" in page and "20907245528" in page
    svg = re.search(r"<svg class=\"timeline\".*?</svg>", page, re.S).group(0)
    for number in ("99106991894", "99101785188", "99118055639"):
        assert number in svg and number in page
    assert svg.count('class="rel-primary"') == 3 and 'class="window"' in svg and 'class="card card-active"' in svg
    assert client.get("/parties/20907245528").status_code == 200  # by identity number too


def test_party_page_preview_follows_the_bank_rules(services):
    """Eva is only a secondary owner: OnlyPrimaryOwner=false lists the joint account, true gives an empty list."""
    eva = services.world.parties["eva-joint"]
    result = model.preview(services, eva, model.period_choice(date(2025, 6, 30), "2024-01-01", "2025-06-30").window,
                           "skatt")
    false, true = result["columns"]
    assert [a["accountIdentifier"] for b in false["banks"] for a in b["accounts"]] == ["99106991894"]
    assert [a for b in true["banks"] for a in b["accounts"]] == []
    assert [b["organizationID"] for b in result["register"]] == ["320907063"]


def test_party_page_preview_shows_refusals_as_a_bank_sends_them(client):
    page = text(client.get("/parties/ola-joint?service=konkurs"))
    assert "403 ACC-011" in page and "no bankruptcy ruling" in page
    page = text(client.get("/parties/ola-joint?from=2010-01-01&to=2025-06-30&service=skatt"))
    assert "400 ACC-001" in page and "at most 10 years back" in page
    page = text(client.get("/parties/ola-joint?from=2025-06-30&to=2025-01-01"))
    assert "earlier than fromDate" in page and "400 ACC-001" in page
    page = text(client.get("/parties/bente-ward?service=verge&from=2024-01-01&to=2024-12-31"))
    assert "TROND" in page and "99117367378" in page  # the current guardian's srf reference finds the account


def test_timeline_marks_the_listed_accounts(services):
    world = services.world
    per = world.parties["per-disponent"]
    accounts = model.party_accounts(world, per)
    window = model.period_choice(world.today, "2024-01-01", "2025-06-30").window
    listed = model.preview(services, per, window, "skatt")["listedNumbers"]
    chart = timeline.chart(world, per, accounts, window, listed)
    checks = [s for s in chart["shapes"] if s.get("cls") == "check"]
    assert len(checks) == len(listed) > 0
    assert all(timeline.X0 <= s["x"] <= timeline.X1 for s in chart["shapes"] if s["t"] == "rect")


def test_unknown_party_is_an_html_404(client):
    response = client.get("/parties/nobody-at-all")
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "nobody-at-all" in text(response)


def test_api_errors_keep_their_json_formats(client):
    assert client.get("/no-such-thing").get_json() == {"error": 404, "message": "no such endpoint: /no-such-thing"}
    assert client.get("/banks/320907063/v2/nope").get_json()["code"] == "ACC-002"
    assert client.get("/ui/no-such.json").get_json()["error"] == 404
    response = client.get("/traffic/nope/deeper")
    assert response.status_code == 404 and response.mimetype == "text/html"


# ---- run a case --------------------------------------------------------------------------------------------
def test_run_a_case_shows_every_step_and_logs_it(client, app):
    response, page, case_id = post_run(client, service="skatt", party="ola-joint", **{"from": "2024-01-01",
                                                                                        "to": "2025-06-30"})
    assert response.status_code == 200 and case_id
    labels = re.findall(r'<span class="label">(.*?)</span>', page)
    assert labels[:4] == ["Maskinporten: metadata", "Maskinporten: token bits:kundeforhold for register",
                          "Register: customerRelationships", "Directory: Kontrollinformasjon"]
    assert "SANDKASSE SPAREBANK: accounts" in labels
    for endpoint in ("details", "transactions", "cards", "roles", "owners"):
        assert f"SANDKASSE SPAREBANK 99101785188: {endpoint}" in labels
    assert "Every call answered" in page and "decrypted JWE" in page
    assert not FULL_JWT.search(page), "tokens are shortened on the page"
    assert "Bearer eyJ" in page and "AccountInfoRequestID" in page and "Skatteforvaltningsloven § 10-2" in page
    logged = app.extensions["sandbox.audit"].case(case_id)
    assert len(logged) == page.count('class="step kind-register') + page.count('class="step kind-bank')
    assert {r["status"] for r in logged} == {200}


def test_a_refused_call_shows_its_code_and_why(client):
    response, page, _ = post_run(client, service="konkurs", party="ola-joint", **{"from": "2025-01-01",
                                                                                   "to": "2025-06-30"})
    assert response.status_code == 200
    assert re.search(r'class="badge bad">ACC-011<', page)
    assert "no bankruptcy ruling is registered for 20907245528" in page
    assert "forbidden: the consumer may not use this service" in page


def test_run_politi_and_verge_supply_their_references(client):
    _, page, case_id = post_run(client, service="politi", party="per-disponent")
    assert case_id and "Police: sign an extradition order" in page and "Every call answered" in page
    assert "AdditionalReferenceIDType" in page and "pol1" in page
    _, page, case_id = post_run(client, service="verge", party="bente-ward")
    assert case_id and "Every call answered" in page and "TROND" in page


def test_run_form_errors(client):
    response, page, case_id = post_run(client, service="oed", party="ola-joint")
    assert response.status_code == 200 and case_id is None and "no date of death" in page
    response, page, _ = post_run(client, service="nope", party="ola-joint")
    assert response.status_code == 200 and "unknown service" in page


def test_run_form_is_prefilled_from_the_query(client):
    page = client.get("/run?party=smuldre-bakeri&service=konkurs").get_data(as_text=True)
    assert re.search(r'<option value="konkurs" selected>', page)
    assert re.search(r'<option value="smuldre-bakeri" selected>', page)


def test_runner_explains_its_transport_choice():
    doc = runner.__doc__
    assert "in-process" in doc and "gunicorn" in doc and "fresh thread" in doc


# ---- live traffic ------------------------------------------------------------------------------------------
def test_traffic_json_groups_filters_and_says_unchanged(client):
    _, _, case_id = post_run(client, service="skatt", party="ingrid-multibank", **{"from": "2024-01-01",
                                                                                    "to": "2025-06-30"})
    data = client.get("/ui/traffic.json").get_json()
    assert data["enabled"] and data["latest"] == data["requests"][0]["id"]
    ours = [r for r in data["requests"] if r["accountInfoRequestId"] == case_id]
    assert ours and {r["party"] for r in ours if r["api"] == "bank" and r["endpoint"] == "accounts"} == {"25848522867"}
    assert client.get(f"/ui/traffic.json?since={data['latest']}").get_json() == {
        "enabled": True, "unchanged": True, "latest": data["latest"]}
    by_bank = client.get("/ui/traffic.json?bank=fjordtest").get_json()["requests"]
    assert by_bank and {r["bank"] for r in by_bank} == {"217694043"}
    errors = client.get("/ui/traffic.json?status=error&consumer=brreg").get_json()["requests"]
    assert all(r["status"] >= 400 and r["consumer"] == "974760673" for r in errors)
    page = text(client.get(f"/traffic/cases/{case_id}"))
    assert "customerRelationships" in page and "accounts" in page and "25848522867" in page


# ---- tokens ------------------------------------------------------------------------------------------------
def curl_request(curl: str) -> tuple[str, dict]:
    """The URL and headers of a curl line from the Tokens page."""
    words = shlex.split(curl.replace("\\\n", " "))
    headers = dict(words[i + 1].split(": ", 1) for i, w in enumerate(words) if w == "-H")
    return words[-1], headers


@pytest.mark.parametrize("audience, scope, service, party, listed", [
    ("/banks/320907063/v2", "bits:kontoinformasjon", "skatt", "ola-joint", "accounts"),
    ("/kar-ws/api/v2", "bits:kundeforhold", "skatt", "ola-joint", "banks"),
    ("/banks/320907063/v2", "bits:kontoinformasjon", "fi-utlegg", "lars-cards", "accounts"),
])
def test_minted_token_and_curl_line_work(client, services, audience, scope, service, party, listed):
    base = services.settings.public_url
    response = client.post("/tokens", data={"consumer": "skatteetaten", "scope": scope, "audience": base + audience,
                                            "ttl": "600", "service": service, "party": party})
    assert response.status_code == 200
    curl = html.unescape(re.search(r'<pre id="curl"[^>]*>(.*?)</pre>', response.get_data(as_text=True), re.S).group(1))
    url, headers = curl_request(curl)
    split = urllib.parse.urlsplit(url)
    answer = client.get(split.path, query_string=split.query, headers=headers)
    assert answer.status_code == 200, answer.get_json()
    assert listed in answer.get_json()


def test_politi_curl_line_carries_a_signed_order(client, services):
    base = services.settings.public_url
    response = client.post("/tokens", data={"consumer": "politiet", "scope": "bits:kontoinformasjon",
                                            "audience": base + "/banks/320907063/v2", "party": "ola-joint"})
    curl = html.unescape(re.search(r'<pre id="curl"[^>]*>(.*?)</pre>', response.get_data(as_text=True), re.S).group(1))
    url, headers = curl_request(curl)
    assert headers["AdditionalReferenceIDType"] == "pol1"
    split = urllib.parse.urlsplit(url)
    assert client.get(split.path, query_string=split.query, headers=headers).status_code == 200


def test_token_refusals(client, services):
    response = client.post("/tokens", data={"consumer": "skatteetaten", "scope": "bits:kundeforhold.konto",
                                            "audience": services.settings.public_url + "/kar-ws/api/v2"})
    assert response.status_code == 200 and "may not have scope" in text(response)
    response = client.post("/tokens", data={"consumer": "skatteetaten", "scope": "bits:kundeforhold",
                                            "audience": services.settings.public_url + "/banks/320907063/v2"})
    assert response.status_code == 200 and "it will answer 403 (ACC-011)" in text(response)


# ---- the admin token ---------------------------------------------------------------------------------------
def test_admin_token_protects_the_ui(services, tmp_path):
    settings = Settings(state_dir=str(tmp_path), admin_token="s3cret")
    app = create_app(settings, build_services(settings))
    client = app.test_client()
    response = client.get("/traffic?bank=fjordtest")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
    assert client.get("/ui/traffic.json").status_code == 401
    with client.get("/ui/static/ui.css") as response:
        assert response.status_code == 200
    assert client.post("/login", data={"token": "wrong", "next": "/"}).status_code == 401
    response = client.post("/login", data={"token": "s3cret", "next": "//evil.example/"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "HttpOnly" in response.headers["Set-Cookie"] and "SameSite=Strict" in response.headers["Set-Cookie"]
    assert client.get("/traffic").status_code == 200
    _, page, case_id = post_run(client, service="politi", party="ola-joint", **{"from": "2024-01-01",
                                                                                 "to": "2025-06-30"})
    assert case_id and "Every call answered" in page  # the order is minted with the server's admin token
    assert client.get("/sandbox/v1/requests").status_code == 401  # the JSON admin API keeps its own check
    client.post("/logout")
    assert client.get("/").status_code == 302


def test_a_dropped_connection_is_no_answer_in_process(tmp_path):
    """Faults `reset`/`empty` raise in the WSGI stack; the in-process transport turns them into "no answer"."""
    from sandbox.client import RetryPolicy, TransportError

    settings = Settings(scenario="small", state_dir=str(tmp_path), allow_fault_headers=True, auth=False)
    app = create_app(settings)
    bank = next(iter(app.extensions["dsop"].world.banks.values()))
    transport = runner.InProcessTransport(app=app, retry=RetryPolicy(attempts=2, backoff=0.001))
    with pytest.raises(TransportError, match="connection reset"):
        transport.request("GET", f"{settings.public_url}/banks/{bank.org_number}/v2/accounts", {"Sandbox-Fault": "reset"})
    steps = runner.describe(app.extensions["dsop"].world, transport.exchanges, None, None)
    assert [(s["status"], s["message"].split(":")[0]) for s in steps] == [(0, "no answer")] * 2
