"""Injected faults (sandbox/faults.py, the scenario's `faults:` section, Sandbox-Fault/Sandbox-Delay headers).

Every fault kind fires as configured and only then: on its bank (or the register), its endpoints, its rate,
its dates and its page; the same CorrelationID always meets the same fate, a new one draws again.
"""

from __future__ import annotations

import statistics
import time
import uuid
from datetime import date
from pathlib import Path

import pytest

from sandbox.faults import FaultPlan, Latency
from sandbox.scenario import load_scenario
from sandbox.world import build_world
from tests.support import MANDATE, REQUEST_ID, TODAY

BASE = """
version: 1
name: fault-tests
seed: faults-1
today: 2025-06-30
banks:
  - {id: alpha, name: ALPHA TESTBANK ASA, registration_numbers: ["9950"]}
  - {id: beta, name: BETA SPAREBANK, registration_numbers: ["9960"]}
  - {id: gamma, name: GAMMA BANK, registration_numbers: ["9980"]}
consumers:
  - {id: skatteetaten, name: Skatteetaten, org_number: "974761076", services: [skatt]}
people:
  - {id: ola, name: Ola Testmann}
  - {id: per, name: Per Uten}
accounts:
  - {id: felles, bank: alpha, type: salaryAccount, opened: -6y, owners: [ola], activity: household}
  - {id: beta-sparing, bank: beta, type: savingsAccount, opened: -2y, owners: [ola], activity: savings}
  - {id: gamma-konto, bank: gamma, type: salaryAccount, opened: -2y, owners: [ola]}
"""
FAULTS = """
faults:
  - bank: alpha
    endpoints: [transactions]
    errors:
      - {rate: 0.2, status: 500}
      - {rate: 0.1, status: 429, retry_after: 7}
    slow_pages: [{page: 2, delay_ms: 40}]
  - bank: beta
    latency: {distribution: fixed, ms: 25}
    drops: {reset: 0.1, empty: 0.1}
    stale_for: [per]
  - bank: gamma
    outages: [{from: +2d, to: +3d}]
  - register: true
    endpoints: [customerRelationships]
    errors: [{rate: 0.3, status: 503}]
"""


@pytest.fixture(scope="module")
def scenario_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("faults") / "faults.yaml"
    path.write_text(BASE + FAULTS)
    return path


@pytest.fixture(scope="module")
def plan(scenario_path) -> FaultPlan:
    return FaultPlan.from_world(build_world(load_scenario(scenario_path)))


def cids(n: int, prefix: str = "") -> list[str]:
    return [str(uuid.uuid5(uuid.NAMESPACE_URL, f"{prefix}{i}")) for i in range(n)]


def headers(cid: str | None = None, **more) -> dict:
    return {"AccountInfoRequestID": REQUEST_ID, "CorrelationID": cid or str(uuid.uuid4()),
            "Legal-Mandate": MANDATE, "RequesterID": "saksbehandler-1", **more}


# ---- the scenario format ----------------------------------------------------------------------------------
def test_the_shipped_faulty_scenario_loads_and_has_every_fault_kind():
    path = Path(__file__).resolve().parents[1] / "scenarios" / "faulty.yaml"
    world = build_world(load_scenario(path))
    plan = FaultPlan.from_world(world)
    kinds = {k for r in plan.rules for k, present in (
        ("latency", r.latency), ("errors", r.errors), ("drops", r.drops), ("outages", r.outages),
        ("slow_pages", r.slow_pages)) if present}
    assert kinds == {"latency", "errors", "drops", "outages", "slow_pages"}
    assert {r.latency.distribution for r in plan.rules if r.latency} == {"uniform", "lognormal"}
    assert plan.stale == {"per": ("fjordbank",)}


def test_shipped_scenarios_other_than_faulty_have_no_faults():
    folder = Path(__file__).resolve().parents[1] / "scenarios"
    for path in folder.glob("*.yaml"):
        if path.stem != "faulty":
            assert "\nfaults:" not in path.read_text(), f"{path.name} should stay fault-free"


