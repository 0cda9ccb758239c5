"""Replicas on PostgreSQL vs one server on SQLite: throughput ratios and the request log's cost per request
(a benchmark, not a test; issue 18).

    .venv/bin/python tests/perf/bench_replicas.py     # BENCH_SECONDS=6 BENCH_ROUNDS=3 BENCH_WORKERS=2 ...

Needs Debian's PostgreSQL server binaries (a throwaway cluster is started in a temporary directory, as in the
tests: tests/support/postgres.py) and wrk.

1. In-process, per row: the request log's write as the `after_request` hook pays it — SQLite: one append to the
   worker's journal (the import into SQLite is paid after the answer has left, in batches); PostgreSQL: one
   INSERT committed before the answer leaves (sandbox/audit/postgres.py says why) — and the clock read each
   request pays (SQLite: a stat() of the stamp file; PostgreSQL: a SELECT). Medians of many.
2. Over HTTP (gunicorn, BENCH_WORKERS sync workers per server, --auth off so only the state differs), a light
   endpoint (the register) and a bank's accounts list, each with a fresh CorrelationID per request:
   - `sqlite`: one server on SQLite (the zero-setup default);
   - `pg-1`: one server on PostgreSQL (the store's own cost, same process count);
   - `pg-2`: two servers on one PostgreSQL database, each driven by its own wrk with half the connections at
     the same time (a round-robin load balancer in effect); requests/s summed.
   Rounds alternate the three set-ups; the median round of BENCH_ROUNDS per set-up and endpoint is reported, and
   the ratios pg-1/sqlite and pg-2/sqlite. On a machine with few cores two replicas compete for the same CPUs:
   pg-2 then shows the cost of sharing the state, not the gain of scaling out (the output says how many cores).
Prints a table; writes tests/perf/results/replicas.json.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

import perfkit as kit  # noqa: E402

OUT = HERE / "results" / "replicas.json"
SECONDS = float(os.environ.get("BENCH_SECONDS", "6"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
SCENARIO = os.environ.get("BENCH_SCENARIO", "default")
MANDATE = ("Skatteforvaltningsloven%20%C2%A7%2010-2%20f%C3%B8rste%20ledd%2C%20jf.%20%C2%A7%2010-14%2C%20jf."
           "%20skatteforvaltningsforskriften%20%C2%A7%2010-2-1")
HEADERS = {"AccountInfoRequestID": "3f2b8c1e-0000-4000-8000-0000000b0d17", "Legal-Mandate": MANDATE,
           "RequesterID": "bench-replicas"}
PERIOD = "fromDate=2024-07-01&toDate=2025-06-30"


# ---- 1. in-process ------------------------------------------------------------------------------------------
def per_row(pg_url: str, n: int = 2000) -> dict:
    """Median µs of one request-log write and one clock read, per store."""
    from sandbox.audit.log import COLUMNS
    from sandbox.stores import open_store

    row = {c: None for c in COLUMNS} | {"time": "2025-06-30T12:00:00.000Z", "api": "bank", "method": "GET",
                                         "path": "/banks/x/v2/accounts", "status": 200, "latency_ms": 1.0,
                                         "correlation_id": "cid", "case_id": "case", "worker": 1}
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, store in (("sqlite", open_store(tmp)), ("postgresql", open_store(None, pg_url))):
            log = store.open_audit(0)
            store.clock_set("2025-07-01", "x", "2025-06-30")
            writes, reads = [], []
            for _ in range(n):
                t0 = time.perf_counter()
                log.write(row)
                t1 = time.perf_counter()
                store.clock_get()
                t2 = time.perf_counter()
                writes.append(t1 - t0)
                reads.append(t2 - t1)
            out[name] = {"log_write_us": round(statistics.median(writes) * 1e6, 1),
                         "clock_read_us": round(statistics.median(reads) * 1e6, 1)}
            store.close()
    return out


# ---- 2. over HTTP ---------------------------------------------------------------------------------------------
def serve(name: str, log_dir: Path, state: list[str]) -> kit.Server:
    port = kit.free_port()
    argv = [str(kit.CLI), "serve", "--scenario", SCENARIO, "--port", str(port), "--workers", str(WORKERS),
            "--auth", "off", *state]
    return kit.Server(name, argv, port, "/health", log_dir)


def targets(server: kit.Server) -> dict[str, tuple[str, dict]]:
    party = next(p for p in kit.fetch(server.port, "/sandbox/v1/parties").json()["parties"] if p["banks"])
    banks = {b["id"]: b["orgNumber"] for b in kit.fetch(server.port, "/sandbox/v1/banks").json()["banks"]}
    org = banks[party["banks"][0]]
    return {"register": (f"/kar-ws/api/v2/customers/customerRelationships?{PERIOD}",
                         {**HEADERS, "CustomerID": party["identifier"]}),
            "accounts": (f"/banks/{org}/v2/accounts?{PERIOD}&OnlyPrimaryOwner=false",
                         {**HEADERS, "PartyID": party["identifier"]})}


def drive(wrk: str, servers: list[kit.Server], path: str, headers: dict) -> dict:
    """wrk against every server at once (connections split evenly); requests/s summed, errors counted."""
    results: list[dict] = [None] * len(servers)

    def one(i: int, server: kit.Server) -> None:
        results[i] = kit.run_wrk(wrk, server.port, path, headers, SECONDS, max(1, CONNECTIONS // len(servers)),
                                 1 if len(servers) > 1 else 2)

    threads = [threading.Thread(target=one, args=(i, s)) for i, s in enumerate(servers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"rps": sum(r["rps"] for r in results), "errors": sum(r["errors"] for r in results),
            "p50_ms": max(r["p50_us"] for r in results) / 1000, "p99_ms": max(r["p99_us"] for r in results) / 1000}


def main() -> int:
    from tests.support.postgres import PostgresServer, server_bin

    wrk = shutil.which("wrk")
    bindir = server_bin()
    if wrk is None or bindir is None:
        print(f"needs wrk ({wrk or 'missing'}) and PostgreSQL server binaries ({bindir or 'missing'})", file=sys.stderr)
        return 2
    pg = PostgresServer(bindir).start()
    tmp = Path(tempfile.mkdtemp(prefix="dsop-bench-replicas-"))
    servers: list[kit.Server] = []
    try:
        rows = per_row(pg.database())
        url = pg.database()
        setups = {"sqlite": [serve("sqlite", tmp, ["--state-dir", str(tmp / "state")])],
                  "pg-1": [serve("pg-1", tmp, ["--state-url", pg.database()])],
                  "pg-2": [serve("pg-2a", tmp, ["--state-url", url]), serve("pg-2b", tmp, ["--state-url", url])]}
        servers = [s for group in setups.values() for s in group]
        paths = targets(servers[0])
        runs: dict[str, dict[str, list[dict]]] = {s: {e: [] for e in paths} for s in setups}
        for _ in range(ROUNDS):
            for endpoint, (path, headers) in paths.items():
                for setup, group in setups.items():
                    runs[setup][endpoint].append(drive(wrk, group, path, headers))
        median = {s: {e: kit.median_run(r) for e, r in by.items()} for s, by in runs.items()}
        ratios = {e: {"pg-1/sqlite": round(median["pg-1"][e]["rps"] / median["sqlite"][e]["rps"], 3),
                      "pg-2/sqlite": round(median["pg-2"][e]["rps"] / median["sqlite"][e]["rps"], 3)}
                  for e in paths}
        report = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "cores": os.cpu_count(),
                  "workers_per_server": WORKERS, "connections": CONNECTIONS, "seconds": SECONDS, "rounds": ROUNDS,
                  "scenario": SCENARIO, "per_row_us": rows, "median": median, "ratios": ratios,
                  "errors": {s: {e: sum(r["errors"] for r in rr) for e, rr in by.items()} for s, by in runs.items()}}
    finally:
        for server in servers:
            server.stop()
        pg.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"{os.cpu_count()} cores, {WORKERS} workers per server, {CONNECTIONS} connections, median of {ROUNDS}")
    print("per row (µs):  " + ", ".join(f"{k}: write {v['log_write_us']}, clock {v['clock_read_us']}"
                                        for k, v in rows.items()))
    print(f"{'endpoint':10} {'sqlite rps':>11} {'pg-1 rps':>10} {'pg-2 rps':>10} {'pg-1/sqlite':>12} {'pg-2/sqlite':>12}")
    for e in paths:
        print(f"{e:10} {median['sqlite'][e]['rps']:11.0f} {median['pg-1'][e]['rps']:10.0f} "
              f"{median['pg-2'][e]['rps']:10.0f} {ratios[e]['pg-1/sqlite']:12.3f} {ratios[e]['pg-2/sqlite']:12.3f}")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
