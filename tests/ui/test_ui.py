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
from sandbox.client import add_months
from sandbox.config import Settings
from sandbox.gc_pause import cyclic_gc_paused
from sandbox.ui import access, model, runner, timeline
from sandbox.ui import steps as ui_steps

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
    """The page as plain text (tags dropped, `<wbr>` line-break hints without a space, entities decoded), whitespace
    collapsed."""
    page = response.get_data(as_text=True).replace("<wbr>", "")
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def post_run(client, **form):
    """Run a case; a run that started answers 303 to its stable URL (/ui/runs/<id>), followed here."""
    response = client.post("/run", data=form, follow_redirects=True)
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


def test_timeline_labels_are_whole_and_carry_a_tooltip(services):
    """Issue 15: timeline labels were 12–13 px and cut. Each account has its number, bank and type on three lines
    at LABEL_PX (≥ 15 px on screen from 1024 px up), so no label of the default scenario is cut; a name too long even
    for the whole label column is still cut with "…" (never by a character count alone), and every label carries
    bank, number and type in its <title>."""
    world = services.world
    labels = 0
    for party in (p for p in world.parties.values() if not p.generated):
        accounts = model.party_accounts(world, party)
        chart = timeline.chart(world, party, accounts, None, set())
        subs = [s for s in chart["shapes"] if s.get("cls", "").startswith("sub")]
        for s in subs:
            assert timeline.text_width(s["text"], timeline.SUB_PX) <= timeline.LABEL_ROOM, s["text"]
            assert "…" not in s["text"], s["text"]
        banks = [s for s in subs if s["cls"] == "sub"]
        types = [s for s in subs if s["cls"] == "sub type"]
        for row, bank, kind in zip(accounts, banks, types, strict=False):  # in order; then the guardianships'
            title = f"{row['bank']} · {row['number']} · {row['type']}" + (
                f" (v2.1 Owners: {row['v21']})" if row["v21"] else "")
            assert bank["title"] == kind["title"] == title
            assert bank["text"] == row["bank"] and kind["text"] == row["type"]
            labels += 2
    assert labels > 20
    assert timeline.SUB_PX * 0.8 >= 14.8  # 1024 px of window draws the chart at ~0.82: still 15 px on screen
    assert timeline.fit("SANDKASSE SPAREBANK", 1000, 12) == "SANDKASSE SPAREBANK"
    assert timeline.fit("SANDKASSE SPAREBANK", 60, 12).endswith("…")


def test_account_types_are_the_apis_everywhere(client, services):
    """A leasing account is otherAccount in /accounts and /details (v2.0) and leasingAccount in Owners v2.1: every
    page shows the v2.0 type, with the v2.1 type in parentheses (tables) or the tooltip (timeline)."""
    number = "99201211510"
    assert services.world.account_by_number[number].type == "leasingAccount"
    assert model.account_type("leasingAccount") == {"type": "otherAccount", "v21": "leasingAccount"}
    assert model.account_type("loanAccount") == {"type": "loanAccount", "v21": None}
    page = client.get("/parties/fjellbygg").get_data(as_text=True)
    svg = re.search(r"<svg class=\"timeline\".*?</svg>", page, re.S).group(0)
    assert ">otherAccount<title>" in svg and f"{number} · otherAccount (v2.1 Owners: leasingAccount)</title>" in svg
    rows = [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", row)).split())
            for row in re.findall(r"<tr>(.*?)</tr>", page.replace(svg, ""), re.S) if number in row]
    assert len(rows) == 3  # the preview's two columns and the accounts table
    assert all(f"{number} otherAccount (v2.1: leasingAccount)" in row for row in rows), rows
    _, page, case_id = post_run(client, service="skatt", party="fjellbygg")
    row = re.search(rf'<td class="mono">{number}</td><td>(.*?)</td>', page, re.S).group(1)
    assert " ".join(re.sub(r"<[^>]+>", " ", row).split()).startswith("otherAccount (v2.1: leasingAccount)")
    assert case_id


