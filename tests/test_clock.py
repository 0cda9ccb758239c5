"""The sandbox clock (sandbox/clock.py, POST /sandbox/v1/clock): "today" moves, the world's history does not.

spec/protocol.md §3.9 and spec/data-model.md R-23, R-39/R-40: activeAccount is only true for a period ending
today; with toDate = today a balance list holds the available balance "now" and the booked balance, with an
earlier toDate only the booked balance at the end of that day; toDate may not be after today.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from sandbox.app import create_app
from sandbox.clock import ClockError, SandboxClock
from sandbox.config import Settings
from sandbox.state import StateStore
from tests.support import CORRELATION_ID, MANDATE, REQUEST_ID, TODAY

SCENARIO = """
version: 1
name: clock-tests
seed: clock-1
today: 2025-06-30
banks:
  - {id: alpha, name: ALPHA TESTBANK ASA, registration_numbers: ["9950"]}
consumers:
  - {id: skatteetaten, name: Skatteetaten, org_number: "974761076", services: [skatt]}
people:
  - {id: ola, name: Ola Testmann}
  - {id: lars, name: Lars Lukket}
  - {id: nora, name: Nora Arvesen, death_date: -3w}
accounts:
  - id: felles
    bank: alpha
    type: salaryAccount
    opened: -6y
    owners: [ola]
    activity: {profile: household, purchases_per_month: 30}
    pending: [{date: -1d, amount: 249.90, merchant: KIOSK TESTBYEN}]
  - id: lars-konto
    bank: alpha
    type: salaryAccount
    opened: -3y
    closed: -5d
    owners: [lars]
    activity: household
  - id: nora-sparing
    bank: alpha
    type: savingsAccount
    opened: -10y
    opening_balance: 52000
    owners: [nora]
    activity: none
