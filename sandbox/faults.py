"""Injected faults: slow, failing, down and flaky banks (and register), so consumers can prove they cope.

Two sources, both decided in one `before_request` hook in front of every view of the register and the banks:

- the scenario's `faults:` section (scenarios/README.md#faults): per bank (or the register) and optionally per
  endpoint, latency (fixed, uniform, lognormal), errors at a rate (500 ACC-100, 429 ACC-022 with Retry-After,
  503), outage windows in sandbox dates, a slow page in a paginated walk, dropped connections (reset, or closed
  with no response) at a rate, and stale register entries (the register lists a bank that has nothing);
- with `--allow-fault-headers`, per request: `Sandbox-Fault: 500|429|503|reset|empty` and `Sandbox-Delay: <ms>`.

Which request fails is decided from its CorrelationID with a keyed hash (blake2b keyed by the world's seed,
over rule, kind, API, bank, endpoint and CorrelationID): the same request always meets the same fate, on every
worker and every run, and a retry with a new CorrelationID draws again. Latency samples come from the same
hash, so they reproduce too. Outages follow the sandbox clock (a window that starts tomorrow begins when the
clock is advanced). Error bodies are each API's own (bank `{"code","message"}`, register
`{"errorCode","errorMessage","timestamp"}`); injected responses carry `Sandbox-Fault: scenario|header`.

A dropped connection cannot be answered from inside Flask: the hook returns a placeholder (which the audit
log records as status 0) and marks the WSGI environ; a middleware around the app then closes the socket —
with SO_LINGER 0 for a reset (the client gets ECONNRESET), or plainly for an empty response (the client sees
the connection closed before any byte) — and raises the OSError gunicorn's sync worker treats as a client
disconnect, so the worker carries on.
"""

from __future__ import annotations

import errno
import hashlib
import math
import socket
import struct
import time
from dataclasses import dataclass, field
from datetime import date
from statistics import NormalDist

from sandbox.scenario.fault_schema import BANK_ENDPOINTS, MAX_DELAY_MS
from sandbox.web import json_response

DROP_KINDS = ("reset", "empty")
HEADER_FAULTS = ("500", "429", "503", "reset", "empty")

_ENDPOINT_OF = {
    "bank.list_accounts": "accounts", "bank.show_account": "details", "bank.list_transactions": "transactions",
    "bank.list_cards": "cards", "bank.list_roles": "roles", "bank.list_owners": "owners",
    "register.customer_relationships": "customerRelationships",
    "register.account_servicing_provider": "accountServicingProvider",
}
_MESSAGES = {
    500: "internal error at the {where} (injected by the sandbox)",
    429: "too many requests: slow down and retry after the Retry-After delay (injected by the sandbox)",
    503: "the {where} is unavailable (injected by the sandbox)",
}


@dataclass(frozen=True)
class Latency:
    distribution: str  # fixed | uniform | lognormal
    ms: float = 0
    min_ms: float = 0
    max_ms: float = MAX_DELAY_MS
    median_ms: float = 0
    sigma: float = 0.5

    def sample(self, u: float) -> float:
        """Milliseconds for a uniform draw u in (0, 1)."""
        if self.distribution == "fixed":
            return self.ms
        if self.distribution == "uniform":
            return self.min_ms + (self.max_ms - self.min_ms) * u
        z = NormalDist().inv_cdf(min(max(u, 1e-12), 1 - 1e-12))
        return min(self.median_ms * math.exp(self.sigma * z), self.max_ms)


@dataclass(frozen=True)
class ErrorFate:
    rate: float
    status: int
    code: str | None = None
    retry_after: int = 1
    message: str | None = None


@dataclass(frozen=True)
class Rule:
    index: int
    api: str  # bank | register
    bank_org: str | None
    endpoints: frozenset[str] | None  # None: every endpoint
    latency: Latency | None = None
    errors: tuple[ErrorFate, ...] = ()
    drops: tuple[tuple[str, float], ...] = ()
    outages: tuple[tuple[date, date | None, int], ...] = ()
    slow_pages: tuple[tuple[int, int], ...] = ()

    def matches(self, api: str, bank_org: str | None, endpoint: str | None) -> bool:
        if api != self.api or (self.api == "bank" and bank_org != self.bank_org):
            return False
        return self.endpoints is None or endpoint in self.endpoints


@dataclass
class Decision:
    """What happens to one request: delay, then an error response, a dropped connection, or the real answer."""

    delay_ms: float = 0
    status: int | None = None  # an injected error status
    code: str | None = None
    retry_after: int | None = None
    message: str | None = None
    drop: str | None = None  # reset | empty
    source: str | None = None  # scenario | header
    notes: list[str] = field(default_factory=list)

    @property
    def fires(self) -> bool:
        return self.status is not None or self.drop is not None


