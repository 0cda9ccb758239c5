"""The reference consumer (sandbox/client): service facts, retries, tokens, JWE, the case walk and its result."""

from __future__ import annotations

import ast
import json
import socket
import urllib.parse
from datetime import date
from pathlib import Path

import pytest

from sandbox.background import BackgroundServer
from sandbox.client import (
    SERVICES, CaseRequest, ClientConfig, DsopClient, PeriodNeedsFacts, RetryPolicy, Transport, TransportError,
    add_months, default_period, encode_mandate,
)
from sandbox.client import transport as transport_module

CLIENT_DIR = Path(__file__).resolve().parent.parent / "sandbox" / "client"
TODAY = date(2025, 6, 30)
OLA = "17858441641"  # scenarios/small.yaml
CASE = "3f2b8c1e-0000-4000-8000-00000000c11e"


# ---- written from the public docs only -----------------------------------------------------------------------
def test_the_client_imports_nothing_from_the_rest_of_the_sandbox():
    for path in sorted(CLIENT_DIR.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                assert not node.module.startswith("sandbox"), f"{path.name} imports {node.module}"
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("sandbox") for a in node.names), path.name


@pytest.mark.parametrize("key, encoded", [
    # spec/services.md, the "Encoded" columns
    ("skatt", "Skatteforvaltningsloven%20%C2%A7%2010-2%20f%C3%B8rste%20ledd%2C%20jf.%20%C2%A7%2010-14%2C%20jf."
              "%20skatteforvaltningsforskriften%20%C2%A7%2010-2-1"),
    ("politi", "Straffeprosessloven%20%C2%A7210%20(3)%20f%C3%B8rste%20punktum"),
    ("konkurs", "kkl.%20%C2%A7156%20(3)%20og%20(4)%2C%20jf.%20kkfor.%C2%A721"),
    ("oed", "Arveloven%20%C2%A7%2092%20f%C3%B8rste%20ledd%20og%20%C2%A7%20118%2C%20jf.%20%C2%A7%2088%20a%2C%20jf."
            "%20forskrift%20om%20Digitalt%20d%C3%B8dsbo"),
    ("verge", "Vergem%C3%A5lsloven%20%C2%A7%2054%20(2)%2C%20jf.%20vergem%C3%A5lsforskriften%20%C2%A7%2020%20(2)%2C"
              "%20jf.%20vergem%C3%A5lsforskriften%20%C2%A7%2020a%20(1)%20b-e"),
    ("fi-utlegg", "FI-Utlegg-Test"),
])
def test_mandates_are_encoded_as_the_service_pages_print_them(key, encoded):
    assert SERVICES[key].bank_header == encoded
    assert encode_mandate(SERVICES[key].bank_mandate) == encoded


def test_verge_step_one_has_its_own_mandate():
    assert SERVICES["verge"].register_header == (
        "Vergem%C3%A5lsloven%20%C2%A7%2054%20(2)%2C%20jf.%20vergem%C3%A5lsforskriften%20%C2%A720a%20(2)%2C%20jf."
        "%20vergem%C3%A5lsforskriften%20%C2%A720a%20(1)%20a")


def test_default_periods():
    assert default_period("skatt", TODAY) == (date(2015, 6, 30), TODAY)
    assert default_period("politi", TODAY) == (date(2015, 6, 30), TODAY)
    assert default_period("konkurs", TODAY, ruling_date=date(2025, 2, 28)) == (date(2024, 2, 28), TODAY)
    assert default_period("oed", TODAY, death_date=date(2025, 6, 9)) == (date(2025, 3, 9), TODAY)
    assert default_period("verge", TODAY) == (date(2024, 1, 1), date(2024, 12, 31))
    assert default_period("fi-utlegg", TODAY) == (TODAY, TODAY)
    with pytest.raises(PeriodNeedsFacts):
        default_period("oed", TODAY)
    with pytest.raises(PeriodNeedsFacts):
        default_period("konkurs", TODAY)


def test_add_months_clamps_the_day():
    assert add_months(date(2024, 2, 29), -12) == date(2023, 2, 28)
    assert add_months(date(2025, 5, 31), -3) == date(2025, 2, 28)
    assert add_months(date(2025, 1, 15), -120) == date(2015, 1, 15)


# ---- retries ------------------------------------------------------------------------------------------------
def _scripted(monkeypatch, script):
    """Transport._once answers from `script` (status, headers) or raises it; → the calls' headers."""
    calls = []

    def once(self, method, url, headers, data):
        calls.append(headers)
        step = script.pop(0)
        if isinstance(step, BaseException):
            raise step
        return step[0], step[1], b'{"code": "ACC-100", "message": "x"}' if step[0] != 200 else b"{}"

    monkeypatch.setattr(transport_module.Transport, "_once", once)
    return calls


