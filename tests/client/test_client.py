"""The reference consumer (sandbox/client): service facts, retries, tokens, JWE, the case walk and its result."""

from __future__ import annotations

import ast
import json
import socket
import urllib.parse
from datetime import date
from pathlib import Path

import pytest

from sandbox.cli.background import BackgroundServer
from sandbox.client import (
    SERVICES,
    CaseRequest,
    ClientConfig,
    DsopClient,
    PeriodNeedsFacts,
    RetryPolicy,
    Transport,
    TransportError,
    add_months,
    complete_period,
    default_period,
    encode_mandate,
    retry_after_seconds,
)
from sandbox.client import transport as transport_module
from sandbox.client.walk import CallRefused
from tests.support import OED_MANDATE, POLITI_MANDATE, SKATT_MANDATE, SKATT_ORG, TODAY

CLIENT_DIR = Path(__file__).resolve().parents[2] / "sandbox" / "client"
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
    ("skatt", SKATT_MANDATE),
    ("politi", POLITI_MANDATE),
    ("konkurs", "kkl.%20%C2%A7156%20(3)%20og%20(4)%2C%20jf.%20kkfor.%C2%A721"),
    ("oed", OED_MANDATE),
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


def test_one_given_end_of_the_period_is_completed_by_the_service_rules():
    # a missing toDate: the latest the service allows (today; Vergekontroll 31 December last year) - no facts needed
    assert complete_period("konkurs", TODAY, date(2024, 7, 1)) == (date(2024, 7, 1), TODAY)
    assert complete_period("oed", TODAY, date(2025, 4, 1)) == (date(2025, 4, 1), TODAY)
    assert complete_period("verge", TODAY, date(2024, 3, 1)) == (date(2024, 3, 1), date(2024, 12, 31))
    # a missing fromDate: the earliest the service allows
    assert complete_period("skatt", TODAY, None, date(2024, 12, 31)) == (date(2015, 6, 30), date(2024, 12, 31))
    assert complete_period("konkurs", TODAY, None, TODAY, ruling_date=date(2025, 2, 28)) == (date(2024, 2, 28), TODAY)
    assert complete_period("skatt", TODAY) == default_period("skatt", TODAY)
    assert complete_period("politi", TODAY, date(2020, 1, 1), date(2021, 1, 1)) == (date(2020, 1, 1), date(2021, 1, 1))
    with pytest.raises(PeriodNeedsFacts) as info:
        complete_period("konkurs", TODAY, None, TODAY)
    assert info.value.fact == "ruling date" and "12 months before the bankruptcy ruling" in info.value.reach
    with pytest.raises(PeriodNeedsFacts) as info:
        complete_period("oed", TODAY, None, TODAY)
    assert info.value.fact == "date of death"


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
    # backoff 0.01, 0.02; then Retry-After: 2 honoured in full although longer than max_wait (which caps only the
    # client's own backoff) - it is within max_retry_after (default 30 s)
    assert waits == [0.01, 0.02, 2.0] and r.gave_up is None


def test_the_backoff_is_capped_at_max_wait_and_a_shorter_retry_after_does_not_shorten_it(monkeypatch):
    _scripted(monkeypatch, [(500, {}), (502, {}), (503, {"retry-after": "1"}), (429, {"retry-after": "0"}),
                            (200, {})])
    waits = []
    t = Transport(retry=RetryPolicy(attempts=5, backoff=1.0, max_wait=1.5, jitter=0), sleep=waits.append)
    assert t.request("GET", "http://bank.example/", {}).status == 200
    assert waits == [1.0, 1.5, 1.5, 1.5]  # backoff 1, 2→1.5, 4→1.5 (≥ Retry-After 1), 8→1.5 (≥ Retry-After 0)


NOW = 1_750_000_000.0  # 2025-06-15T15:06:40Z, the injected clock of the HTTP-date tests


@pytest.mark.parametrize("value, seconds", [
    ("120", 120.0), (" 7 ", 7.0), ("0", 0.0),
    ("Sun, 15 Jun 2025 15:07:10 GMT", 30.0),  # IMF-fixdate (RFC 9110 §5.6.7)
    ("Sunday, 15-Jun-25 15:08:40 GMT", 120.0),  # obsolete RFC 850 form, which recipients must accept
    ("Sun Jun 15 15:06:50 2025", 10.0),  # obsolete asctime form, read as GMT
    ("Sun, 15 Jun 2025 15:00:00 GMT", 0.0),  # a date in the past: no wait asked for
    (None, None), ("soon", None), ("-5", None), ("1.5", None),  # absent or not RFC 9110: ignored
])
def test_retry_after_is_read_as_delta_seconds_or_an_http_date(value, seconds):
    assert retry_after_seconds(value, NOW) == seconds


