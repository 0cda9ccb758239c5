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

from sandbox.directory.listing import v2_urls
from tests.support import MANDATE

CASE_ID = "3f2b8c1e-0000-4000-8000-00000000cafe"
# Skatt-Kontroll (spec/services.md §2.1, variant A), the service the walk runs as.
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
def running_server(scenario: Path, workers: int = 1, extra: tuple = (), *, own_state: bool = True):
    """A real `dsop-sandbox serve` on a free port. `own_state=False`: no --state-dir, the server's default (the
    caller points XDG_STATE_HOME at a temporary directory)."""
    port = free_port()
    exe = Path(sys.executable).with_name("dsop-sandbox")
    if own_state and "--state-dir" not in extra:  # never ~/.local/state: a fresh request log and clock per server
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
            except (urllib.error.URLError, ConnectionError, OSError) as err:
                if proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError(f"server did not start: {proc.stdout.read() if proc.poll() is not None else 'timeout'}") from err
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


def walk(base: str, identifiers: list[str], period=("2015-07-01", "2025-06-30"), *, public: str | None = None,
         errors: bool = False) -> list[tuple[str, int, bytes]]:
    """A full case per party: register → directory → every bank's accounts (OnlyPrimaryOwner true and false, every
    page) → every account's details, transactions (every page), cards, roles and owners, with tokens from the
    server's Maskinporten when auth is on. Each answer is (the request's path and query, status, body bytes).

    `public`: the server's --public-url when it is not `base` (the directory's URLs and the tokens' audiences are
    built from it; requests still go to `base`). `errors`: per party also a row of refused requests (malformed
    period, unknown route, altered reference, methods other than GET, a malformed CustomerID)."""
    out = []
    n = 0
    tokens = Tokens(base)
    public = public or base
    register = (public + "/kar-ws/api/v2", "bits:kundeforhold")

    def call(path: str, audience, method: str = "GET", **more) -> tuple[int, bytes]:
        nonlocal n
        n += 1
        headers = {"AccountInfoRequestID": CASE_ID, "CorrelationID": str(uuid.UUID(int=n)), "Legal-Mandate": MANDATE,
                   "RequesterID": "caseworker-e2e", **tokens.header(*audience), **more}
        request = urllib.request.Request(base + path, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=60) as r:
                status, body = r.status, r.read()
        except urllib.error.HTTPError as e:
            status, body = e.code, e.read()
        out.append((f"{method} {path}", status, body))
        return status, body

    q = f"fromDate={period[0]}&toDate={period[1]}"
    status, body = get(base + "/altinn/v1/directharvest/Kontrollinformasjon?envelope=false", {})
    out.append(("directory", status, body))
    directory = v2_urls(json.loads(body))
    for ident in identifiers:
        status, body = call(f"/kar-ws/api/v2/customers/customerRelationships?{q}&onlyPrimaryOwner=false", register,
                            CustomerID=ident)
        banks = [b["organizationID"] for b in json.loads(body).get("banks", [])]
        if errors:
            call(f"/kar-ws/api/v2/customers/customerRelationships?fromDate={period[1]}&toDate={period[0]}", register,
                 CustomerID=ident)
            call(f"/kar-ws/api/v2/customers/customerRelationships?{q}", register, CustomerID=ident[:-1])
            call(f"/kar-ws/api/v2/customers/customerRelationships?{q}", register, "POST", CustomerID=ident)
        for org in banks:
            audience = (directory[org], "bits:kontoinformasjon")
            prefix = urllib.parse.urlsplit(directory[org]).path  # /banks/{orgnr}/v2
            refs = {}
            for only in ("true", "false"):
                path = f"{prefix}/accounts?{q}&OnlyPrimaryOwner={only}"
                while path:
                    status, body = call(path, audience, PartyID=ident)
                    page = json.loads(body)
                    refs.update({a["accountReference"]: a["accountIdentifier"] for a in page.get("accounts", [])})
                    nxt = [lk["href"] for lk in page.get("links", []) if lk["rel"] == "next"]
                    path = prefix + nxt[0] if nxt else None
            for ref, number in refs.items():
                if ref == "dataNotDelivered":
                    continue
                for suffix in ("", "/cards", "/roles"):
                    call(f"{prefix}/accounts/{ref}{suffix}?{q}", audience)
                path = f"{prefix}/accounts/{ref}/transactions?{q}"
                while path:
                    status, body = call(path, audience)
                    nxt = [lk["href"] for lk in json.loads(body).get("links", []) if lk["rel"] == "next"]
                    path = prefix + nxt[0] if nxt else None
                call(f"{prefix}/accounts/{number}/owners?{q}", audience)
                if errors:
                    call(f"{prefix}/accounts/{ref[:-1]}{'0' if ref[-1] != '0' else '1'}/roles?{q}", audience)
            if errors:
                call(f"{prefix}/accounts?fromDate=x&toDate={period[1]}&OnlyPrimaryOwner=false", audience, PartyID=ident)
                call(f"{prefix}/accounts?{q}&OnlyPrimaryOwner=false&fromDate={period[0]}", audience, PartyID=ident)
                call(f"{prefix}/accounts/nothing/here/at/all?{q}", audience)
                for method in ("POST", "DELETE", "OPTIONS", "HEAD"):
                    call(f"{prefix}/accounts?{q}&OnlyPrimaryOwner=false", audience, method, PartyID=ident)
    return out
