"""Fixtures of the whole suite (helpers and constants live in tests/support/).

* scenario text: `load`, `problems`, `line_of` (inline YAML scenarios with a fixed `today`, so no test depends on
  the shipped default scenario or on the real date);
* apps: ONE `make_app(scenario=None, *, fresh=False, **settings)`; `app`, `client`, `world` and the checked
  clients `api`, `register`, `nav_api`, `bank_api_for` on the HTTP tests' world (tests/support/scenario.py);
* tokens: `auth_app`, `issuer`, `forge`, `targets`, `refs`, `auth_api`, `state_dir`, `open_app`, `logs`.
"""

from __future__ import annotations

import logging
import re
from datetime import date
from pathlib import Path

import pytest

from sandbox.app import create_app
from sandbox.config import Settings
from sandbox.maskinporten.tokens import SCOPE_ACCOUNT_PROVIDER, SCOPE_BANK, SCOPE_RELATIONS
from sandbox.scenario import ScenarioError, load_scenario_text
from tests.support import (
    ACCOUNT,
    BANK,
    BANK_OPENAPI,
    CONSUMER_ORG,
    NAV_HEADERS,
    PARTY,
    SCENARIO,
    STRANGER_ORG,
    TODAY,
    UNENTITLED_ORG,
    VALID_HEADERS,
    BankApi,
    BankContract,
    Forge,
    Refs,
    RegisterApi,
    Target,
    bank_request,
    bearer,
    load_yaml,
)

# ----------------------------------------------------------------------------------------------------------
#  The quick subset (`make test-fast`): everything that starts real servers, browsers or pip is `slow`
# ----------------------------------------------------------------------------------------------------------
#: Paths (relative to tests/) whose every test starts gunicorn, Chromium, a JVM, pip or a container: marked `slow`
#: here, once, rather than by hand in each module, so that a new end-to-end test cannot slip into the quick subset.
SLOW_PATHS = ("e2e/", "ui/test_browser", "ui/test_rooms_browser", "test_pytest_plugin.py", "docs/test_snippets",
              "deploy/test_container_image", "deploy/test_testcontainers", "state/test_replicas_on_postgres")
_TESTS = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    """Mark the slow modules, and run them first: pytest-xdist (`--dist loadfile`) hands out modules in this
    order, so a slow module taken last would keep one core busy while the other has nothing left to do."""
    slow = set()
    for item in items:
        relative = Path(str(item.fspath)).resolve().relative_to(_TESTS).as_posix()
        if relative.startswith(SLOW_PATHS):
            item.add_marker(pytest.mark.slow)
            slow.add(item.nodeid)
    items.sort(key=lambda item: item.nodeid not in slow)  # stable: each module keeps its own order


# ----------------------------------------------------------------------------------------------------------
#  Scenario text
# ----------------------------------------------------------------------------------------------------------
def _line_of(text: str, needle: str) -> int:
    """1-based line of the only line of `text` containing `needle` (fails if it is not exactly one)."""
    hits = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(hits) == 1, f"{needle!r} is on lines {hits} of the test scenario; make it unique"
    return hits[0]


@pytest.fixture
def line_of():
    """line_of(text, needle) -> the 1-based line of the one line of `text` that contains `needle`."""
    return _line_of


@pytest.fixture
def load():
    """load(text, today=TODAY, seed=None, source="test.yaml") -> ScenarioSpec."""

    def _load(text: str, *, today: date | None = TODAY, seed=None, source: str = "test.yaml", real_today=None):
        return load_scenario_text(text, source, today=today, seed=seed, real_today=real_today)

    return _load


@pytest.fixture
def problems():
    """problems(text, today=TODAY) -> the ScenarioError's problems (fails if the text loads)."""

    def _problems(text: str, *, today: date = TODAY, source: str = "test.yaml"):
        with pytest.raises(ScenarioError) as info:
            load_scenario_text(text, source, today=today)
        assert info.value.problems, "a ScenarioError must carry at least one problem"
        return info.value.problems

    return _problems


# ----------------------------------------------------------------------------------------------------------
#  Apps
# ----------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def make_app(tmp_path_factory):
    """make_app(scenario=None, *, fresh=False, **settings) -> a Flask app (auth off unless settings say auth=True).

    `scenario` is None for the HTTP tests' world (tests/support/scenario.py), YAML text (written once to a file
    named after its `name:`), a path, or a shipped scenario's name ("default"). Every app gets its own state
    directory. Apps are cached per scenario and settings for the session; `fresh=True` builds a new one, for tests
    that need an empty request log, clock or jti store (audit, faults, two apps compared).
    """
    files: dict[str, Path] = {}
    cache: dict = {}

    def _file(scenario) -> Path | str:
        if isinstance(scenario, Path) or (scenario is not None and "\n" not in scenario):
            return scenario
        text = SCENARIO if scenario is None else scenario
        if text not in files:
            name = re.search(r"^name: *(\S+)", text, re.MULTILINE)
            path = tmp_path_factory.mktemp("scenario") / f"{name.group(1) if name else 'scenario'}.yaml"
            path.write_text(text, encoding="utf-8")
            files[text] = path
        return files[text]

    def _make(scenario=None, *, fresh: bool = False, **overrides):
        path = _file(scenario)
        key = (str(path), tuple(sorted(overrides.items())))
        if fresh or key not in cache:
            settings = {"scenario": str(path), "auth": False, "state_dir": str(tmp_path_factory.mktemp("state")),
                        **overrides}
            app = create_app(Settings(**settings))
            if fresh:
                return app
            cache[key] = app
        return cache[key]

    return _make


