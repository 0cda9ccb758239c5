"""The PostgreSQL state store (sandbox/state_postgres.py, sandbox/audit/postgres.py) against a real server.

What two replicas sharing one database rely on: a jti used at one is a replay at the other; the clock set through
one is the other's at its next request, and a replica joining keeps it; the request log is one log, read the
same by both, in the order the rows were written, with the SQLite log's queries answering the same; a table an
earlier version made gets new columns; a bad or unreachable URL stops the server with one line, never a trace.
"""

from __future__ import annotations

import subprocess
import sys
import uuid

import pytest

from sandbox.audit.log import COLUMNS, FIELDS
from sandbox.state import StateStore, StateUrlError
from sandbox.stores import open_store


def row(n: int, **more) -> dict:
    return {c: None for c in COLUMNS} | {"time": "2025-06-30T12:00:00.000Z", "api": "bank", "method": "GET",
                                         "path": f"/banks/x/v2/accounts/{n}", "status": 200, "latency_ms": 1.5,
                                         "correlation_id": f"cid-{n}", "case_id": "case", "worker": 7} | more


def test_the_url_chooses_the_store(tmp_path, pg_url, stores):
    from sandbox.state_postgres import PostgresStore

    assert isinstance(open_store(str(tmp_path / "a")), StateStore)
    assert stores(f"sqlite:///{tmp_path}/b").directory == tmp_path / "b"
    assert isinstance(stores(pg_url), PostgresStore)
    assert isinstance(stores(pg_url.replace("postgresql://", "postgres://")), PostgresStore)


@pytest.mark.parametrize("url", ["mysql://u:secret@h/db", "sqlite://relative", "http://example.test/"])
def test_a_url_of_another_kind_is_refused_without_echoing_a_password(url, stores):
    with pytest.raises(StateUrlError) as err:
        stores(url)
    assert "postgresql://" in str(err.value) and "secret" not in str(err.value)


def test_an_unreachable_database_is_one_line_without_the_password(postgres_server, stores, monkeypatch):
    from sandbox.state_postgres import PostgresStore

    monkeypatch.setattr(PostgresStore, "connect_timeout", 2)
    url = f"postgresql://postgres:hunter2@127.0.0.1:{postgres_server.port}/no_such_database"
    with pytest.raises(StateUrlError) as err:
        stores(url)
    message = str(err.value)
    assert "hunter2" not in message and "postgres:***@127.0.0.1" in message and "no_such_database" in message


def test_a_jti_used_at_one_replica_is_a_replay_at_the_other(pg_url, stores):
    one, two = stores(pg_url), stores(pg_url)
    jti = str(uuid.uuid4())
    assert one.claim_jti(jti, 2_000_000_100, 2_000_000_000) is True
    assert two.claim_jti(jti, 2_000_000_100, 2_000_000_000) is False
    assert two.claim_jti(str(uuid.uuid4()), 2_000_000_100, 2_000_000_000) is True
    # expired long enough ago: forgotten (the table stays small)
    assert one.claim_jti("later", 2_000_001_000, 2_000_001_000) is True
    assert one.execute("SELECT count(*) FROM used_jti").fetchone()[0] == 1


def test_the_clock_is_shared_and_a_joining_replica_keeps_it(pg_url, stores):
    one, two = stores(pg_url), stores(pg_url)
    assert one.clock_get() is None
    one.clock_set("2025-07-04", "2025-06-30T12:00:00+00:00", "2025-06-30")
    assert two.clock_get() == "2025-07-04"
    stores(pg_url).clock_start("2025-06-30")  # a third replica of the same deployment starts
    assert one.clock_get() == "2025-07-04"
    stores(pg_url).clock_start("2025-08-01")  # a deployment started for another date
    assert two.clock_get() is None
    two.clock_set("2025-09-01", "x", "2025-08-01")
    one.clock_clear()
    assert two.clock_get() is None


def test_one_log_for_two_replicas_in_the_order_written(pg_url, stores):
    one, two = stores(pg_url).open_audit(0), stores(pg_url).open_audit(0)
    for n in range(20):
        (one if n % 2 else two).write(row(n, bank="alpha" if n < 10 else "beta", status=200 if n % 5 else 503))
    assert one.count() == two.count() == 20
    assert [r["correlation_id"] for r in one.case("case")] == [f"cid-{n}" for n in range(20)]
    newest = two.query(limit=3)
    assert [r["correlation_id"] for r in newest] == ["cid-19", "cid-18", "cid-17"]
    assert [r["correlation_id"] for r in two.query(limit=3, before=newest[-1]["id"])] == ["cid-16", "cid-15", "cid-14"]
    assert [r["correlation_id"] for r in one.case("case", limit=5, after=newest[1]["id"])] == ["cid-19"]
    assert {r["correlation_id"] for r in one.query(status="5xx", bank="beta")} == {"cid-10", "cid-15"}
    assert one.get(newest[0]["id"])["worker"] == 7 and one.get(newest[0]["id"])["seq"] == newest[0]["id"]
    assert one.last_id() == newest[0]["id"]
    assert one.query(before=10**12) == [] and one.case("case", after=10**12) == []
    assert two.clear() == 20 and one.count() == 0


