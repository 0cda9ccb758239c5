"""Fixtures for the HTTP tests of the bank, register and directory APIs (helpers live in support.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox.app import create_app
from sandbox.config import Settings

from .support import BANK_OPENAPI, NAV_HEADERS, SCENARIO, BankApi, BankContract, RegisterApi, load_yaml


# ----------------------------------------------------------------------------------------------------------
#  Fixtures
# ----------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def scenario_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("api-scenario") / "api-tests.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def make_app(scenario_file):
    """make_app(**settings) -> a Flask app on the test scenario (cached per settings)."""
    cache: dict = {}

    def _make(**overrides):
        key = tuple(sorted(overrides.items()))
        if key not in cache:
            settings = Settings(**{"scenario": str(scenario_file), "auth": False, **overrides})
            cache[key] = create_app(settings)
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
