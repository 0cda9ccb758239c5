"""`--today real` / `today: real` (sandbox/clock.py): the world is built for the real date and the running clock
follows the real date, so a consumer whose period ends on the real date (OED: toDate = today) is not refused after
midnight; answers stay deterministic per date. The real date is injected (monkeypatched `real_today`), never
waited for."""

from __future__ import annotations

import argparse
from datetime import date, timedelta

import pytest

from sandbox import clock as clock_module
from sandbox.cli.args import sandbox_today as _today
from sandbox.clock import REAL, SandboxClock, parse_today
from sandbox.scenario import ScenarioError, load_scenario_text
from tests.support import CORRELATION_ID, MANDATE, REQUEST_ID
from tests.test_clock import SCENARIO  # the clock tests' scenario

REAL_DAY = date(2026, 12, 3)
FIXED = SCENARIO  # today: 2025-06-30
FOLLOWING = SCENARIO.replace("today: 2025-06-30", "today: real")


@pytest.fixture()
def real(monkeypatch):
    """The real date, as a mutable cell every reader of sandbox.clock.real_today sees."""
    cell = {"day": REAL_DAY}
    monkeypatch.setattr(clock_module, "real_today", lambda: cell["day"])
    return cell


def fixed_headers(world, who: str) -> dict:
    return {"AccountInfoRequestID": REQUEST_ID,
            "CorrelationID": CORRELATION_ID, "Legal-Mandate": MANDATE,
            "RequesterID": "saksbehandler-1", "PartyID": world.parties[who].identifier}


def accounts(app, end: date):
    world = app.extensions["dsop"].world
    org = world.banks["alpha"].org_number
    return app.test_client().get(
        f"/banks/{org}/v2/accounts?fromDate={end - timedelta(days=90)}&toDate={end}&OnlyPrimaryOwner=false",
        headers=fixed_headers(world, "ola"))


# ---- parsing -----------------------------------------------------------------------------------------------
def test_today_option_takes_a_date_or_real():
    assert parse_today("real") == parse_today(" REAL ") == _today("Real") == REAL
    assert parse_today("2025-06-30") == date(2025, 6, 30)
    with pytest.raises(argparse.ArgumentTypeError, match="expected YYYY-MM-DD or 'real'"):
        _today("tomorrow")


def test_scenario_today_real_and_the_override_in_both_directions(real):
    spec = load_scenario_text(FOLLOWING, real_today=REAL_DAY)  # the caller reads the real date, not the loader
    assert spec.today == REAL_DAY and spec.follows_real
    with pytest.raises(ScenarioError, match="fixes no date"):
        load_scenario_text(FOLLOWING)
    fixed = load_scenario_text(FOLLOWING, today=date(2025, 6, 30))
    assert fixed.today == date(2025, 6, 30) and not fixed.follows_real
    real_over_fixed = load_scenario_text(FIXED, today=REAL, real_today=REAL_DAY)
    assert real_over_fixed.today == REAL_DAY and real_over_fixed.follows_real
    assert not load_scenario_text(FIXED).follows_real
    omitted = load_scenario_text(FIXED.replace("today: 2025-06-30\n", ""), real_today=date(2026, 1, 2))
    assert omitted.today == date(2026, 1, 2) and omitted.follows_real  # no today at all means the real date
    with pytest.raises(ScenarioError, match="today"):
        load_scenario_text(SCENARIO.replace("today: 2025-06-30", "today: -3d"))


# ---- the clock ---------------------------------------------------------------------------------------------
def test_a_following_clock_moves_with_the_real_date_and_a_set_date_wins_until_reset():
    cell = {"day": REAL_DAY}
    clock = SandboxClock(REAL_DAY, real=lambda: cell["day"])
    assert clock.today() == REAL_DAY and clock.describe()["followsRealDate"] is True
    cell["day"] = REAL_DAY + timedelta(days=2)
    assert clock.read() == REAL_DAY + timedelta(days=2)
    assert clock.set(date(2025, 1, 1)) == date(2025, 1, 1)
    cell["day"] += timedelta(days=1)
    assert clock.read() == date(2025, 1, 1)  # an explicit date stays put
    assert clock.reset() == REAL_DAY + timedelta(days=3)  # back to following
    assert SandboxClock(REAL_DAY).describe()["followsRealDate"] is False


def test_server_with_today_real_follows_midnight_and_oed_style_periods_keep_working(make_app, real):
    app = make_app(FIXED, fresh=True, today=REAL)
    client = app.test_client()
    assert client.get("/health").json["today"] == REAL_DAY.isoformat()
    assert accounts(app, REAL_DAY).status_code == 200
    real["day"] = REAL_DAY + timedelta(days=1)  # midnight passes while the server runs
    assert client.get("/health").json["today"] == (REAL_DAY + timedelta(days=1)).isoformat()
    assert accounts(app, REAL_DAY + timedelta(days=1)).status_code == 200  # toDate = the new real date
    described = client.get("/sandbox/v1/clock").json
    assert described["followsRealDate"] is True and described["startedWith"] == REAL_DAY.isoformat()
    # A server with a fixed date does not follow: toDate = the real date is after its today → 400.
    pinned = make_app(FIXED, fresh=True, today=REAL_DAY)
    real["day"] = REAL_DAY + timedelta(days=2)
    assert pinned.test_client().get("/health").json["today"] == REAL_DAY.isoformat()
    refused = accounts(pinned, REAL_DAY + timedelta(days=2))
    assert refused.status_code == 400 and refused.json["code"] == "ACC-001"


def test_two_servers_on_the_same_real_date_answer_byte_identical_bodies(make_app, real):
    first = make_app(FOLLOWING, fresh=True)
    second = make_app(FIXED, fresh=True, today=REAL)
    by_date = make_app(FIXED, fresh=True, today=REAL_DAY)  # the same date, given explicitly
    digests = {a.extensions["dsop"].digest for a in (first, second, by_date)}
    assert len(digests) == 1
    bodies = [accounts(a, REAL_DAY) for a in (first, second, by_date)]
    assert all(b.status_code == 200 for b in bodies) and bodies[0].data == bodies[1].data == bodies[2].data
    real["day"] = date(2027, 3, 1)  # another real date builds another world
    other = make_app(FOLLOWING, fresh=True)
    assert other.extensions["dsop"].digest not in digests


def test_the_pytest_plugin_takes_real_as_its_today(real, tmp_path):
    """`dsop_sandbox_today = real` (ini) or `@pytest.mark.dsop_scenario(..., today="real")`: the same option."""
    from sandbox.pytest_plugin import _day
    from sandbox.world import build_world

    assert _day("real") == REAL and _day("2025-06-30") == date(2025, 6, 30) and _day("") is None
    path = tmp_path / "following.yaml"
    path.write_text(FOLLOWING)
    from sandbox.clock import real_today  # what the plugin hands the loader (the scenario layer reads no clock)
    from sandbox.scenario import load_scenario

    assert build_world(load_scenario(path, today=_day("real"), real_today=real_today())).today == REAL_DAY


def test_the_json_schema_of_the_format_accepts_real_as_today():
    import re

    from sandbox.scenario.jsonschema import scenario_json_schema

    pattern = re.compile(scenario_json_schema()["properties"]["today"]["pattern"])
    assert pattern.match("real") and pattern.match("2025-06-30") and not pattern.match("-3d")
