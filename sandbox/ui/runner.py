"""The engine of the UI's "Run a case" page: the reference consumer (sandbox/client, public API only) runs one whole case
against this very sandbox, and every HTTP exchange it makes is recorded for the page. Plain Python: no Flask
request context is used.

How the consumer reaches the sandbox: **in-process, through the WSGI app**, not over a socket. The client gets a
`Transport` whose single attempt (`_once`) hands the request to the Flask app (werkzeug's test client) instead
of urllib. Every call still passes the whole stack a real one does — the admin guard, the clock, the request
log, injected faults, token checks, service profiles, JWE — so the requests appear in the live traffic view and
the case looks exactly like one from outside; only the socket is skipped. Why not HTTP back to ourselves: under
`dsop-sandbox serve` (gunicorn, sync workers) the worker running the case cannot answer its own calls, so each
of the case's 10–100 requests would need another worker to be free, and two such pages at once would deadlock a
2-worker server. Why not a background job polled by the page: the job's state would live in one worker's
memory while the polls land on any worker. In-process is synchronous, needs no free worker, and works the same
under gunicorn, `--dev` and the test client. The URL's host is ignored (only its path and query are sent), so the
case runs with the server's public URL (`--public-url`: the directory's URLs and every token audience) whatever
address the browser used.

NAV-kontroll (v1 rules) runs too when the server accepts its mandate (`--nav-v1`): the reference client ships
only the v2 services (sandbox/client/services.py), so the page builds NAV's Service from its profile
(sandbox/profiles: mandate, bank endpoints) and hands it to the client (`run_case(request, service=…)`).

What it costs (POST /run, default scenario, warm): the page is the whole case — every request and answer through
the full stack, JWE included — plus `describe`, which pretty-prints each answer for the page. Nothing is done
twice: the client keeps its imported RSA key per key file (`load_key`), and every Response it decrypted and parsed
keeps the plaintext and the parsed JSON (`Response.plaintext`, `json()`), which the transport's `on_response`
hook links to the exchange it recorded, so `describe` neither decrypts nor parses again (only what the client did
not read: a retried attempt, an answer it did not decrypt). The page shows transaction counts, so the client
counts every page without keeping the transactions (`transaction_items=False`). Nothing holds the answers in a
reference cycle, and cyclic GC waits until the case is described (`cyclic_gc_paused`), so they are freed at once,
not walked by a later collection. A 10-year Skatt-Kontroll case of a party with busy accounts (ola-joint 25
requests, fjellbygg 56) moves megabytes of JWE, and decrypting and parsing them is a large part of the page's time,
which is why nothing is done twice; tests/perf/bench_ui.py prints where the time goes (the sandbox answering, the
reference client decrypting and parsing, describing, rendering, freeing the answers).

The case runs in a fresh thread, joined at once: Flask reuses the current app context for a nested request, so
inside the UI's own request all of the case's requests would share one `flask.g` (the audit row, the grant, the
pinned clock); a new thread starts with an empty context, so each request gets its own. Dropped connections
(faults `reset`/`empty`) surface as the OSError the fault middleware raises, which the client's transport treats
as no answer, as over a socket.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import date

from sandbox.client import (
    BANK_ENDPOINTS,
    SERVICES,
    CaseRequest,
    ClientConfig,
    DsopClient,
    PeriodNeedsFacts,
    Response,
    RetryPolicy,
    Service,
    Transport,
    add_months,
    complete_period,
    load_key,
)
from sandbox.gc_pause import cyclic_gc_paused
from sandbox.profiles import BY_SERVICE

from .model import current_guardian, find_party, run_consumer, v21_types
from .steps import describe

RUN_TIMEOUT = 80.0  # seconds (gunicorn's worker timeout is 90)

# ---- the form --------------------------------------------------------------------------------------------
@dataclass
class RunForm:
    service: str = "skatt"
    party: str = "ola-joint"
    from_date: str = ""
    to_date: str = ""
    only_primary: bool = False
    jwe: bool = True
    guardian: str = ""

    @classmethod
    def of(cls, values) -> RunForm:
        def flag(name: str, default: bool) -> bool:
            value = values.get(name)
            return default if value is None else value in ("on", "true", "1", "yes")

        return cls(service=(values.get("service") or "skatt").strip(), party=(values.get("party") or "ola-joint").strip(),
                   from_date=(values.get("from") or "").strip(), to_date=(values.get("to") or "").strip(),
                   only_primary=flag("onlyPrimaryOwner", False), jwe=flag("jwe", True),
                   guardian=(values.get("guardian") or "").strip())


def form_query(form: RunForm) -> dict:
    """The form as the values `RunForm.of` reads (a kept run's form, sandbox/ui/runs.py)."""
    return {"service": form.service, "party": form.party, "from": form.from_date, "to": form.to_date,
            "onlyPrimaryOwner": "true" if form.only_primary else "false", "jwe": "on" if form.jwe else "off",
            "guardian": form.guardian}


# ---- in-process transport that records every exchange ------------------------------------------------------
@dataclass
class Exchange:
    n: int
    method: str
    url: str
    request_headers: dict
    request_body: bytes | None
    status: int = 0
    response_headers: dict = field(default_factory=dict)
    body: bytes = b""
    ms: float = 0.0
    error: str | None = None
    #: the Response the client got when this was the request's last attempt: what the client decrypted
    #: (`plaintext`) and parsed (`json()`) stays on it, so the page shows it without doing it again
    response: Response | None = None


@dataclass
class InProcessTransport(Transport):
    """The client's Transport, with each attempt served by the WSGI app (see the module docstring)."""

    app: object = None
    exchanges: list = field(default_factory=list)
    room: str | None = None  # the workshop room the case runs in: a Sandbox-Room header on every call

    def __post_init__(self):
        super().__post_init__()
        self._client = None
        observer, exchanges = self.on_response, self.exchanges  # not `self`: no cycle holding every answer

        def keep(response: Response) -> None:  # request() returns right after its last attempt's _once
            if exchanges:
                exchanges[-1].response = response
            if observer is not None:
                observer(response)

        self.on_response = keep

    def _once(self, method: str, url: str, headers: dict, data: bytes | None) -> tuple[int, dict, bytes]:
        if self.room:
            headers = {**headers, "Sandbox-Room": self.room}
        record = Exchange(len(self.exchanges) + 1, method, url, dict(headers), data)
        self.exchanges.append(record)
        started = time.perf_counter()
        if self._client is None:  # one per case: werkzeug makes a response class for every test client it builds
            self._client = self.app.test_client(use_cookies=False)  # no cookie carried from one call to the next
        try:
            response = self._client.open(url, method=method, headers=headers, data=data)
        except OSError as exc:  # a dropped connection (sandbox/faults.py): no answer at all
            record.ms, record.error = (time.perf_counter() - started) * 1000, f"{exc.__class__.__name__}: {exc}"
            raise
        record.ms = (time.perf_counter() - started) * 1000
        record.status = response.status_code
        record.response_headers = {k.lower(): v for k, v in response.headers.items()}
        record.body = response.get_data()
        return record.status, record.response_headers, record.body


# ---- running -----------------------------------------------------------------------------------------------
@dataclass
class RunOutcome:
    form: RunForm
    errors: list[str] = field(default_factory=list)
    case: object = None  # sandbox.client.CaseResult
    steps: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    party: object = None
    guardian: object = None
    period: tuple[date, date] | None = None
    service: Service | None = None
    v21: dict[str, str] = field(default_factory=dict)  # account number → its v2.1 Owners type where it differs
    #: seconds: the whole case ("case"), of which the sandbox answering its requests ("sandbox"; the rest is the
    #: reference client: tokens, JWE, JSON), then describing every exchange for the page ("describe")
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def counts(self) -> dict:
        """The step list's requests as the request log sees them: `case` carry this case's AccountInfoRequestID
        (register, banks: the case's group in Live traffic); `noCase` carry none (Maskinporten, the directory:
        Live traffic's "(no case id)" group); `unlogged` go to the admin API (the police's order), which the
        request log does not record."""
        tagged = sum(1 for st in self.steps if st["caseId"])
        unlogged = sum(1 for st in self.steps if not st["caseId"] and st["kind"] == "admin")
        return {"all": len(self.steps), "case": tagged, "noCase": len(self.steps) - tagged - unlogged,
                "unlogged": unlogged}


def nav_service(world) -> Service | None:
    """NAV-kontroll (v1 rules) as a client Service, from its profile: the client ships only the v2 services."""
    profile, consumer = BY_SERVICE["nav"], run_consumer(world, "nav")
    if consumer is None:
        return None
    return Service("nav", profile.name, consumer.client_id, consumer.org_number, profile.register_mandates[0],
                   profile.canonical, tuple(e for e in BANK_ENDPOINTS if e in profile.endpoints),
                   forced_primary_owner=profile.only_primary, requester_id=profile.requester_required,
                   reference_type=profile.reference_type)


def run_service(services, key: str) -> Service | None:
    """The Service the page runs: the client's, or NAV's when the server accepts its mandate (--nav-v1)."""
    if key == "nav" and services.settings.nav_v1:
        return nav_service(services.world)
    return SERVICES.get(key)


def _period(form: RunForm, svc, today: date, party) -> tuple[date, date]:
    """The form's period; a missing end is the service's widest (as the CLI: `complete_period`), so a given
    fromDate never needs a fact about the party. NAV (v1 rules, no window): the last 12 months."""
    start = date.fromisoformat(form.from_date) if form.from_date else None
    end = date.fromisoformat(form.to_date) if form.to_date else None
    if svc.key not in SERVICES:
        return start or add_months(end or today, -12), end or today
    return complete_period(svc.key, today, start, end, death_date=party.death_date if party else None,
                           ruling_date=party.bankruptcy_date if party else None)


def prepare(services, form: RunForm) -> RunOutcome:
    """Check the form against the world: service, party, period, guardian → the outcome to run (or its errors)."""
    world = services.world
    out = RunOutcome(form)
    svc = out.service = run_service(services, form.service)
    if svc is None:
        out.errors.append(f"{BY_SERVICE['nav'].name} runs only on a server started with --nav-v1 (NAV has no v2 "
                          "rules)" if form.service == "nav" else f"unknown service {form.service!r}")
        return out
    out.party = find_party(world, form.party)
    if out.party is None and not (form.party.isdigit() and len(form.party) in (9, 11)):
        out.errors.append(f"no party {form.party!r}: pick a persona or give an 11/9-digit identity number")
    try:
        out.period = _period(form, svc, world.today, out.party)
    except PeriodNeedsFacts as exc:
        out.errors.append(f"{exc}".replace("(give --from/--to)", "(give a period)"))
    except ValueError:
        out.errors.append("the period's dates must be YYYY-MM-DD")
    if svc.key == "verge":
        out.guardian = find_party(world, form.guardian) if form.guardian else (
            current_guardian(world, out.party) if out.party else None)
        if out.guardian is None:
            out.errors.append("Vergekontroll needs the guardian (AdditionalReferenceID, srf): pick one")
    return out


def run(app, services, form: RunForm, room: str | None = None) -> RunOutcome:
    """Prepare, then run the case in a fresh thread (see the module docstring) and describe every exchange. In a
    workshop room, every request carries the room (sandbox/rooms.py): the log files it there, and the room's date
    answers it."""
    out = prepare(services, form)
    if out.errors:
        return out
    done: dict = {"room": room}
    with cyclic_gc_paused():
        _run_and_describe(app, services, out, done)
        done.clear()  # the exchanges and the answers the client parsed: freed while GC still waits
    if out.case is not None:
        out.v21 = v21_types(services.world, [a.number for a in out.case.accounts])
    return out


def warm_up(app, services) -> None:
    """Before the workers fork (serve.py): compile every template, import every shipped consumer key the page
    runs cases with, and build the service profiles (they import the police's key), so no worker's first case pays
    for them (RSA key imports and template compiles) and the forked workers share them."""
    from sandbox.profiles import service_profiles

    service_profiles(services.world, services.settings.nav_v1)  # built on first use: with the police's key
    for name in app.jinja_env.list_templates():
        app.jinja_env.get_template(name)
    nav = nav_service(services.world)
    for svc in [*SERVICES.values(), *([nav] if nav is not None else [])]:
        key_file = ClientConfig.shipped("http://warm-up", svc).key_file
        if key_file.exists():  # a scenario's own consumer may have no shipped key
            load_key(key_file)


def _run_and_describe(app, services, out: RunOutcome, done: dict) -> None:
    worker = threading.Thread(target=_run_case, args=(app, services, out, done), name="ui-run-case", daemon=True)
    started = time.perf_counter()
    worker.start()
    worker.join(RUN_TIMEOUT)
    out.seconds = time.perf_counter() - started
    if worker.is_alive():
        out.errors.append(f"the case did not finish within {RUN_TIMEOUT:.0f} s (it goes on in the background; "
                          "watch the live traffic)")
    elif "error" in done:
        out.errors.append(done["error"])
    transport = done.get("transport")
    if transport is not None:
        started = time.perf_counter()
        out.steps = describe(services.world, transport.exchanges, out.case, done.get("key"))
        out.timings = {"case": out.seconds, "sandbox": sum(x.ms for x in transport.exchanges) / 1000,
                       "describe": time.perf_counter() - started}


def _run_case(app, services, out: RunOutcome, done: dict) -> None:
    form, svc = out.form, out.service
    base = services.settings.public_url.rstrip("/")
    retry = RetryPolicy(attempts=3, backoff=0.2, max_wait=2.0)
    more = {"accept": "application/jose" if form.jwe else "application/json", "retry": retry, "timeout": 30.0}
    config = ClientConfig.shipped(base, svc, **more)
    transport = InProcessTransport(timeout=30.0, retry=retry, app=app, room=done.get("room"))
    done["transport"] = transport
    try:
        client = DsopClient(config, transport=transport)
        done["key"] = client.key  # for what the client did not decrypt (a retried attempt's answer)
        identifier = out.party.identifier if out.party is not None else form.party
        only_primary = True if svc.forced_primary_owner else form.only_primary
        reference = None
        if svc.key == "verge":
            reference = out.guardian.identifier
        elif svc.key == "politi":
            reference = _mint_order(transport, base, services.settings.admin_token, identifier, out.period,
                                    only_primary)
        request = CaseRequest(identifier, svc.key, out.period[0], out.period[1], only_primary_owner=only_primary,
                              requester_id="workshop-ui", additional_reference_id=reference,
                              case_id=str(uuid.uuid4()), transaction_items=False)  # the page shows counts only
        out.case = client.run_case(request, service=svc)  # NAV: a service the client does not ship
    except Exception as exc:  # noqa: BLE001 - shown on the page, the server goes on
        done["error"] = f"{exc.__class__.__name__}: {exc}"


def _mint_order(transport, base: str, admin_token: str | None, party_id: str, period, only_primary: bool) -> str:
    """Politi-Utlevering: the police sign an extradition order first (the admin API; the step list shows it)."""
    body = json.dumps({"partyID": party_id, "mandate": "criminal", "fromDate": period[0].isoformat(),
                       "toDate": period[1].isoformat(), "onlyPrimaryOwner": only_primary}).encode()
    headers = {"Content-Type": "application/json", "Accept": "application/jwt"}
    if admin_token:
        headers["Sandbox-Admin-Token"] = admin_token
    r = transport.request("POST", base + "/sandbox/v1/politi/orders", headers, body, retry=False)
    if r.status != 200:
        raise RuntimeError(f"minting the extradition order failed ({r.status}): {r.body[:200].decode('utf-8', 'replace')}")
    return r.body.decode("ascii").strip()
