"""`make bench`: throughput and latency of the sandbox against a ceiling, world size, long windows.

1. Serves the default scenario with `dsop-sandbox serve` (gunicorn, BENCH_WORKERS=2 workers) and picks the
   benchmark subjects from the world itself (/sandbox/v1/parties, /sandbox/v1/banks).
2. Times the first page of a 1-month and a 10-year transactions window on an account at least 10 years
   old: the very first request (cold ledger), then the median of BENCH_LATENCY_N requests.
3. Captures the sandbox's response to each benchmark URL and serves exactly those bytes from a bare Flask
   app under the same gunicorn settings (ceiling_app.py): the practical ceiling of this stack.
4. Drives both with wrk (BENCH_CONNECTIONS=16 connections, BENCH_THREADS=2 threads, BENCH_SECONDS=8 s after
   BENCH_WARMUP=2 s), one endpoint and one server at a time, with the same requests: register, accounts,
   details, a 1000-item transactions page, roles.
5. Builds generated worlds of BENCH_SIZES=1000,10000,100000 people (gen_scenario.py), one child process each,
   and the default world: load/build/digest time and memory (the digest is part of `serve`'s start-up;
   BENCH_DIGEST_MAX skips it above that many people).
6. Distinct pages (issue 19; BENCH_DISTINCT=on|off): a load in which every request asks for a transactions page
   nobody asked for before (distinct.py: the first page of a window on one of BENCH_DISTINCT_ACCOUNTS=24 long
   accounts, fromDate moved a day at a time; BENCH_DISTINCT_URLS=16000 URLs), against a ceiling that answers
   every URL with one such page's bytes (each account's months are generated in every worker first); and the
   first render of a 1000-item page in-process (first_render.py,
   BENCH_RENDER_N=20 accounts): every page's months generated first, then each page rendered once, each timed.
   BENCH_PROFILE=1 records a worker with py-spy during one more distinct run too.
7. A national-scale world (issue 19; BENCH_NATIONAL=on|off, BENCH_NATIONAL_PEOPLE=5500000,
   BENCH_NATIONAL_ORGS=1000000): `serve`'s start-up (load, build, digest, rules) and the PSS of the process
   after it and after requests naming 40 crowd members (national.py start, median of BENCH_NATIONAL_REPEAT=3
   fresh processes), and lazy == eager on the default cast with 1000 generated people (national.py identity:
   every entity, lookup, the digest and ~700 HTTP bodies byte for byte).
Prints a table, every figure as a ratio against the ceiling or against its limit (issues 8 and 19: met, or missed
by how much), and writes BENCH_OUT
(tests/perf/results/latest.json). BENCH_AUTH=on|off asks `serve` for auth when it has `--auth`; if /health
says auth is on, tokens are minted with `dsop-sandbox token` (one per audience). BENCH_PROFILE=1 also
records each sandbox load run with py-spy (if installed) and prints the hottest functions. BENCH_LOADS=accounts,details
loads only those endpoints (default: all five). BENCH_REF=HEAD
benchmarks a commit's code instead of the working tree (handy while others edit it). Other processes' CPU
use is measured during every run and reported; BENCH_QUIET_WAIT=SECONDS first waits for a quiet machine
(BENCH_QUIET_SHARE of a core); BENCH_REPEAT=N alternates N runs per side: each side's row is its median run, and the ratio column is the
median of the N per-alternation ratios with their spread (min-max) beside it.
"""

from __future__ import annotations

import base64
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import distinct  # noqa: E402
import perfkit as kit  # noqa: E402
from report import print_report  # noqa: E402

HERE = Path(__file__).resolve().parent
CASE_ID = "3f2b8c1e-0000-4000-8000-00000000be4c"
SKATT_MANDATE = ("Skatteforvaltningsloven%20%C2%A7%2010-2%20f%C3%B8rste%20ledd%2C%20jf.%20%C2%A7%2010-14%2C%20jf."
                 "%20skatteforvaltningsforskriften%20%C2%A7%2010-2-1")
ENDPOINTS = ("register", "accounts", "details", "transactions", "roles")
#: BENCH_LOADS=accounts,details: only these endpoints' loads (a quick A/B while working on one path).
LOADS = [e.strip() for e in os.environ.get("BENCH_LOADS", ",".join(ENDPOINTS)).split(",") if e.strip()]


