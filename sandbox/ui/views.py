"""The workshop UI at `/`: server-rendered pages (Jinja templates, plain CSS, a little JavaScript; no build step,
no CDN). Thin views: parse the request, call one function of model.py, runner.py, traffic.py or tokens.py,
render. Access: sandbox/ui/access.py (open, or the admin token once per browser session).

| page | path |
|---|---|
| overview: scenario, today, banks, agencies and services, personas | `/` |
| party: identity, accounts, timeline, what a request for a period returns | `/parties/<id or identity number>` |
| run a case with the reference consumer, every exchange shown | `/run` (GET form, POST run) |
| a run's result at a stable URL (kept in the state store: sandbox/ui/runs.py) | `/ui/runs/<id>` |
| live traffic: the request log grouped by case, updating by itself | `/traffic`, `/traffic/cases/<case id>` |
| a case's conformance report (sandbox/conformance), big enough for a projector | `/traffic/cases/<case id>/report` |
| tokens: mint one and copy a curl line | `/tokens` |
| the live traffic's data (JSON) | `/ui/traffic.json` |
| workshop rooms: join, leave, a room's own date; the presenter board | `/ui/room...`, `/ui/board` (board.py) |

Workshop rooms (sandbox/rooms.py): a browser in a room (the room cookie) sees only its room's traffic, cases and
runs, and runs its cases in the room. With --admin-token, a participant enters by picking one of the presenter's
rooms on /login, and reaches every page but the board; the admin token (the presenter) reaches everything.

A form the page cannot act on (no such party, a period the service cannot default, a wrong admin token on
/login) is answered 200 with the form and the reason on it, not 400/401: it is a page for people, and a browser
reports every 4xx page as a console error.
"""

from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request, url_for
from markupsafe import Markup, escape

from sandbox.admin.errors import error_body
from sandbox.rooms import COOKIE as ROOM_COOKIE
from sandbox.rooms import valid_name
from sandbox.web import json_response

from . import access, model, runner, tokens, traffic
from .runs import RunStore

bp = Blueprint("ui", __name__, template_folder="templates", static_folder="static", static_url_path="/ui/static")

#: Paths whose errors are HTML pages (app.py `_error_for_path`); `.json` under them stays JSON.
UI_PREFIXES = ("/parties/", "/run", "/traffic", "/tokens", "/login", "/logout", "/ui/")
NAV = (("ui.overview", "Overview"), ("ui.run_form", "Run a case"), ("ui.live_traffic", "Live traffic"),
       ("ui.token_form", "Tokens"))
BOARD_NAV = (("ui_board.board_page", "Board"),)
OPEN_ENDPOINTS = ("ui.static", "ui.login_form", "ui.login", "ui.join_room", "ui.leave_room")
_URL_BREAKS = re.compile(r"(?<=[/?&])")  # the empty string after each "/", "?", "&": where a URL may break


def _services():
    return current_app.extensions["dsop"]


@bp.app_template_filter("amount")
def amount(value) -> str:
    """1234567.5 → "1 234 567.50" (a space between thousands, as Norwegian amounts are read)."""
    return f"{value:,.2f}".replace(",", " ")


@bp.app_template_filter("local_time")
def local_time(stamp, with_date: bool = False) -> str:
    """A UTC log time → the sandbox's zone, 24 h (one time format on every page)."""
    return traffic.local_time(stamp, with_date)


@bp.app_template_filter("wrap_url")
def wrap_url(url) -> Markup:
    """A URL that may break only after a `/` (or `?`, `&`): a `<wbr>` there, the rest escaped, never mid-word."""
    return Markup("<wbr>".join(str(escape(part)) for part in _URL_BREAKS.split(str(url or ""))))


def is_ui_path(path: str) -> bool:
    return path == "/" or path.startswith(UI_PREFIXES)


def rooms():
    return current_app.extensions.get("sandbox.rooms")


def presenter() -> bool:
    """The admin token's holder (or anyone on a server without one): every room, the board."""
    return access.allowed(_services().settings, request.cookies.get(access.COOKIE))


def current_room() -> str | None:
    """The browser's workshop room (its cookie); on a server with --admin-token only one the presenter created."""
    name = valid_name(request.cookies.get(ROOM_COOKIE))
    if name is None:
        return None
    if access.required(_services().settings) and (rooms() is None or rooms().get(name) is None):
        return None
    return name


