"""Workshop rooms through Flask's test client: which room a request belongs to (header, cookie, consumer), the
live traffic, case pages and run history filtered by the browser's room, run results at a stable URL kept in the
state store, the presenter board and its admin protection, and a room's own date when the presenter allows it.

Two participants at once in real Chromium: tests/ui/test_rooms_browser.py.
"""

from __future__ import annotations

import html
import re
from dataclasses import replace
from datetime import timedelta

import pytest

from sandbox.app import build_services, create_app
from sandbox.config import Settings
from sandbox.rooms import COOKIE as ROOM_COOKIE
from sandbox.state import StateStore
from sandbox.ui import access, runner, traffic
from sandbox.ui.runs import RunStore
from sandbox.ui.views import wrap_url

ADMIN = "board-s3cret"


@pytest.fixture(scope="module")
def services(tmp_path_factory):
    return build_services(Settings(state_dir=str(tmp_path_factory.mktemp("rooms-state"))))


@pytest.fixture(scope="module")
def app(services):
    return create_app(services.settings, services)


@pytest.fixture(scope="module")
def protected(services, tmp_path_factory):
    """The same world behind --admin-token, with a state directory of its own."""
    settings = replace(services.settings, admin_token=ADMIN, state_dir=str(tmp_path_factory.mktemp("protected")))
    return create_app(settings, replace(services, settings=settings, state=StateStore(settings.state_dir)))


def participant(app, room: str):
    client = app.test_client()
    response = client.post("/ui/room", data={"room": room, "next": "/traffic"})
    assert response.status_code == 302 and response.headers["Location"] == "/traffic", response.get_data(as_text=True)
    return client


def run(client, **form) -> tuple[str, str]:
    """Run a case from the UI: (the run's stable URL, the case id)."""
    response = client.post("/run", data=form)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    url = response.headers["Location"]
    assert re.fullmatch(r"/ui/runs/[\w-]{8,32}", url)
    page = client.get(url).get_data(as_text=True)
    case_id = re.search(r'data-testid="case-id">([0-9a-f-]{36})<', page).group(1)
    return url, case_id


def test_each_participant_sees_only_its_rooms_traffic_cases_and_runs(app):
    kari, ola = participant(app, "kari-room"), participant(app, "ola-room")
    kari_url, kari_case = run(kari, service="skatt", party="ola-joint")
    ola_url, ola_case = run(ola, service="konkurs", party="smuldre-bakeri")
    audit = app.extensions["sandbox.audit"]
    assert {r["room"] for r in audit.case(kari_case)} == {"kari-room"}
    assert {r["room"] for r in audit.case(ola_case)} == {"ola-room"}
    # the Maskinporten and directory calls of the run are filed in the room too (they carry no case id)
    assert {r["api"] for r in audit.query(limit=500, room="kari-room")} >= {"maskinporten", "directory", "bank"}

    mine = kari.get("/ui/traffic.json").get_json()["requests"]
    assert mine and {r["room"] for r in mine} == {"kari-room"}
    assert kari_case in {r["accountInfoRequestId"] for r in mine} and ola_case not in {
        r["accountInfoRequestId"] for r in mine}
    page = kari.get("/traffic").get_data(as_text=True)
    assert f'data-case="{kari_case}"' in page and f'data-case="{ola_case}"' not in page
    assert "room kari-room" in page

    assert kari_case in kari.get(f"/traffic/cases/{kari_case}").get_data(as_text=True)
    assert "No request of this case" in kari.get(f"/traffic/cases/{ola_case}").get_data(as_text=True)

    history = kari.get("/run").get_data(as_text=True)
    assert kari_url in history and ola_url not in history
    assert kari.get(ola_url).status_code == 404  # another room's run
    assert ola.get(ola_url).status_code == 200

    everyone = app.test_client()  # outside any room (the presenter's view on an open server): every room
    cases = {r["accountInfoRequestId"] for r in everyone.get("/ui/traffic.json").get_json()["requests"]}
    assert {kari_case, ola_case} <= cases
    assert kari_url in everyone.get("/run").get_data(as_text=True)

    kari.post("/ui/room/leave", data={"next": "/"})
    assert ola_case in {r["accountInfoRequestId"] for r in kari.get("/ui/traffic.json").get_json()["requests"]}