class FaultPlan:
    """The scenario's fault rules, ready to decide requests. Pure: no Flask, no clock reading of its own."""

    def __init__(self, world, rules: list[Rule], stale: dict[str, tuple[str, ...]]):
        self.world = world
        self.rules = rules
        self.stale = stale  # party id → bank ids the register lists although they have nothing
        self._key = hashlib.sha256(f"dsop-sandbox-faults:{world.seed}".encode()).digest()

    @classmethod
    def from_world(cls, world) -> FaultPlan:
        spec = getattr(world, "spec", None)
        items = (getattr(spec, "data", None) or {}).get("faults") or []
        rules, stale = [], {}
        for index, item in enumerate(items):
            bank = world.banks.get(item["bank"]) if item.get("bank") else None
            endpoints = frozenset(item["endpoints"]) if item.get("endpoints") else None
            lat = item.get("latency")
            latency = Latency(**lat) if lat else None
            errors = tuple(ErrorFate(e["rate"], e["status"], e.get("code"), e.get("retry_after", 1), e.get("message"))
                           for e in item.get("errors") or ())
            drops = tuple((kind, float((item.get("drops") or {}).get(kind, 0))) for kind in DROP_KINDS
                          if (item.get("drops") or {}).get(kind))
            outages = tuple((spec.date(o.get("from_")) or date.min, spec.date(o.get("to")), o.get("status", 503))
                            for o in item.get("outages") or ())
            slow = tuple((p["page"], p["delay_ms"]) for p in item.get("slow_pages") or ())
            rules.append(Rule(index, "bank" if bank else "register", bank.org_number if bank else None, endpoints,
                              latency, errors, drops, outages, slow))
            for party in item.get("stale_for") or ():
                if bank is not None:
                    stale.setdefault(party, ())
                    stale[party] = tuple(dict.fromkeys(stale[party] + (bank.id,)))
        return cls(world, rules, stale)

    def draw(self, *parts) -> float:
        """A uniform number in [0, 1) from a keyed hash of `parts`: the same parts give the same number."""
        digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), key=self._key, digest_size=8).digest()
        return struct.unpack(">Q", digest)[0] / 2.0**64

    def decide(self, api: str, bank_org: str | None, endpoint: str | None, correlation_id: str,
               today: date, page: int | None = None) -> Decision:
        """The scenario's verdict on one request; a pure function of its arguments."""
        decision = Decision()
        for rule in self.rules:
            if not rule.matches(api, bank_org, endpoint):
                continue
            key = (rule.index, api, bank_org or "", endpoint or "", correlation_id)
            if rule.latency is not None:
                ms = rule.latency.sample(self.draw("latency", *key))
                decision.delay_ms += ms
                decision.notes.append(f"latency {ms:.0f} ms")
            for number, delay in rule.slow_pages:
                if (page or 1) == number:
                    decision.delay_ms += delay
                    decision.notes.append(f"slow page {number}: {delay} ms")
            if decision.fires:
                continue
            for start, end, status in rule.outages:
                if start <= today and (end is None or today <= end):
                    decision.status, decision.source = status, "scenario"
                    decision.message = f"{'bank' if api == 'bank' else 'register'} is down until " \
                                       f"{end.isoformat() if end else 'further notice'} (scenario outage, injected by the sandbox)"
                    decision.retry_after = 3600 if status == 503 else None
                    decision.notes.append(f"outage {status} (scenario)")
                    break
            if decision.fires:
                continue
            u, edge = self.draw("fate", *key), 0.0
            for fate in rule.errors:
                edge += fate.rate
                if u < edge:
                    decision.status, decision.code, decision.source = fate.status, fate.code, "scenario"
                    decision.message = fate.message
                    decision.retry_after = fate.retry_after if fate.status in (429, 503) else None
                    decision.notes.append(f"error {fate.status} (scenario)")
                    break
            else:
                for kind, rate in rule.drops:
                    edge += rate
                    if u < edge:
                        decision.drop, decision.source = kind, "scenario"
                        decision.notes.append(f"connection {kind} (scenario)")
                        break
        decision.delay_ms = min(decision.delay_ms, MAX_DELAY_MS)
        return decision


class HeaderError(ValueError):
    pass


def header_override(decision: Decision, fault: str | None, delay: str | None) -> Decision:
    """Apply `Sandbox-Fault` / `Sandbox-Delay` (only called when the server allows fault headers)."""
    if delay is not None:
        text = delay.strip()
        if not text.isdigit() or int(text) > MAX_DELAY_MS:
            raise HeaderError(f"Sandbox-Delay must be milliseconds from 0 to {MAX_DELAY_MS}")
        decision.delay_ms = min(decision.delay_ms + int(text), MAX_DELAY_MS)
        decision.notes.append(f"delay {int(text)} ms (header)")
    if fault is not None:
        text = fault.strip().lower()
        if text not in HEADER_FAULTS:
            raise HeaderError(f"Sandbox-Fault must be one of {', '.join(HEADER_FAULTS)}")
        decision.status = decision.code = decision.drop = decision.message = decision.retry_after = None
        if text in DROP_KINDS:
            decision.drop = text
        else:
            decision.status = int(text)
            decision.retry_after = 1 if decision.status in (429, 503) else None
        decision.source = "header"
        decision.notes.append(f"{text} (header)")
    return decision


