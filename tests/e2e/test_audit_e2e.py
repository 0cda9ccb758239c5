"""The request log, the clock and dropped connections through a real `dsop-sandbox serve` (gunicorn, sync workers).

- A full case walked with real tokens by concurrent clients through 4 workers leaves exactly one row per
  request, queryable by its AccountInfoRequestID, written by several workers into the one SQLite file.
- A clock change through one worker is seen by every worker at once.
- `Sandbox-Fault: reset` really resets the TCP connection, `empty` closes it without a byte, and the worker
  carries on.
- kill -9 of a worker in the middle of a run loses no row of a request that was answered.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support import MANDATE

from .server import free_port, stop

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc for gunicorn's workers")

CASE_ID = "5a1e0000-0000-4000-8000-0000000a0d17"
PERIOD = "fromDate=2023-07-01&toDate=2025-06-30"
SCENARIO = """
version: 1
name: audit-e2e
seed: audit-e2e-1
today: 2025-06-30
banks:
  - {id: alpha, name: ALPHA TESTBANK ASA, registration_numbers: ["9950"]}
  - {id: beta, name: BETA SPAREBANK, registration_numbers: ["9960"]}
  - {id: kfr, name: KFR FINANS AS, registration_numbers: ["9970"], register: kfr}
consumers:
  - {id: skatteetaten, name: Skatteetaten, org_number: "974761076", services: [skatt]}
people:
  - {id: ola, name: Ola Testmann}
accounts:
  - id: felles
    bank: alpha
    type: salaryAccount
    opened: -6y
    owners: [ola]
    activity: {profile: household, purchases_per_month: 30}
    cards: [{id: ola-debit, holder: ola, issued: -2y, expires: +2y}]
  - {id: ola-buffer, bank: alpha, type: savingsAccount, opened: -4y, owners: [ola], activity: savings}
  - {id: ola-sparing, bank: beta, type: savingsAccount, opened: -2y, owners: [ola], activity: savings}
  - {id: ola-lan, bank: kfr, type: loanAccount, opened: -3y, opening_balance: -150000, owners: [ola]}
"""


class Server:
    def __init__(self, base: str, proc: subprocess.Popen):
        self.base, self.proc = base, proc
        self.port = int(base.rsplit(":", 1)[1])
        self.tokens: dict[str, str] = {}

    def workers(self) -> list[int]:
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return [int(x) for x in path.read_text().split()] if path.exists() else []

    def request(self, method: str, path: str, headers: dict | None = None, body: bytes | None = None,
                timeout: float = 20) -> tuple[int, dict, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, dict(resp.getheaders()), resp.read()
        finally:
            conn.close()

    def json(self, path: str, headers: dict | None = None):
        status, _, body = self.request("GET", path, headers)
        assert status == 200, (path, status, body[:300])
        return json.loads(body)

    def token(self, audience: str, scope: str) -> str:
        if audience not in self.tokens:
            form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": "skatteetaten",
                                           "scope": scope, "resource": audience, "ttl": "3600"}).encode()
            status, _, body = self.request("POST", "/maskinporten/token", {"Content-Type": "application/x-www-form-urlencoded"}, form)
            assert status == 200, body
            self.tokens[audience] = json.loads(body)["access_token"]
        return self.tokens[audience]

    def dsop(self, path: str, cid: str, **more) -> tuple[int, bytes]:
        """One register or bank call of the case, with the right token."""
        if path.startswith("/kar-ws/"):
            token = self.token(f"{self.base}/kar-ws/api/v2", "bits:kundeforhold")
        else:
            token = self.token(f"{self.base}/banks/{path.split('/')[2]}/v2", "bits:kontoinformasjon")
        headers = {"AccountInfoRequestID": CASE_ID, "CorrelationID": cid, "Legal-Mandate": MANDATE,
                   "RequesterID": "saksbehandler-9", "Authorization": f"Bearer {token}", **more}
        status, _, body = self.request("GET", path, headers)
        return status, body


@contextmanager
def serve(tmp_path: Path, workers: int, *extra: str):
    scenario = tmp_path / "audit-e2e.yaml"
    scenario.write_text(SCENARIO)
    port = free_port()
    exe = Path(sys.executable).with_name("dsop-sandbox")
    log = open(tmp_path / f"server-{port}.log", "w")
    proc = subprocess.Popen([str(exe), "serve", "--scenario", str(scenario), "--port", str(port), "--workers",
                             str(workers), "--state-dir", str(tmp_path / "state"), *extra],
                            stdout=log, stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}", proc)
    try:
        deadline = time.time() + 30
        while True:
            try:
                if server.request("GET", "/health", timeout=1)[0] == 200 and len(server.workers()) == workers:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"server did not start: {(tmp_path / f'server-{port}.log').read_text()[-2000:]}")
            time.sleep(0.1)
        yield server
    finally:
        stop(proc)
        log.close()


def case_calls(server: Server, identifier: str) -> list[str]:
    """Register → accounts at every bank → every account's endpoints: the paths of one full case."""
    status, body = server.dsop(f"/kar-ws/api/v2/customers/customerRelationships?{PERIOD}", str(uuid.uuid4()),
                               CustomerID=identifier)
    assert status == 200, body
    paths = []
    for bank in json.loads(body)["banks"]:
        base = f"/banks/{bank['organizationID']}/v2"
        status, body = server.dsop(f"{base}/accounts?{PERIOD}&OnlyPrimaryOwner=false", str(uuid.uuid4()),
                                   PartyID=identifier)
        assert status == 200, body
        for acc in json.loads(body)["accounts"]:
            paths += [f"{base}/accounts/{acc['accountReference']}{s}?{PERIOD}"
                      for s in ("", "/transactions", "/cards", "/roles")]
    return paths


