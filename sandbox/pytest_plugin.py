"""pytest plugin (entry point `pytest11`): a real dsop-sandbox for consumer test suites.

Installed with the package; nothing starts unless a test asks for a fixture.

- `dsop_sandbox` (session): a real server on a free port of 127.0.0.1, in a background thread (werkzeug,
  threaded), auth on. Exposes `base_url`, `url(path)`, `directory` (org. number → bank base URL), `bank_url(org)`,
  `parties` (the named personas, as `GET /sandbox/v1/parties` lists them), `party(id or identity number)`,
  `token(consumer, bank=… | register=True | audience=…)`, `headers(service, …)` (a complete set of DSOP headers),
  `client(service)` (the reference consumer, sandbox.client), `world`, `today`, `digest`, `scenario`.
- `dsop_world` (session): the scenario's World in-process (no server): entities and time-aware queries.

The scenario: the ini option `dsop_sandbox_scenario` (a file, relative to the ini file, or a shipped scenario's
name; default `default`), or per test / module with `@pytest.mark.dsop_scenario("small", seed=…, today=…)`
(a file relative to the test module). Each distinct scenario gets its own server, started on first use and
stopped — socket closed, thread joined, temporary state removed — when no more tests need it or at the end of
the session. More ini options: `dsop_sandbox_seed`, `dsop_sandbox_today`, `dsop_sandbox_auth` (default true).

"No more tests need it" is counted after collection: the tests that use `dsop_sandbox` (directly or through
another fixture) per scenario choice; after the last one's teardown its server stops. pytest itself would tear a
session fixture down whenever the next test has another marker and set it up again for a later test, so the
servers live in a registry of the session rather than in the fixture: a scenario keeps one server — one port,
one state — for all its tests, however they are ordered. A test that only asks for the fixture through
`request.getfixturevalue` is not counted: its server runs to the end of the session (and is started again if it
had already stopped).
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

MARKER = "dsop_scenario"
_WORLDS = pytest.StashKey[dict]()
_SERVERS = pytest.StashKey["_Servers"]()
_CHOICE = pytest.StashKey["ScenarioChoice"]()  # on a test that uses dsop_sandbox: the scenario it is served


@dataclass(frozen=True)
class ScenarioChoice:
    scenario: str = "default"
    seed: str | None = None
    today: date | None = None
    auth: bool = True
    fault_headers: bool = False

    @property
    def id(self) -> str:
        name = Path(self.scenario).stem if self.scenario.endswith((".yaml", ".yml")) else self.scenario
        extra = [f"seed={self.seed}"] if self.seed else []
        extra += [f"today={self.today}"] if self.today else []
        extra += [] if self.auth else ["auth=off"]
        extra += ["fault_headers"] if self.fault_headers else []
        return "-".join([f"scenario={name}", *extra])


def _resolve(value: str, base: Path | None) -> str:
    """A scenario file relative to `base` (ini file or test module) if it exists there, else as given."""
    if base is not None and (base / value).is_file():
        return str((base / value).resolve())
    return str(Path(value).resolve()) if Path(value).is_file() else value


def _day(value) -> date | str | None:
    """A `today` option: YYYY-MM-DD, or `real` (the real date, followed by a running server: sandbox/clock.py)."""
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    from sandbox.clock import parse_today

    return parse_today(str(value))


class _Servers:
    """The session's background servers, one per scenario choice (see the module's docstring)."""

    def __init__(self):
        self.running: dict[ScenarioChoice, object] = {}
        self.pending: Counter = Counter()  # choice → tests still to run that use it

    def get(self, choice: ScenarioChoice):
        server = self.running.get(choice)
        if server is None:
            from sandbox.cli.background import BackgroundServer

            server = BackgroundServer(choice.scenario, seed=choice.seed, today=choice.today, auth=choice.auth,
                                      allow_fault_headers=choice.fault_headers).start()
            self.running[choice] = server
        return server

    def done(self, choice: ScenarioChoice) -> None:
        """A test that uses `choice` is over: the last one stops its server."""
        if self.pending[choice] > 0:
            self.pending[choice] -= 1
            if not self.pending[choice]:
                self.stop(choice)

    def stop(self, choice: ScenarioChoice) -> None:
        server = self.running.pop(choice, None)
        if server is not None:
            server.stop()

    def stop_all(self) -> None:
        for choice in list(self.running):
            self.stop(choice)


def _default_choice(config) -> ScenarioChoice:
    base = config.inipath.parent if config.inipath else config.rootpath
    return ScenarioChoice(_resolve(config.getini("dsop_sandbox_scenario") or "default", base),
                          config.getini("dsop_sandbox_seed") or None, _day(config.getini("dsop_sandbox_today")),
                          bool(config.getini("dsop_sandbox_auth")))


# ---- hooks -------------------------------------------------------------------------------------------------
def pytest_addoption(parser):
    parser.addini("dsop_sandbox_scenario", "scenario served by the dsop_sandbox / dsop_world fixtures: a file "
                  "(relative to this ini file) or a shipped scenario's name (default: default)", default="default")
    parser.addini("dsop_sandbox_seed", "override the scenario's seed for dsop_sandbox / dsop_world", default="")
    parser.addini("dsop_sandbox_today", "fix the sandbox's date (YYYY-MM-DD, or real) for dsop_sandbox / dsop_world",
                  default="")
    parser.addini("dsop_sandbox_auth", "check access tokens in the dsop_sandbox server (default true)", type="bool",
                  default=True)


def pytest_configure(config):
    config.addinivalue_line("markers", f"{MARKER}(scenario, *, seed=None, today=None, auth=True, fault_headers=False): "
                                       "the scenario the dsop_sandbox / dsop_world fixtures serve to this test")
    config.stash[_WORLDS] = {}
    config.stash[_SERVERS] = servers = _Servers()
    config.add_cleanup(servers.stop_all)  # the end of the session, however it ends


def pytest_generate_tests(metafunc):
    """A `dsop_scenario` marker becomes a (session-scoped, indirect) parameter of the fixtures' scenario choice."""
    marker = metafunc.definition.get_closest_marker(MARKER)
    if marker is None or "_dsop_scenario_choice" not in metafunc.fixturenames:
        return
    if not marker.args:
        raise pytest.UsageError(f"@pytest.mark.{MARKER} needs the scenario: a file or a shipped scenario's name")
    base = Path(str(metafunc.definition.path)).parent
    defaults = _default_choice(metafunc.config)
    kw = marker.kwargs
    choice = ScenarioChoice(_resolve(str(marker.args[0]), base), kw.get("seed", defaults.seed),
                            _day(kw.get("today", defaults.today)), bool(kw.get("auth", defaults.auth)),
                            bool(kw.get("fault_headers", False)))
    metafunc.parametrize("_dsop_scenario_choice", [choice], indirect=True, ids=[choice.id], scope="session")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items):
    """Count, per scenario choice, the tests that will use a server (after deselection and reordering)."""
    servers = config.stash[_SERVERS]
    servers.pending.clear()
    default = None
    for item in items:
        if "dsop_sandbox" not in getattr(item, "fixturenames", ()):
            continue
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "_dsop_scenario_choice" in callspec.params:
            choice = callspec.params["_dsop_scenario_choice"]
        else:
            choice = default = default or _default_choice(config)
        item.stash[_CHOICE] = choice
        servers.pending[choice] += 1


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a test's teardown: its server stops if it was the last to need it; after the last test's, every
    server stops (those of tests that were not counted too)."""
    try:
        return (yield)
    finally:
        servers = item.config.stash[_SERVERS]
        choice = item.stash.get(_CHOICE, None)
        if choice is not None:
            servers.done(choice)
        if nextitem is None:
            servers.stop_all()


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session):
    """A session cut short before the last test's teardown (Ctrl-C, an internal error): nothing is left running
    (-x already tears everything down after the failing test)."""
    session.config.stash[_SERVERS].stop_all()


# ---- fixtures ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def _dsop_scenario_choice(request) -> ScenarioChoice:
    return getattr(request, "param", None) or _default_choice(request.config)


@pytest.fixture(scope="session")
def dsop_sandbox(request, _dsop_scenario_choice):
    """A running sandbox (real HTTP on a free port) for the session's scenario; see DsopSandbox. The server is
    the session's for that scenario (started here on first use), stopped after its last test."""
    return DsopSandbox(request.config.stash[_SERVERS], _dsop_scenario_choice)