@pytest.fixture(scope="session")
def app(make_app):
    return make_app()


@pytest.fixture(scope="session")
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def world(app):
    return app.extensions["dsop"].world


@pytest.fixture(scope="session")
def contract() -> BankContract:
    return BankContract(load_yaml(BANK_OPENAPI))


@pytest.fixture(scope="session")
def api(client, world, contract) -> BankApi:
    return BankApi(client, world, contract)


@pytest.fixture(scope="session")
def register(client, world) -> RegisterApi:
    return RegisterApi(client, world)


@pytest.fixture(scope="session")
def nav_api(make_app, contract) -> BankApi:
    """A BankApi calling as NAV under its v1 rules (app built with nav_v1=True): no period window of its own, for
    histories older than Skatt-Kontroll's 10 years."""
    app = make_app(nav_v1=True)
    return BankApi(app.test_client(), app.extensions["dsop"].world, contract, headers=NAV_HEADERS)


@pytest.fixture(scope="session")
def bank_api_for(make_app, contract):
    """bank_api_for(**settings) -> a BankApi on an app built with those settings (e.g. page_size=3)."""

    def _api(**overrides):
        app = make_app(**overrides)
        return BankApi(app.test_client(), app.extensions["dsop"].world, contract)

    return _api


# ----------------------------------------------------------------------------------------------------------
#  Tokens (tests/support/auth.py)
# ----------------------------------------------------------------------------------------------------------
@pytest.fixture
def logs(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


@pytest.fixture(scope="session")
def auth_app(make_app):
    return make_app(auth=True)


@pytest.fixture(scope="session")
def issuer(auth_app):
    world = auth_app.extensions["dsop"].world
    services = {c.org_number: c.services for c in world.consumers.values()}
    assert STRANGER_ORG not in services and "skatt" in services[CONSUMER_ORG]
    assert "skatt" not in services[UNENTITLED_ORG]
    return auth_app.extensions["dsop"].maskinporten


@pytest.fixture(scope="session")
def forge(issuer) -> Forge:
    return Forge(issuer)


@pytest.fixture(scope="session")
def state_dir(auth_app) -> Path:
    return Path(auth_app.extensions["dsop"].state.directory)


@pytest.fixture(scope="session")
def auth_api(auth_app, contract) -> BankApi:
    return BankApi(auth_app.test_client(), auth_app.extensions["dsop"].world, contract)


@pytest.fixture(scope="session")
def targets(auth_api: BankApi, issuer) -> dict[str, Target]:
    bank = issuer.bank_audience(auth_api.org(BANK))
    register = issuer.register_audience()
    foreign_register = register.replace("://", "://register.", 1)
    return {
        "bank": Target(bank, SCOPE_BANK, SCOPE_RELATIONS, register, issuer.bank_audience(auth_api.org("beta"))),
        "customerRelationships": Target(register, SCOPE_RELATIONS, SCOPE_BANK, bank, foreign_register),
        # Skatteetaten's ordinary register token (bits:kundeforhold) lacks the scope of this endpoint.
        "accountServicingProvider": Target(register, SCOPE_ACCOUNT_PROVIDER, SCOPE_RELATIONS, bank, foreign_register),
    }


@pytest.fixture(scope="session")
def refs(auth_api: BankApi, forge: Forge, targets) -> Refs:
    """Ola's joint account at alpha, as a consumer with a valid token finds it."""
    auth = {"Authorization": bearer(forge.token(targets["bank"]))}
    party = auth_api.pid(PARTY)
    path, query, extra = bank_request("accounts", Refs(party, "", ""))
    response = auth_api.call(BANK, path, query, {**VALID_HEADERS, **extra, **auth})
    number = auth_api.number(ACCOUNT)
    listed = {a["accountIdentifier"]: a["accountReference"] for a in auth_api.ok(response)["accounts"]}
    assert number in listed, f"{ACCOUNT} is not in {PARTY}'s accounts at {BANK}"
    return Refs(party, listed[number], number)


@pytest.fixture(scope="session")
def open_app(make_app):
    return make_app()  # auth=False (the make_app default)