def test_buttons_name_the_service(client):
    page = text(client.get("/parties/arne-deceased?service=oed"))
    assert "Run the Oppgjør etter dødsfall case for this period" in page
    assert "Run the Konkursbehandling case" in text(client.get("/parties/smuldre-bakeri"))
    overview = text(client.get("/"))
    assert "run Konkursbehandling" in overview and "run Skatt-Kontroll" in overview
    assert not re.search(r"[Rr]un (a )?(oed|skatt|konkurs|verge|politi)\b", overview + page)


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


def test_run_page_explains_the_requests_live_traffic_counts(client, app):
    """The run page's total includes Maskinporten and directory calls, which carry no AccountInfoRequestID: the note
    gives the number Live traffic shows for the case (exactly the log's) and says where the others are."""
    for service, party, order in (("skatt", "ola-joint", False), ("politi", "per-disponent", True)):
        _, page, case_id = post_run(client, service=service, party=party)
        note = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", re.search(
            r'data-testid="request-counts">(.*?)</p>', page, re.S).group(1))).split())
        total = page.count('class="step kind-')
        logged = len(app.extensions["sandbox.audit"].case(case_id))
        tokens = page.count('class="step kind-token') + page.count('class="step kind-directory')
        assert note.startswith(f"Of these {total} requests, {logged} carry this case's AccountInfoRequestID"), note
        assert f"Live traffic shows {logged} for this case" in note
        assert f"The {tokens} Maskinporten and directory calls carry none" in note and "“(no case id)”" in note
        assert ("police's order goes to the admin API" in note) is order
        assert total == logged + tokens + order
        assert re.search(rf"<strong>{total}</strong> request\(s\)", page)


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


def test_nav_is_offered_and_runs_only_with_nav_v1(client, tmp_path):
    """NAV-kontroll (v1 rules): not on the form by default (a POST says how to turn it on); with --nav-v1 it is
    on the form and its case runs through the reference consumer's walk, every call answered and logged."""
    page = client.get("/run").get_data(as_text=True)
    assert 'value="nav"' not in page
    options = re.findall(r'<option value="([\w-]+)"[^>]*>[^<]* — ', page)
    assert options == ["skatt", "politi", "konkurs", "oed", "verge", "fi-utlegg"]  # one per service
    _, page, case_id = post_run(client, service="nav", party="ola-joint")
    assert case_id is None and "runs only on a server started with --nav-v1" in page
    settings = Settings(state_dir=str(tmp_path), nav_v1=True)
    app = create_app(settings, build_services(settings))
    nav = app.test_client()
    form = nav.get("/run").get_data(as_text=True)
    assert re.search(r'<option value="nav" >NAV-kontroll \(v1 rules\) — NAV</option>', form)
    _, page, case_id = post_run(nav, service="nav", party="ola-joint")
    assert case_id and "Every call answered" in page and "NAV-kontroll (v1 rules) case" in page
    assert "Folketrygdloven § 21-4" in page and "FI-Utlegg today, NAV the last 12 months" in page
    logged = app.extensions["sandbox.audit"].case(case_id)
    assert logged and {r["status"] for r in logged} == {200} and {r["consumer"] for r in logged} == {"889640782"}
    assert "owners" not in {r["endpoint"] for r in logged}  # NAV's profile: the five v2.0 endpoints


def test_run_form_is_prefilled_from_the_query(client):
    page = client.get("/run?party=smuldre-bakeri&service=konkurs").get_data(as_text=True)
    assert re.search(r'<option value="konkurs" selected>', page)
    assert re.search(r'<option value="smuldre-bakeri" selected>', page)


def test_pretty_bodies_are_the_standard_librarys_text():
    """describe pretty-prints with orjson (a 10-year case is ~4 MB of JSON): the same text as json.dumps (only
    exponents are written 1e-7, not 1e-07); what orjson refuses (an int beyond 64 bits) goes to json.dumps."""
    import json

    node = {"Ærlig": "Øre — ÅS", "n": [1, 2.5, -0.0, 1234567.89, -24771.16, True, None, {"a": []}] * 3,
            "token": "eyJ" + "a" * 80 + ".b.c", "deep": {"x": {"y": {"z": "\u2028 \"quoted\" \\"}}}}
    assert ui_steps._pretty(node) == json.dumps(ui_steps._tidy(node), indent=2, ensure_ascii=False)
    assert len(ui_steps._tidy(node)["n"]) == ui_steps.LIST_LIMIT + 1 and "eyJaaaa" in ui_steps._pretty(node)
    node["big"] = 12345678901234567890123
    assert "12345678901234567890123" in ui_steps._pretty(node)
    assert ui_steps._pretty(node) == json.dumps(ui_steps._tidy(node), indent=2, ensure_ascii=False)