def error_body(api: str, status: int, code: str | None, message: str, today: date) -> dict:
    """The injected error in the API's own format (DESIGN D4)."""
    if api == "bank":
        from sandbox.bank.errors import for_status

        return for_status(status, message, code).body()
    from sandbox.register.errors import HttpError

    return HttpError(status, message, code).body(today)


# ---- WSGI: dropping the connection ---------------------------------------------------------------
class DropMiddleware:
    """Turns `environ["sandbox.drop"]` into a real dropped connection after Flask (and the audit) finished."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        result = self.wsgi_app(environ, start_response)
        kind = environ.get("sandbox.drop")
        if not kind:
            return result
        if hasattr(result, "close"):
            result.close()
        sock = environ.get("gunicorn.socket")
        if kind == "reset":
            if sock is not None:
                try:  # SO_LINGER on, 0 s: close() sends RST instead of FIN
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    sock.close()
                except OSError:
                    pass
            raise ConnectionResetError(errno.ECONNRESET, "connection reset (injected by the sandbox)")
        # empty: gunicorn closes the socket gracefully (FIN) without having written a byte
        raise OSError(errno.ENOTCONN, "connection closed without a response (injected by the sandbox)")


def install(app, services) -> FaultPlan:
    """Decide every register/bank request before its view runs; wire stale register entries and drops."""
    from flask import g, request

    from sandbox.bank.pagination import PageCursors

    world = services.world
    plan = FaultPlan.from_world(world)
    cursors = PageCursors(world.seed)  # slow_pages count pages; the `page` cursor of a links href names one
    allow_headers = bool(getattr(services.settings, "allow_fault_headers", False))
    app.extensions["sandbox.faults"] = plan
    if plan.stale and getattr(services, "register", None) is not None:
        services.register.stale_banks = plan.stale
    if not plan.rules and not allow_headers:
        @app.after_request
        def _say_headers_ignored(response):
            environ = request.environ  # where werkzeug reads the headers from: no KeyError per absent header
            if "HTTP_SANDBOX_FAULT" in environ or "HTTP_SANDBOX_DELAY" in environ:
                response.headers["Sandbox-Fault-Headers"] = "ignored: start the server with --allow-fault-headers"
            return response
        return plan
    app.wsgi_app = DropMiddleware(app.wsgi_app)

    @app.before_request
    def _inject_fault():
        endpoint = _ENDPOINT_OF.get(request.endpoint or "")
        if endpoint is None or request.method != "GET":
            return None
        api = "bank" if endpoint in BANK_ENDPOINTS else "register"
        bank_org = (request.view_args or {}).get("orgnr")
        today = world.today
        page = cursors.peek(request.args.get("page"))  # the page a links cursor names (None: page 1, or no cursor)
        decision = plan.decide(api, bank_org, endpoint, request.headers.get("CorrelationID", ""), today, page)
        fault_header, delay_header = request.headers.get("Sandbox-Fault"), request.headers.get("Sandbox-Delay")
        if fault_header is not None or delay_header is not None:
            if not allow_headers:
                g.fault_headers_ignored = True
            else:
                try:
                    header_override(decision, fault_header, delay_header)
                except HeaderError as exc:
                    g.audit_fault = "bad fault header"
                    return _error(api, 400, "ACC-001" if api == "bank" else "ERR-006", str(exc), today, None)
        if decision.notes:
            g.audit_fault = "; ".join(decision.notes)
        if decision.delay_ms > 0:
            time.sleep(decision.delay_ms / 1000)
        if decision.drop:
            request.environ["sandbox.drop"] = decision.drop
            return json_response({}, 500, {"Sandbox-Fault": decision.source})
        if decision.status is not None:
            message = decision.message or _MESSAGES[decision.status].format(where=api)
            return _error(api, decision.status, decision.code, message, today, decision.retry_after,
                          {"Sandbox-Fault": decision.source})
        return None

    @app.after_request
    def _say_headers_ignored_too(response):
        if g.get("fault_headers_ignored"):
            response.headers["Sandbox-Fault-Headers"] = "ignored: start the server with --allow-fault-headers"
        return response

    return plan


def _error(api, status, code, message, today, retry_after, headers=None):
    headers = dict(headers or {})
    if retry_after:
        headers["Retry-After"] = str(retry_after)
    return json_response(error_body(api, status, code, message, today), status, headers)
