"""What the request log costs: throughput with the audit log on vs off (a benchmark, not a test).

    .venv/bin/python tests/perf/bench_audit.py            # BENCH_SECONDS=6 BENCH_ROUNDS=2 BENCH_WORKERS=2 ...

1. In-process: the cost of one row, as the `after_request` hook pays it (build the row + one append to the
   worker's journal, sandbox/audit/journal.py), the raw append alone, and the import into SQLite per row
   (paid after answers have left, in batches); median of many.
2. Over HTTP: serves one scenario twice with `dsop-sandbox serve` (gunicorn, sync workers), once as is and once
   with `--no-audit`, each with its own fresh state directory, and drives both with wrk (BENCH_CONNECTIONS
   connections, a fresh CorrelationID per request) on a light endpoint (the register), a bank's accounts,
   account details and a 1000-item transactions page. Rounds alternate on/off so drift on a shared machine
   hits both alike; each endpoint's best round per mode is reported, with the difference in percent.
Prints a table; writes tests/perf/results/audit.json.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import perfkit as kit  # noqa: E402

HERE = Path(__file__).resolve().parent
OUT = HERE / "results" / "audit.json"
SECONDS = float(os.environ.get("BENCH_SECONDS", "6"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
SCENARIO = os.environ.get("BENCH_SCENARIO", "default")
CONSUMER = "skatteetaten"
MANDATE = ("Skatteforvaltningsloven%20%C2%A7%2010-2%20f%C3%B8rste%20ledd%2C%20jf.%20%C2%A7%2010-14%2C%20jf."
           "%20skatteforvaltningsforskriften%20%C2%A7%2010-2-1")
CASE_ID = "3f2b8c1e-0000-4000-8000-0000000a0d17"


# ---- 1. in-process ------------------------------------------------------------------------------------------
def row_cost() -> dict:
    """Median µs of one journal append, of the whole hook (build_row + append) on a real request, and of
    importing one row into SQLite (AuditLog.sync of a batch, as a worker does after its answers have left)."""
    from flask import g, request

    from sandbox.app import create_app
    from sandbox.audit.log import COLUMNS, AuditLog, build_row
    from sandbox.config import Settings
    from sandbox.state import StateStore

    with tempfile.TemporaryDirectory() as tmp:
        log = AuditLog(StateStore(tmp))
        row = {c: "x" * 24 for c in COLUMNS} | {"status": 200, "latency_ms": 1.5, "result_count": 7, "worker": 1}
        samples, imports = [], []
        for _ in range(20):
            started = time.perf_counter()
            for _ in range(250):
                log.write(row)
            samples.append((time.perf_counter() - started) / 250 * 1e6)
            started = time.perf_counter()
            log.sync()
            imports.append((time.perf_counter() - started) / 250 * 1e6)
        append_us = statistics.median(samples)
        app = create_app(Settings(scenario=SCENARIO, auth=False, state_dir=tmp + "/app"))
        audit = app.extensions["sandbox.audit"]
        client = app.test_client()
        directory = client.get("/altinn/v1/directharvest/Kontrollinformasjon")
        hook = []
        with app.test_request_context("/altinn/v1/directharvest/Kontrollinformasjon"):
            app.preprocess_request()
            for _ in range(20):
                started = time.perf_counter()
                for _ in range(250):
                    audit.write(build_row(request, directory, g, time.perf_counter(),
                                          app.extensions["dsop"].world.today))
                hook.append((time.perf_counter() - started) / 250 * 1e6)
    return {"append_us": round(append_us, 1), "hook_us": round(statistics.median(hook), 1),
            "import_us": round(statistics.median(imports), 1)}


# ---- 2. over HTTP -----------------------------------------------------------------------------------------
def post_token(port: int, audience: str, scope: str) -> str:
    form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": CONSUMER, "scope": scope,
                                   "resource": audience, "ttl": "3600"})
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", "/maskinporten/token", body=form, headers={"Content-Type": "application/x-www-form-urlencoded"})
        resp = conn.getresponse()
        body = resp.read()
    finally:
        conn.close()
    if resp.status != 200:
        raise SystemExit(f"bench_audit: token request answered {resp.status}: {body[:300]!r}")
    return json.loads(body)["access_token"]


class Target:
    def __init__(self, name: str, path: str, headers: dict):
        self.name, self.path, self.headers = name, path, headers


def discover(port: int) -> list[Target]:
    """Subjects from the world: the persona with most banks, its largest account list, one long account."""
    base = f"http://127.0.0.1:{port}"
    health = kit.fetch(port, "/health").json()
    today = health["today"]
    start = f"{int(today[:4]) - 1}{today[4:]}"
    window = f"fromDate={start}&toDate={today}"
    auth = health.get("auth", True)
    common = {"AccountInfoRequestID": CASE_ID, "Legal-Mandate": MANDATE, "RequesterID": "bench", "Accept": "application/json"}

    def headers(audience: str, scope: str, **more) -> dict:
        h = dict(common, **more)
        if auth:
            h["Authorization"] = f"Bearer {post_token(port, audience, scope)}"
        return h

    banks = {b["id"]: b["orgNumber"] for b in kit.fetch(port, "/sandbox/v1/banks").json()["banks"]}
    people = [p for p in kit.fetch(port, "/sandbox/v1/parties").json()["parties"]
              if p["kind"] == "person" and not p.get("shielded") and p["banks"]]
    subject = max(people, key=lambda p: len(p["banks"]))
    reg = Target("register", f"/kar-ws/api/v2/customers/customerRelationships?{window}",
                 headers(f"{base}/kar-ws/api/v2", "bits:kundeforhold", CustomerID=subject["identifier"]))
    best = None
    for p in people[:60]:
        for bank_id in p["banks"]:
            org = banks[bank_id]
            h = headers(f"{base}/banks/{org}/v2", "bits:kontoinformasjon", PartyID=p["identifier"])
            r = kit.fetch(port, f"/banks/{org}/v2/accounts?{window}&OnlyPrimaryOwner=false", {**h, "CorrelationID": CASE_ID})
            if r.status == 200:
                accounts = [a for a in r.json()["accounts"] if a["accountReference"] != "dataNotDelivered"]
                if accounts and (best is None or len(accounts) > len(best[2])):
                    best = (p, org, accounts, h)
    if best is None:
        raise SystemExit("bench_audit: no party with accounts answered 200")
    p, org, accounts, h = best
    bank_h = {k: v for k, v in h.items() if k != "PartyID"}
    targets = [reg, Target("accounts", f"/banks/{org}/v2/accounts?{window}&OnlyPrimaryOwner=false", h)]
    ref = accounts[0]["accountReference"]
    targets.append(Target("details", f"/banks/{org}/v2/accounts/{ref}?{window}", bank_h))
    longest = None
    for a in accounts:
        path = f"/banks/{org}/v2/accounts/{a['accountReference']}/transactions?{window}"
        r = kit.fetch(port, path, {**bank_h, "CorrelationID": CASE_ID})
        if r.status == 200 and (longest is None or len(r.json()["transactions"]) > longest[1]):
            longest = (path, len(r.json()["transactions"]))
    if longest:
        targets.append(Target(f"transactions ({longest[1]} items)", longest[0], bank_h))
    for t in targets:
        r = kit.fetch(port, t.path, {**t.headers, "CorrelationID": CASE_ID})
        if r.status != 200:
            raise SystemExit(f"bench_audit: {t.name} answered {r.status}: {r.body[:300]!r}")
    return targets


def start(tmp: Path, mode: str) -> kit.Server:
    port = kit.free_port()
    argv = [str(kit.CLI), "serve", "--scenario", SCENARIO, "--port", str(port), "--workers", str(WORKERS),
            "--state-dir", str(tmp / f"state-{mode}")]
    if mode == "off":
        argv.append("--no-audit")
    return kit.Server(f"sandbox-audit-{mode}", argv, port, "/health", tmp)


def main() -> int:
    wrk = os.environ.get("BENCH_WRK") or shutil.which("wrk")
    if not wrk:
        print("bench_audit: wrk is not installed (Debian package `wrk`)", file=sys.stderr)
        return 2
    print("in-process cost of one log row ...", flush=True)
    results: dict = {"started": datetime.now(UTC).isoformat(timespec="seconds"),
                     "settings": {"seconds": SECONDS, "rounds": ROUNDS, "connections": CONNECTIONS, "threads": THREADS,
                                  "workers": WORKERS, "scenario": SCENARIO, "cpus": os.cpu_count()},
                     "row": row_cost(), "load": {}}
    with tempfile.TemporaryDirectory(prefix="dsop-bench-audit-") as tmpdir:
        tmp = Path(tmpdir)
        servers = {mode: start(tmp, mode) for mode in ("on", "off")}
        try:
            targets = {mode: discover(s.port) for mode, s in servers.items()}
            for i, target in enumerate(targets["on"]):
                print(f"  load: {target.name} ...", flush=True)
                kit.run_wrk(wrk, servers["on"].port, target.path, target.headers, 1, CONNECTIONS, THREADS)
                kit.run_wrk(wrk, servers["off"].port, targets["off"][i].path, targets["off"][i].headers, 1, CONNECTIONS, THREADS)
                runs = {"on": [], "off": []}
                for _ in range(ROUNDS):
                    for mode in ("on", "off"):
                        t = targets[mode][i]
                        runs[mode].append(kit.run_wrk(wrk, servers[mode].port, t.path, t.headers, SECONDS, CONNECTIONS, THREADS))
                best = {mode: max(rs, key=lambda r: r["rps"]) for mode, rs in runs.items()}
                results["load"][target.name] = {mode: {"rps": round(r["rps"], 1), "p50_ms": r["p50_us"] / 1000,
                                                       "p99_ms": r["p99_us"] / 1000, "errors": r["errors"],
                                                       "all_rps": [round(x["rps"], 1) for x in runs[mode]]}
                                                for mode, r in best.items()}
            rows = kit.fetch(servers["on"].port, "/sandbox/v1/requests?limit=1").json()["requests"]
            results["rows_written"] = rows[0]["id"] if rows else 0
            results["state_file_bytes"] = sum(f.stat().st_size for f in (tmp / "state-on").glob("state.sqlite3*"))
        finally:
            for s in servers.values():
                s.stop()
    report(results)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2))
    print(f"\nresults: {OUT}")
    return 0


def report(results: dict) -> None:
    s = results["settings"]
    print(f"\nrequest log: on vs off  ({s['scenario']}, {s['workers']} gunicorn workers, wrk {s['connections']} "
          f"connections, {s['rounds']}×{s['seconds']:.0f} s per mode, {s['cpus']} CPUs)")
    print(f"one row in-process: journal append {results['row']['append_us']} µs, whole hook (build row + append) "
          f"{results['row']['hook_us']} µs; import into SQLite later, per row {results['row']['import_us']} µs")
    print(f"{'endpoint':<28} {'on req/s':>10} {'off req/s':>10} {'diff':>7} {'p50 on/off ms':>15} {'p99 on/off ms':>15}")
    for name, r in results["load"].items():
        on, off = r["on"], r["off"]
        diff = (on["rps"] - off["rps"]) / off["rps"] * 100 if off["rps"] else 0
        print(f"{name:<28} {on['rps']:>10.0f} {off['rps']:>10.0f} {diff:>+6.1f}% "
              f"{on['p50_ms']:>7.2f}/{off['p50_ms']:<7.2f} {on['p99_ms']:>7.2f}/{off['p99_ms']:<7.2f}")
    print(f"rows written while loading: {results['rows_written']}, state file {results['state_file_bytes'] / 1e6:.1f} MB")


if __name__ == "__main__":
    started = time.perf_counter()
    code = main()
    print(f"bench_audit took {time.perf_counter() - started:.0f} s")
    raise SystemExit(code)
