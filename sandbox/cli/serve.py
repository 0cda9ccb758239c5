"""`dsop-sandbox serve`: build the world, print its summary, then serve it with gunicorn (or Flask's dev server
with --dev). The world is built once before the workers fork (preload), so every worker holds the same one and
a bad scenario stops the server before it listens.

What reaches the app and what the HTTP server answers itself (limits, JSON refusals): sandbox/http_refusals.py.
"""

from __future__ import annotations

import os
import sys

from sandbox.config import Settings, default_state_dir
from sandbox.http_refusals import (
    LIMIT_REQUEST_FIELD_SIZE,
    LIMIT_REQUEST_FIELDS,
    LIMIT_REQUEST_LINE,
    dev_request_handler,
    sandbox_worker_class,
)

#: Seconds a SIGTERMed server has to answer what it accepted before its workers are killed (see load_config).
GRACEFUL_TIMEOUT = 70


def settings_from_args(args) -> Settings:
    public = args.public_url or f"http://{args.host}:{args.port}"
    return Settings(scenario=args.scenario, seed=args.seed, today=args.today, public_url=public,
                    lenient=args.lenient, auth=getattr(args, "auth", "on") != "off",
                    state_dir=getattr(args, "state_dir", None) or default_state_dir(args.scenario, args.seed, args.port),
                    state_url=getattr(args, "state_url", None) or None,
                    audit=getattr(args, "audit", True),
                    admin_token=getattr(args, "admin_token", None) or os.environ.get("DSOP_SANDBOX_ADMIN_TOKEN") or None,
                    allow_fault_headers=getattr(args, "allow_fault_headers", False),
                    nav_v1=getattr(args, "nav_v1", False), audit_keep=getattr(args, "audit_keep", 500_000),
                    body_cache_mb=getattr(args, "body_cache_mb", 64),
                    maskinporten_aliases=tuple(getattr(args, "maskinporten_alias", None) or ()),
                    token_shortcut=getattr(args, "token_shortcut", None), profile=getattr(args, "profile", None),
                    world_mode=getattr(args, "world", None) or "auto")


def port_in_use(host: str, port: int) -> str | None:
    """Why `host:port` cannot be served (another server listens there, or the address is not this machine's), or
    None. Checked before the world is built: gunicorn would otherwise print the banner and then its own raw
    "Connection in use" lines. SO_REUSEADDR as gunicorn sets it, so a port in TIME_WAIT still counts as free."""
    import errno
    import socket

    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as exc:
        return f"cannot serve on {host}: {exc.strerror}"
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return f"{host}:{port} is already in use (another server listens there)"
            return f"cannot serve on {host}:{port}: {exc.strerror}"
    return None


def serve(args) -> int:
    from sandbox.app import build_services, create_app
    from sandbox.cli.summary import summary_lines
    from sandbox.scenario import ScenarioError
    from sandbox.state import StateUrlError

    settings = settings_from_args(args)
    busy = port_in_use(args.host, args.port)
    if busy:
        print(f"dsop-sandbox serve: {busy}; nothing was started. Choose another port: --port {args.port + 1} "
              f"(make run PORT={args.port + 1}), and point your consumer at it.", file=sys.stderr)
        return 2
    try:
        services = build_services(settings)
    except ScenarioError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s) found; the server was not started.", file=sys.stderr)
        return 2
    except StateUrlError as exc:
        print(f"dsop-sandbox serve: {exc}; the server was not started.", file=sys.stderr)
        return 2
    for line in summary_lines(services.world.spec, services.world):
        print(line)
    print(f"serving       {settings.public_url}  (register /kar-ws/api/v2, directory "
          f"/altinn/v1/directharvest/Kontrollinformasjon, banks /banks/ORGNR/v2, health /health)", flush=True)
    print(f"state         {services.state.describe()}  (request log {'on' if settings.audit else 'off'}, admin API "
          f"{'token-protected' if settings.admin_token else 'open'}"
          f"{', fault headers honoured' if settings.allow_fault_headers else ''})", flush=True)
    issuer = services.maskinporten
    print(f"maskinporten  {issuer.issuer}  (also /token, /jwk, /.well-known/oauth-authorization-server; shortcut "
          f"grant {'on' if issuer.shortcut else 'off'}"
          f"{', assertion aud aliases ' + ' '.join(issuer.aliases) if issuer.aliases else ''})", flush=True)
    profiles = services.compat.describe(services.world)
    production = [bank for bank, profile in profiles["banks"].items() if profile == "production"]
    print(f"profiles      register {profiles['register']}, banks "
          + (f"production: {', '.join(production)}, others strict" if production and len(production) < len(
              profiles["banks"]) else ("all production" if production else "all strict"))
          + "  (docs/compatibility.md)", flush=True)
    if services.world.spec.follows_real:
        print("today         follows the real date while the server runs (--today real)", flush=True)
    app = create_app(settings, services)
    from sandbox.ui.runner import warm_up

    warm_up(app, services)  # templates and the shipped keys, before the fork: no worker's first case pays for them
    services.state.close()  # no database connection crosses the fork: each worker opens its own on first use
    # The world is immutable: move it out of the collector's sight before the workers fork, so full
    # collections do not walk it (pauses grow with its size) and copy-on-write pages stay shared.
    import gc

    gc.collect()
    gc.freeze()
    if args.dev:
        app.run(host=args.host, port=args.port, debug=False, use_reloader=False,
                request_handler=dev_request_handler())
        return 0
    from gunicorn.app.base import BaseApplication

    class _Gunicorn(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{args.host}:{args.port}")
            self.cfg.set("workers", max(1, args.workers))
            self.cfg.set("worker_class", sandbox_worker_class())
            self.cfg.set("preload_app", True)
            self.cfg.set("accesslog", None)
            self.cfg.set("loglevel", "warning")
            self.cfg.set("timeout", 90)  # injected delays go up to 60 s (sandbox/faults.py); the default 30 s would kill the worker
            # SIGTERM drains (SandboxWorker.drain: the request in hand and the listen backlog are answered); the
            # master SIGKILLs what is still running after this long, enough for a request with the longest
            # injected delay. README "Stopping the server" says what a killed worker costs.
            self.cfg.set("graceful_timeout", GRACEFUL_TIMEOUT)
            self.cfg.set("limit_request_line", LIMIT_REQUEST_LINE)
            self.cfg.set("limit_request_fields", LIMIT_REQUEST_FIELDS)
            self.cfg.set("limit_request_field_size", LIMIT_REQUEST_FIELD_SIZE)
            if "http_parser" in self.cfg.settings:  # gunicorn >= 24: SandboxWorker reads the path the Python parser kept
                self.cfg.set("http_parser", "python")

        def load(self):
            return app

    _Gunicorn().run()
    return 0
