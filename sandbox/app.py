"""create_app(settings): build the world once, wire each service's rules and blueprints (DESIGN §2, §4).

Errors never leave as HTML or a stack trace: HTTP errors (unknown route, wrong method) and unexpected
exceptions are answered in the format of the API the path belongs to.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from flask import Flask, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from sandbox.config import Settings
from sandbox.lean_flask import SandboxFlask
from sandbox.web import error_body, is_api_path, json_response

log = logging.getLogger("dsop-sandbox")


@dataclass
class Services:
    settings: Settings
    world: object
    digest: str
    bank: object
    register: object
    maskinporten: object = None
    state: object = None
    compat: object = None  # sandbox.compat.Compat: the register's and each bank's profile (D22)


def build_services(settings: Settings, real_today: date | None = None) -> Services:
    """The world and each service's rules. `real_today` (default: the wall clock's date, read here and only
    here for a server) is used when neither the settings nor the scenario fix the date."""
    from sandbox import clock
    from sandbox.bank.rules import BankRules
    from sandbox.compat import Compat
    from sandbox.maskinporten.tokens import Maskinporten, shortcut_enabled
    from sandbox.register.rules import RegisterRules
    from sandbox.scenario import load_scenario
    from sandbox.scenario.catalog import resolve
    from sandbox.stores import open_store
    from sandbox.world import build_world, world_digest

    spec = load_scenario(resolve(settings.scenario), today=settings.today, seed=settings.seed,
                        real_today=real_today or clock.real_today())
    world = build_world(spec, settings.world_mode)
    state = open_store(settings.state_dir, settings.state_url)
    issuer = Maskinporten(world, settings.public_url, state, spec.data.get("maskinporten"),
                          aliases=settings.maskinporten_aliases,
                          shortcut=shortcut_enabled(settings.token_shortcut, settings.admin_token))
    bank = BankRules(world, settings.page_size, settings.body_cache_mb * 2**20)
    return Services(settings, world, world_digest(world), bank, RegisterRules(world), maskinporten=issuer, state=state,
                    compat=Compat.from_world(world, settings.profile))


def _state_of(store) -> str | None:
    """/health's `state_dir`: the SQLite store's directory, or the PostgreSQL URL without its password."""
    if store is None:
        return None
    return str(store.directory) if store.directory is not None else store.describe()


def _error_for_path(status: int, message: str, today, headers: dict | None = None):
    path = request.path
    if not is_api_path(path):
        from sandbox.ui.views import error_page, is_ui_path

        if is_ui_path(path):  # the workshop UI's pages: an HTML error page (its .json endpoints stay JSON)
            response = error_page(status, message)
            response.headers.extend(headers or {})
            return response
    return json_response(error_body(path, status, message, today), status, headers)


def allowed_methods(path: str, rule_methods) -> list[str]:
    """What a route really answers, in a fixed order: the DSOP APIs only GET (D3: HEAD and OPTIONS answer 405
    there); elsewhere the route's methods with HEAD (Flask answers it for every GET) but not OPTIONS (405 too)."""
    methods = set(rule_methods or ("GET",)) - {"OPTIONS"}
    if is_api_path(path):
        methods -= {"HEAD"}
    return sorted(methods) or ["GET"]


def create_app(settings: Settings | None = None, services: Services | None = None) -> Flask:
    from sandbox import clock, faults, rooms
    from sandbox.admin import guard
    from sandbox.admin.clock import bp as clock_bp
    from sandbox.admin.politi import bp as politi_bp
    from sandbox.admin.rooms import bp as rooms_bp
    from sandbox.admin.views import bp as admin_bp
    from sandbox.audit import log as audit_log
    from sandbox.audit.views import bp as requests_bp
    from sandbox.bank.views import bp as bank_bp
    from sandbox.directory.views import bp as directory_bp
    from sandbox.maskinporten.views import bp as maskinporten_bp
    from sandbox.maskinporten.views import root_bp as maskinporten_root_bp
    from sandbox.openapi.views import bp as openapi_bp
    from sandbox.register.views import bp as register_bp
    from sandbox.ui.board_views import bp as ui_board_bp
    from sandbox.ui.views import bp as ui_bp

    settings = settings or Settings()
    services = services or build_services(settings)
    app = SandboxFlask("sandbox")
    # No HTML redirects: `//` in a path is not merged into `/`, it simply does not match a route.
    app.url_map.merge_slashes = False
    app.extensions["dsop"] = services
    from sandbox.http_refusals import RawPathRouting

    app.wsgi_app = RawPathRouting(app.wsgi_app)  # an encoded slash never routes as another endpoint (issue 14)
    # Every blueprint is registered here; the install() functions below only add hooks.
    for bp in (maskinporten_bp, maskinporten_root_bp, register_bp, directory_bp, bank_bp, admin_bp, openapi_bp,
               politi_bp, ui_bp, ui_board_bp, clock_bp, requests_bp, rooms_bp):
        app.register_blueprint(bp)
    # Cross-cutting hooks, in this order: admin token, the request's "today" (a workshop room's date on top),
    # the request log, injected faults.
    guard.install(app, services)
    clock.install(app, services)
    rooms.install(app, services)
    audit_log.install(app, services)
    faults.install(app, services)

    @app.before_request
    def only_declared_methods():
        """D3/R-01: the DSOP APIs answer GET only. Flask would answer OPTIONS itself (200, empty HTML) and HEAD
        like GET; on the APIs both answer 405 in the API's error format like any other method they do not serve.
        Elsewhere (UI, /health, docs, admin) HEAD keeps working; OPTIONS answers 405."""
        method = request.method
        if method != "OPTIONS" and method != "HEAD":  # GET, POST, ...: nothing to refuse here
            return
        rule = request.url_rule
        if rule is None:  # no route: the routing error (404, or 405 with the route's methods) answers
            return
        if method == "OPTIONS" or is_api_path(request.path):
            raise MethodNotAllowed(valid_methods=allowed_methods(request.path, rule.methods))

    @app.get("/health")
    def health():
        """Liveness and identity: scenario, world digest, sandbox date, auth."""
        return json_response({"status": "ok", "scenario": services.world.name, "digest": services.digest,
                              "today": services.world.today.isoformat(), "auth": settings.auth,
                              "audit": settings.audit, "token_shortcut": services.maskinporten.shortcut,
                              "profiles": services.compat.describe(services.world),
                              "state_dir": _state_of(services.state)})

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        headers = None
        if exc.code == 405:
            # Deterministic and truthful (the same bytes from every worker), with the Allow header RFC 9110 §15.5.6
            # requires; the message is the one the OpenAPI documents for the APIs (sandbox/openapi/examples.py).
            allowed = allowed_methods(request.path, getattr(exc, "valid_methods", None))
            headers = {"Allow": ", ".join(allowed)}
            if is_api_path(request.path):
                message = f"method {request.method[:20]} is not allowed: the DSOP APIs only answer GET"
            else:
                message = f"method {request.method[:20]} is not allowed here (allowed: {', '.join(allowed)})"
        elif exc.code == 404:
            message = f"no such endpoint: {request.path[:200]}"
        else:
            message = exc.description or exc.name
        return _error_for_path(exc.code or 500, message, services.world.today, headers)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unexpected error on %s %s", request.method, request.path)
        return _error_for_path(500, "internal error in the sandbox (logged)", services.world.today)

    if not settings.auth:
        @app.after_request
        def say_auth_off(response):
            response.headers["Sandbox-Auth"] = "off"
            return response

    return app
