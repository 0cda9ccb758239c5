"""D20: the world is a pure function of (scenario, seed, today). Two servers on the default scenario, one with 1
worker and one with 4, give byte-identical bodies for a full walk (issue 3, "Done when"): the directory, the
register, every bank endpoint of every named persona (every page), and the refusals (malformed requests, unknown
routes, an altered reference, methods other than GET) in the same order; and the 4-worker server is shown to have
answered through more than one worker.

How the test knows several workers answered (not left to the kernel's choice of worker): before the walk it opens
one request to the 4-worker server and sends only its first half. A sync worker reads a request to its end before
it answers anything else, so the worker that accepted this connection serves nothing else until the walk is over
and the rest of the request is sent; then the request log (GET /sandbox/v1/cases/{AccountInfoRequestID}, each row
with the pid of the worker that wrote it) must show the held request served by a worker that served none of the
walk, so at least two. No header or body is added for this: bodies stay what they are.
"""

from __future__ import annotations

import json
import socket
import uuid
from pathlib import Path

import pytest

from .server import CASE_ID, MANDATE, Tokens, get, running_server, walk

ROOT = Path(__file__).resolve().parents[2]
PUBLIC = "http://replica.sandbox.test:8000"  # one --public-url for both servers: the directory bodies are comparable
PERIOD = ("2015-07-01", "2025-06-30")  # Skatt-Kontroll's whole window: every page of the longest histories
HELD_CORRELATION_ID = str(uuid.UUID(int=10**12))


def named_personas(base: str) -> list[str]:
    status, body = get(base + "/sandbox/v1/parties", {})
    assert status == 200
    return [p["identifier"] for p in json.loads(body)["parties"]]


def held_request(base: str, identifier: str) -> tuple[bytes, bytes]:
    """The two halves of a register call of the case (the second half is the end of its header section)."""
    token = Tokens(base).header(PUBLIC + "/kar-ws/api/v2", "bits:kundeforhold")
    path = f"/kar-ws/api/v2/customers/customerRelationships?fromDate={PERIOD[0]}&toDate={PERIOD[1]}"
    head = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAccountInfoRequestID: {CASE_ID}\r\n"
            f"CorrelationID: {HELD_CORRELATION_ID}\r\nLegal-Mandate: {MANDATE}\r\nRequesterID: caseworker-e2e\r\n")
    rest = f"CustomerID: {identifier}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in token.items()) + "\r\n"
    return head.encode(), rest.encode()


def answer_of(sock: socket.socket) -> tuple[int, bytes]:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def case_rows(base: str) -> list[dict]:
    status, body = get(f"{base}/sandbox/v1/cases/{CASE_ID}?limit=10000", {})
    assert status == 200, body[:300]
    return json.loads(body)["requests"]


@pytest.mark.slow
def test_one_and_four_workers_give_identical_bodies(tmp_path):
    scenario = ROOT / "scenarios" / "default.yaml"
    with running_server(scenario, workers=1, extra=("--public-url", PUBLIC)) as one:
        personas = named_personas(one)
        first = walk(one, personas, PERIOD, public=PUBLIC, errors=True)
        head, rest = held_request(one, personas[0])
        with socket.create_connection(("127.0.0.1", int(one.rsplit(":", 1)[1])), timeout=60) as sock:
            sock.sendall(head + rest)
            held_one = answer_of(sock)
    with running_server(scenario, workers=4, extra=("--public-url", PUBLIC)) as four:
        head, rest = held_request(four, personas[0])
        with socket.create_connection(("127.0.0.1", int(four.rsplit(":", 1)[1])), timeout=120) as sock:
            sock.sendall(head)  # one worker now waits for the rest of this request
            second = walk(four, personas, PERIOD, public=PUBLIC, errors=True)
            sock.sendall(rest)
            held_four = answer_of(sock)
        rows = case_rows(four)

    assert len(personas) == 22
    statuses = {status for _, status, _ in first}
    assert 200 in statuses and {400, 404, 405} <= statuses, statuses
    assert sum(1 for _, status, _ in first if status == 200) > 300, "the walk should cover many requests"
    assert first[0][0] == "directory" and any(k.startswith("GET /kar-ws/") for k, _, _ in first)
    # The same requests in the same order, with the same status and the same bytes (the directory included).
    assert len(first) == len(second)
    for (k1, s1, b1), (k2, s2, b2) in zip(first, second, strict=True):
        assert (k1, s1, b1) == (k2, s2, b2), k1
    assert held_one == held_four and held_one[0] == 200

    # More than one worker answered the 4-worker server's walk, and the held request's worker answered none of it.
    by_cid = {row["correlationId"]: row for row in rows}
    held_worker = by_cid[HELD_CORRELATION_ID]["worker"]
    walk_workers = {row["worker"] for cid, row in by_cid.items() if cid != HELD_CORRELATION_ID}
    assert walk_workers and held_worker not in walk_workers, (held_worker, walk_workers)
    assert len(walk_workers | {held_worker}) >= 2
    assert len(rows) >= len(second) - 1  # every API call of the walk is in the request log (not the directory)