@pytest.mark.parametrize("fault, where, needle", [
    ("- {bank: alpha, latency: {distribution: fixed, ms: 5}, colour: red}", "faults[0].colour", "unknown key"),
    ("- {bank: nosuchbank, latency: {distribution: fixed, ms: 5}}", "faults[0].bank", "unknown bank 'nosuchbank'"),
    ("- {bank: alpha, register: true}", "faults[0].bank", "either 'bank: <id>' or 'register: true'"),
    ("- {latency: {distribution: fixed, ms: 5}}", "faults[0].bank", "either 'bank: <id>' or 'register: true'"),
    ("- {register: true, endpoints: [accounts]}", "faults[0].endpoints[0]", "not an endpoint of the register"),
    ("- {bank: alpha, endpoints: [cars]}", "faults[0].endpoints[0]", "expected one of"),
    ("- {bank: alpha, latency: {distribution: fixed, median_ms: 5}}", "faults[0].latency.median_ms", "does not belong"),
    ("- {bank: alpha, latency: {distribution: uniform, min_ms: 9, max_ms: 5}}", "faults[0].latency.max_ms", "larger"),
    ("- {bank: alpha, latency: {distribution: lognormal}}", "faults[0].latency.median_ms", "needs 'median_ms'"),
    ("- {bank: alpha, latency: {distribution: fixed, ms: 90000}}", "faults[0].latency.ms", "milliseconds from 0"),
    ("- {bank: alpha, errors: [{rate: 0.7, status: 500}, {rate: 0.5, status: 429}]}", "faults[0].errors", "more than 1"),
    ("- {bank: alpha, errors: [{rate: 0.1, status: 404}]}", "faults[0].errors[0].status", "expected one of"),
    ("- {bank: alpha, errors: [{rate: 1.5, status: 500}]}", "faults[0].errors[0].rate", "share from 0 to 1"),
    ("- {bank: alpha, outages: [{from: -1d, to: -3d}]}", "faults[0].outages[0].to", "ends"),
    ("- {register: true, stale_for: [per]}", "faults[0].stale_for", "belongs to a bank"),
    ("- {bank: alpha, stale_for: [nobody]}", "faults[0].stale_for[0]", "unknown party 'nobody'"),
])
def test_bad_faults_are_reported_with_their_line(fault, where, needle, problems, line_of):
    text = BASE + "faults:\n  " + fault + "\n"
    found = problems(text)
    assert any(p.path == where and needle in p.message for p in found), [str(p) for p in found]
    hit = next(p for p in found if p.path == where)
    assert hit.line == line_of(text, fault)


# ---- the decision: deterministic, as configured, only there -------------------------------------------------
def test_the_same_correlation_id_always_meets_the_same_fate(plan, scenario_path):
    again = FaultPlan.from_world(build_world(load_scenario(scenario_path)))  # another worker, another run
    alpha = plan.world.banks["alpha"].org_number
    for cid in cids(300):
        one = plan.decide("bank", alpha, "transactions", cid, TODAY)
        assert one == plan.decide("bank", alpha, "transactions", cid, TODAY)
        assert one == again.decide("bank", alpha, "transactions", cid, TODAY)


def test_error_rates_fire_as_configured_and_only_on_their_endpoint(plan):
    alpha = plan.world.banks["alpha"].org_number
    ids = cids(4000)
    fates = [plan.decide("bank", alpha, "transactions", cid, TODAY) for cid in ids]
    share500 = sum(f.status == 500 for f in fates) / len(ids)
    share429 = sum(f.status == 429 for f in fates) / len(ids)
    assert abs(share500 - 0.2) < 0.03 and abs(share429 - 0.1) < 0.025
    assert all(f.retry_after == 7 for f in fates if f.status == 429)
    assert all(f.drop is None for f in fates)
    for endpoint in ("accounts", "details", "cards", "roles", "owners"):
        assert not any(plan.decide("bank", alpha, endpoint, cid, TODAY).fires for cid in ids[:500])
    # a retry with a new CorrelationID can succeed: failing ids are followed by successes
    failing = [cid for cid, f in zip(ids, fates, strict=True) if f.fires]
    assert failing and any(not plan.decide("bank", alpha, "transactions", cid + "-retry", TODAY).fires
                           for cid in failing[:10])