def test_the_postgresql_log_answers_every_query_as_the_sqlite_log(tmp_path, pg_url, stores):
    """The same rows written to both stores: every reader query returns the same rows (ids and seq aside)."""
    logs = [stores(state_dir=tmp_path).open_audit(0), stores(pg_url).open_audit(0)]
    for log in logs:
        for n in range(30):
            log.write(row(n, bank=("alpha", "beta", None)[n % 3], status=(200, 404, 500, 0)[n % 4],
                          consumer="974761076" if n % 2 else "889640782", api="bank" if n % 7 else "register",
                          endpoint="accounts" if n % 3 else "transactions", case_id=f"case-{n % 2}",
                          result_count=n, latency_ms=n / 3))

    def strip(rows):
        return [{k: v for k, v in r.items() if k not in ("id", "seq")} for r in rows]

    queries = [dict(limit=50), dict(limit=5, status="error"), dict(status="dropped"), dict(status="ok", bank="beta"),
               dict(consumer=["974761076"], api="bank", endpoint="accounts"), dict(case="case-1", limit=4)]
    for q in queries:
        assert strip(logs[0].query(**q)) == strip(logs[1].query(**q)), q
    assert strip(logs[0].case("case-0")) == strip(logs[1].case("case-0"))
    assert logs[0].count() == logs[1].count() == 30
    with pytest.raises(ValueError):
        logs[1].query(status="teapot")


def test_keep_trims_the_oldest_rows_after_an_answer(pg_url, stores):
    log = stores(pg_url).open_audit(5)
    log.trim_every = 10
    for n in range(12):
        log.write(row(n))
    assert log.sync_due()
    log.after_response()
    assert not log.sync_due()
    assert [r["correlation_id"] for r in log.case("case")] == [f"cid-{n}" for n in range(7, 12)]


def test_a_table_of_an_earlier_version_gets_the_new_columns(pg_url, stores):
    """Adding a column is one line in FIELDS: an existing table gets it at start-up, old rows keep theirs."""
    store = stores(pg_url)
    old = [f for f in FIELDS if f[0] not in ("fault", "worker")]
    store.ddl("CREATE TABLE audit_log (id BIGSERIAL PRIMARY KEY, "
              + ", ".join(f"{n} {'BIGINT' if k.startswith('INTEGER') else 'TEXT'}" for n, k in old) + ")")
    store.execute("INSERT INTO audit_log (time, api, method, path, status, latency_ms, case_id) "
                  "VALUES ('t', 'bank', 'GET', '/old', 200, '1', 'case')")
    log = store.open_audit(0)
    log.write(row(1, fault="error 500 (scenario)"))
    rows = log.case("case")
    assert [(r["path"], r["fault"], r["worker"]) for r in rows] == [("/old", None, None),
                                                                  ("/banks/x/v2/accounts/1", "error 500 (scenario)", 7)]


def test_a_sqlite_file_of_an_earlier_version_gets_the_new_columns(tmp_path, stores):
    import sqlite3

    conn = sqlite3.connect(tmp_path / "state.sqlite3")
    conn.execute("CREATE TABLE audit_log (id INTEGER PRIMARY KEY, time TEXT NOT NULL, api TEXT NOT NULL, "
                 "method TEXT NOT NULL, path TEXT NOT NULL, status INTEGER NOT NULL, latency_ms REAL NOT NULL, "
                 "case_id TEXT)")
    conn.execute("INSERT INTO audit_log VALUES (1, 't', 'bank', 'GET', '/old', 200, 1.0, 'case')")
    conn.commit()
    conn.close()
    log = stores(state_dir=tmp_path).open_audit(0)
    log.write(row(1))
    assert [(r["path"], r["worker"]) for r in log.case("case")] == [("/old", None), ("/banks/x/v2/accounts/1", 7)]


