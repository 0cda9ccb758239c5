"""`dsop-sandbox`: serve, validate and list scenarios (DESIGN D19). Each command has --help.

A bad scenario exits with status 2 and one `FILE:LINE: path: what was expected` line per problem, never a
traceback.
"""

from __future__ import annotations

import argparse
import os
import sys

from sandbox import __version__
from sandbox.cli.args import ENV_HELP, defaults_from_env, non_negative, sandbox_today, token_ttl


def _load(args):
    from sandbox.clock import real_today
    from sandbox.scenario import ScenarioError, load_scenario
    from sandbox.scenario.catalog import resolve
    from sandbox.world import build_world

    try:
        spec = load_scenario(resolve(args.scenario), today=args.today, seed=args.seed, real_today=real_today())
    except ScenarioError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s) found; nothing was built.", file=sys.stderr)
        raise SystemExit(2) from None
    return spec, build_world(spec)


def cmd_validate(args) -> int:
    """Validate a scenario, build its world and print the named parties with their identity numbers (--parties:
    the generated crowd too), then a summary ending in the world digest."""
    if args.schema:
        import json

        from sandbox.scenario.jsonschema import scenario_json_schema

        print(json.dumps(scenario_json_schema(), indent=2, ensure_ascii=False))
        return 0
    if not args.scenario:
        print("dsop-sandbox validate: give a scenario FILE (or --schema)", file=sys.stderr)
        return 2
    import time

    from sandbox.cli.summary import party_lines, summary_lines

    started = time.perf_counter()
    spec, world = _load(args)
    elapsed = time.perf_counter() - started
    # The parties first, the summary after them: its last line stays the world digest (`| tail -1` in scripts).
    for line in party_lines(world, generated=args.parties):
        print(line)
    print()
    for line in summary_lines(spec, world, elapsed):
        print(line)
    if args.realism:
        from sandbox.world.realism import format_report, report

        print()
        for line in format_report(report(world)):
            print(line)
    return 0


def cmd_scenarios(args) -> int:
    """List the shipped scenarios."""
    from sandbox.scenario.catalog import shipped

    rows = shipped()
    width = max((len(name) for name, _, _ in rows), default=4)
    for name, _path, about in rows:
        print(f"{name:<{width}}  {about}")
    return 0


def _find_consumer(world, wanted: str):
    wanted_l = wanted.strip().lower()
    for c in world.consumers.values():
        if wanted_l in (c.id.lower(), c.client_id.lower(), c.org_number, c.name.lower()):
            return c
    names = ", ".join(f"{c.id} ({c.org_number})" for c in world.consumers.values())
    print(f"dsop-sandbox token: no consumer {wanted!r} in scenario {world.name}; known: {names}", file=sys.stderr)
    raise SystemExit(2)


def cmd_token(args) -> int:
    """Print an access token (only the token) for a consumer, signed like a server on the same scenario would.

    Use it as `Authorization: Bearer $(dsop-sandbox token --consumer skatteetaten --bank 320907063)`.
    The scope defaults to the audience's: bits:kontoinformasjon for a bank, bits:kundeforhold for the register.
    """
    from sandbox.maskinporten.tokens import SCOPE_BANK, SCOPE_RELATIONS, Maskinporten, allowed_scopes

    spec, world = _load(args)
    if args.extradition_order is not None:
        return _extradition_order(args.extradition_order, world.today)
    if not args.consumer or not (args.bank or args.register or args.audience):
        print("dsop-sandbox token: give --consumer and one of --bank/--register/--audience "
              "(or --extradition-order)", file=sys.stderr)
        return 2
    import os

    public = (args.public_url or os.environ.get("DSOP_SANDBOX_URL") or "http://127.0.0.1:8000").rstrip("/")
    issuer = Maskinporten(world, public, None, spec.data.get("maskinporten"))
    consumer = _find_consumer(world, args.consumer)
    if args.bank:
        if args.bank not in world.bank_by_org:
            known = ", ".join(sorted(world.bank_by_org))
            print(f"dsop-sandbox token: no bank {args.bank!r} in scenario {world.name}; known: {known}", file=sys.stderr)
            return 2
        audience, default_scope = issuer.bank_audience(args.bank), SCOPE_BANK
    elif args.register:
        audience, default_scope = issuer.register_audience(), SCOPE_RELATIONS
    else:
        audience, default_scope = args.audience, None
    scopes = " ".join(args.scope).split() if args.scope else ([default_scope] if default_scope else [])
    if not scopes:
        print("dsop-sandbox token: give --scope (it cannot be inferred from --audience)", file=sys.stderr)
        return 2
    refused = [s for s in scopes if s not in allowed_scopes(consumer)]
    if refused:
        print(f"dsop-sandbox token: {consumer.name} may not have scope {refused[0]} "
              f"(allowed: {' '.join(sorted(allowed_scopes(consumer)))})", file=sys.stderr)
        return 2
    print(issuer.issue(consumer, scopes, audience, args.ttl)["access_token"])
    return 0