def run_store() -> RunStore | None:
    store = getattr(_services(), "state", None)
    if store is None:
        return None
    found = current_app.extensions.get("sandbox.ui.runs")
    if found is None:
        found = current_app.extensions["sandbox.ui.runs"] = RunStore(store)
    return found


def page(template: str, status: int = 200, **context):
    services = _services()
    boss, room = presenter(), current_room()
    found = rooms()
    common = {"active": request.endpoint, "nav": NAV + (BOARD_NAV if boss else ()), "today": services.world.today,
              "scenario": services.world.name, "auth": services.settings.auth,
              "protected": access.required(services.settings),
              "logged_in": access.required(services.settings) and boss, "presenter": boss, "room": room,
              "room_clocks": found is not None and found.snapshot().room_clocks,
              "room_names": found.names() if found is not None else [],
              "room_cookie_required": access.required(services.settings)}
    html = render_template(template, **{**common, **context})
    return make_response(html, status, {"Cache-Control": "no-store"})


def refuse():
    """Not allowed here: JSON 401 for the `.json` endpoints, else the login page (which also lets one join a room)."""
    if request.path.endswith(".json"):
        return json_response(error_body(401, "log in to the workshop UI first (/login)"), 401)
    return redirect(url_for("ui.login_form", next=request.full_path.rstrip("?")))


def error_page(status: int, message: str):
    """An HTML error page for UI paths (JSON for the UI's `.json` endpoints)."""
    if request.path.endswith(".json"):
        return json_response(error_body(status, message), status)
    return page("error.html", status, code=status, message=message, active=None)


@bp.before_request
def _guard():
    if request.endpoint in OPEN_ENDPOINTS or presenter() or current_room() is not None:
        return None
    return refuse()


@bp.get("/")
def overview():
    """The scenario, today's date, banks, agencies with their services, and the personas."""
    return page("overview.html", data=model.overview(_services()))


@bp.get("/parties/<key>")
def party(key: str):
    """One party: identity, accounts, timeline, and what a request for the selected period returns."""
    data = model.party_page(_services(), key, request.args.get("from"), request.args.get("to"),
                            request.args.get("service"))
    if data is None:
        abort(404, f"no party {key[:40]!r} in this scenario")
    return page("party.html", **data)


def _run_page(form, outcome=None, stored=None, status: int = 200):
    services = _services()
    store, room = run_store(), current_room()
    history = store.recent(room, every_room=room is None and presenter()) if store is not None else []
    return page("run.html", status, form=form, outcome=outcome, stored=stored, history=history,
                choices=model.service_choices(services.world, services.settings.nav_v1),
                parties=[p for p in services.world.built_parties() if not p.generated], active="ui.run_form")


@bp.get("/run")
def run_form():
    """The Run a case form, prefilled from the query (service, party, from, to), and the room's earlier runs."""
    return _run_page(runner.RunForm.of(request.args))


@bp.post("/run")
def run_case():
    """Run the case with the reference consumer (in the browser's room), keep the result and show it at its own URL
    (303 to /ui/runs/<id>: a reload does not run the case again). A form the case cannot start from is answered
    here, with the reasons."""
    services = _services()
    form = runner.RunForm.of(request.form)
    room = current_room()
    outcome = runner.run(current_app._get_current_object(), services, form, room=room)
    store = run_store()
    if store is None or not (outcome.steps or outcome.case):
        return _run_page(form, outcome)
    html = render_template("_run_result.html", outcome=outcome)
    run_id = store.save(room=room, service=form.service, party=form.party,
                        case_id=outcome.case.case_id if outcome.case is not None else None,
                        errors=len(outcome.errors), form=runner.form_query(form), html=html)
    return redirect(url_for("ui.run_result", run_id=run_id), 303)


@bp.get("/ui/runs/<run_id>")
def run_result(run_id: str):
    """A kept run: its form and its result as it was shown when it ran."""
    store = run_store()
    stored = store.get(run_id) if store is not None else None
    room = current_room()
    if stored is None or (stored.room != room if room is not None else not presenter()):
        abort(404, "no such run (runs are kept in this server's state directory; in a room, only the room's)")
    return _run_page(runner.RunForm.of(stored.form), stored=stored)