def test_a_run_result_has_a_stable_url_in_the_state_store(app, services):
    client = participant(app, "stable-room")
    url, case_id = run(client, service="verge", party="bente-ward")
    first = client.get(url).get_data(as_text=True)
    assert "Every call answered" in first and 'data-testid="run-permalink"' in first
    kept = RunStore(StateStore(services.state.directory)).get(url.rsplit("/", 1)[1])  # another worker's view
    assert kept.room == "stable-room" and kept.case_id == case_id and "Every call answered" in kept.html
    app.extensions.pop("sandbox.ui.runs")  # nothing of the run is held in memory
    browser = app.test_client()
    browser.set_cookie(ROOM_COOKIE, "stable-room")
    again = browser.get(url).get_data(as_text=True)
    assert case_id in again and "Every call answered" in again
    assert re.search(r"<option value=\"verge\" selected>", again)  # the form as it was sent
    assert client.get("/ui/runs/nope-not-a-run").status_code == 404
    # a form the case cannot start from is answered on the form, not kept
    response = client.post("/run", data={"service": "konkurs", "party": "nobody-at-all"})
    assert response.status_code == 200 and "no party 'nobody-at-all'" in html.unescape(response.get_data(as_text=True))


def test_the_consumers_room_takes_its_own_clients_calls(app, services):
    """A room given an agency gets that agency's calls that name no room (its participant's own client)."""
    admin = app.test_client()
    body = admin.post("/sandbox/v1/rooms", json={"name": "nav-team", "consumers": ["digdir"]}).get_json()
    assert {"name": "nav-team", "consumers": [services.world.consumers["digdir"].org_number]}.items() <= next(
        r for r in body["rooms"] if r["name"] == "nav-team").items()
    outcome = runner.run(app, services, runner.RunForm(service="oed", party="arne-deceased"))  # no room sent
    assert outcome.case is not None and not outcome.errors
    rows = app.extensions["sandbox.audit"].case(outcome.case.case_id)
    assert rows and {r["room"] for r in rows} == {"nav-team"}
    refused = admin.post("/sandbox/v1/rooms", json={"name": "other", "consumers": ["digdir"]})
    assert refused.status_code == 409 and "belongs to one room" in refused.get_json()["message"]
    assert admin.post("/sandbox/v1/rooms", json={"name": "../x"}).status_code == 400
    assert admin.post("/sandbox/v1/rooms", json={"name": "x", "consumers": ["nope"]}).status_code == 400
    assert admin.get("/sandbox/v1/requests?room=nav-team&limit=5").get_json()["requests"][0]["room"] == "nav-team"


def test_the_traffic_page_paints_its_rows_with_names_and_oslo_times(app):
    client = participant(app, "paint-room")
    _, case_id = run(client, service="skatt", party="eva-joint")
    page = client.get("/traffic").get_data(as_text=True)
    assert "loading…" not in page
    row = re.search(rf'<tr class="case-row" data-case="{case_id}">(.*?)</tr>', page, re.S).group(1)
    assert "EVA TESTMANN" in row and "Skatteetaten" in row
    last = app.extensions["sandbox.audit"].case(case_id)[-1]
    shown = re.search(r'<td class="nowrap">(\d\d:\d\d:\d\d)</td>', row).group(1)
    assert shown == traffic.local_time(last["time"])
    assert traffic.local_time("2025-06-30T22:15:03.120Z") == "00:15:03"  # CEST, 24 h
    assert traffic.local_time("2025-01-10T13:05:00Z", True) == "2025-01-10 14:05:00"  # CET
    data = client.get("/ui/traffic.json").get_json()["requests"][0]
    assert re.fullmatch(r"\d\d:\d\d:\d\d", data["clock"]) and "partyName" in data
    case_page = client.get(f"/traffic/cases/{case_id}").get_data(as_text=True)
    assert "Europe/Oslo, 24 h" in case_page and "EVA TESTMANN" in case_page and "(UTC)" not in case_page


def test_urls_may_break_only_after_a_slash():
    assert str(wrap_url("http://h/banks/1?a=<b>&c")) == (
        "http:/<wbr>/<wbr>h/<wbr>banks/<wbr>1?<wbr>a=&lt;b&gt;&amp;<wbr>c")