def _extradition_order(text: str, today) -> int:
    """Mint a Politi-Utlevering extradition order (PS256 JWS) from JSON, as POST /sandbox/v1/politi/orders."""
    import json
    from pathlib import Path

    from sandbox.profiles.extradition import claims_from_json, police_key

    try:
        body = json.loads(Path(text[1:]).read_text(encoding="utf-8") if text.startswith("@") else text)
        print(police_key().sign(claims_from_json(body, today)))
    except (OSError, ValueError) as exc:  # OrderInputError is a ValueError naming the field
        print(f"dsop-sandbox token: --extradition-order: {exc}", file=sys.stderr)
        return 2
    return 0



def cmd_serve(args) -> int:
    """Serve the sandbox (register, directory, banks, Maskinporten, admin, UI)."""
    from sandbox.cli.serve import serve

    if getattr(args, "env_error", None):
        print(f"dsop-sandbox serve: {args.env_error}; the server was not started.", file=sys.stderr)
        return 2
    return serve(args)


def cmd_flow(args) -> int:
    """Run one whole case with the reference consumer (sandbox/cli/flow.py)."""
    from sandbox.cli.flow import run

    return run(args)


def cmd_grade(args) -> int:
    """Grade one case of the request log (sandbox/cli/grade.py)."""
    from sandbox.cli.grade import run

    return run(args)