def _env(name: str, default, kind=float):
    value = os.environ.get(name, "").strip()
    return kind(value) if value else default


SECONDS = _env("BENCH_SECONDS", 8.0)
WARMUP = _env("BENCH_WARMUP", 2.0)
CONNECTIONS = _env("BENCH_CONNECTIONS", 16, int)
THREADS = _env("BENCH_THREADS", 2, int)
WORKERS = _env("BENCH_WORKERS", 2, int)
LATENCY_N = _env("BENCH_LATENCY_N", 30, int)
SIZES = [int(x) for x in os.environ.get("BENCH_SIZES", "1000,10000,100000").split(",") if x.strip()]
AUTH = os.environ.get("BENCH_AUTH", "on").strip().lower()
AUDIT = os.environ.get("BENCH_AUDIT", "on").strip().lower()
DIGEST_MAX = _env("BENCH_DIGEST_MAX", 1_000_000, int)
QUIET_WAIT = _env("BENCH_QUIET_WAIT", 0.0)
QUIET_SHARE = _env("BENCH_QUIET_SHARE", 0.2)
REPEAT = _env("BENCH_REPEAT", 3, int)
SCENARIO = os.environ.get("BENCH_SCENARIO", "default")
NATIONAL = os.environ.get("BENCH_NATIONAL", "on").strip().lower() != "off"
NATIONAL_PEOPLE = _env("BENCH_NATIONAL_PEOPLE", 5_500_000, int)
NATIONAL_ORGS = _env("BENCH_NATIONAL_ORGS", 1_000_000, int)
NATIONAL_REPEAT = _env("BENCH_NATIONAL_REPEAT", 3, int)
CONSUMER = os.environ.get("BENCH_CONSUMER", "skatteetaten")
PROFILE = os.environ.get("BENCH_PROFILE", "") not in ("", "0", "no", "false")
OUT = Path(os.environ.get("BENCH_OUT", HERE / "results" / "latest.json"))
DISTINCT = os.environ.get("BENCH_DISTINCT", "on").strip().lower() not in ("off", "0", "no", "false")
DISTINCT_URLS = _env("BENCH_DISTINCT_URLS", 16000, int)
DISTINCT_ACCOUNTS = _env("BENCH_DISTINCT_ACCOUNTS", 24, int)
RENDER_N = _env("BENCH_RENDER_N", 20, int)