"""


@pytest.fixture()
def app(tmp_path):
    path = tmp_path / "clock.yaml"
    path.write_text(SCENARIO)
    return create_app(Settings(scenario=str(path), auth=False, state_dir=str(tmp_path / "state")))


@pytest.fixture()
def client(app):
    return app.test_client()


def headers(**more) -> dict:
    return {"AccountInfoRequestID": str(uuid.uuid4()), "CorrelationID": str(uuid.uuid4()), "Legal-Mandate": MANDATE,
            "RequesterID": "saksbehandler-1", **more}


def period(start: date, end: date) -> str:
    return f"fromDate={start.isoformat()}&toDate={end.isoformat()}"


def set_clock(client, **body) -> dict:
    r = client.post("/sandbox/v1/clock", json=body)
    assert r.status_code == 200, r.json
    return r.json


def relationships(client, world, who: str, end: date) -> list[dict]:
    r = client.get(f"/kar-ws/api/v2/customers/customerRelationships?{period(end - timedelta(days=364), end)}",
                   headers=headers(CustomerID=world.parties[who].identifier))
    assert r.status_code == 200, r.json
    return r.json["banks"]


def account_of(client, world, who: str, end: date) -> tuple[str, dict]:
    org = world.banks["alpha"].org_number
    r = client.get(f"/banks/{org}/v2/accounts?{period(end - timedelta(days=364), end)}&OnlyPrimaryOwner=false",
                   headers=headers(PartyID=world.parties[who].identifier))
    assert r.status_code == 200, r.json
    (entry,) = r.json["accounts"]
    return org, entry


def details(client, org: str, ref: str, end: date) -> dict:
    r = client.get(f"/banks/{org}/v2/accounts/{ref}?{period(end - timedelta(days=30), end)}", headers=headers())
    assert r.status_code == 200, r.json
    return r.json["account"]


# ---- the clock object ------------------------------------------------------------------------------------
def test_clock_without_a_store_sets_advances_and_resets():
    clock = SandboxClock(TODAY)
    assert clock.today() == TODAY
    assert clock.set(date(2025, 7, 4)) == date(2025, 7, 4)
    assert clock.advance("+1m") == date(2025, 8, 4)
    assert clock.advance("3d") == date(2025, 8, 7)
    assert clock.advance("-1w") == date(2025, 7, 31)
    assert clock.reset() == TODAY
    for bad in ("tomorrow", "2025-07-01", "today", "", "+1x"):
        with pytest.raises(ClockError):
            clock.advance(bad)
    with pytest.raises(ClockError):
        clock.set(date(1800, 1, 1))


def test_two_clocks_on_one_store_agree_at_once_inside_a_request(tmp_path):
    """Two workers' clocks: a request pins a fresh read, so a change through one is seen by the next request
    on the other without waiting for any cache."""
    store = StateStore(tmp_path)
    first, second = SandboxClock(TODAY, store, ttl=60), SandboxClock(TODAY, StateStore(tmp_path), ttl=60)
    assert second.today() == TODAY  # now cached for 60 s outside a request
    first.set(date(2025, 7, 1))
    token = second.pin()
    try:
        assert second.today() == date(2025, 7, 1)
    finally:
        second.unpin(token)
    second.reset()
    assert first.read() == TODAY


# ---- the admin API -----------------------------------------------------------------------------------------
def test_clock_endpoint_sets_advances_resets_and_health_follows(client):
    assert client.get("/sandbox/v1/clock").json == {"today": "2025-06-30", "startedWith": "2025-06-30",
                                                    "offsetDays": 0, "moved": False,
                                                    "followsRealDate": False}
    assert set_clock(client, advance="+2d")["today"] == "2025-07-02"
    assert client.get("/health").json["today"] == "2025-07-02"
    assert set_clock(client, today="2025-01-15")["offsetDays"] == -166
    assert set_clock(client, reset=True)["today"] == "2025-06-30"


@pytest.mark.parametrize("body", [None, {}, {"today": "30.06.2025"}, {"advance": "soon"}, {"reset": False},
                                  {"today": "2025-07-01", "advance": "+1d"}, {"tomorrow": True}])
def test_clock_endpoint_refuses_what_it_cannot_do(client, body):
    r = client.post("/sandbox/v1/clock", json=body) if body is not None else client.post("/sandbox/v1/clock", data="x")
    assert r.status_code == 400 and r.is_json and r.json["error"] == 400 and r.json["message"]
    assert client.get("/sandbox/v1/clock").json["today"] == "2025-06-30"


def test_a_new_app_starts_from_its_own_today_not_from_a_clock_left_in_the_state_dir(tmp_path):
    path = tmp_path / "clock.yaml"
    path.write_text(SCENARIO)
    settings = Settings(scenario=str(path), auth=False, state_dir=str(tmp_path / "state"))
    set_clock(create_app(settings).test_client(), advance="+10d")
    assert create_app(settings).test_client().get("/health").json["today"] == "2025-06-30"


# ---- what moves with "today" ------------------------------------------------------------------------------
def test_active_account_follows_the_clock(client, app):
    """R-23: activeAccount only for a period ending today, on an account open today. Lars's account closed
    five days ago: with the clock set back a week it is open "today" again; moved forward a day, a period
    ending on the old today is no longer a period ending today."""
    world = app.extensions["dsop"].world
    assert relationships(client, world, "lars", TODAY)[0]["activeAccount"] is False
    assert relationships(client, world, "ola", TODAY)[0]["activeAccount"] is True
    set_clock(client, advance="-7d")
    assert relationships(client, world, "lars", TODAY - timedelta(days=7))[0]["activeAccount"] is True
    set_clock(client, today=(TODAY + timedelta(days=1)).isoformat())
    assert relationships(client, world, "ola", TODAY)[0]["activeAccount"] is False
    assert relationships(client, world, "ola", TODAY + timedelta(days=1))[0]["activeAccount"] is True


def test_balance_now_follows_the_clock_and_history_stays(client, app):
    """R-39/R-40: toDate = today → availableBalance + bookedBalance stamped "now"; an earlier toDate → only
    the booked balance at its end. Moving the clock does not rewrite the past: the booked balance of the old
    today is the same before and after."""
    world = app.extensions["dsop"].world
    org, entry = account_of(client, world, "ola", TODAY)
    ref = entry["accountReference"]
    before = details(client, org, ref, TODAY)["balances"]
    assert [b["type"] for b in before] == ["availableBalance", "bookedBalance"]
    assert {b["registered"] for b in before} == {"2025-06-30T12:00:00Z"}
    set_clock(client, advance="+1d")
    old_day = details(client, org, ref, TODAY)["balances"]
    assert [b["type"] for b in old_day] == ["bookedBalance"]
    assert old_day[0]["amount"] == before[1]["amount"]  # the same booked balance: history unchanged
    now = details(client, org, ref, TODAY + timedelta(days=1))["balances"]
    assert [b["type"] for b in now] == ["availableBalance", "bookedBalance"]
    assert {b["registered"] for b in now} == {"2025-07-01T12:00:00Z"}


def test_status_and_period_window_follow_the_clock(client, app):
    """toDate may not pass today (400 ACC-001) until the clock gets there; Nora's account is disabled since
    her death three weeks ago, enabled again with the clock a month back."""
    world = app.extensions["dsop"].world
    org = world.banks["alpha"].org_number
    tomorrow = TODAY + timedelta(days=1)
    r = client.get(f"/banks/{org}/v2/accounts?{period(TODAY, tomorrow)}&OnlyPrimaryOwner=false",
                   headers=headers(PartyID=world.parties["ola"].identifier))
    assert r.status_code == 400 and r.json["code"] == "ACC-001"
    set_clock(client, advance="+1d")
    r = client.get(f"/banks/{org}/v2/accounts?{period(TODAY, tomorrow)}&OnlyPrimaryOwner=false",
                   headers=headers(PartyID=world.parties["ola"].identifier))
    assert r.status_code == 200, r.json
    set_clock(client, reset=True)
    assert account_of(client, world, "nora", TODAY)[1]["status"] == "disabled"
    set_clock(client, advance="-1m")
    assert account_of(client, world, "nora", TODAY - timedelta(days=31))[1]["status"] == "enabled"


def test_same_clock_value_gives_byte_identical_bodies_in_two_apps(tmp_path):
    """Replicas (D20): two apps on one scenario, whose clocks reached the same date in different steps,
    answer byte for byte the same. (`--today` is not the same thing: it moves the relative dates of the
    scenario, and so the history; the clock does not.)"""
    path = tmp_path / "clock.yaml"
    path.write_text(SCENARIO)
    moved = create_app(Settings(scenario=str(path), auth=False, state_dir=str(tmp_path / "a")))
    set_clock(moved.test_client(), today="2025-07-10")
    started = create_app(Settings(scenario=str(path), auth=False, state_dir=str(tmp_path / "b")))
    set_clock(started.test_client(), advance="+1w")
    set_clock(started.test_client(), advance="+3d")
    world = moved.extensions["dsop"].world
    org = world.banks["alpha"].org_number
    fixed = {"AccountInfoRequestID": REQUEST_ID,
             "CorrelationID": CORRELATION_ID, "Legal-Mandate": MANDATE,
             "RequesterID": "saksbehandler-1", "PartyID": world.parties["ola"].identifier}
    target = f"/banks/{org}/v2/accounts?fromDate=2025-06-01&toDate=2025-07-10&OnlyPrimaryOwner=false"
    a, b = moved.test_client().get(target, headers=fixed), started.test_client().get(target, headers=fixed)
    assert a.status_code == b.status_code == 200
    assert a.data == b.data