@pytest.fixture(scope="module")
def four(tmp_path_factory):
    with serve(tmp_path_factory.mktemp("four"), 4, "--allow-fault-headers") as server:
        yield server


def ola_of(server: Server) -> str:
    parties = server.json("/sandbox/v1/parties")["parties"]
    return next(p["identifier"] for p in parties if p["id"] == "ola")


def test_full_case_through_four_workers_one_row_per_request(four):
    ola = ola_of(four)
    paths = case_calls(four, ola)  # 1 register + 3 accounts calls, sequential
    calls = [(p, str(uuid.uuid4())) for p in paths * 3]  # the account endpoints three times, concurrently
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda c: four.dsop(c[0], c[1])[0], calls))
    assert statuses and set(statuses) == {200}
    case = four.json(f"/sandbox/v1/cases/{CASE_ID}?limit=10000")
    rows = case["requests"]
    assert len(rows) == len(calls) + 4
    assert [r["seq"] for r in rows] == sorted(r["seq"] for r in rows)  # in the order served, across workers
    assert len({r["id"] for r in rows}) == len(rows)
    by_cid = {r["correlationId"]: r for r in rows}
    assert set(by_cid) >= {cid for _, cid in calls} and len(by_cid) == len(rows)
    for path, cid in calls:
        row = by_cid[cid]
        assert row["path"] == path.split("?")[0] and row["status"] == 200
        assert row["consumer"] == "974761076" and row["scope"] == "bits:kontoinformasjon" and row["service"] == "skatt"
        assert row["accountInfoRequestId"] == CASE_ID and row["requesterId"] == "saksbehandler-9"
        assert row["fromDate"] == "2023-07-01" and row["toDate"] == "2025-06-30" and row["resultCount"] is not None
    assert len({r["worker"] for r in rows}) >= 2, "four workers should have shared the load"
    assert set(r["worker"] for r in rows) <= set(four.workers())
    assert {r["api"] for r in rows} == {"register", "bank"}


def test_clock_change_is_seen_by_every_worker_at_once(four):
    status, _, body = four.request("POST", "/sandbox/v1/clock", {"Content-Type": "application/json"},
                                   json.dumps({"advance": "+3d"}).encode())
    assert status == 200 and json.loads(body)["today"] == "2025-07-03"
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            todays = list(pool.map(lambda _: four.json("/health")["today"], range(32)))
            list(pool.map(lambda _: four.request("GET", "/altinn/v1/directharvest/Kontrollinformasjon"), range(32)))
        assert set(todays) == {"2025-07-03"}
        rows = four.json("/sandbox/v1/requests?api=directory&limit=32")["requests"]
        assert len(rows) == 32 and {r["sandboxDate"] for r in rows} == {"2025-07-03"}
        assert len({r["worker"] for r in rows}) >= 2
    finally:
        four.request("POST", "/sandbox/v1/clock", {"Content-Type": "application/json"}, b'{"reset": true}')


def test_reset_and_empty_really_drop_the_connection(four):
    ola = ola_of(four)
    path = f"/kar-ws/api/v2/customers/customerRelationships?{PERIOD}"
    cids = {}
    for kind, error in (("reset", ConnectionResetError), ("empty", http.client.RemoteDisconnected)):
        cids[kind] = str(uuid.uuid4())
        with pytest.raises(error):
            four.dsop(path, cids[kind], CustomerID=ola, **{"Sandbox-Fault": kind})
    # the workers carry on: every one of them still answers
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert set(pool.map(lambda _: four.dsop(path, str(uuid.uuid4()), CustomerID=ola)[0], range(16))) == {200}
    assert len(four.workers()) == 4
    for kind, cid in cids.items():
        (row,) = four.json(f"/sandbox/v1/requests?correlationId={cid}")["requests"]
        assert row["status"] == 0 and row["fault"] == f"{kind} (header)"


def test_killing_a_worker_mid_run_loses_no_committed_row(tmp_path):
    """Clients hammer the server while one worker is killed with SIGKILL: every request that got an answer
    has its row (the row is committed before the answer leaves); the master replaces the worker."""
    with serve(tmp_path, 4) as server:
        ola = ola_of(server)
        paths = case_calls(server, ola)
        answered: list[str] = []
        failed: list[str] = []
        lock = threading.Lock()
        stop = threading.Event()

        def client(n: int):
            i = 0
            while not stop.is_set():
                cid = str(uuid.UUID(int=(n << 64) + i))
                try:
                    status, _ = server.dsop(paths[i % len(paths)], cid)
                    with lock:
                        (answered if status == 200 else failed).append(cid)
                except (OSError, http.client.HTTPException):  # the victim's answer may be cut mid-body
                    with lock:
                        failed.append(cid)
                i += 1

        threads = [threading.Thread(target=client, args=(n,)) for n in range(6)]
        for t in threads:
            t.start()
        time.sleep(1.0)
        victim = server.workers()[0]
        os.kill(victim, signal.SIGKILL)
        time.sleep(1.5)
        stop.set()
        for t in threads:
            t.join(timeout=30)
        deadline = time.time() + 10
        while len(server.workers()) < 4 and time.time() < deadline:
            time.sleep(0.1)
        assert victim not in server.workers() and len(server.workers()) == 4
        assert len(answered) > 50
        logged = {r["correlationId"]: r for r in server.json(f"/sandbox/v1/cases/{CASE_ID}?limit=10000")["requests"]}
        missing = [cid for cid in answered if cid not in logged]
        assert not missing, f"{len(missing)} answered requests have no row"
        assert any(r["worker"] == victim for r in logged.values()), "the victim had served requests before it died"
        assert len(failed) <= 2, failed  # at most the victim's request in flight is lost