def test_other_banks_and_the_register_are_only_hit_by_their_own_rules(plan):
    world = plan.world
    beta, gamma = world.banks["beta"].org_number, world.banks["gamma"].org_number
    ids = cids(2000, "x")
    beta_fates = [plan.decide("bank", beta, "accounts", cid, TODAY) for cid in ids]
    assert all(f.status is None and f.delay_ms == 25 for f in beta_fates)
    for kind in ("reset", "empty"):
        assert abs(sum(f.drop == kind for f in beta_fates) / len(ids) - 0.1) < 0.025
    assert not any(plan.decide("bank", gamma, "accounts", cid, TODAY).fires or
                   plan.decide("bank", gamma, "accounts", cid, TODAY).delay_ms for cid in ids[:300])
    register = [plan.decide("register", None, "customerRelationships", cid, TODAY) for cid in ids]
    assert abs(sum(f.status == 503 for f in register) / len(ids) - 0.3) < 0.04
    assert not any(plan.decide("register", None, "accountServicingProvider", cid, TODAY).fires for cid in ids[:300])


def test_outages_follow_sandbox_dates(plan):
    gamma = plan.world.banks["gamma"].org_number
    fate = {day: plan.decide("bank", gamma, "details", "c", date(2025, 7, day)).status for day in range(1, 5)}
    assert fate == {1: None, 2: 503, 3: 503, 4: None}


def test_slow_page_only_delays_its_page(plan):
    alpha = plan.world.banks["alpha"].org_number
    cid = next(c for c in cids(100) if not plan.decide("bank", alpha, "transactions", c, TODAY).fires)
    delays = {page: plan.decide("bank", alpha, "transactions", cid, TODAY, page).delay_ms for page in (None, 1, 2, 3)}
    assert delays == {None: 0, 1: 0, 2: 40, 3: 0}


@pytest.mark.parametrize("latency, low, high, middle", [
    (Latency("fixed", ms=120), 120, 120, 120),
    (Latency("uniform", min_ms=50, max_ms=150), 50, 150, 100),
    (Latency("lognormal", median_ms=200, sigma=0.8, max_ms=3000), 0, 3000, 200),
])
def test_latency_distributions(plan, latency, low, high, middle):
    samples = [latency.sample(plan.draw("t", i)) for i in range(4000)]
    assert low <= min(samples) and max(samples) <= high
    assert abs(statistics.median(samples) - middle) <= 0.08 * middle
    if latency.distribution == "lognormal":
        assert max(samples) == 3000  # the cap bites on the long tail
        assert statistics.mean(samples) > statistics.median(samples)


# ---- over HTTP -------------------------------------------------------------------------------------------
@pytest.fixture()
def app(make_app, scenario_path):
    return make_app(scenario_path, fresh=True)


def _accounts(client, world, bank: str, cid: str, **more):
    org = world.banks[bank].org_number
    return client.get(f"/banks/{org}/v2/accounts?fromDate=2024-07-01&toDate=2025-06-30&OnlyPrimaryOwner=false",
                      headers=headers(cid, PartyID=world.parties["ola"].identifier, **more))