def test_a_case_pauses_cyclic_gc_only_while_it_runs(client):
    import gc

    assert gc.isenabled()
    assert post_run(client, service="verge", party="bente-ward")[2]
    assert gc.isenabled()
    gc.disable()
    try:
        with cyclic_gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # left as it was found
    finally:
        gc.enable()


def test_transaction_pages_are_numbered_not_shown_as_cursors(client):
    """nils-history's 10-year window is three pages: the steps say page 2 and 3 (the opaque cursors of the links
    are counted per account, D6), never the cursor itself."""
    _, page, _ = post_run(client, service="skatt", party="nils-history", **{"from": "2015-07-01", "to": "2025-06-30"})
    labels = [html.unescape(label) for label in re.findall(r'<span class="label">(.*?)</span>', page)]
    paged = [label for label in labels if label.endswith("transactions (page 3)")]
    assert paged, labels
    account = paged[0].split(": ")[0]
    assert [label for label in labels if label.startswith(account + ": transactions")] == [
        f"{account}: transactions", f"{account}: transactions (page 2)", f"{account}: transactions (page 3)"]
    assert not any(re.search(r"\(page [A-Za-z0-9_-]{16}\)", label) for label in labels)


def test_runner_explains_its_transport_choice():
    doc = runner.__doc__
    assert "in-process" in doc and "gunicorn" in doc and "fresh thread" in doc


def test_the_page_shows_what_the_client_decrypted_and_parsed(app, services, monkeypatch):
    """Every answer the client read stays on its Response, linked to the exchange the transport recorded: the
    steps decrypt and parse nothing again, and they are the very steps made from the raw bodies."""
    out = runner.prepare(services, runner.RunForm.of({"service": "skatt", "party": "ola-joint", "from": "2024-01-01",
                                                      "to": "2025-06-30"}))
    done: dict = {}
    runner._run_case(app, services, out, done)  # this thread has no request context of its own to share
    exchanges, key, world = done["transport"].exchanges, done["key"], services.world
    assert out.case is not None and not out.case.all_refusals and "error" not in done
    assert all(x.response is not None and x.response.parsed for x in exchanges)
    jose = [x for x in exchanges if x.response.content_type == "application/jose"]
    assert jose and all(x.response.plaintext for x in jose)
    calls, real = [], ui_steps.decrypt
    monkeypatch.setattr(ui_steps, "decrypt", lambda body, k: calls.append(1) or real(body, k))
    steps = ui_steps.describe(world, exchanges, out.case, key)
    assert calls == [] and sum(st["decrypted"] for st in steps) == len(jose)
    for x in exchanges:  # what describe does with an answer the client did not read (a retried attempt's)
        x.response = None
    assert ui_steps.describe(world, exchanges, out.case, key) == steps and len(calls) == len(jose)


def test_the_page_counts_transactions_without_keeping_them(client, app, services):
    """The page shows counts, so the runner asks the client to count every page's transactions, not keep them:
    the same counts, nothing held for the page (a 10-year case lists thousands)."""
    out = runner.run(app, services, runner.RunForm.of({"service": "skatt", "party": "ola-joint"}))
    accounts = [a for a in out.case.accounts if a.transactions]
    assert accounts and all(not a.transactions.kept and a.transactions.items == [] for a in accounts)
    total = out.case.summary()["transactions"]
    logged = app.extensions["sandbox.audit"].case(out.case.case_id)
    assert total > 1000 and sum(a.transactions.pages for a in accounts) == sum(
        1 for r in logged if r["endpoint"] == "transactions")
    _, page, _ = post_run(client, service="skatt", party="ola-joint")
    assert re.search(rf"<strong>{total}</strong> transaction\(s\)", page)


