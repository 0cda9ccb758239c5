"""The image, built once per test session for the container tests (tests/support/containers.py says how the
engine and the base image are found, or why the tests skip)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.support.containers import NoEngine, engine_and_base

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def image():
    """(engine, tag) of the Containerfile built from this checkout; removed after the session."""
    try:
        engine, base = engine_and_base()
    except NoEngine as exc:
        pytest.skip(str(exc))
    tag = f"localhost/dsop-sandbox:test-{uuid.uuid4().hex[:8]}"
    engine.build(ROOT, tag, base)
    yield engine, tag
    engine("rmi", "-f", tag, check=False)