def test_injected_errors_use_each_apis_own_format(app, plan):
    client, world = app.test_client(), app.extensions["dsop"].world
    alpha = world.banks["alpha"].org_number
    ref = _accounts(client, world, "alpha", str(uuid.uuid4())).json["accounts"][0]["accountReference"]
    by_status = {}
    for cid in cids(200, "http"):
        fate = plan.decide("bank", alpha, "transactions", cid, TODAY)
        if fate.status and fate.status not in by_status:
            by_status[fate.status] = cid
    for status, code in ((500, "ACC-100"), (429, "ACC-022")):
        r = client.get(f"/banks/{alpha}/v2/accounts/{ref}/transactions?fromDate=2025-06-01&toDate=2025-06-30",
                       headers=headers(by_status[status]))
        assert r.status_code == status and r.is_json and set(r.json) == {"code", "message"}
        assert r.json["code"] == code and r.headers["Sandbox-Fault"] == "scenario"
        assert ("Retry-After" in r.headers) == (status == 429)
    cid = next(c for c in cids(100, "reg") if plan.decide("register", None, "customerRelationships", c, TODAY).status)
    r = client.get("/kar-ws/api/v2/customers/customerRelationships?fromDate=2024-07-01&toDate=2025-06-30",
                   headers=headers(cid, CustomerID=world.parties["ola"].identifier))
    assert r.status_code == 503 and set(r.json) == {"errorCode", "errorMessage", "timestamp"}
    assert r.json["errorCode"] == "ERR-503" and r.json["timestamp"] == "2025-06-30T12:00:00Z"


def test_outage_starts_when_the_clock_gets_there(app):
    client, world = app.test_client(), app.extensions["dsop"].world
    assert _accounts(client, world, "gamma", str(uuid.uuid4())).status_code == 200
    client.post("/sandbox/v1/clock", json={"advance": "+2d"})
    r = _accounts(client, world, "gamma", str(uuid.uuid4()))
    assert r.status_code == 503 and r.json["code"] == "ACC-100" and "down until 2025-07-03" in r.json["message"]
    client.post("/sandbox/v1/clock", json={"advance": "+2d"})
    assert _accounts(client, world, "gamma", str(uuid.uuid4())).status_code == 200


def test_dropped_connections_and_latency_in_process(app, plan):
    """In-process there is no socket: the drop reaches the caller as the OSError gunicorn would see (the real
    socket is tested in tests/e2e/test_audit_e2e.py); the log records status 0."""
    client, world = app.test_client(), app.extensions["dsop"].world
    beta = world.banks["beta"].org_number
    reset = next(c for c in cids(200, "d") if plan.decide("bank", beta, "accounts", c, TODAY).drop == "reset")
    empty = next(c for c in cids(200, "d") if plan.decide("bank", beta, "accounts", c, TODAY).drop == "empty")
    fine = next(c for c in cids(200, "d") if not plan.decide("bank", beta, "accounts", c, TODAY).fires)
    with pytest.raises(ConnectionResetError):
        _accounts(client, world, "beta", reset)
    with pytest.raises(OSError):
        _accounts(client, world, "beta", empty)
    started = time.perf_counter()
    assert _accounts(client, world, "beta", fine).status_code == 200
    assert time.perf_counter() - started >= 0.025
    rows = {r["correlationId"]: r for r in client.get("/sandbox/v1/requests?bank=beta").json["requests"]}
    assert rows[reset]["status"] == 0 and "connection reset" in rows[reset]["fault"]
    assert rows[empty]["status"] == 0 and "connection empty" in rows[empty]["fault"]
    assert rows[fine]["status"] == 200 and rows[fine]["fault"] == "latency 25 ms" and rows[fine]["latencyMs"] >= 25


