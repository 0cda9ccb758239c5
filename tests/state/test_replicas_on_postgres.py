"""Two real sandbox servers (gunicorn, separate processes, as two replicas behind a load balancer) on one
PostgreSQL database (issue 18, "Done when"): one request log (either replica lists every row, in the order the
requests were answered, whichever replica answered them), one clock (moved through one, seen by the other's next
request, a scenario outage starting on both), one fault plan (the same CorrelationID meets the same fate on
both), and nothing answered is lost when a replica is killed with SIGKILL right after answering.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from tests.e2e.server import free_port, get
from tests.support import MANDATE

SCENARIO = """
version: 1
name: replicas
seed: replicas-1
today: 2025-06-30
banks:
  - {id: alpha, name: ALPHA TESTBANK ASA, registration_numbers: ["9950"]}
  - {id: beta, name: BETA SPAREBANK, registration_numbers: ["9960"]}
consumers:
  - {id: skatteetaten, name: Skatteetaten, org_number: "974761076", services: [skatt]}
people:
  - {id: ola, name: Ola Testmann}
accounts:
  - {id: ola-brukskonto, bank: alpha, type: salaryAccount, opened: -2y, owners: [ola]}
  - {id: ola-sparing, bank: beta, type: savingsAccount, opened: -2y, owners: [ola], activity: savings}
faults:
  - bank: alpha
    errors: [{rate: 0.5, status: 500}]
  - bank: beta
    outages: [{from: +1d, to: +2d}]
"""
CASE = "5e1f0c3a-0000-4000-8000-00000000beef"
PERIOD = "fromDate=2025-01-01&toDate=2025-06-30"


@contextmanager
def replica(scenario: Path, url: str, workers: int):
    """`dsop-sandbox serve` in a session of its own (so the test can SIGKILL the master and its workers)."""
    port = free_port()
    exe = Path(sys.executable).with_name("dsop-sandbox")
    proc = subprocess.Popen([str(exe), "serve", "--scenario", str(scenario), "--port", str(port), "--auth", "off",
                             "--workers", str(workers)], env={**os.environ, "DSOP_SANDBOX_STATE_URL": url},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while get_status(base + "/health") != 200:
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"replica did not start: {proc.stdout.read() if proc.poll() is not None else ''}")
            time.sleep(0.2)
        yield base, proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        proc.stdout.close()


def get_status(url: str) -> int | None:
    try:
        return get(url, {})[0]
    except OSError:
        return None


def call(base: str, path: str, cid: str, **headers) -> int:
    status, _ = get(base + path, {"AccountInfoRequestID": CASE, "CorrelationID": cid, "Legal-Mandate": MANDATE,
                                  "RequesterID": "caseworker-replicas", **headers})
    return status


def post_json(url: str, body: dict) -> dict:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


def case_rows(base: str) -> list[dict]:
    status, body = get(f"{base}/sandbox/v1/cases/{CASE}?limit=10000", {})
    assert status == 200, body[:300]
    return json.loads(body)["requests"]


@pytest.fixture
def world(tmp_path):
    path = tmp_path / "replicas.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    return path


@pytest.mark.slow
def test_two_replicas_show_one_log_one_clock_one_fault_plan(world, pg_url):
    with ExitStack() as stack:
        (a, _), (b, _) = stack.enter_context(replica(world, pg_url, 2)), stack.enter_context(replica(world, pg_url, 1))
        banks = {x["id"]: x["orgNumber"] for x in json.loads(get(a + "/sandbox/v1/banks", {})[1])["banks"]}
        ola = json.loads(get(a + "/sandbox/v1/parties", {})[1])["parties"][0]["identifier"]
        alpha = f"/banks/{banks['alpha']}/v2/accounts?{PERIOD}&OnlyPrimaryOwner=false"
        beta = f"/banks/{banks['beta']}/v2/accounts?{PERIOD}&OnlyPrimaryOwner=false"

        # one fault plan: each CorrelationID asked of both replicas, alternating who answers first
        sent, fates = [], {}
        for n in range(12):
            cid = str(uuid.UUID(int=n + 1))
            first, second = (a, b) if n % 2 == 0 else (b, a)
            fates[cid] = (call(first, alpha, cid, PartyID=ola), call(second, alpha, cid, PartyID=ola))
            sent += [cid, cid]
        assert all(x == y for x, y in fates.values()), fates
        assert {x for x, _ in fates.values()} == {200, 500}  # the plan really decided: some fail, some pass

        # one log: either replica lists every row, in the order answered, written by both servers' workers
        rows_a, rows_b = case_rows(a), case_rows(b)
        assert rows_a == rows_b
        assert [r["correlationId"] for r in rows_a] == sent
        assert [r["status"] for r in rows_a] == [s for pair in fates.values() for s in pair]
        assert len({r["worker"] for r in rows_a}) >= 2
        assert json.loads(get(a + "/health", {})[1])["state_dir"].startswith("postgresql://")

        # one clock: moved through A, seen by B's next request; the scenario's outage starts on both
        assert call(b, beta, str(uuid.uuid4()), PartyID=ola) == 200
        assert post_json(a + "/sandbox/v1/clock", {"advance": "+1d"})["today"] == "2025-07-01"
        assert json.loads(get(b + "/health", {})[1])["today"] == "2025-07-01"
        assert call(b, beta, str(uuid.uuid4()), PartyID=ola) == call(a, beta, str(uuid.uuid4()), PartyID=ola) == 503
        assert post_json(b + "/sandbox/v1/clock", {"reset": True})["today"] == "2025-06-30"
        assert json.loads(get(a + "/sandbox/v1/clock", {})[1])["today"] == "2025-06-30"
        assert call(a, beta, str(uuid.uuid4()), PartyID=ola) == 200


@pytest.mark.slow
def test_nothing_answered_is_lost_when_a_replica_is_killed(world, pg_url):
    with replica(world, pg_url, 1) as (b, _):
        with replica(world, pg_url, 2) as (a, proc):
            cids = [str(uuid.UUID(int=1000 + n)) for n in range(30)]
            for cid in cids:
                assert call(a, "/kar-ws/api/v2/customers/customerRelationships?" + PERIOD, cid,
                            CustomerID="00000000000") in (400, 404, 200)
            os.killpg(proc.pid, signal.SIGKILL)  # the master and its workers, right after the last answer
            proc.wait()
        assert [r["correlationId"] for r in case_rows(b)] == cids
