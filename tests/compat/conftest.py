"""Fixtures of the compatibility-profile tests (DESIGN D22, docs/compatibility.md): the compat world of
tests/support/compat.py through the shared `make_app`, with auth on and no request log."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import COMPAT_SCENARIO, Plugin


@pytest.fixture(scope="session")
def scenario_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("compat") / "compat.yaml"
    path.write_text(COMPAT_SCENARIO, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def compat_app(make_app, scenario_path):
    """compat_app(**settings) -> make_app on the compat scenario, auth on, no request log (cached per settings)."""

    def _make(**overrides):
        return make_app(scenario_path, **{"auth": True, "audit": False, **overrides})

    return _make


@pytest.fixture(scope="session")
def app(compat_app):
    return compat_app()


@pytest.fixture(scope="session")
def plugin(app) -> Plugin:
    return Plugin(app)