def test_an_http_date_retry_after_is_honoured(monkeypatch):
    calls = _scripted(monkeypatch, [(503, {"retry-after": "Sun, 15 Jun 2025 15:06:52 GMT"}), (200, {})])
    waits = []
    t = Transport(retry=RetryPolicy(backoff=0.25, jitter=0), sleep=waits.append, clock=lambda: NOW)
    r = t.request("GET", "http://bank.example/", {})
    assert (r.status, len(calls), waits) == (200, 2, [12.0])


def test_a_retry_after_longer_than_max_retry_after_is_not_retried_but_reported(monkeypatch):
    said, waits = [], []
    t = Transport(retry=RetryPolicy(attempts=4, backoff=0.01, jitter=0), sleep=waits.append, clock=lambda: NOW,
                  on_retry=lambda *a: said.append(a))
    calls = _scripted(monkeypatch, [(503, {"retry-after": "3600"})])  # a scheduled outage (sandbox/faults.py)
    r = t.request("GET", "http://bank.example/", {})
    assert (r.status, r.attempts, len(calls), waits, said, t.retries) == (503, 1, 1, [], [], 0)
    assert r.retry_after == "3600"
    assert r.gave_up == ("not retried: the server asked to wait 3600 s (Retry-After: 3600), longer than this "
                         "client waits (max_retry_after 30 s)")
    # the HTTP-date form counts the same way: two hours from now is too long
    _scripted(monkeypatch, [(429, {"retry-after": "Sun, 15 Jun 2025 17:06:40 GMT"})])
    r = t.request("GET", "http://bank.example/", {})
    assert (r.status, r.attempts, waits) == (429, 1, []) and "wait 7200 s" in r.gave_up
    # exactly the limit is still waited for, in full; a higher limit waits out the hour
    _scripted(monkeypatch, [(503, {"retry-after": "30"}), (200, {})])
    assert t.request("GET", "http://bank.example/", {}).status == 200 and waits == [30.0]
    patient = Transport(retry=RetryPolicy(max_retry_after=3600, jitter=0), sleep=waits.append)
    _scripted(monkeypatch, [(503, {"retry-after": "3600"}), (200, {})])
    assert patient.request("GET", "http://bank.example/", {}).status == 200 and waits == [30.0, 3600.0]
    # and with retries switched off nothing is said about giving up: there was no retry to give up
    _scripted(monkeypatch, [(503, {"retry-after": "3600"})])
    assert t.request("GET", "http://bank.example/", {}, retry=False).gave_up is None


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


class _OutageAt(Recording):
    """The real sandbox, except that one bank is down: 503 with `Retry-After: 3600` (a scheduled outage)."""

    def __init__(self, bank_path: str, **kw):
        super().__init__(**kw)
        self.bank_path, self.down = bank_path, 0

    def _once(self, method, url, headers, data):
        if self.bank_path in url:
            self.down += 1
            return 503, {"retry-after": "3600", "content-type": "application/json"}, \
                b'{"code": "ACC-100", "message": "the bank is down until tomorrow"}'
        return super()._once(method, url, headers, data)


def test_a_bank_asking_for_a_long_retry_after_is_refused_in_the_case_not_hammered(small):
    kfr = small.world.banks["kfr-finans"]
    waits = []
    transport = _OutageAt(f"/banks/{kfr.org_number}/", sleep=waits.append)
    client = DsopClient(ClientConfig.shipped(small.base_url, "skatt"), transport=transport)
    case = client.run_case(CaseRequest(OLA, "skatt", date(2024, 1, 1), TODAY))
    down = next(b for b in case.banks if b.org_number == kfr.org_number)
    assert transport.down == 1 and waits == [] and case.retries == 0  # asked once, never retried
    assert down.status == "refused" and not down.accounts
    (refusal,) = down.refusals
    assert (refusal.endpoint, refusal.status, refusal.code, refusal.retry_after) == ("accounts", 503, "ACC-100", "3600")
    assert refusal.message.startswith(
        "the bank is down until tomorrow — not retried: the server asked to wait 3600 s")
    assert all(b.status == "complete" for b in case.banks if b is not down)
    doc = json.loads(case.to_json(deterministic=True))
    shown = next(b for b in doc["banks"] if b["organizationID"] == kfr.org_number)["refusals"][0]
    assert shown["retryAfter"] == "3600" and "max_retry_after 30 s" in shown["message"]


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
    """scenarios/faulty.yaml: 500/429/503, resets and empty answers at FJORDBANK; a retry draws again. The waits
    are recorded, not slept: each one honours the Retry-After the answer carried (429: 2 s, 503: 1 s)."""
    retried = []
    with BackgroundServer("faulty") as server:
        config = ClientConfig.shipped(server.base_url, "skatt",
                                      retry=RetryPolicy(attempts=12, backoff=0.01, max_wait=0.05))
        kari = server.world.parties["kari"].identifier
        cases = []
        for _ in range(4):
            transport = Transport(retry=config.retry, sleep=lambda s: None,
                                  on_retry=lambda url, attempt, why, wait: retried.append((why, wait)))
            cases.append(DsopClient(config, transport=transport).run_case(
                CaseRequest(kari, "skatt", date(2024, 1, 1), TODAY)))
    assert all(not c.all_refusals for c in cases), [c.all_refusals for c in cases]
    assert sum(c.retries for c in cases) == len(retried) > 0
    for why, wait in retried:
        asked = why.partition("Retry-After ")[2]
        assert wait >= (float(asked) if asked else 0) and (asked or wait <= 0.05), (why, wait)
    assert {a.number for a in cases[0].accounts} == {a.number for a in cases[-1].accounts}