def years_back(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def months_back(day: date, months: int) -> date:
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    m += 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(y, m, d)
        except ValueError:
            continue
    raise AssertionError


def window(start: date, end: date) -> str:
    return f"fromDate={start.isoformat()}&toDate={end.isoformat()}"


class Sandbox:
    """The running sandbox plus what a consumer needs to call it: headers, tokens, bank paths."""

    def __init__(self, server: kit.Server, health: dict, tokens: dict):
        self.server, self.port, self.health, self.tokens = server, server.port, health, tokens
        self.today = date.fromisoformat(health["today"])
        self.n = 0

    def headers(self, audience: str, **more) -> dict:
        self.n += 1
        h = {"AccountInfoRequestID": CASE_ID, "CorrelationID": f"3f2b8c1e-0000-4000-8000-{self.n:012x}",
             "Legal-Mandate": SKATT_MANDATE, "RequesterID": "bench-caseworker", "Accept": "application/json", **more}
        if self.tokens.get(audience):
            h["Authorization"] = f"Bearer {self.tokens[audience]}"
        return h

    def get(self, target: str, audience: str, **more) -> kit.Reply:
        return kit.fetch(self.port, target, self.headers(audience, **more))


# ---- 1. start and authenticate ----------------------------------------------------------------------------
def start_sandbox(log_dir: Path, notes: list[str]) -> Sandbox:
    port = kit.free_port()
    argv = [str(kit.CLI), "serve", "--scenario", SCENARIO, "--port", str(port), "--workers", str(WORKERS)]
    serve_options = kit.cli_options("serve")
    if "--auth" in serve_options and AUTH in ("on", "off"):
        argv += ["--auth", AUTH]
    elif AUTH == "on":
        notes.append("auth requested, but `dsop-sandbox serve` has no --auth option yet: running with its default")
    if AUDIT == "off" and "--no-audit" in serve_options:
        argv.append("--no-audit")
    if "--state-dir" in serve_options:  # a fresh request log each run: the default one grows from run to run
        argv += ["--state-dir", str(log_dir / "state")]
    server = kit.Server("sandbox", argv, port, "/health", log_dir)
    health = kit.fetch(port, "/health").json()
    tokens: dict[str, str] = {}
    if health.get("auth") is True:
        tokens = mint_tokens(port, notes)
    return Sandbox(server, health, tokens)


def audit_state(health: dict):
    """/health's word if it has one; else `on` when serve has --no-audit and it was not given."""
    if "audit" in health:
        return health["audit"]
    if "--no-audit" in kit.cli_options("serve"):
        return "off" if AUDIT == "off" else "on"
    return "n/a (no audit log in this version)"


def mint_tokens(port: int, notes: list[str]) -> dict:
    """One token per audience: the register ("register") and each bank (its org number)."""
    options = kit.cli_options("token")
    if not options:
        raise SystemExit("bench: /health says auth is on, but there is no `dsop-sandbox token` command")
    public = f"http://127.0.0.1:{port}"
    tokens = {}
    banks = kit.fetch(port, "/sandbox/v1/banks").json()["banks"]
    for bank in banks:
        token, how = kit.mint_token(CONSUMER, "bits:kontoinformasjon", ["--bank", bank["orgNumber"]], SCENARIO,
                                    public, options)
        if token is None:
            raise SystemExit(f"bench: could not mint a bank token: {how}")
        tokens[bank["orgNumber"]] = token
    candidates = ([["--register"]] if "--register" in options else []) + \
        ([["--audience", "register"], ["--audience", f"{public}/kar-ws/api/v2"]] if "--audience" in options else []) + [[]]
    for scope in ("bits:kundeforhold", "bits:kontoinformasjon"):
        for extra in candidates:
            token, how = kit.mint_token(CONSUMER, scope, extra, SCENARIO, public, options)
            if token:
                tokens["register"] = token
                notes.append(f"register token: dsop-sandbox {how}")
                return tokens
    notes.append("could not mint a register token; the register is called without one")
    return tokens


# ---- 2. subjects ---------------------------------------------------------------------------------------------
def discover(sb: Sandbox) -> dict:
    """Pick the benchmark subjects from the world: the most-connected persona for the register, the persona
    with most accounts at one bank for accounts/details/roles, the oldest long account for transactions."""
    today = sb.today
    w10, w1y = window(years_back(today, 10) + timedelta(days=1), today), window(years_back(today, 1) + timedelta(days=1), today)
    banks = {b["id"]: b["orgNumber"] for b in kit.fetch(sb.port, "/sandbox/v1/banks").json()["banks"]}
    personas = [p for p in kit.fetch(sb.port, "/sandbox/v1/parties").json()["parties"] if not p.get("shielded")]
    register_subject = max((p for p in personas if p["kind"] == "person"), key=lambda p: len(p["banks"]))
    lists = []  # (persona, org, accounts)
    for p in personas:
        for bank_id in p["banks"]:
            org = banks[bank_id]
            r = sb.get(f"/banks/{org}/v2/accounts?{w10}&OnlyPrimaryOwner=false", org, PartyID=p["identifier"])
            if r.status != 200:
                raise SystemExit(f"bench: accounts of {p['id']} at {org} answered {r.status}: {r.body[:300]!r}")
            accounts = [a for a in r.json()["accounts"] if a["accountReference"] != "dataNotDelivered"]
            if accounts:
                lists.append((p, org, accounts))
    person_lists = [x for x in lists if x[0]["kind"] == "person"]
    p, org, accounts = max(person_lists, key=lambda x: len(x[2]))
    subject = {"register": {"persona": register_subject["id"], "identifier": register_subject["identifier"],
                            "target": f"/kar-ws/api/v2/customers/customerRelationships?{w10}&onlyPrimaryOwner=false"},
               "accounts": {"persona": p["id"], "identifier": p["identifier"], "org": org,
                            "target": f"/banks/{org}/v2/accounts?{w10}&OnlyPrimaryOwner=false"}}
    for a in accounts:  # details and roles: the first account the party can ask about for the last year
        target = f"/banks/{org}/v2/accounts/{a['accountReference']}?{w1y}"
        if sb.get(target, org).status == 200:
            subject["details"] = {"persona": p["id"], "org": org, "account": a["accountIdentifier"], "target": target}
            subject["roles"] = {"persona": p["id"], "org": org, "account": a["accountIdentifier"],
                                "target": f"/banks/{org}/v2/accounts/{a['accountReference']}/roles?{w1y}"}
            break
    # The long account: prefer personas tagged long-history; startDate from details (cheap: no history walk).
    oldest = years_back(today, 10)
    ordered = sorted(lists, key=lambda x: "long-history" not in x[0]["tags"])
    for p, org, accounts in ordered:
        for a in accounts:
            r = sb.get(f"/banks/{org}/v2/accounts/{a['accountReference']}?{w10}", org)
            if r.status == 200 and r.json()["account"].get("startDate", "9999") <= oldest.isoformat():
                subject["long"] = {"persona": p["id"], "org": org, "account": a["accountIdentifier"],
                                   "reference": a["accountReference"],
                                   "startDate": r.json()["account"]["startDate"]}
                return subject
    return subject


def window_latency(sb: Sandbox, long: dict | None) -> dict:
    """First page of a 1-month and a 10-year window on the long account: first request, then the median."""
    if long is None:
        return {"skipped": "no account of 10 years or more among the personas"}
    today = sb.today
    base = f"/banks/{long['org']}/v2/accounts/{long['reference']}/transactions?"
    targets = {"1 month": base + window(months_back(today, 1) + timedelta(days=1), today),
               "10 years": base + window(years_back(today, 10) + timedelta(days=1), today)}
    out = {}
    for name, target in targets.items():
        first = sb.get(target, long["org"])
        if first.status != 200:
            raise SystemExit(f"bench: {target} answered {first.status}: {first.body[:300]!r}")
        times = [sb.get(target, long["org"]).seconds for _ in range(max(1, LATENCY_N))]
        doc = first.json()
        out[name] = {"target": target, "first_ms": first.seconds * 1000, "median_ms": statistics.median(times) * 1000,
                     "p90_ms": sorted(times)[int(0.9 * (len(times) - 1))] * 1000, "n": len(times),
                     "items": len(doc["transactions"]), "bytes": len(first.body),
                     "has_next": any(lk["rel"] == "next" for lk in doc.get("links", []))}
    return out


def transactions_subject(sb: Sandbox, subject: dict) -> None:
    """A 10-year window on the long account if its first page is full (1000 items), else the first full one."""
    w10 = window(years_back(sb.today, 10) + timedelta(days=1), sb.today)
    long = subject.get("long")
    if long:
        target = f"/banks/{long['org']}/v2/accounts/{long['reference']}/transactions?{w10}"
        if len(sb.get(target, long["org"]).json().get("transactions", [])) >= 1000:
            subject["transactions"] = {**{k: long[k] for k in ("persona", "org", "account")}, "target": target}
            return
    raise SystemExit("bench: no account with a full 1000-item transactions page found among the personas")


# ---- 3. capture, ceiling, load ------------------------------------------------------------------------------
def audience_of(endpoint: str, subject: dict) -> str:
    return "register" if endpoint == "register" else subject[endpoint]["org"]


def request_headers(sb: Sandbox, endpoint: str, subject: dict) -> dict:
    extra = {}
    if endpoint == "register":
        extra["CustomerID"] = subject["register"]["identifier"]
    elif endpoint == "accounts":
        extra["PartyID"] = subject["accounts"]["identifier"]
    h = sb.headers(audience_of(endpoint, subject), **extra)
    h.pop("CorrelationID")  # wrk sets a fresh one per request
    return h


def capture(sb: Sandbox, subject: dict, headers: dict) -> list[dict]:
    out = []
    for ep in ENDPOINTS:
        target = subject[ep]["target"]
        r = kit.fetch(sb.port, target, {**headers[ep], "CorrelationID": "3f2b8c1e-0000-4000-8000-0000000000ff"})
        if r.status != 200:
            raise SystemExit(f"bench: {ep} {target} answered {r.status}: {r.body[:300]!r}")
        path, _, query = target.partition("?")
        out.append({"endpoint": ep, "path": path, "query": query, "status": r.status,
                    "content_type": r.headers.get("content-type", "application/json"),
                    "echo_correlation_id": "correlationid" in r.headers,
                    "body_b64": base64.b64encode(r.body).decode("ascii"), "bytes": len(r.body)})
    return out


def start_ceiling(fixtures: list[dict], log_dir: Path) -> kit.Server:
    path = log_dir / "ceiling-fixtures.json"
    path.write_text(json.dumps({"responses": fixtures}))
    port = kit.free_port()
    first = fixtures[0]
    ceiling = kit.Server("ceiling", [sys.executable, str(HERE / "ceiling_app.py"), "--fixtures", str(path),
                                     "--port", str(port), "--workers", str(WORKERS)],
                         port, f"{first['path']}?{first['query']}", log_dir)
    for f in fixtures:  # the ceiling must answer the very same bytes
        r = kit.fetch(port, f"{f['path']}?{f['query']}")
        if r.status != f["status"] or base64.b64encode(r.body).decode("ascii") != f["body_b64"]:
            ceiling.stop()
            raise SystemExit(f"bench: the ceiling does not reproduce {f['endpoint']}")
    return ceiling


def load(wrk: str, server: kit.Server, target: str, headers: dict) -> dict:
    if WARMUP > 0:
        kit.run_wrk(wrk, server.port, target, headers, WARMUP, CONNECTIONS, THREADS)
    pids = [server.proc.pid, *server.workers()]
    return kit.run_wrk(wrk, server.port, target, headers, SECONDS, CONNECTIONS, THREADS, pids)


def profile_run(wrk: str, sb: Sandbox, target: str, headers: dict, out_dir: Path, script: str | None = None) -> dict | None:
    """py-spy on one worker while wrk loads the sandbox: the hottest functions, self and inclusive. `script`: a wrk
    Lua script (the distinct-pages load's) instead of one target."""
    pyspy = shutil.which("py-spy") or str(kit.BIN / "py-spy")
    if not Path(pyspy).exists() or not sb.server.workers():
        return None
    raw = out_dir / f"profile-{len(list(out_dir.glob('profile-*.txt')))}.txt"
    spy = subprocess.Popen([pyspy, "record", "--pid", str(sb.server.workers()[0]), "--duration", str(int(SECONDS)),
                            "--rate", "200", "--format", "raw", "--nonblocking", "-o", str(raw)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    kit.run_wrk(wrk, sb.port, target, headers, SECONDS, CONNECTIONS, THREADS, script=script)
    spy.wait()
    if not raw.exists():
        return None
    self_t, incl, total = {}, {}, 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n, frames = int(count), [re.sub(r":\d+\)$", ")", f) for f in stack.split(";")]
        total += n
        self_t[frames[-1]] = self_t.get(frames[-1], 0) + n
        for f in set(frames):
            if "(sandbox/" in f and not f.endswith(("(sandbox/cli/main.py)", "(sandbox/cli/serve.py)")):
                incl[f] = incl.get(f, 0) + n
    top = lambda d: [(round(100 * v / total, 1), k) for k, v in sorted(d.items(), key=lambda kv: -kv[1])[:12]]  # noqa: E731
    return {"file": str(raw), "samples": total, "self": top(self_t), "inclusive_sandbox": top(incl)}


# ---- 6. distinct pages (distinct.py) and the first render (first_render.py) --------------------------------------
def distinct_load(wrk: str, sb: Sandbox, tmp: Path, results: dict) -> None:
    profile = (lambda path, script: profile_run(wrk, sb, path, {}, OUT.parent, script)) if PROFILE else None
    results["distinct"] = distinct.run(wrk, sb, tmp, {
        "workers": WORKERS, "repeat": REPEAT, "warmup": WARMUP, "seconds": SECONDS, "connections": CONNECTIONS,
        "threads": THREADS, "urls": DISTINCT_URLS, "accounts": DISTINCT_ACCOUNTS}, profile)


def first_render() -> dict:
    """first_render.py in a fresh process: the months of every page generated, then each page rendered once."""
    proc = subprocess.run([sys.executable, str(HERE / "first_render.py"), SCENARIO, str(RENDER_N)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        return {"skipped": f"first_render.py failed: {proc.stderr.strip()[-500:]}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ---- 4. world size -----------------------------------------------------------------------------------------------
def world_size(path: str, digest: bool = True) -> dict:
    proc = subprocess.Popen([sys.executable, str(HERE / "world_size.py"), path, *([] if digest else ["--no-digest"])],
                            stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    out, err = proc.stdout.read(), proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"bench: building {path} failed:\n{err[-2000:]}")
    result = json.loads(out.strip().splitlines()[-1])
    result["ru_maxrss_kb"] = usage.ru_maxrss
    return result


def scale(tmp: Path) -> dict:
    from gen_scenario import scenario_text

    out = {SCENARIO: world_size(SCENARIO)}
    for n in SIZES:
        path = tmp / f"bench-{n}.yaml"
        path.write_text(scenario_text(n))
        print(f"  building a world of {n} generated people ...", flush=True)
        out[f"{n} people"] = world_size(str(path), digest=n <= DIGEST_MAX)
    return out


def _child(args: list[str]) -> dict:
    proc = subprocess.run([sys.executable, str(HERE / "national.py"), *args], capture_output=True, text=True)
    if proc.returncode != 0:
        return {"skipped": f"national.py {args[0]} failed: {proc.stderr.strip()[-800:]}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def national(tmp: Path) -> dict:
    """Issue 19: the national-scale world's start-up and PSS (national.py start, median of NATIONAL_REPEAT fresh
    processes), and lazy == eager on the test population (national.py identity)."""
    from gen_scenario import scenario_text

    path = tmp / "bench-national.yaml"
    path.write_text(scenario_text(NATIONAL_PEOPLE, orgs=NATIONAL_ORGS))
    runs = [_child(["start", str(path)]) for _ in range(NATIONAL_REPEAT)]
    good = [r for r in runs if "skipped" not in r]
    if not good:
        return {"start": runs[0], "identity": _child(["identity"])}
    best = sorted(good, key=lambda r: r["startup_s"])[len(good) // 2]
    best = {**best, "startup_runs_s": [r["startup_s"] for r in good],
            "pss_started_runs_kb": [r["pss_started_kb"] for r in good]}
    return {"start": best, "identity": _child(["identity"])}


def wait_for_quiet(max_wait: float) -> float:
    """Wait (up to max_wait s) until the rest of the machine uses under BENCH_QUIET_SHARE (0.2) of a core;
    the share last seen."""
    deadline = time.perf_counter() + max_wait
    while True:
        before = kit.machine_busy_seconds()
        time.sleep(2)
        share = (kit.machine_busy_seconds() - before) / 2
        if share < QUIET_SHARE or time.perf_counter() >= deadline:
            return share
        print(f"  the machine is busy ({100 * share:.0f}% of a core used by others); waiting ...", flush=True)
        time.sleep(8)


# ---- the code under test ---------------------------------------------------------------------------------------
def code_under_test(tmp: Path) -> dict:
    """The working tree, or with BENCH_REF=<git ref> that commit's sandbox/ and scenarios/ (unpacked into tmp and
    put first on PYTHONPATH of every child), so a benchmark can run on committed code while the tree is edited."""
    root = HERE.parents[1]

    def git(*args) -> str:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True).stdout.strip()

    ref = os.environ.get("BENCH_REF", "").strip()
    if not ref:
        dirty = git("status", "--porcelain", "--", "sandbox", "scenarios").splitlines()
        return {"ref": "working tree", "commit": git("rev-parse", "--short", "HEAD"), "dirty_files": len(dirty)}
    import io
    import tarfile

    archive = subprocess.run(["git", "-C", str(root), "archive", "--format=tar", ref, "sandbox", "scenarios"],
                             capture_output=True, check=True).stdout
    snap = tmp / "code"
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(snap, filter="data")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(snap), os.environ.get("PYTHONPATH", "")) if p)
    return {"ref": ref, "commit": git("rev-parse", "--short", ref)}


# ---- main ----------------------------------------------------------------------------------------------------------
def main() -> int:
    wrk = os.environ.get("BENCH_WRK") or shutil.which("wrk")
    if not wrk:
        print("bench: wrk is not installed (Debian package `wrk`: `apt-get install wrk`; `make bench` installs it)",
              file=sys.stderr)
        return 2
    OUT.parent.mkdir(parents=True, exist_ok=True)
    notes: list[str] = []
    results: dict = {"started": datetime.now(UTC).isoformat(timespec="seconds"),
                     "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                 "wrk": subprocess.run([wrk, "--version"], capture_output=True, text=True).stdout.splitlines()[0]},
                     "settings": {"seconds": SECONDS, "warmup": WARMUP, "connections": CONNECTIONS, "threads": THREADS,
                                  "workers": WORKERS, "repeat": REPEAT, "latency_n": LATENCY_N, "sizes": SIZES,
                                  "scenario": SCENARIO,
                                  "auth_requested": AUTH, "audit_requested": AUDIT, "digest_max": DIGEST_MAX, "consumer": CONSUMER, "gunicorn": "sync workers, preload",
                                  "distinct": DISTINCT, "distinct_urls": DISTINCT_URLS,
                                  "distinct_accounts": DISTINCT_ACCOUNTS, "render_n": RENDER_N},
                     "notes": notes}
    with tempfile.TemporaryDirectory(prefix="dsop-bench-") as tmpdir:
        tmp = Path(tmpdir)
        results["code"] = code_under_test(tmp)
        results["busy_before_start"] = wait_for_quiet(QUIET_WAIT)
        print(f"starting the sandbox ({SCENARIO}, {WORKERS} workers) ...", flush=True)
        sb = start_sandbox(tmp, notes)
        ceiling = None
        try:
            results["health"] = sb.health
            results["sandbox_startup_s"] = sb.server.startup_seconds
            results["auth"] = bool(sb.health.get("auth"))
            results["audit"] = audit_state(sb.health)
            subject = discover(sb)
            results["windows"] = window_latency(sb, subject.get("long"))
            transactions_subject(sb, subject)
            results["subjects"] = subject
            headers = {ep: request_headers(sb, ep, subject) for ep in ENDPOINTS}
            fixtures = capture(sb, subject, headers)
            ceiling = start_ceiling(fixtures, tmp)
            runs = {}
            for f in fixtures:
                ep, target = f["endpoint"], f"{f['path']}?{f['query']}"
                if ep not in LOADS:
                    continue
                print(f"  load: {ep} ({f['bytes']} bytes) ...", flush=True)
                tries = {"sandbox": [], "ceiling": []}
                for _ in range(max(1, REPEAT)):  # alternate, so slow spells of the machine hit both sides
                    tries["sandbox"].append(load(wrk, sb.server, target, headers[ep]))
                    tries["ceiling"].append(load(wrk, ceiling, target, headers[ep]))
                runs[ep] = {"bytes": f["bytes"], "target": target, **{side: kit.median_run(t)
                                                                     for side, t in tries.items()}}
                if REPEAT > 1:
                    runs[ep]["all_runs"] = tries
                    # one ratio per alternation (sandbox run i / ceiling run i): the report prints their median
                    # and spread, never the best
                    runs[ep]["ratios"] = [s["rps"] / c["rps"] for s, c in zip(tries["sandbox"], tries["ceiling"],
                                                                              strict=True) if c["rps"]]
                if PROFILE:
                    runs[ep]["profile"] = profile_run(wrk, sb, target, headers[ep], OUT.parent)
            results["load"] = runs
            if DISTINCT:
                print(f"  load: distinct pages ({DISTINCT_URLS} URLs) ...", flush=True)
                ceiling.stop()
                ceiling = None
                distinct_load(wrk, sb, tmp, results)
            results["sandbox_memory_kb"] = sb.server.memory()
        finally:
            sb.server.stop()
            if ceiling:
                ceiling.stop()
        if DISTINCT:
            print("measuring the first render of 1000-item pages ...", flush=True)
            results["first_render"] = first_render()
        print("measuring world build time and memory ...", flush=True)
        results["worlds"] = scale(tmp)
        if NATIONAL:
            print(f"starting a national-scale world ({NATIONAL_PEOPLE} people, {NATIONAL_ORGS} organisations) "
                  "and comparing lazy with eager ...", flush=True)
            results["national"] = national(tmp)
    results["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    verdicts = print_report(results)
    results["targets"] = verdicts
    OUT.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"\nresults: {OUT}")
    return 0


if __name__ == "__main__":
    started = time.perf_counter()
    code = main()
    print(f"bench took {time.perf_counter() - started:.0f} s")
    raise SystemExit(code)
