"""Start a real `dsop-sandbox serve` (gunicorn) on a free port for end-to-end tests, and walk a whole case."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

CASE_ID = "3f2b8c1e-0000-4000-8000-00000000cafe"
# Skatt-Kontroll (spec/services.md §2.1, variant A), the service the walk runs as.
MANDATE = ("Skatteforvaltningsloven%20%C2%A7%2010-2%20f%C3%B8rste%20ledd%2C%20jf.%20%C2%A7%2010-14%2C%20jf."
           "%20skatteforvaltningsforskriften%20%C2%A7%2010-2-1")
CLIENT_ID = "skatteetaten"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(proc: subprocess.Popen) -> None:
    """Terminate a server (gunicorn stops its workers), killing it if it does not go within 10 s."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def running_server(scenario: Path, workers: int = 1, extra: tuple = ()):
    port = free_port()
    exe = Path(sys.executable).with_name("dsop-sandbox")
    if "--state-dir" not in extra:  # never the user's ~/.local/state: a fresh request log and clock per server
        import tempfile

        extra = (*extra, "--state-dir", tempfile.mkdtemp(prefix="dsop-e2e-state-"))
    proc = subprocess.Popen([str(exe), "serve", "--scenario", str(scenario), "--port", str(port),
                             "--workers", str(workers), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 30
        while True:
            try:
                with urllib.request.urlopen(base + "/health", timeout=1) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, OSError):
                if proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError(f"server did not start: {proc.stdout.read() if proc.poll() is not None else 'timeout'}")
                time.sleep(0.2)
        yield base
    finally:
        stop(proc)
        proc.stdout.close()


def get(url: str, headers: dict) -> tuple[int, bytes]:
    req = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def post_form(url: str, form: dict) -> tuple[int, dict]:
    data = urllib.parse.urlencode(form).encode()
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


class Tokens:
    """Access tokens from the server's own Maskinporten (sandbox shortcut grant), one per audience."""

    def __init__(self, base: str, client_id: str = CLIENT_ID):
        self.base, self.client_id, self.cache = base, client_id, {}
        with urllib.request.urlopen(base + "/health", timeout=5) as r:
            self.auth = json.loads(r.read())["auth"]

    def header(self, audience: str, scope: str) -> dict:
        if not self.auth:
            return {}
        if audience not in self.cache:
            status, body = post_form(self.base + "/maskinporten/token", {
                "grant_type": "client_credentials", "client_id": self.client_id, "scope": scope, "resource": audience})
            assert status == 200, body
            self.cache[audience] = body["access_token"]
        return {"Authorization": f"Bearer {self.cache[audience]}"}


def walk(base: str, identifiers: list[str], period=("2015-07-01", "2025-06-30")) -> list[tuple[str, int, bytes]]:
    """A full case per party: register → directory → every bank's accounts → every account's endpoints,
    with tokens from the server's Maskinporten when auth is on."""
    out = []
    n = 0
    tokens = Tokens(base)
    audience = {"": (base + "/kar-ws/api/v2", "bits:kundeforhold")}

    def headers(**more):
        nonlocal n
        n += 1
        return {"AccountInfoRequestID": CASE_ID, "CorrelationID": str(uuid.UUID(int=n)),
                "Legal-Mandate": MANDATE, "RequesterID": "caseworker-e2e", **tokens.header(*audience[""]), **more}

    q = f"fromDate={period[0]}&toDate={period[1]}"
    status, body = get(base + "/altinn/v1/directharvest/Kontrollinformasjon", {})
    out.append(("directory", status, body))
    directory = {e["orgNo"]: e["url"] for e in json.loads(body)["endpoints"]}
    for ident in identifiers:
        audience[""] = (base + "/kar-ws/api/v2", "bits:kundeforhold")
        status, body = get(f"{base}/kar-ws/api/v2/customers/customerRelationships?{q}", headers(CustomerID=ident))
        out.append((f"register {ident}", status, body))
        for bank in json.loads(body)["banks"]:
            bank_url = directory[bank["organizationID"]]
            audience[""] = (bank_url, "bits:kontoinformasjon")
            status, body = get(f"{bank_url}/accounts?{q}&OnlyPrimaryOwner=false", headers(PartyID=ident))
            out.append((f"accounts {ident}", status, body))
            for acc in json.loads(body).get("accounts", []):
                ref = acc["accountReference"]
                if ref == "dataNotDelivered":
                    continue
                for suffix in ("", "/cards", "/roles"):
                    out.append((f"{ref}{suffix}",) + get(f"{bank_url}/accounts/{ref}{suffix}?{q}", headers()))
                url = f"{bank_url}/accounts/{ref}/transactions?{q}"
                while url:
                    status, body = get(url, headers())
                    out.append((url, status, body))
                    nxt = [l["href"] for l in json.loads(body).get("links", []) if l["rel"] == "next"]
                    url = bank_url + nxt[0] if nxt else None
                out.append(("owners",) + get(f"{bank_url}/accounts/{acc['accountIdentifier']}/owners?{q}", headers()))
    return out
