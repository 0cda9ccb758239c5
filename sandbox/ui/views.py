"""The workshop UI at `/`: server-rendered pages (Jinja templates, plain CSS, a little JavaScript; no build step,
no CDN). Thin views: parse the request, call one function of model.py, runner.py, traffic.py or tokens.py,
render. Access: sandbox/ui/access.py (open, or the admin token once per browser session).

| page | path |
|---|---|
| overview: scenario, today, banks, agencies and services, personas | `/` |
| party: identity, accounts, timeline, what a request for a period returns | `/parties/<id or identity number>` |
| run a case with the reference consumer, every exchange shown | `/run` (GET form, POST run) |
| live traffic: the request log grouped by case, updating by itself | `/traffic`, `/traffic/cases/<case id>` |
| a case's conformance report (sandbox/conformance), big enough for a projector | `/traffic/cases/<case id>/report` |
| tokens: mint one and copy a curl line | `/tokens` |
| the live traffic's data (JSON) | `/ui/traffic.json` |

A form the page cannot act on (no such party, a period the service cannot default, a wrong admin token on
/login) is answered 200 with the form and the reason on it, not 400/401: it is a page for people, and a browser
reports every 4xx page as a console error.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request, url_for

from sandbox.admin.errors import error_body
from sandbox.web import json_response

from . import access, model, runner, tokens, traffic

bp = Blueprint("ui", __name__, template_folder="templates", static_folder="static", static_url_path="/ui/static")

#: Paths whose errors are HTML pages (app.py `_error_for_path`); `.json` under them stays JSON.
UI_PREFIXES = ("/parties/", "/run", "/traffic", "/tokens", "/login", "/logout", "/ui/")
NAV = (("ui.overview", "Overview"), ("ui.run_form", "Run a case"), ("ui.live_traffic", "Live traffic"),
       ("ui.token_form", "Tokens"))
OPEN_ENDPOINTS = ("ui.static", "ui.login_form", "ui.login")


def _services():
    return current_app.extensions["dsop"]


@bp.app_template_filter("amount")
def amount(value) -> str:
    """1234567.5 → "1 234 567.50" (a space between thousands, as Norwegian amounts are read)."""
    return f"{value:,.2f}".replace(",", " ")


def is_ui_path(path: str) -> bool:
    return path == "/" or path.startswith(UI_PREFIXES)


def page(template: str, status: int = 200, **context):
    services = _services()
    common = {"active": request.endpoint, "nav": NAV, "today": services.world.today, "scenario": services.world.name,
              "auth": services.settings.auth, "protected": access.required(services.settings),
              "logged_in": access.required(services.settings)
              and access.allowed(services.settings, request.cookies.get(access.COOKIE))}
    html = render_template(template, **{**common, **context})
    return make_response(html, status, {"Cache-Control": "no-store"})


def error_page(status: int, message: str):
    """An HTML error page for UI paths (JSON for the UI's `.json` endpoints)."""
    if request.path.endswith(".json"):
        return json_response(error_body(status, message), status)
    return page("error.html", status, code=status, message=message, active=None)


@bp.before_request
def _guard():
    services = _services()
    if request.endpoint in OPEN_ENDPOINTS or access.allowed(services.settings, request.cookies.get(access.COOKIE)):
        return None
    if request.path.endswith(".json"):
        return json_response(error_body(401, "log in to the workshop UI first (/login)"), 401)
    return redirect(url_for("ui.login_form", next=request.full_path.rstrip("?")))


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


@bp.get("/run")
def run_form():
    """The Run a case form, prefilled from the query (service, party, from, to)."""
    services = _services()
    form = runner.RunForm.of(request.args)
    return page("run.html", form=form, outcome=None, choices=model.service_choices(services.world,
                                                                                   services.settings.nav_v1),
                parties=[p for p in services.world.parties.values() if not p.generated])


@bp.post("/run")
def run_case():
    """Run the case with the reference consumer and show every step."""
    services = _services()
    form = runner.RunForm.of(request.form)
    outcome = runner.run(current_app._get_current_object(), services, form)
    return page("run.html", form=form, outcome=outcome,
                choices=model.service_choices(services.world, services.settings.nav_v1),
                parties=[p for p in services.world.parties.values() if not p.generated])


@bp.get("/traffic")
def live_traffic():
    """The request log, grouped by case, updating by itself."""
    services = _services()
    return page("traffic.html", names=traffic.names(services.world), statuses=traffic.STATUSES,
                world=services.world, filters=traffic.filters_of(services.world, request.args),
                enabled=current_app.extensions.get("sandbox.audit") is not None)


@bp.get("/traffic/cases/<case_id>")
def traffic_case(case_id: str):
    """Every request of one case, in order."""
    services = _services()
    rows = traffic.case(current_app.extensions.get("sandbox.audit"), case_id)
    return page("case.html", case_id=case_id, rows=rows, names=traffic.names(services.world), active="ui.live_traffic")


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
    data = traffic.recent(current_app.extensions.get("sandbox.audit"), traffic.filters_of(services.world, request.args),
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
    """Ask for the server's admin token (only when it runs with --admin-token)."""
    return page("login.html", next=access.safe_next(request.args.get("next")), failed=False, active=None)


@bp.post("/login")
def login():
    """Check the admin token and keep a session value derived from it in a cookie (sandbox/ui/access.py)."""
    services = _services()
    token = request.form.get("token", "")
    target = access.safe_next(request.form.get("next"))
    if not access.token_matches(services.settings, token):  # 200 with the reason, like every form (module docstring)
        return page("login.html", next=target, failed=True, active=None)
    response = redirect(target)
    response.set_cookie(access.COOKIE, access.session_value(services.settings), httponly=True, samesite="Strict", path="/")
    return response


@bp.post("/logout")
def logout():
    """Forget the session cookie."""
    response = redirect(url_for("ui.login_form"))
    response.delete_cookie(access.COOKIE, path="/")
    return response
