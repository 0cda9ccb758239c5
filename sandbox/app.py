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
from sandbox.dsop.wire import sandbox_now
from sandbox.web import json_response

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


def build_services(settings: Settings, real_today: date | None = None) -> Services:
    from sandbox.bank.rules import BankRules
    from sandbox.maskinporten.tokens import Maskinporten
    from sandbox.register.rules import RegisterRules
    from sandbox.state import StateStore
    from sandbox.scenario import load_scenario
    from sandbox.scenario.catalog import resolve
    from sandbox.world import build_world, world_digest

    spec = load_scenario(resolve(settings.scenario), today=settings.today, seed=settings.seed, real_today=real_today)
    world = build_world(spec)
    state = StateStore(settings.state_dir)
    issuer = Maskinporten(world, settings.public_url, state, spec.data.get("maskinporten"))
    bank = BankRules(world, settings.page_size, settings.body_cache_mb * 2**20)
    return Services(settings, world, world_digest(world), bank, RegisterRules(world), maskinporten=issuer, state=state)


def _error_for_path(status: int, message: str, today):
    path = request.path
    if path.startswith("/banks/"):
        code = {405: "ACC-012", 404: "ACC-002", 406: "ACC-013", 429: "ACC-022"}.get(status, "ACC-001" if status < 500 else "ACC-100")
        return json_response({"code": code, "message": message}, status)
    if path.startswith("/kar-ws/"):
        return json_response({"errorCode": f"ERR-{status}", "errorMessage": message, "timestamp": sandbox_now(today)}, status)
    from sandbox.ui.views import error_page, is_ui_path

    if is_ui_path(path):  # the workshop UI's pages: an HTML error page (its .json endpoints stay JSON)
        return error_page(status, message)
    return json_response({"error": status, "message": message}, status)


def create_app(settings: Settings | None = None, services: Services | None = None) -> Flask:
    from sandbox import audit, clock, faults
    from sandbox.admin import guard
    from sandbox.admin.politi import bp as politi_bp
    from sandbox.admin.views import bp as admin_bp
    from sandbox.bank.views import bp as bank_bp
    from sandbox.directory.views import bp as directory_bp
    from sandbox.maskinporten.views import bp as maskinporten_bp
    from sandbox.openapi.views import bp as openapi_bp
    from sandbox.register.views import bp as register_bp
    from sandbox.ui.views import bp as ui_bp

    settings = settings or Settings()
    services = services or build_services(settings)
    app = Flask("sandbox")
    # No HTML redirects: `//` in a path is not merged into `/`, it simply does not match a route.
    app.url_map.merge_slashes = False
    app.extensions["dsop"] = services
    for bp in (maskinporten_bp, register_bp, directory_bp, bank_bp, admin_bp, openapi_bp, politi_bp, ui_bp):
        app.register_blueprint(bp)
    # Cross-cutting hooks, in this order: admin token, the request's "today", the request log, injected faults.
    guard.install(app, services)
    clock.install(app, services)
    audit.install(app, services)
    faults.install(app, services)

    @app.before_request
    def only_declared_methods():
        """D3: Flask would answer OPTIONS itself (200, empty HTML); the APIs answer it like any other
        method they do not serve: 405 in their own error format."""
        if request.method == "OPTIONS":
            rule = request.url_rule
            allowed = sorted(m for m in (rule.methods if rule else {"GET"}) if m not in ("OPTIONS", "HEAD"))
            raise MethodNotAllowed(valid_methods=allowed)

    @app.get("/health")
    def health():
        """Liveness and identity: scenario, world digest, sandbox date, auth."""
        return json_response({"status": "ok", "scenario": services.world.name, "digest": services.digest,
                              "today": services.world.today.isoformat(), "auth": settings.auth,
                              "audit": settings.audit})

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if exc.code == 405:
            allowed = ", ".join(getattr(exc, "valid_methods", None) or ["GET"])
            message = f"method {request.method} is not allowed here (allowed: {allowed})"
        elif exc.code == 404:
            message = f"no such endpoint: {request.path[:200]}"
        else:
            message = exc.description or exc.name
        return _error_for_path(exc.code or 500, message, services.world.today)

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
