"""`dsop-sandbox flow`: run one whole case with the reference consumer (sandbox/client) and print a report.

Against a running sandbox (`--base-url`, default http://127.0.0.1:8000) or an in-process one (`--scenario`:
a real server on a free port in a background thread; the client still talks HTTP). The flow only does what an
agency's case system would do around the client: it finds the sandbox's date (`/health`), the subject's facts
(`/sandbox/v1/parties`: identity number, death or bankruptcy date for the default period), mints the Politi
extradition order (`POST /sandbox/v1/politi/orders`), picks the service's shipped consumer and its published test
key, then hands one CaseRequest to the client. Progress goes to stderr, the report to stdout.

Those admin calls (`/sandbox/v1`) carry `Sandbox-Admin-Token` when the server protects them (`serve
--admin-token`); a 401/403 there stops the flow with a message naming --admin-token, because swallowing it would
turn a missing token into a misleading "no such party".
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sandbox.cli.flow_report import report
from sandbox.client import (
    SERVICES,
    CaseRequest,
    ClientConfig,
    DsopClient,
    PeriodNeedsFacts,
    RetryPolicy,
    Transport,
    complete_period,
    misbehave,
)

FLOW_SERVICES = ("skatt", "politi", "konkurs", "oed", "verge", "fi-utlegg")
EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2


class FlowError(Exception):
    """A problem before the case can start (unreachable sandbox, unknown party, missing --guardian …)."""


class AdminRefused(FlowError):
    """The sandbox's admin API (/sandbox/v1) said 401/403: it is protected and our admin token is missing or
    wrong. Kept apart from other failures so it is never mistaken for "no such party"."""


# ---- progress ----------------------------------------------------------------------------------------------
class Progress:
    """One line per step on stderr; on a terminal a single line rewritten in place, with a spinner."""

    FRAMES = "|/-\\"

    def __init__(self, stream=None, enabled: bool = True):
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.tty = enabled and hasattr(self.stream, "isatty") and self.stream.isatty()
        self.n = 0
        self.started = time.perf_counter()

    def __call__(self, message: str) -> None:
        if not self.enabled:
            return
        self.n += 1
        elapsed = time.perf_counter() - self.started
        if self.tty:
            line = f"{self.FRAMES[self.n % 4]} {elapsed:6.2f}s {message}"
            self.stream.write("\r\033[K" + line[:max(20, _columns() - 1)])
        else:
            self.stream.write(f"[{elapsed:6.2f}s] {message}\n")
        self.stream.flush()

    def done(self) -> None:
        if self.enabled and self.tty:
            self.stream.write("\r\033[K")
            self.stream.flush()


def _columns() -> int:
    import shutil

    return shutil.get_terminal_size((100, 20)).columns


# ---- talking to the sandbox around the case ------------------------------------------------------------------
@dataclass
class Sandbox:
    base_url: str
    transport: Transport
    admin_token: str | None = None

    def _admin_headers(self) -> dict:
        return {"Sandbox-Admin-Token": self.admin_token} if self.admin_token else {}

    def _check_admin(self, what: str, r) -> None:
        """401/403 from the admin API → AdminRefused, saying which option fixes it."""
        if r.status not in (401, 403):
            return
        try:
            said = str(r.json().get("message", ""))
        except (ValueError, AttributeError):
            said = r.body[:200].decode("utf-8", "replace")
        if self.admin_token:
            hint = ("the sandbox's admin API refused the admin token given (--admin-token or "
                    "$DSOP_SANDBOX_ADMIN_TOKEN): give the token the server was started with")
        else:
            hint = ("the sandbox's admin API needs --admin-token TOKEN (or $DSOP_SANDBOX_ADMIN_TOKEN): the server "
                    "was started with --admin-token")
        raise AdminRefused(f"{hint} ({what} answered {r.status}: {said})")

    def get_json(self, path: str, admin: bool = False):
        r = self.transport.request("GET", self.base_url + path,
                                   {"Accept": "application/json", **(self._admin_headers() if admin else {})})
        if admin:
            self._check_admin(f"GET {path}", r)
        if r.status != 200:
            raise FlowError(f"GET {path} answered {r.status}: {r.body[:200].decode('utf-8', 'replace')}")
        return r.json()

    def health(self) -> dict:
        return self.get_json("/health")

    def party(self, wanted: str) -> dict | None:
        """The admin listing's entry for a persona id or an identity number (named first, then the crowd);
        None when it is not listed or the listing fails, but AdminRefused when we may not read it at all."""
        for crowd in ("false", "true"):
            try:
                parties = self.get_json(f"/sandbox/v1/parties?crowd={crowd}", admin=True)["parties"]
            except AdminRefused:
                raise
            except FlowError:
                return None
            for p in parties:
                if wanted in (p.get("id"), p.get("identifier")):
                    return p
        return None

    def mint_order(self, party_id: str, from_date: date, to_date: date, only_primary: bool) -> str:
        body = json.dumps({"partyID": party_id, "mandate": "criminal", "fromDate": from_date.isoformat(),
                           "toDate": to_date.isoformat(), "onlyPrimaryOwner": only_primary}).encode()
        r = self.transport.request("POST", self.base_url + "/sandbox/v1/politi/orders",
                                   {"Content-Type": "application/json", "Accept": "application/jwt",
                                    **self._admin_headers()}, body)
        self._check_admin("POST /sandbox/v1/politi/orders", r)
        if r.status != 200:
            raise FlowError(f"minting the extradition order failed ({r.status}): "
                            f"{r.body[:300].decode('utf-8', 'replace')}")
        return r.body.decode("ascii").strip()


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def prepare(args, sandbox: Sandbox, say) -> tuple[CaseRequest, ClientConfig, dict]:
    """Everything the case needs, from the options and the sandbox: → (request, client config, context)."""
    svc = SERVICES[args.service]
    health = sandbox.health()
    today = date.fromisoformat(health["today"])
    subject = sandbox.party(args.party)
    if subject is None and not args.party.isdigit():
        raise FlowError(f"no party {args.party!r} in the sandbox (give a persona id or an identity number; "
                        "GET /sandbox/v1/parties lists them)")
    party_id = subject["identifier"] if subject else args.party
    try:
        period = complete_period(svc.key, today, args.from_date, args.to_date,
                                 death_date=_day((subject or {}).get("deathDate")),
                                 ruling_date=_day((subject or {}).get("bankruptcyDate")))
    except PeriodNeedsFacts as exc:
        if args.to_date is None:
            raise FlowError(str(exc)) from None
        raise FlowError(f"{exc.reach}, and the subject has no {exc.fact}, so --to alone does not say where the "
                        "period starts: give --from as well") from None
    only_primary = True if svc.forced_primary_owner else args.only_primary_owner == "true"
    reference = None
    if svc.key == "verge":
        if not args.guardian:
            raise FlowError("Vergekontroll needs the guardian: --guardian ID (persona id or identity number)")
        guardian = sandbox.party(args.guardian)
        reference = guardian["identifier"] if guardian else args.guardian
    elif svc.key == "politi":
        if args.order:
            reference = args.order
        else:
            say(f"minting an extradition order for {party_id}, {period[0]}..{period[1]}")
            reference = sandbox.mint_order(party_id, period[0], period[1], only_primary)
    if args.key:
        key_file = Path(args.key)
    else:
        key_file = ClientConfig.shipped(sandbox.base_url, svc.key).key_file
    config = ClientConfig(sandbox.base_url, args.client_id or svc.consumer, args.org or svc.org_number, key_file,
                          accept="application/json" if args.plain else "application/jose",
                          retry=RetryPolicy(attempts=args.retries + 1, max_wait=args.max_wait,
                                            max_retry_after=args.max_retry_after),
                          misbehave=misbehave.parse(getattr(args, "misbehave", None)))
    request = CaseRequest(party_id, svc.key, period[0], period[1], only_primary_owner=only_primary,
                          requester_id=args.requester_id, additional_reference_id=reference, case_id=args.case_id)
    context = {"base_url": sandbox.base_url, "scenario": health.get("scenario"), "today": today.isoformat(),
               "digest": health.get("digest"), "subject": subject, "guardian": reference if svc.key == "verge" else None}
    return request, config, context


def run(args, out=None, err=None) -> int:
    """The `flow` command."""
    out, err = out or sys.stdout, err or sys.stderr
    if args.scenario and args.base_url:
        print("dsop-sandbox flow: give --base-url or --scenario, not both", file=err)
        return EXIT_USAGE
    progress = Progress(err, enabled=not args.quiet)
    server = None
    try:
        if args.scenario:
            from sandbox.cli.background import BackgroundServer

            progress(f"starting an in-process sandbox for scenario {args.scenario}")
            server = BackgroundServer(args.scenario, seed=args.seed, today=args.today).start()
            base = server.base_url
        else:
            base = (args.base_url or os.environ.get("DSOP_SANDBOX_URL") or "http://127.0.0.1:8000").rstrip("/")
        admin = args.admin_token or os.environ.get("DSOP_SANDBOX_ADMIN_TOKEN") or None
        sandbox = Sandbox(base, Transport(timeout=args.timeout), admin)
        try:
            request, config, context = prepare(args, sandbox, progress)
        except (FlowError, OSError) as exc:
            progress.done()
            print(f"dsop-sandbox flow: {exc}", file=err)
            return EXIT_USAGE
        client = DsopClient(config, progress=progress)
        case = client.run_case(request)
    except Exception as exc:  # the scenario did not load, the key file is missing, ...
        progress.done()
        from sandbox.scenario import ScenarioError

        if isinstance(exc, ScenarioError):
            for problem in exc.problems:
                print(problem, file=err)
            print(f"{len(exc.problems)} problem(s) found; the sandbox was not started.", file=err)
        else:
            print(f"dsop-sandbox flow: {exc.__class__.__name__}: {exc}", file=err)
        return EXIT_USAGE
    finally:
        if server is not None:
            server.stop()
    progress.done()
    if args.json:
        text = case.to_json(deterministic=args.stable, transactions=args.with_transactions)
        if args.json == "-":
            out.write(text)
        else:
            Path(args.json).write_text(text, encoding="utf-8")
    if args.json != "-":
        try:
            for line in report(case, context):
                print(line, file=out)
        except BrokenPipeError:  # `| head`: the reader has seen enough; keep Python from complaining at exit
            if out is sys.stdout:
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return EXIT_REFUSED if case.all_refusals else EXIT_OK


# ---- the report --------------------------------------------------------------------------------------------
HELP = "run a whole case with the reference consumer and print a readable report"
DESCRIPTION = """Run one whole DSOP case with the reference consumer (sandbox/client): a token by the real jwt-bearer
grant, the register, the directory, then every bank's accounts (all pages), details with balances, every page
of transactions, cards, roles and owners as the service allows, JWE answers decrypted with the consumer's
published test key. One AccountInfoRequestID for the case, a fresh CorrelationID per request; 5xx/429 are
retried politely. Progress goes to stderr, the report to stdout.