def test_the_board_shows_every_room_and_only_the_admin_opens_it(protected):
    admin = protected.test_client()
    refused = admin.post("/sandbox/v1/rooms", json={"name": "team-a"})
    assert refused.status_code == 401  # the admin API keeps its own check
    for name in ("team-a", "team-b"):
        assert admin.post("/sandbox/v1/rooms", json={"name": name},
                          headers={"Authorization": f"Bearer {ADMIN}"}).status_code == 200

    stranger = protected.test_client()
    response = stranger.post("/ui/room", data={"room": "made-up", "next": "/traffic"})
    assert response.status_code == 200 and "pick one of the presenter's rooms" in html.unescape(
        response.get_data(as_text=True))
    assert stranger.get("/traffic").status_code == 302

    a, b = participant(protected, "team-a"), participant(protected, "team-b")
    _, case_a = run(a, service="skatt", party="ola-joint")
    _, case_b = run(b, service="politi", party="per-disponent")  # the order is signed with the server's token
    assert a.get("/traffic").status_code == 200 and a.get("/tokens").status_code == 200
    for participant_client in (a, b):
        response = participant_client.get("/ui/board")
        assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
        assert participant_client.get("/ui/board.json").status_code == 401
        assert participant_client.post("/ui/board/clocks", data={"enabled": "on"}).status_code == 302
    assert not protected.extensions["sandbox.rooms"].snapshot().room_clocks
    assert b"Board" not in a.get("/").data.split(b"</nav>")[0]

    admin.post("/login", data={"token": ADMIN, "next": "/ui/board"})
    assert admin.get_cookie(access.COOKIE) is not None
    page = admin.get("/ui/board")
    assert page.status_code == 200
    cards = {c["name"]: c for c in admin.get("/ui/board.json").get_json()["rooms"]}
    assert cards["team-a"]["cases"] == 1 and cards["team-b"]["cases"] == 1
    assert cards["team-a"]["requests"] == len(protected.extensions["sandbox.audit"].query(limit=500, room="team-a"))
    assert cards["team-a"]["errors"] == 0 and cards["team-a"]["uiRuns"] == 1
    assert cards["team-b"]["last"]["status"] == 200 and cards["team-b"]["last"]["endpoint"]
    board = page.get_data(as_text=True)
    assert board.count('data-testid="room-card"') >= 2 and 'data-room="team-a"' in board
    assert case_a != case_b


def test_a_room_runs_on_its_own_date_only_when_the_presenter_allows(app, services):
    rooms = app.extensions["sandbox.rooms"]
    later = participant(app, "later-room")
    today = services.world.today
    ahead = today + timedelta(days=40)
    form = {"service": "skatt", "party": "ola-joint", "from": (today - timedelta(days=30)).isoformat(),
            "to": ahead.isoformat()}
    # room clocks off: a participant cannot move its date, and a period ending after the sandbox's date is refused
    assert "has not allowed room clocks" in later.post("/ui/room/clock", data={"today": ahead.isoformat()}).get_data(
        as_text=True)
    _, refused_case = run(later, **form)
    assert any(r["status"] == 400 for r in app.extensions["sandbox.audit"].case(refused_case))

    admin = app.test_client()
    assert admin.post("/sandbox/v1/rooms/clocks", json={"enabled": True}).get_json()["roomClocks"] is True
    try:
        response = later.post("/ui/room/clock", data={"today": ahead.isoformat(), "next": "/"})
        assert response.status_code == 302
        assert rooms.get("later-room").clock_offset == 40
        assert f'data-testid="today">{ahead}<' in later.get("/").get_data(as_text=True)
        _, case_id = run(later, **form)
        rows = app.extensions["sandbox.audit"].case(case_id)
        assert rows and {r["status"] for r in rows} == {200} and {r["sandbox_date"] for r in rows} == {ahead.isoformat()}
        other = participant(app, "still-room")  # another room stays on the sandbox's date
        assert f'data-testid="today">{today}<' in other.get("/").get_data(as_text=True)
        admin.post("/sandbox/v1/rooms/clocks", json={"enabled": False})
        assert f'data-testid="today">{today}<' in later.get("/").get_data(as_text=True)  # the offset waits, unused
        assert rooms.get("later-room").clock_offset == 40
        body = admin.post("/sandbox/v1/rooms/later-room/clock", json={"reset": True}).get_json()
        assert next(r for r in body["rooms"] if r["name"] == "later-room")["clockOffsetDays"] == 0
        assert admin.post("/sandbox/v1/rooms/later-room/clock", json={"offsetDays": 99999}).status_code == 400
        assert admin.post("/sandbox/v1/rooms/nope/clock", json={"offsetDays": 1}).status_code == 404
    finally:
        admin.post("/sandbox/v1/rooms/clocks", json={"enabled": False})