def test_the_runner_uses_the_clients_public_api_only():
    """No copy of the client's walk and no reach into its internals: NAV runs through run_case(service=…)."""
    import ast
    from pathlib import Path

    tree = ast.parse(Path(runner.__file__).read_text(encoding="utf-8"))
    imported = [(node.module, alias.name) for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                for alias in node.names if (node.module or "").startswith("sandbox.client")]
    assert imported and all(module == "sandbox.client" and not name.startswith("_") for module, name in imported)
    assert "_Walk" not in Path(runner.__file__).read_text(encoding="utf-8") and not hasattr(runner, "_walk_as")


def test_a_case_leaves_no_cycle_holding_its_answers(app, services):
    """The case's answers (~4 MB of JSON for a 10-year case) go by reference counting when the page is made, not
    at a later cyclic GC pass that would walk and free them in the middle of some other request."""
    import gc

    from sandbox.client import DsopClient, Response, Transport

    gc.collect()
    gc.disable()
    try:
        gc.set_debug(gc.DEBUG_SAVEALL)
        out = runner.run(app, services, runner.RunForm.of({"service": "skatt", "party": "ola-joint",
                                                            "from": "2024-01-01", "to": "2025-06-30"}))
        assert out.case is not None and out.steps
        gc.collect()
        ours = [o for o in gc.garbage if isinstance(o, (Response, Transport, DsopClient, runner.Exchange))]
        assert ours == []
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


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


def minted_curl(response) -> str:
    return html.unescape(re.search(r'<pre id="curl"[^>]*>(.*?)</pre>', response.get_data(as_text=True), re.S).group(1))


@pytest.mark.parametrize("audience, code", [("/banks/320907063/v2", "ACC-011"), ("/kar-ws/api/v2", "ERR-001")])
def test_a_service_the_agency_does_not_offer_is_never_another_service(client, services, audience, code):
    """Skatteetaten + Konkursbehandling: the page says who offers it, builds the line for Konkursbehandling anyway
    (its mandate and period, never Skatt's) and says it will be refused — and the API does refuse it as said.
    The "mint it as" button mints the same line as Brønnøysundregistrene, which the API answers."""
    scope = "bits:kontoinformasjon" if "banks" in audience else "bits:kundeforhold"
    form = {"consumer": "skatteetaten", "scope": scope, "audience": services.settings.public_url + audience,
            "service": "konkurs", "party": "smuldre-bakeri"}
    response = client.post("/tokens", data=form)
    page = response.get_data(as_text=True)
    warning = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", re.search(
        r'data-testid="service-warning">(.*?)</div>', page, re.S).group(1))).split())
    assert warning.startswith("Skatteetaten does not offer Konkursbehandling: Brønnøysundregistrene does.")
    assert f"will refuse it with 403 ({code})" in warning and "Mint it as Brønnøysundregistrene" in warning
    assert re.search(r'<option value="konkurs" selected>Konkursbehandling — Brønnøysundregistrene</option>', page)
    url, headers = curl_request(minted_curl(response))
    assert urllib.parse.unquote(headers["Legal-Mandate"]) == "kkl. §156 (3) og (4), jf. kkfor.§21"
    ruling = services.world.parties["smuldre-bakeri"].bankruptcy_date
    assert f"fromDate={add_months(ruling, -12)}&" in url  # Konkurs: 12 months before the ruling, not Skatt's 10 years
    split = urllib.parse.urlsplit(url)
    answer = client.get(split.path, query_string=split.query, headers=headers)
    assert answer.status_code == 403 and code in (answer.get_json().get("code"), answer.get_json().get("errorCode"))
    switch = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">',
                             page.split('data-testid="service-warning"')[1].split("</form>")[0]))
    assert switch["consumer"] == "brreg" and switch["service"] == "konkurs" and switch["party"] == "smuldre-bakeri"
    response = client.post("/tokens", data=switch)
    assert 'data-testid="service-warning"' not in response.get_data(as_text=True)
    url, headers = curl_request(minted_curl(response))
    split = urllib.parse.urlsplit(url)
    assert client.get(split.path, query_string=split.query, headers=headers).status_code == 200