def cmd_export(args) -> int:
    """Write a golden corpus of a scenario's answers (sandbox/cli/export.py)."""
    from sandbox.cli.export import run

    return run(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dsop-sandbox",
        description="A local, deterministic simulator of the Norwegian DSOP Control Information ecosystem.")
    parser.add_argument("--version", action="version", version=f"dsop-sandbox {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    def world_options(p, scenario_positional: bool):
        if scenario_positional:
            p.add_argument("scenario", nargs="?", metavar="FILE", help="scenario YAML file, or a shipped scenario's name")
        else:
            p.add_argument("--scenario", default="default", metavar="FILE",
                           help="scenario YAML file, or a shipped scenario's name (default: default)")
        p.add_argument("--seed", help="override the scenario's seed")
        p.add_argument("--today", type=sandbox_today, metavar="YYYY-MM-DD|real",
                       help="fix the sandbox's date, or 'real': the real date, followed while the server runs "
                            "(default: the scenario's, else real)")

    p = sub.add_parser("validate", help="check a scenario file and print the world's summary and digest",
                       description=cmd_validate.__doc__)
    world_options(p, True)
    p.add_argument("--schema", action="store_true", help="print the scenario format as JSON Schema and exit")
    p.add_argument("--parties", action="store_true",
                   help="list every party, the generated crowd too (default: the named ones)")
    p.add_argument("--realism", action="store_true",
                   help="also print the realism report: figures of the generated history (name, value, expected, ok)")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("scenarios", help="list the shipped scenarios", description=cmd_scenarios.__doc__)
    p.set_defaults(func=cmd_scenarios)

    p = sub.add_parser("token", help="print an access token for a consumer (for curl and scripts)",
                       description=cmd_token.__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    world_options(p, False)
    p.add_argument("--consumer", metavar="NAME|ORGNO", help="consumer id, client id, name or org. number")
    p.add_argument("--scope", action="append", metavar="SCOPE",
                   help="scope(s), e.g. bits:kontoinformasjon (repeatable; default: the audience's scope)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--bank", metavar="ORGNO", help="audience: this bank's base URL")
    where.add_argument("--register", action="store_true", help="audience: the register (KAR)")
    where.add_argument("--audience", metavar="URL", help="audience: any URL (e.g. to test a wrong aud)")
    p.add_argument("--ttl", type=token_ttl, metavar="SECONDS", help="lifetime (default: the scenario's, 120 s)")
    p.add_argument("--public-url", metavar="URL",
                   help="the server's base URL (default $DSOP_SANDBOX_URL, else http://127.0.0.1:8000)")
    p.add_argument("--extradition-order", metavar="JSON|@FILE",
                   help="instead of an access token, print a Politi-Utlevering extradition order (PS256 JWS) for "
                        "AdditionalReferenceID, e.g. '{\"partyID\": \"20907245528\", \"fromDate\": \"2024-01-01\", "
                        "\"toDate\": \"2025-06-30\", \"cards\": false}' (fields: README, 'Service profiles')")
    p.set_defaults(func=cmd_token)

    p = sub.add_parser("serve", help="serve the sandbox over HTTP", description=cmd_serve.__doc__, epilog=ENV_HELP)
    world_options(p, False)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    p.add_argument("--public-url", help="base URL clients use (default http://HOST:PORT)")
    p.add_argument("--lenient", action="store_true", help="default missing fromDate/toDate to today (DESIGN D8)")
    p.add_argument("--nav-v1", action="store_true",
                   help="accept NAV's legacy v1 mandate (Folketrygdloven § 21-4) as a service profile")
    p.add_argument("--auth", choices=("on", "off"), default="on",
                   help="check Maskinporten tokens (default on); off answers every call and says so in a "
                        "`Sandbox-Auth: off` response header")
    p.add_argument("--state-dir", default=None, metavar="DIR",
                   help="where the workers' shared run-time state lives: request log, clock, used jti (default: "
                        "one directory per scenario, seed and port under $XDG_STATE_HOME or ~/.local/state, then "
                        "/dsop-sandbox; two servers never share one unless given the same DIR)")
    p.add_argument("--state-url", default=None, metavar="URL",
                   help="keep the shared state in PostgreSQL instead: postgresql://USER:PASSWORD@HOST:PORT/DB, so "
                        "several servers (replicas behind a load balancer) show one request log, clock and fault "
                        "plan (needs the `postgres` extra; docs/containers.md); sqlite:///DIR is --state-dir DIR")
    p.add_argument("--no-audit", dest="audit", action="store_false",
                   help="do not log requests (GET /sandbox/v1/requests then answers 404)")
    p.add_argument("--audit-keep", type=non_negative, default=500_000, metavar="ROWS",
                   help="rows the request log keeps, the oldest dropped first (default 500000, about 250 MB "
                        "with indexes; 0 keeps every row)")
    p.add_argument("--body-cache-mb", type=non_negative, default=64, metavar="MB",
                   help="per worker: memory for rendered bank bodies answered again from the cache "
                        "(default 64; 0 turns the cache off)")
    p.add_argument("--admin-token", metavar="TOKEN", default=None,
                   help="protect /sandbox/v1/* (log, clock, ...) with this token, sent as 'Authorization: Bearer "
                        "TOKEN' or 'Sandbox-Admin-Token: TOKEN' (default: $DSOP_SANDBOX_ADMIN_TOKEN, else open)")
    p.add_argument("--allow-fault-headers", action="store_true",
                   help="honour the Sandbox-Fault (500, 429, 503, reset, empty) and Sandbox-Delay (ms) request "
                        "headers, for consumer test suites")
    p.add_argument("--profile", choices=("strict", "production"), default=None,
                   help="answer as this compatibility profile, register and every bank, whatever the scenario "
                        "says: strict = the standard to the letter, production = also what real participants "
                        "accept and answer (docs/compatibility.md; default: the scenario's, else strict)")
    p.add_argument("--token-shortcut", choices=("on", "off"), default=None,
                   help="the sandbox shortcut grant (client_credentials with only a client_id, no signed assertion); "
                        "default on, but off with --admin-token unless given as on; a scenario's "
                        "maskinporten.token_shortcut: false turns it off either way")
    p.add_argument("--maskinporten-alias", action="append", metavar="URL",
                   help="also accept this aud in client assertions besides the sandbox's issuer, e.g. "
                        "https://test.maskinporten.no/ for a client library with a fixed audience (repeatable)")
    p.add_argument("--world", choices=("auto", "eager", "lazy"), default="auto",
                   help="generate the scenario's crowd up front (eager) or each member when a request names it "
                        "(lazy: start-up and memory independent of the population); auto = lazy from 20 000 "
                        "generated people and organisations (docs/performance.md)")
    p.add_argument("--dev", action="store_true", help="use Flask's development server instead of gunicorn")
    p.set_defaults(func=cmd_serve)
    defaults_from_env(p, os.environ)

    from sandbox.cli import export, flow, grade

    for name, module, func in (("flow", flow, cmd_flow), ("export", export, cmd_export), ("grade", grade, cmd_grade)):
        p = sub.add_parser(name, help=module.HELP, description=module.DESCRIPTION, epilog=module.EPILOG,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        module.add_arguments(p)
        p.set_defaults(func=func)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args) or 0
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