def test_account_servicing_provider_for_politi(small):
    client, _ = _client(small, "politi")
    r = client.account_servicing_provider(SERVICES["politi"], CASE, "99106869517")
    assert r.status == 200, r.body
    assert r.json()["organizationID"] == small.world.banks["sandkasse"].org_number


# ---- read once: the key, every answer ------------------------------------------------------------------------
def _jwe_to(key, plaintext: bytes) -> bytes:
    from joserfc import jwe

    from sandbox.client.auth import JWE_ALGORITHMS

    return jwe.encrypt_compact({"alg": "RSA-OAEP-256", "enc": "A128CBC-HS256"}, plaintext, key,
                               registry=jwe.JWERegistry(algorithms=JWE_ALGORITHMS)).encode()


def test_the_key_is_imported_once_per_file_and_again_when_the_file_changes(tmp_path):
    from joserfc.jwk import RSAKey

    from sandbox.client import load_key
    from sandbox.client.case import SHIPPED_KEYS

    path = tmp_path / "consumer.pem"
    path.write_bytes((SHIPPED_KEYS / "consumer-974761076.pem").read_bytes())
    first = load_key(path)
    assert load_key(str(path)) is first  # importing a PEM key costs ~35 ms: once per file
    assert load_key(path, cached=False) is not first
    other = RSAKey.generate_key(2048)
    path.write_bytes(other.as_pem(private=True))  # another key (another size): imported again
    assert load_key(path).as_dict(private=False)["n"] == other.as_dict(private=False)["n"]
    assert load_key(path).as_dict(private=False)["n"] != first.as_dict(private=False)["n"]


def test_an_answer_is_decrypted_and_parsed_once_and_keeps_what_was_read(monkeypatch):
    from joserfc.jwk import RSAKey

    from sandbox.client import Response, auth, read_response

    key = RSAKey.generate_key(2048)
    plain = Response(200, {"content-type": "application/json"}, b'{"a": [1, 2]}', "http://x/", 0.0)
    assert not plain.parsed and plain.json() == {"a": [1, 2]} and plain.parsed
    assert plain.json() is plain.json()  # parsed once: the same object every time
    calls, real = [], auth.decrypt
    monkeypatch.setattr(auth, "decrypt", lambda body, k: calls.append(1) or real(body, k))
    answer = Response(200, {"content-type": "application/jose"}, _jwe_to(key, b'{"x": 1}'), "http://x/", 0.0)
    with pytest.raises(ValueError):
        answer.json()  # a JWE is not JSON until it is decrypted
    assert read_response(answer, key) == {"x": 1} and answer.plaintext == b'{"x": 1}'
    assert read_response(answer, key) is answer.json() and len(calls) == 1  # decrypted once, parsed once


def test_decrypting_leaves_no_cycle_behind():
    """joserfc's CompactEncryption and its Recipient refer to each other; the client unlinks them, so a page's
    copies (segments, ciphertext, plaintext) go by reference counting, not at some later cyclic GC pass."""
    import gc

    from joserfc.jwk import RSAKey

    from sandbox.client import decrypt

    key = RSAKey.generate_key(2048)
    body = _jwe_to(key, b'{"transactions": []}')
    gc.collect()
    gc.disable()
    try:
        gc.set_debug(gc.DEBUG_SAVEALL)
        assert decrypt(body, key) == b'{"transactions": []}'
        assert decrypt(body.decode(), key) == b'{"transactions": []}'  # a str body too
        gc.collect()
        assert not [o for o in gc.garbage if type(o).__module__.startswith("joserfc")]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