def test_5xx_429_and_dropped_connections_are_retried_with_a_fresh_correlation_id(monkeypatch):
    calls = _scripted(monkeypatch, [(503, {}), ConnectionResetError(104, "reset"), (429, {"retry-after": "2"}),
                                    (200, {"content-type": "application/json"})])
    waits = []
    t = Transport(retry=RetryPolicy(attempts=5, backoff=0.01, max_wait=1.5, jitter=0), sleep=waits.append)
    r = t.request("GET", "http://bank.example/accounts", lambda: {"CorrelationID": str(len(calls))})
    assert (r.status, r.attempts, t.requests, t.retries) == (200, 4, 4, 3)
    assert [c["CorrelationID"] for c in calls] == ["0", "1", "2", "3"]
    assert waits == [0.01, 0.02, 1.5]  # Retry-After: 2 honoured, capped at max_wait


def test_retries_are_reported_to_the_progress_callback(monkeypatch, tmp_path):
    _scripted(monkeypatch, [(503, {}), (200, {"content-type": "application/json"})])
    said = []
    config = ClientConfig.shipped("http://bank.example", "skatt", retry=RetryPolicy(backoff=0, jitter=0))
    client = DsopClient(config, progress=said.append)
    client.transport.sleep = lambda s: None
    assert client.transport.request("GET", "http://bank.example/v2/accounts?x=1", {}).status == 200
    assert said == ["retrying in 0.00 s (HTTP 503): /v2/accounts"]


def test_4xx_is_not_retried_and_the_last_5xx_is_returned(monkeypatch):
    _scripted(monkeypatch, [(400, {})])
    t = Transport(retry=RetryPolicy(attempts=3, backoff=0), sleep=lambda s: None)
    assert t.request("GET", "http://bank.example/", {}).status == 400
    _scripted(monkeypatch, [(500, {}), (500, {}), (500, {})])
    r = t.request("GET", "http://bank.example/", {})
    assert (r.status, r.attempts) == (500, 3)


def test_no_answer_at_all_raises_transport_error():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nobody listens there
    t = Transport(timeout=2, retry=RetryPolicy(attempts=2, backoff=0), sleep=lambda s: None)
    with pytest.raises(TransportError) as info:
        t.request("GET", f"http://127.0.0.1:{port}/health")
    assert info.value.attempts == 2


# ---- against a real server -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small():
    with BackgroundServer("small") as server:
        yield server


class Recording(Transport):
    def __init__(self, **kw):
        super().__init__(**kw)
        self.log = []

    def request(self, method, url, headers=None, data=None, *, retry=True):
        seen = []

        def wrapped():
            h = headers() if callable(headers) else dict(headers or {})
            seen.append(h)
            return h
        r = super().request(method, url, wrapped, data, retry=retry)
        self.log.append((method, url, seen[-1], r.status, r.content_type))
        return r


def _client(server, service="skatt", **kw):
    transport = Recording()
    return DsopClient(ClientConfig.shipped(server.base_url, service, **kw), transport=transport), transport


def test_a_skatt_case_walks_every_endpoint_with_one_case_id_and_fresh_correlation_ids(small):
    client, rec = _client(small)
    case = client.run_case(CaseRequest(OLA, "skatt", date(2024, 1, 1), TODAY, case_id=CASE))
    assert not case.all_refusals
    assert {b.org_number for b in case.banks} == {b.org_number for b in small.world.banks.values()}  # KAR + KFR
    numbers = sorted(a.number for a in case.accounts)
    assert "99106869517" in numbers
    api = [entry for entry in rec.log if "/kar-ws/" in entry[1] or "/banks/" in entry[1]]
    assert {entry[2]["AccountInfoRequestID"] for entry in api} == {CASE}
    correlation = [entry[2]["CorrelationID"] for entry in api]
    assert len(set(correlation)) == len(correlation)
    paths = {urllib.parse.urlsplit(entry[1]).path.rsplit("/", 1)[-1] for entry in api}
    assert {"customerRelationships", "accounts", "transactions", "cards", "roles", "owners"} <= paths
    bank_calls = [entry for entry in api if "/banks/" in entry[1]]
    assert all(entry[4] == "application/jose" for entry in bank_calls if entry[3] == 200)  # JWE, decrypted
    assert all(entry[2]["RequesterID"] == "dsop-reference-client" for entry in api)
    joint = next(a for a in case.accounts if a.number == "99106869517")
    assert joint.balance("bookedBalance") is not None and joint.balance("availableBalance") is not None
    assert joint.transactions.count > 0 and joint.transactions.by_status.get("pending", 0) >= 1
    assert joint.cards and joint.roles and joint.owners
    closed = next(a for a in case.accounts if a.type == "savingsAccount")
    assert closed.balances == []  # closed within the period


