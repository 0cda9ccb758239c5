"""Fixtures of the state-store tests: a real PostgreSQL server per test session (tests/support/postgres.py), a
fresh database per test. The tests that need one skip, with the reason, where no server binary exists."""

from __future__ import annotations

import pytest

from tests.support.postgres import PostgresServer, server_bin


@pytest.fixture(scope="session")
def postgres_server():
    bindir = server_bin()
    if bindir is None:
        pytest.skip("no PostgreSQL server binaries (pg_ctl/initdb): install Debian's `postgresql` package "
                    "(make test does) to run the PostgreSQL state-store tests")
    pytest.importorskip("psycopg", reason="the `postgres` extra (psycopg) is not installed")
    server = PostgresServer(bindir).start()
    yield server
    server.stop()


@pytest.fixture
def pg_url(postgres_server) -> str:
    """A URL of an empty database of its own."""
    return postgres_server.database()


@pytest.fixture
def stores():
    """`stores(url)` opens a store (each call: another replica's); all are closed after the test."""
    from sandbox.stores import open_store

    opened = []

    def make(url=None, state_dir=None):
        store = open_store(state_dir, url)
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()