The default period is the widest the service allows, ending on the sandbox's today (GET /health): skatt and
politi 10 years back; konkurs from 12 months before the ruling; oed from 3 months before the death (both
read from GET /sandbox/v1/parties); verge the last calendar year; fi-utlegg today only. Give only --from and
the period ends on the latest day the service allows (today; verge 31 December last year); give only --to
and it starts on the earliest. Politi gets an extradition order minted by the sandbox
(POST /sandbox/v1/politi/orders) for the party and period. A sandbox started with --admin-token needs the same
token here (--admin-token or $DSOP_SANDBOX_ADMIN_TOKEN) for those admin calls.

Retries: a 5xx/429 or dropped request is retried (--retries) after a growing backoff (--max-wait caps it); a
server's Retry-After is honoured in full, and when it asks for longer than --max-retry-after the call is not
retried but reported as refused, with the Retry-After it asked for.

Exit status: 0 the case ran (complete or partial), 1 some call was refused, 2 the case could not start."""
EPILOG = """examples:
  dsop-sandbox flow --party ola-joint --service skatt                    # against make run (port 8000)
  dsop-sandbox flow --party 20907245528 --service politi --from 2024-01-01 --to 2025-06-30
  dsop-sandbox flow --party smuldre-bakeri --service konkurs --scenario default   # in-process sandbox
  dsop-sandbox flow --party bente-ward --service verge --guardian trond-guardian --json case.json
  dsop-sandbox flow --party arne-deceased --service oed --base-url http://sandbox.example:8000 --quiet
  dsop-sandbox flow --party ola-joint --service skatt --misbehave reuse-correlation-id --case-id $(uuidgen)
  dsop-sandbox flow --misbehave list                                     # the deliberate mistakes it can make"""


