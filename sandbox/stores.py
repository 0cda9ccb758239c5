"""Which state store a server uses: `--state-url` (env DSOP_SANDBOX_STATE_URL) or, without one, the SQLite file
under `--state-dir`. Kept apart from both stores so neither imports the other (the PostgreSQL one needs
sandbox/state.py's error class; the SQLite default must never import psycopg)."""

from __future__ import annotations

from sandbox.state import StateStore, StateUrlError


def open_store(state_dir: str | None = None, state_url: str | None = None):
    """PostgreSQL for a `postgresql://` (or `postgres://`) URL, SQLite for `sqlite:///DIR` or, with no URL, for
    the state directory (None: a temporary one). StateUrlError for anything else or a database out of reach."""
    if not state_url:
        return StateStore(state_dir)
    scheme = state_url.split(":", 1)[0].lower()
    if scheme in ("postgresql", "postgres"):
        from sandbox.state_postgres import PostgresStore

        return PostgresStore(state_url)
    if scheme == "sqlite" and state_url.startswith("sqlite:///"):
        return StateStore(state_url[len("sqlite:///"):])  # as SQLAlchemy: sqlite:///rel/dir, sqlite:////abs/dir
    shown = state_url.rsplit("@", 1)[-1]  # never echo a password
    raise StateUrlError(f"--state-url must be postgresql://USER:PASSWORD@HOST:PORT/DATABASE or sqlite:///DIR, "
                        f"not {shown!r}")
