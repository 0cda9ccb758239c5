"""Issue 14, defect 4 through real servers: gunicorn and --dev both percent-decode the path before the app routes
it; `/accounts/{ref}%2Ftransactions` must still be the unknown reference `{ref}%2Ftransactions` (404 ACC-002), not
the transactions of `{ref}`, and an upper-cased copy of a reference is unknown too. The same checks in process:
tests/bank/test_path_edges.py."""

from __future__ import annotations

import http.client
import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from .server import MANDATE, running_server

ROOT = Path(__file__).resolve().parents[2]
BANK = "/banks/320907063/v2"  # Sandkasse Sparebank in the default scenario
OLA = "20907245528"  # ola-joint
PERIOD = "fromDate=2024-01-01&toDate=2025-06-30"
HEADERS = {"AccountInfoRequestID": "3f2b8c1e-0000-4000-8000-000000000001",
           "CorrelationID": "3f2b8c1e-0000-4000-8000-000000000002", "Legal-Mandate": MANDATE, "RequesterID": "cw-1",
           "Accept": "application/json"}


@pytest.fixture(scope="module", params=["gunicorn", "dev"])
def base(request):
    extra = ("--auth", "off") + (("--dev",) if request.param == "dev" else ())
    with running_server(ROOT / "scenarios" / "default.yaml", extra=extra) as url:
        yield url


def raw_get(base: str, target: str, **headers) -> tuple[int, dict]:
    """GET with the request target sent byte for byte (no client-side normalisation of %2F)."""
    conn = http.client.HTTPConnection(urlsplit(base).netloc, timeout=20)
    try:
        conn.request("GET", target, headers={**HEADERS, **headers})
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


def test_an_encoded_slash_never_routes_as_another_endpoint(base):
    status, body = raw_get(base, f"{BANK}/accounts?{PERIOD}&OnlyPrimaryOwner=false", PartyID=OLA)
    assert status == 200, body
    ref = body["accounts"][0]["accountReference"]
    status, body = raw_get(base, f"{BANK}/accounts/{ref}/transactions?{PERIOD}")
    assert status == 200 and "transactions" in body, body
    for slash in ("%2F", "%2f"):
        for suffix in ("transactions", "cards", "roles"):
            status, body = raw_get(base, f"{BANK}/accounts/{ref}{slash}{suffix}?{PERIOD}")
            assert (status, body.get("code")) == (404, "ACC-002"), (slash, suffix, status, body)
    status, body = raw_get(base, f"{BANK}/accounts/{ref.upper()}?{PERIOD}")
    assert (status, body.get("code")) == (404, "ACC-002"), body