def test_an_observer_sees_every_answer_as_the_client_read_it(small):
    """Transport(on_response=…) gets every Response; afterwards each JWE answer the client read carries its
    plaintext and its parsed JSON, so whoever shows the exchange neither decrypts nor parses again."""
    seen = []
    client = DsopClient(ClientConfig.shipped(small.base_url, "skatt"), transport=Transport(on_response=seen.append))
    case = client.run_case(CaseRequest(OLA, "skatt", date(2024, 1, 1), TODAY))
    assert not case.all_refusals and len(seen) == case.requests == client.transport.requests
    jose = [r for r in seen if r.content_type == "application/jose"]
    assert jose and all(r.status == 200 and r.plaintext and r.parsed for r in jose)
    pages = [r.json() for r in jose if "/transactions" in r.url]
    assert sum(len(p["transactions"]) for p in pages) == sum(a.transactions.count for a in case.accounts)
    assert all(r.parsed for r in seen if r.status == 200)  # tokens, metadata, register, directory: read once too


def test_a_dropped_client_goes_at_once(small):
    """The client holds its transport and the transport's retry callback holds the client weakly: no cycle, so
    a client (and whatever an observer keeps on its transport) goes by reference counting."""
    import gc
    import weakref

    gc.disable()
    try:
        client = DsopClient(ClientConfig.shipped(small.base_url, "skatt"))
        gone = weakref.ref(client)
        messages = []
        client.progress = messages.append
        client.transport.on_retry("http://x/banks/1/v2/accounts", 1, "HTTP 503", 0.25)
        assert messages == ["retrying in 0.25 s (HTTP 503): /banks/1/v2/accounts"]
        del client
        assert gone() is None
    finally:
        gc.enable()


def test_a_service_the_client_does_not_ship_runs_from_its_description(small):
    """run_case(request, service=Service(…)): the walk of a service described elsewhere (here Skatt-Kontroll's
    mandate under another key, accounts and details only); the request must name it."""
    from sandbox.client import Service
    from sandbox.client.services import SKATT

    custom = Service("skatt-light", "Skatt, light", "skatteetaten", SKATT_ORG, SKATT, SKATT, ("accounts", "details"),
                     requester_id=True)
    config = ClientConfig.shipped(small.base_url, custom)
    assert (config.client_id, config.org_number) == ("skatteetaten", SKATT_ORG)
    client = DsopClient(config, transport=Recording())
    case = client.run_case(CaseRequest(OLA, "skatt-light", date(2024, 1, 1), TODAY), service=custom)
    assert case.service == "skatt-light" and case.service_name == "Skatt, light" and case.accounts
    assert not case.all_refusals and all(a.balances is not None and a.transactions is None for a in case.accounts)
    assert not [e for e in client.transport.log if "/transactions" in e[1] or "/cards" in e[1]]
    with pytest.raises(ValueError, match="the request is for 'skatt'"):
        client.run_case(CaseRequest(OLA, "skatt", date(2024, 1, 1), TODAY), service=custom)


def test_transactions_can_be_counted_without_being_kept(small):
    kept, counted = (DsopClient(ClientConfig.shipped(small.base_url, "skatt")).run_case(
        CaseRequest(OLA, "skatt", date(2024, 1, 1), TODAY, case_id=CASE, transaction_items=keep))
        for keep in (True, False))
    assert kept.to_json(deterministic=True) == counted.to_json(deterministic=True)  # counts, pages, by status
    assert all(a.transactions.items == [] and not a.transactions.kept for a in counted.accounts if a.transactions)
    assert sum(len(a.transactions.items) for a in kept.accounts if a.transactions) == kept.summary()["transactions"] > 0
    with_items = json.loads(counted.to_json(transactions=True))
    assert not any("items" in a.get("transactions", {}) for b in with_items["banks"] for a in b["accounts"])


# ---- the directory, read as real consumers read it (DESIGN D23) ---------------------------------------------
class _Directory(Transport):
    """Answers every request with one directory body (no server: only the client's reading is tested)."""

    def __init__(self, body):
        super().__init__()
        self.body = json.dumps(body).encode()

    def request(self, method, url, headers=None, data=None, *, retry=True):
        return transport_module.Response(200, {"content-type": "application/json"}, self.body, url, 0.0)


def test_the_client_keeps_the_v2_entries_of_the_bare_array_and_refuses_another_shape():
    entries = [{"orgNo": "111111111", "name": "A", "url": "https://a.test/v2", "version": "V2", "env": "test"},
               {"orgNo": "222222222", "name": "B", "url": "https://b.test/v1", "version": "v1", "env": "test"},
               {"orgNo": "333333333", "name": "C", "url": "https://c.test/v2", "version": "v2", "env": "test"}]
    config = ClientConfig.shipped("http://sandbox.test", "skatt")
    assert config.directory.endswith("/altinn/v1/directharvest/Kontrollinformasjon?envelope=false")
    client = DsopClient(config, transport=_Directory(entries))
    assert sorted(client.directory()) == ["111111111", "333333333"]  # a v1 endpoint cannot be used (OnlyPrimaryOwner)
    with pytest.raises(CallRefused, match="JSON array"):
        DsopClient(config, transport=_Directory({"endpoints": entries, "total": 3})).directory()