def test_tokens_come_from_the_jwt_bearer_grant_one_per_audience(small):
    client, rec = _client(small)
    client.run_case(CaseRequest(OLA, "skatt", date(2024, 1, 1), TODAY))
    posts = [entry for entry in rec.log if entry[0] == "POST"]
    assert all(entry[1].endswith("/maskinporten/token") and entry[3] == 200 for entry in posts)
    assert len(posts) == 1 + 2  # the register and the two banks: reused within their lifetime


def test_the_result_is_stable_json(small):
    runs = []
    for _ in range(2):
        client, _ = _client(small)
        runs.append(client.run_case(CaseRequest(OLA, "skatt", date(2024, 1, 1), TODAY, case_id=CASE)))
    assert runs[0].to_json(deterministic=True) == runs[1].to_json(deterministic=True)
    doc = json.loads(runs[0].to_json())
    assert "timings" in doc and "timings" not in json.loads(runs[0].to_json(deterministic=True))
    assert doc["summary"]["accounts"] == len(runs[0].accounts)
    with_items = json.loads(runs[0].to_json(transactions=True))
    assert any("items" in a.get("transactions", {}) for b in with_items["banks"] for a in b["accounts"])


def test_plain_json_when_asked(small):
    client, rec = _client(small, accept="application/json")
    case = client.run_case(CaseRequest(OLA, "skatt", date(2024, 1, 1), TODAY))
    assert case.accounts and all(entry[4] == "application/json" for entry in rec.log)


def test_forced_only_primary_owner_and_endpoint_subset(small):
    client, rec = _client(small, "fi-utlegg")
    case = client.run_case(CaseRequest(OLA, "fi-utlegg", TODAY, TODAY, only_primary_owner=False))
    assert case.only_primary_owner is True and not case.all_refusals
    assert all("OnlyPrimaryOwner=true" in entry[1] for entry in rec.log if entry[1].split("?")[0].endswith("/accounts"))
    assert all(a.transactions is None and a.cards is None for a in case.accounts)
    assert all("RequesterID" not in entry[2] for entry in rec.log)


def test_refusals_are_recorded_and_the_walk_goes_on(small):
    client, _ = _client(small, "oed")
    case = client.run_case(CaseRequest(OLA, "oed", date(2025, 6, 1), TODAY))  # Ola is alive: no OED case
    assert case.refusals or any(b.status == "refused" for b in case.banks)
    refusal = case.all_refusals[0]
    assert refusal.status == 403 and refusal.code in ("ERR-001", "ACC-011") and refusal.message
    assert json.loads(case.to_json())["summary"]["refusals"] >= 1


def test_a_token_refusal_ends_the_case_cleanly(small):
    config = ClientConfig.shipped(small.base_url, "skatt")
    config.client_id = "nobody"
    case = DsopClient(config).run_case(CaseRequest(OLA, "skatt", date(2024, 1, 1), TODAY))
    assert case.refusals[0].endpoint == "token" and case.refusals[0].status in (400, 401)
    assert not case.banks


def test_an_unreachable_sandbox_is_a_refusal_with_status_zero(small):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = ClientConfig.shipped(f"http://127.0.0.1:{port}", "skatt", retry=RetryPolicy(attempts=1), timeout=2)
    case = DsopClient(config).run_case(CaseRequest(OLA, "skatt", date(2024, 1, 1), TODAY))
    assert case.refusals and case.refusals[0].status == 0


@pytest.mark.slow
def test_a_case_against_flaky_banks_completes_thanks_to_retries():
    """scenarios/faulty.yaml: 500/429/503, resets and empty answers at FJORDBANK; a retry draws again."""
    with BackgroundServer("faulty") as server:
        config = ClientConfig.shipped(server.base_url, "skatt",
                                      retry=RetryPolicy(attempts=12, backoff=0.01, max_wait=0.05))
        kari = server.world.parties["kari"].identifier
        cases = [DsopClient(config).run_case(CaseRequest(kari, "skatt", date(2024, 1, 1), TODAY))
                 for _ in range(4)]
    assert all(not c.all_refusals for c in cases), [c.all_refusals for c in cases]
    assert sum(c.retries for c in cases) > 0
    assert {a.number for a in cases[0].accounts} == {a.number for a in cases[-1].accounts}


def test_account_servicing_provider_for_politi(small):
    client, _ = _client(small, "politi")
    r = client.account_servicing_provider(SERVICES["politi"], CASE, "99106869517")
    assert r.status == 200, r.body
    assert r.json()["organizationID"] == small.world.banks["sandkasse"].org_number