@pytest.fixture(scope="session")
def dsop_world(request, _dsop_scenario_choice):
    """The scenario's World, in-process (no server): the same data the sandbox serves for that scenario."""
    worlds = request.config.stash[_WORLDS]
    c = _dsop_scenario_choice
    key = (c.scenario, c.seed, c.today)
    if key not in worlds:
        from sandbox.clock import real_today
        from sandbox.scenario import load_scenario
        from sandbox.scenario.catalog import resolve
        from sandbox.world import build_world

        worlds[key] = build_world(load_scenario(resolve(c.scenario), today=c.today, seed=c.seed,
                                                real_today=real_today()))
    return worlds[key]


class DsopSandbox:
    """What the `dsop_sandbox` fixture gives a test."""

    def __init__(self, servers: _Servers, choice: ScenarioChoice):
        self._servers, self.choice = servers, choice
        self._server = self._directory = self._parties = None
        self._current()  # start it now: in the setup of the first test that needs it

    def _current(self):
        server = self._servers.get(self.choice)
        if server is not self._server:
            self._server, self._directory, self._parties = server, None, None
        return server

    @property
    def server(self):
        """The BackgroundServer (started again, on a new port, if this object outlived it: see the module)."""
        return self._current()

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def __repr__(self) -> str:  # never starts a server
        server = self._servers.running.get(self.choice)
        return f"<DsopSandbox {server.base_url if server else '(stopped)'} {self.choice.id}>"

    # the world and its identity
    @property
    def services(self):
        return self.server.services

    @property
    def world(self):
        return self.server.world

    @property
    def app(self):
        return self.server.app

    @property
    def scenario(self) -> str:
        return self.world.name

    @property
    def today(self) -> date:
        return self.world.today

    @property
    def digest(self) -> str:
        return self.server.digest

    # HTTP
    def url(self, path: str = "/") -> str:
        return self.base_url + ("" if path.startswith("/") else "/") + path

    def get_json(self, path: str, headers: dict | None = None):
        req = urllib.request.Request(self.url(path), headers={"Accept": "application/json", **(headers or {})})
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read())

    @property
    def directory(self) -> dict[str, str]:
        """Bank org. number → the bank's base URL (= the audience of its tokens), from the API directory."""
        if self._directory is None:
            from sandbox.directory.listing import v2_urls

            body = self.get_json("/altinn/v1/directharvest/Kontrollinformasjon?envelope=false")
            self._directory = v2_urls(body)  # the real format: a bare array, v2 entries only
        return self._directory

    def bank_url(self, org_number: str) -> str:
        return self.directory[org_number]

    @property
    def register_url(self) -> str:
        return self.url("/kar-ws/api/v2")

    @property
    def parties(self) -> list[dict]:
        """The named personas as GET /sandbox/v1/parties lists them (id, identifier, name, kind, banks, …)."""
        if self._parties is None:
            self._parties = self.get_json("/sandbox/v1/parties")["parties"]
        return self._parties

    def party(self, wanted: str) -> dict:
        """A persona by scenario id or identity number (the crowd included)."""
        for p in self.parties:
            if wanted in (p["id"], p["identifier"]):
                return p
        for p in self.get_json("/sandbox/v1/parties?crowd=true")["parties"]:
            if wanted in (p["id"], p["identifier"]):
                return p
        raise KeyError(f"no party {wanted!r} in scenario {self.scenario}")

    # tokens and headers
    def _consumer(self, wanted: str):
        w = wanted.strip().lower()
        for c in self.world.consumers.values():
            if w in (c.id.lower(), c.client_id.lower(), c.org_number, c.name.lower()):
                return c
        raise KeyError(f"no consumer {wanted!r} in scenario {self.scenario}: "
                       + ", ".join(f"{c.id} ({c.org_number})" for c in self.world.consumers.values()))

    def token(self, consumer: str = "skatteetaten", *, bank: str | None = None, register: bool = False,
              audience: str | None = None, scope: str | None = None, ttl: int | None = None) -> str:
        """An access token signed by this server's Maskinporten, as `dsop-sandbox token` prints it.

        `bank=ORGNO` (scope bits:kontoinformasjon), `register=True` (bits:kundeforhold) or any `audience` with a
        `scope`. No entitlement check: ask for a scope the consumer may not have and the APIs refuse it (403)."""
        issuer = self.services.maskinporten
        if bank is not None:
            audience, scope = issuer.bank_audience(bank), scope or "bits:kontoinformasjon"
        elif register:
            audience, scope = issuer.register_audience(), scope or "bits:kundeforhold"
        if audience is None or scope is None:
            raise ValueError("token(): give bank=ORGNO, register=True, or audience= and scope=")
        return issuer.issue(self._consumer(consumer), scope.split(), audience, ttl)["access_token"]

    def headers(self, service: str = "skatt", *, bank: str | None = None, register: bool = False,
                party: str | None = None, case_id: str | None = None, reference_id: str | None = None,
                **extra) -> dict:
        """The headers of one DSOP call of `service`: a token of the service's shipped consumer for `bank` or the
        register, the (encoded) Legal-Mandate of step 1 or 2, AccountInfoRequestID, a fresh CorrelationID,
        RequesterID where the service needs it, PartyID (bank) or CustomerID (register) for `party`, and
        AdditionalReferenceIDType/-ID for `reference_id` (pol1: an order, srf: the guardian's number)."""
        from sandbox.client.services import service as lookup

        svc = lookup(service)
        h = {"Authorization": f"Bearer {self.token(svc.consumer, bank=bank, register=register)}",
             "AccountInfoRequestID": case_id or str(uuid.uuid4()), "CorrelationID": str(uuid.uuid4()),
             "Legal-Mandate": svc.register_header if register else svc.bank_header}
        if svc.requester_id:
            h["RequesterID"] = "pytest"
        if party is not None:
            h["CustomerID" if register else "PartyID"] = party
        if reference_id is not None and svc.reference_type and not register:
            h["AdditionalReferenceIDType"] = svc.reference_type
            h["AdditionalReferenceID"] = urllib.parse.quote(reference_id, safe="-_.!~*'()")
        h.update(extra)
        return h

    def client(self, service: str = "skatt", **config):
        """The reference consumer (sandbox.client.DsopClient) as the service's shipped agency."""
        from sandbox.client import ClientConfig, DsopClient

        return DsopClient(ClientConfig.shipped(self.base_url, service, **config))