def test_stale_register_entry_lists_a_bank_that_has_nothing(app):
    client, world = app.test_client(), app.extensions["dsop"].world
    per = world.parties["per"].identifier
    for query, extra in (("", {}), ("&onlyPrimaryOwner=true", {"ownershipType": "primaryOwner"})):
        r = client.get(f"/kar-ws/api/v2/customers/customerRelationships?fromDate=2024-07-01&toDate=2025-06-30{query}",
                       headers=headers(cid="00000000-0000-4000-8000-000000000001", CustomerID=per))
        assert r.status_code == 200
        assert r.json["banks"] == [{"organizationID": world.banks["beta"].org_number, "bankName": "BETA SPAREBANK",
                                    "activeAccount": False, **extra}]
    fine = next(c for c in cids(200, "s") if not FaultPlan.from_world(world).decide(
        "bank", world.banks["beta"].org_number, "accounts", c, TODAY).fires)
    r = client.get(f"/banks/{world.banks['beta'].org_number}/v2/accounts?fromDate=2024-07-01&toDate=2025-06-30"
                   f"&OnlyPrimaryOwner=false", headers=headers(fine, PartyID=per))
    assert r.status_code == 200 and r.json["accounts"] == [] and r.json["responseDetails"] == {"status": "complete"}


def test_without_faults_nothing_is_injected(make_app):
    app = make_app(BASE, fresh=True)
    client, world = app.test_client(), app.extensions["dsop"].world
    assert all(_accounts(client, world, bank, cid).status_code == 200
               for bank in ("alpha", "beta", "gamma") for cid in cids(30, bank))
    assert client.get("/sandbox/v1/requests?status=error").json["count"] == 0


# ---- per-request headers ----------------------------------------------------------------------------------
def test_fault_headers_are_ignored_unless_the_server_allows_them(make_app):
    app = make_app(BASE, fresh=True)
    client, world = app.test_client(), app.extensions["dsop"].world
    r = _accounts(client, world, "alpha", None, **{"Sandbox-Fault": "500", "Sandbox-Delay": "10"})
    assert r.status_code == 200 and r.headers["Sandbox-Fault-Headers"].startswith("ignored")
    assert client.get("/sandbox/v1/requests").json["requests"][0]["fault"] is None


@pytest.mark.parametrize("value, status, code", [("500", 500, "ACC-100"), ("429", 429, "ACC-022"),
                                                 ("503", 503, "ACC-100")])
def test_fault_header_forces_an_error_and_is_logged(make_app, value, status, code):
    app = make_app(BASE, fresh=True, allow_fault_headers=True)
    client, world = app.test_client(), app.extensions["dsop"].world
    started = time.perf_counter()
    r = _accounts(client, world, "alpha", None, **{"Sandbox-Fault": value, "Sandbox-Delay": "30"})
    assert time.perf_counter() - started >= 0.03
    assert r.status_code == status and r.json["code"] == code and r.headers["Sandbox-Fault"] == "header"
    assert ("Retry-After" in r.headers) == (status in (429, 503))
    row = client.get("/sandbox/v1/requests").json["requests"][0]
    assert row["status"] == status and row["errorCode"] == code
    assert row["fault"] == f"delay 30 ms (header); {value} (header)"
    r = client.get("/kar-ws/api/v2/customers/customerRelationships?fromDate=2024-07-01&toDate=2025-06-30",
                   headers=headers(CustomerID=world.parties["ola"].identifier, **{"Sandbox-Fault": value}))
    assert r.status_code == status and r.json["errorCode"] == f"ERR-{status}"


def test_fault_header_reset_and_bad_values(make_app):
    app = make_app(BASE, fresh=True, allow_fault_headers=True)
    client, world = app.test_client(), app.extensions["dsop"].world
    with pytest.raises(ConnectionResetError):
        _accounts(client, world, "alpha", None, **{"Sandbox-Fault": "reset"})
    for name, value in (("Sandbox-Fault", "404"), ("Sandbox-Delay", "soon"), ("Sandbox-Delay", "999999")):
        r = _accounts(client, world, "alpha", None, **{name: value})
        assert r.status_code == 400 and r.json["code"] == "ACC-001" and name in r.json["message"]
    assert _accounts(client, world, "alpha", None).status_code == 200