def add_arguments(p) -> None:
    from sandbox.cli.args import iso_date

    p.add_argument("--party", required=True, metavar="ID",
                   help="the control object: identity number, organisation number or persona id (e.g. ola-joint)")
    p.add_argument("--service", required=True, choices=FLOW_SERVICES, help="the DSOP service the case runs under")
    p.add_argument("--from", dest="from_date", type=iso_date, metavar="YYYY-MM-DD", help="fromDate (default: see above)")
    p.add_argument("--to", dest="to_date", type=iso_date, metavar="YYYY-MM-DD", help="toDate (default: see above)")
    where = p.add_argument_group("which sandbox")
    where.add_argument("--base-url", metavar="URL", help="a running sandbox (default $DSOP_SANDBOX_URL, else http://127.0.0.1:8000)")
    where.add_argument("--scenario", metavar="FILE",
                       help="start an in-process sandbox for this scenario (file or shipped name) instead")
    where.add_argument("--seed", help="with --scenario: override its seed")
    where.add_argument("--today", type=iso_date, metavar="YYYY-MM-DD", help="with --scenario: fix its date")
    where.add_argument("--admin-token", metavar="TOKEN", default=None,
                       help="the server's admin token, if it protects /sandbox/v1 (serve --admin-token); sent as "
                            "Sandbox-Admin-Token (default $DSOP_SANDBOX_ADMIN_TOKEN)")
    case = p.add_argument_group("the case")
    case.add_argument("--only-primary-owner", choices=("true", "false"), default="false",
                      help="OnlyPrimaryOwner where the service lets you choose (default false: owned and disposed "
                           "accounts); konkurs, oed, verge and fi-utlegg always send true")
    case.add_argument("--guardian", metavar="ID", help="verge: the guardian (persona id or identity number), sent "
                                                       "as AdditionalReferenceID with type srf")
    case.add_argument("--order", metavar="JWS", help="politi: use this extradition order instead of minting one")
    case.add_argument("--requester-id", default="dsop-sandbox-flow", metavar="ID",
                      help="RequesterID for skatt and politi (default dsop-sandbox-flow)")
    case.add_argument("--case-id", metavar="UUID", help="AccountInfoRequestID (default: a new UUID)")
    who = p.add_argument_group("the consumer (default: the service's shipped agency and its published test key)")
    who.add_argument("--client-id", help="Maskinporten client id")
    who.add_argument("--org", metavar="ORGNO", help="the consumer's organisation number")
    who.add_argument("--key", metavar="PEM", help="the consumer's RSA private key")
    who.add_argument("--plain", action="store_true", help="ask for plain JSON (Accept: application/json) instead of JWE")
    net = p.add_argument_group("network")
    net.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS", help="per request (default 30)")
    net.add_argument("--retries", type=int, default=3, help="retries of a 5xx/429 or dropped request (default 3)")
    net.add_argument("--max-wait", type=float, default=10.0, metavar="SECONDS",
                     help="longest backoff before a retry (default 10); a server's Retry-After is not cut short")
    net.add_argument("--max-retry-after", type=float, default=30.0, metavar="SECONDS",
                     help="wait out a Retry-After up to this long; a longer one is not retried but reported as "
                          "refused (default 30)")
    p.add_argument("--misbehave", action=_Misbehave, metavar="NAME", default=[],
                   help="make a deliberate mistake, for the conformance grader (`dsop-sandbox grade`); repeatable; "
                        "'--misbehave list' prints them")
    output = p.add_argument_group("output")
    output.add_argument("--json", metavar="FILE", help="also write the case result as JSON ('-': only JSON, to stdout)")
    output.add_argument("--stable", action="store_true",
                        help="JSON without timings and counters (byte-stable for a fixed --case-id)")
    output.add_argument("--with-transactions", action="store_true", help="JSON: include every transaction")
    output.add_argument("--quiet", action="store_true", help="no progress on stderr")


class _Misbehave(argparse.Action):
    """--misbehave NAME (repeatable, checked against the list); `--misbehave list` prints the list and exits."""

    def __call__(self, parser, namespace, value, option_string=None):
        if value == "list":
            print("\n".join(misbehave.listing()))
            parser.exit(0)
        try:
            misbehave.parse([value])
        except ValueError as exc:
            parser.error(str(exc))
        setattr(namespace, self.dest, [*(getattr(namespace, self.dest) or []), value])  # never the shared default