@bp.get("/traffic")
def live_traffic():
    """The request log (the browser's room only, when it is in one), grouped by case, updating by itself; the
    first rows rendered here."""
    services = _services()
    audit = current_app.extensions.get("sandbox.audit")
    filters = traffic.filters_of(services.world, request.args, current_room())
    names = traffic.names(services.world)
    first = traffic.recent(services.world, audit, filters)
    return page("traffic.html", names=names, statuses=traffic.STATUSES, world=services.world, filters=filters,
                enabled=audit is not None, first=first, groups=traffic.groups(first["requests"], names),
                zone=traffic.ZONE_NAME, now=traffic.now_clock())


@bp.get("/traffic/cases/<case_id>")
def traffic_case(case_id: str):
    """Every request of one case, in order (the room's requests only, when the browser is in a room)."""
    services = _services()
    rows = traffic.case(services.world, current_app.extensions.get("sandbox.audit"), case_id, current_room())
    return page("case.html", case_id=case_id, rows=rows, names=traffic.names(services.world), active="ui.live_traffic",
                zone=traffic.ZONE_NAME)


@bp.get("/traffic/cases/<case_id>/report")
def case_report(case_id: str):
    """The conformance grader's report of one case: every check, the failing ones with their requests and fix."""
    from sandbox.conformance import UnknownCase, grade_case

    audit = current_app.extensions.get("sandbox.audit")
    report = None
    if audit is not None:
        try:
            report = grade_case(audit, case_id)
        except UnknownCase:
            report = None
    return page("report.html", case_id=case_id, report=report, enabled=audit is not None, active="ui.live_traffic")


@bp.get("/ui/traffic.json")
def traffic_json():
    """The newest log rows for the live traffic view (`since`: unchanged when nothing new)."""
    services = _services()
    since = request.args.get("since", "")
    data = traffic.recent(services.world, current_app.extensions.get("sandbox.audit"),
                          traffic.filters_of(services.world, request.args, current_room()),
                          int(since) if since.isdigit() else None)
    return json_response(data, headers={"Cache-Control": "no-store"})


@bp.get("/tokens")
def token_form():
    """Mint a token for an agency, scope and audience."""
    return page("tokens.html", form=tokens.TokenForm.of(request.args), minted=None, choices=tokens.choices(_services()))


@bp.post("/tokens")
def mint_token():
    """Mint the token and show it with a ready curl line."""
    services = _services()
    form = tokens.TokenForm.of(request.form)
    minted = tokens.mint(services, form)
    return page("tokens.html", form=form, minted=minted,
                choices=tokens.choices(services), active="ui.token_form")


@bp.get("/login")
def login_form():
    """Ask for the server's admin token (only when it runs with --admin-token), or for a room to join."""
    return page("login.html", next=access.safe_next(request.args.get("next")), failed=False, room_error=None,
                active=None)


@bp.post("/login")
def login():
    """Check the admin token and keep a session value derived from it in a cookie (sandbox/ui/access.py)."""
    services = _services()
    token = request.form.get("token", "")
    target = access.safe_next(request.form.get("next"))
    if not access.token_matches(services.settings, token):  # 200 with the reason, like every form (module docstring)
        return page("login.html", next=target, failed=True, room_error=None, active=None)
    response = redirect(target)
    response.set_cookie(access.COOKIE, access.session_value(services.settings), httponly=True, samesite="Strict", path="/")
    return response


@bp.post("/ui/room")
def join_room():
    """Put this browser in a room (a cookie). Without --admin-token a new name creates the room; with it, the room
    must be one the presenter created."""
    found = rooms()
    target = access.safe_next(request.form.get("next"))
    name = valid_name(request.form.get("room"))
    problem = None
    if found is None:
        problem = "this server keeps no rooms (it has no state store)"
    elif name is None:
        problem = "a room name is 1–40 letters, digits, spaces, dots, dashes or underscores"
    elif access.required(_services().settings) and found.get(name) is None:
        problem = f"there is no room {name!r}: pick one of the presenter's rooms"
    if problem is not None:
        return page("login.html", next=target, failed=False, room_error=problem, active=None)
    if found.get(name) is None:
        found.create(name)
    response = redirect(target)
    response.set_cookie(ROOM_COOKIE, name, httponly=True, samesite="Strict", path="/")
    return response


@bp.post("/ui/room/leave")
def leave_room():
    """Take this browser out of its room."""
    response = redirect(access.safe_next(request.form.get("next")))
    response.delete_cookie(ROOM_COOKIE, path="/")
    return response


@bp.post("/logout")
def logout():
    """Forget the session cookie."""
    response = redirect(url_for("ui.login_form"))
    response.delete_cookie(access.COOKIE, path="/")
    return response