def test_token_refusals(client, services):
    response = client.post("/tokens", data={"consumer": "skatteetaten", "scope": "bits:kundeforhold.konto",
                                            "audience": services.settings.public_url + "/kar-ws/api/v2"})
    assert response.status_code == 200 and "may not have scope" in text(response)
    response = client.post("/tokens", data={"consumer": "skatteetaten", "scope": "bits:kundeforhold",
                                            "audience": services.settings.public_url + "/banks/320907063/v2"})
    assert response.status_code == 200 and "it will answer 403 (ACC-011)" in text(response)
    response = client.post("/tokens", data={"consumer": "skatteetaten", "service": "nope"})
    assert response.status_code == 200 and "unknown service 'nope'" in text(response)
    assert 'id="curl"' not in response.get_data(as_text=True)


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
    response = client.post("/login", data={"token": "wrong", "next": "/"})
    assert response.status_code == 200  # a form's answer, not a 401 a browser logs as a console error
    assert "not this server's admin token" in text(response) and access.COOKIE not in response.headers.get(
        "Set-Cookie", "")
    assert client.get("/traffic").status_code == 302
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
    steps = ui_steps.describe(app.extensions["dsop"].world, transport.exchanges, None, None)
    assert [(s["status"], s["message"].split(":")[0]) for s in steps] == [(0, "no answer")] * 2


def token_endpoint_form(page: str) -> dict:
    """The form fields of the Tokens page's "same token from the token endpoint" curl line."""
    curl = html.unescape(re.search(r'<pre id="token-curl"[^>]*>(.*?)</pre>', page, re.S).group(1))
    words = shlex.split(curl)
    return dict(words[i + 1].split("=", 1) for i, w in enumerate(words) if w == "-d")


@pytest.mark.parametrize("audience, scope, fits", [
    ("/banks/320907063/v2", "bits:kontoinformasjon", True),
    ("/kar-ws/api/v2", "bits:kundeforhold", True),
    ("/kar-ws/api/v2", "bits:kontoinformasjon", False),
])
def test_token_endpoint_line_is_issued_or_said_to_be_refused(client, services, audience, scope, fits):
    """The page's token-endpoint curl line gets a token when scope and audience fit; when they do not, the page
    mints the token anyway (to show the API's answer) but says the token endpoint refuses the pair — and it does."""
    response = client.post("/tokens", data={"consumer": "skatteetaten", "scope": scope, "ttl": "600",
                                            "audience": services.settings.public_url + audience, "party": "ola-joint"})
    page = response.get_data(as_text=True)
    answer = client.post("/maskinporten/token", data=token_endpoint_form(page))
    if fits:
        assert answer.status_code == 200 and 'data-testid="token-curl-refused"' not in page
    else:
        assert answer.status_code == 400 and answer.get_json()["error"] == "invalid_target"
        assert "400 invalid_target" in html.unescape(page.split('data-testid="token-curl-refused"')[1])


def test_warm_up_compiles_templates_and_imports_the_shipped_keys(app, services, monkeypatch):
    """serve.py calls warm_up before the fork: afterwards no template is compiled and no key imported by a case."""
    from sandbox.client import auth

    monkeypatch.setattr(auth, "_KEYS", {})
    runner.warm_up(app, services)
    assert len(auth._KEYS) >= len(runner.SERVICES)
    compiled = set(app.jinja_env.cache.keys()) if app.jinja_env.cache is not None else set()
    assert {name for _, name in compiled} >= {"run.html", "party.html", "overview.html"}
    imports = []
    monkeypatch.setattr(auth.RSAKey, "import_key", lambda *a, **k: imports.append(a) or (_ for _ in ()).throw(
        AssertionError("a key was imported after warm_up")))
    runner.run(app, services, runner.RunForm.of({"service": "skatt", "party": "ola-joint", "from": "2024-01-01",
                                                 "to": "2025-06-30"}))
    assert imports == []
