"""`dsop-sandbox`: serve, validate and list scenarios (DESIGN D19). Each command has --help.

A bad scenario exits with status 2 and one `FILE:LINE: path: what was expected` line per problem, never a
traceback.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date

from sandbox import __version__


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date: expected YYYY-MM-DD") from None


def _load(args):
    from sandbox.scenario import ScenarioError, load_scenario
    from sandbox.scenario.catalog import resolve
    from sandbox.world import build_world

    try:
        spec = load_scenario(resolve(args.scenario), today=args.today, seed=args.seed)
    except ScenarioError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s) found; nothing was built.", file=sys.stderr)
        raise SystemExit(2)
    return spec, build_world(spec)


def cmd_validate(args) -> int:
    """Validate a scenario, build its world and print a one-screen summary with the world digest."""
    if args.schema:
        from sandbox.scenario.jsonschema import scenario_json_schema
        import json

        print(json.dumps(scenario_json_schema(), indent=2, ensure_ascii=False))
        return 0
    if not args.scenario:
        print("dsop-sandbox validate: give a scenario FILE (or --schema)", file=sys.stderr)
        return 2
    import time

    from sandbox.summary import summary_lines

    started = time.perf_counter()
    spec, world = _load(args)
    elapsed = time.perf_counter() - started
    for line in summary_lines(spec, world, elapsed):
        print(line)
    return 0


def cmd_scenarios(args) -> int:
    """List the shipped scenarios."""
    from sandbox.scenario.catalog import shipped

    rows = shipped()
    width = max((len(name) for name, _, _ in rows), default=4)
    for name, path, about in rows:
        print(f"{name:<{width}}  {about}")
    return 0


def cmd_serve(args) -> int:
    """Serve the sandbox (register, directory, banks, Maskinporten, admin, UI)."""
    from sandbox.serve import serve

    return serve(args)


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
        p.add_argument("--today", type=_date, metavar="YYYY-MM-DD", help="fix the sandbox's date (default: the scenario's, else the real date)")

    p = sub.add_parser("validate", help="check a scenario file and print the world's summary and digest",
                       description=cmd_validate.__doc__)
    world_options(p, True)
    p.add_argument("--schema", action="store_true", help="print the scenario format as JSON Schema and exit")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("scenarios", help="list the shipped scenarios", description=cmd_scenarios.__doc__)
    p.set_defaults(func=cmd_scenarios)

    p = sub.add_parser("serve", help="serve the sandbox over HTTP", description=cmd_serve.__doc__)
    world_options(p, False)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    p.add_argument("--public-url", help="base URL clients use (default http://HOST:PORT)")
    p.add_argument("--lenient", action="store_true", help="default missing fromDate/toDate to today (DESIGN D8)")
    p.add_argument("--dev", action="store_true", help="use Flask's development server instead of gunicorn")
    p.set_defaults(func=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args) or 0
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