def test_the_sqlite_default_never_imports_the_postgresql_driver(tmp_path):
    code = ("import sys; from sandbox.app import create_app; from sandbox.config import Settings; "
            f"app = create_app(Settings(scenario='small', state_dir={str(tmp_path)!r})); "
            "app.test_client().get('/kar-ws/api/v2/customers/customerRelationships'); "
            "assert app.extensions['sandbox.audit'].count() == 1; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('psycopg', 'psycopg_binary')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_two_apps_on_one_database_refuse_an_assertion_replayed_at_the_other(tmp_path, pg_url):
    """The real jwt-bearer grant at two sandbox apps sharing the database: the assertion one accepted is a
    replay at the other; /health names the database without its password."""
    from sandbox.app import create_app
    from sandbox.config import Settings
    from tests.support.maskinporten import MP_SCENARIO, bearer_grant, granted, make_assertion

    path = tmp_path / "mp.yaml"
    path.write_text(MP_SCENARIO, encoding="utf-8")
    url = pg_url.replace("postgresql://postgres@", "postgresql://postgres:not-shown@")
    one, two = (create_app(Settings(scenario=str(path), state_url=url)) for _ in range(2))
    try:
        issuer = one.extensions["dsop"].maskinporten.issuer
        assertion = make_assertion(issuer)
        granted(bearer_grant(one, assertion))
        refused = bearer_grant(two, assertion)
        assert refused.status_code == 400 and refused.get_json()["error"] == "invalid_grant"
        assert "jti" in refused.get_json()["error_description"]
        granted(bearer_grant(two, make_assertion(issuer)))
        state = two.test_client().get("/health").get_json()["state_dir"]
        assert state.startswith("postgresql://postgres:***@127.0.0.1:") and "not-shown" not in state
    finally:
        for app in (one, two):
            app.extensions["dsop"].state.close()


def test_serve_stops_with_one_line_when_the_database_is_out_of_reach(capsys, postgres_server, monkeypatch):
    from sandbox.cli import main as cli
    from sandbox.state_postgres import PostgresStore
    from tests.e2e.server import free_port

    monkeypatch.setattr(PostgresStore, "connect_timeout", 2)
    url = f"postgresql://postgres:hunter2@127.0.0.1:{postgres_server.port}/missing_db"
    assert cli.main(["serve", "--scenario", "small", "--port", str(free_port()), "--state-url", url]) == 2
    err = capsys.readouterr().err
    assert "missing_db" in err and "not started" in err and "hunter2" not in err and "Traceback" not in err


def test_a_connection_the_server_dropped_is_replaced_on_the_next_statement(pg_url, stores):
    """A database restart or an idle timeout closes a worker's connection: the next request reconnects."""
    store, admin = stores(pg_url), stores(pg_url)
    log = store.open_audit(0)
    log.write(row(1))
    pid = store.execute("SELECT pg_backend_pid()").fetchone()[0]
    admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    log.write(row(2))  # on a new connection
    assert store.execute("SELECT pg_backend_pid()").fetchone()[0] != pid
    assert [r["correlation_id"] for r in admin.open_audit(0).case("case")] == ["cid-1", "cid-2"]


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_rooms_and_stored_runs_are_shared_by_two_replicas(kind, tmp_path, pg_url, stores, world):
    """Workshop rooms (sandbox/rooms.py) and the run results at /ui/runs/<id> (sandbox/ui/runs.py) keep their tables
    in the state store: on PostgreSQL two replicas see one room list, the same room grants and the same runs."""
    from sandbox.rooms import Rooms
    from sandbox.ui.runs import RunStore

    url = pg_url if kind == "postgresql" else f"sqlite:///{tmp_path}/state"
    one, two = stores(url), stores(url)
    rooms_one, rooms_two = Rooms(one, world), Rooms(two, world)
    consumer = next(iter(world.consumers.values())).org_number
    rooms_one.create("team-1", [consumer])
    rooms_one.set_room_clocks(True)
    rooms_one.set_offset("team-1", 30)
    rooms_two._cached = None  # the other replica's next second (PostgreSQL) or stamp change (SQLite)
    assert rooms_two.names() == ["team-1"] and rooms_two.snapshot().by_consumer == {consumer: "team-1"}
    assert rooms_two.snapshot().room_clocks and rooms_two.get("team-1").clock_offset == 30
    assert rooms_two.room_of({}, consumer) == "team-1"

    runs_one, runs_two = RunStore(one), RunStore(two)
    kept = runs_one.save(room="team-1", service="skatt", party="ola-joint", case_id="c-1", errors=0,
                         form={"service": "skatt"}, html="<p>æøå</p>" * 100)
    outside = runs_one.save(room=None, service="oed", party="arne", case_id=None, errors=1, form={}, html="x")
    assert runs_two.get(kept).html == "<p>æøå</p>" * 100 and runs_two.get(kept).room == "team-1"
    assert [r.id for r in runs_two.recent("team-1")] == [kept]
    assert [r.id for r in runs_two.recent(None)] == [outside]
    assert runs_two.count_by_room() == {"team-1": 1}
    assert rooms_two.delete("team-1") and rooms_one.delete("team-1") is False
