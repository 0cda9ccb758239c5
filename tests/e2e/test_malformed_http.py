"""Malformed HTTP through a real server (issue 3: "no input, however malformed, produces a 500 or an HTML page").

Raw-socket probes, one row per field and kind of damage (10 kB values, control characters, bad UTF-8, empty
values, a long query, raw non-ASCII bytes in the path, folded headers, absurd header counts, ...), sent to a real
gunicorn server and to the --dev server (werkzeug). Every answer must be a 4xx in the error format of the API the
path names (DESIGN D4): a bank's `{"code", "message"}` with the ACC code of its status, the register's
`{"errorCode", "errorMessage", "timestamp"}`, elsewhere `{"error", "message"}`; never HTML, never a 5xx. Some
probes are refused by the HTTP server's own parser (sandbox/cli/serve.py answers them), the rest by the app; where a
probe damages one field, the message must name it.

Servers run with --auth off, so the header checks, not the token check, answer.
"""

from __future__ import annotations

import json
import re
import socket
from dataclasses import dataclass
from pathlib import Path

import pytest

from .server import MANDATE, running_server

ROOT = Path(__file__).resolve().parents[2]
BANK = "/banks/320907063/v2"  # Sandkasse Sparebank in the default scenario
OLA = "20907245528"  # ola-joint
ACCOUNT = "99101785188"  # Ola's salary account at Sandkasse
ACCOUNTS = f"{BANK}/accounts?fromDate=2024-01-01&toDate=2025-06-30&OnlyPrimaryOwner=false"
OWNERS = f"{BANK}/accounts/{ACCOUNT}/owners?fromDate=2024-01-01&toDate=2025-06-30"
RELATIONS = "/kar-ws/api/v2/customers/customerRelationships?fromDate=2024-01-01&toDate=2025-06-30"
SERVICING = "/kar-ws/api/v2/customers/accountServicingProvider"
POLITI_MANDATE = "Straffeprosessloven%20%C2%A7210%20%283%29%20f%C3%B8rste%20punktum"
COMMON = {"AccountInfoRequestID": "3f2b8c1e-0000-4000-8000-000000000001",
          "CorrelationID": "3f2b8c1e-0000-4000-8000-000000000002", "Legal-Mandate": MANDATE, "RequesterID": "cw-1"}
#: The valid headers of each endpoint, by path: every probe damages one thing of an otherwise valid request.
BASE_HEADERS = {
    ACCOUNTS.split("?")[0]: {**COMMON, "PartyID": OLA},
    OWNERS.split("?")[0]: dict(COMMON),
    RELATIONS.split("?")[0]: {**COMMON, "CustomerID": OLA},
    SERVICING: {**COMMON, "Legal-Mandate": POLITI_MANDATE, "AccountID": ACCOUNT},
}
DAMAGE = {  # kind → raw header value
    "10kB": b"a" * 10_240,
    "10kB-percent-encoded": b"%C2%A7" * 1_800,
    "control-char": b"a\x01b",
    "escape-sequence": b"\x1b[31mred",
    "del": b"x\x7f",
    "nul": b"a\x00b",
    "bad-utf8": b"\xff\xfe\xc3\x28",
    "latin1": "Bjørn".encode("latin-1"),
    "empty": b"",
}
#: (target, field) pairs whose every damaged value must be refused, naming the field.
FIELDS = [(ACCOUNTS, f) for f in ("CorrelationID", "AccountInfoRequestID", "Legal-Mandate", "PartyID")] + [
    (OWNERS, "CorrelationID"), (RELATIONS, "CustomerID"), (RELATIONS, "CorrelationID"),
    (RELATIONS, "AccountInfoRequestID"), (RELATIONS, "Legal-Mandate"), (SERVICING, "AccountID"),
    (SERVICING, "CorrelationID")]
#: Fields refused for every damage but some: RequesterID is free text (any printable latin-1 value), and an empty
#: optional AdditionalReferenceIDType counts as absent.
LENIENT_FIELDS = {(ACCOUNTS, "RequesterID"): ("bad-utf8", "latin1"), (ACCOUNTS, "AdditionalReferenceIDType"): ("empty",)}


def raw_request(target: str, headers: dict | None = None, *, method: str = "GET", extra: bytes = b"",
                version: bytes = b"HTTP/1.1", raw_target: bytes | None = None, drop: tuple = ()) -> bytes:
    sent = {**BASE_HEADERS.get(target.split("?")[0], COMMON), **(headers or {})}
    lines = [method.encode() + b" " + (raw_target if raw_target is not None else target.encode()) + b" " + version,
             b"Host: 127.0.0.1", b"Connection: close"]
    for name, value in sent.items():
        if name not in drop:
            lines.append(name.encode() + b": " + (value if isinstance(value, bytes) else value.encode()))
    return b"\r\n".join(lines) + b"\r\n" + extra + b"\r\n"


@dataclass(frozen=True)
class Probe:
    name: str
    data: bytes
    path: str  # the path the answer's format follows ("" when the request line is not even readable)
    names: str | None = None  # the field the message must name
    status: int | None = None  # the exact status expected (else any 4xx)
    gunicorn_only: bool = False


def probes() -> list[Probe]:
    out = []
    for target, field in FIELDS + list(LENIENT_FIELDS):
        for kind, value in DAMAGE.items():
            if kind in LENIENT_FIELDS.get((target, field), ()):
                continue
            out.append(Probe(f"{target.split('?')[0].rsplit('/', 1)[-1]}-{field}-{kind}",
                             raw_request(target, {field: value}), target, names=field, status=400))
    out += [
        # query string: long values reach the app (up to the request-line limit), longer ones do not
        Probe("bank-7kB-fromDate", raw_request(ACCOUNTS.replace("fromDate=2024-01-01", "fromDate=" + "9" * 7_000)),
              ACCOUNTS, names="fromDate", status=400),
        Probe("register-7kB-toDate", raw_request(RELATIONS.replace("toDate=2025-06-30", "toDate=" + "9" * 7_000)),
              RELATIONS, names="toDate", status=400),
        Probe("bank-70kB-query", raw_request(ACCOUNTS + "&x=" + "a" * 70_000), ACCOUNTS, status=400),
        Probe("register-70kB-query", raw_request(RELATIONS + "&x=" + "a" * 70_000), RELATIONS, status=400),
        Probe("other-70kB-query", raw_request("/health?x=" + "a" * 70_000), "/health", status=414),
        # (--dev reads request lines up to 64 KiB, so there a 10 kB query reaches the app, which ignores `x`)
        Probe("bank-10kB-query", raw_request(ACCOUNTS + "&x=" + "a" * 10_240), ACCOUNTS, status=400, gunicorn_only=True),
        Probe("register-10kB-query", raw_request(RELATIONS + "&x=" + "a" * 10_240), RELATIONS, status=400, gunicorn_only=True),
        Probe("bank-percent-encoded-bad-utf8-query", raw_request(ACCOUNTS.replace("2024-01-01", "%FF%FE")), ACCOUNTS,
              names="fromDate", status=400),
        Probe("bank-control-char-query", raw_request(ACCOUNTS.replace("2024-01-01", "%00%01")), ACCOUNTS,
              names="fromDate", status=400),
        Probe("bank-empty-fromDate", raw_request(ACCOUNTS.replace("2024-01-01", "")), ACCOUNTS, names="fromDate", status=400),
        Probe("bank-empty-OnlyPrimaryOwner", raw_request(ACCOUNTS.replace("=false", "=")), ACCOUNTS,
              names="OnlyPrimaryOwner", status=400),
        Probe("register-empty-onlyPrimaryOwner", raw_request(RELATIONS + "&onlyPrimaryOwner="), RELATIONS,
              names="onlyPrimaryOwner", status=400),
        Probe("bank-duplicate-fromDate", raw_request(ACCOUNTS + "&fromDate=2020-01-01"), ACCOUNTS, names="fromDate", status=400),
        Probe("register-duplicate-toDate", raw_request(RELATIONS + "&toDate=2024-12-31"), RELATIONS, names="toDate", status=400),
        # raw bytes in the request line (gunicorn refuses them; --dev decodes them as latin-1: an unknown reference)
        Probe("bank-raw-non-ascii-path", raw_request(ACCOUNTS, raw_target=f"{BANK}/accounts/\xff\xfe".encode("latin-1")),
              ACCOUNTS),
        Probe("bank-raw-utf8-path", raw_request(ACCOUNTS, raw_target=f"{BANK}/accounts/kontø/roles".encode()), ACCOUNTS),
        Probe("bank-raw-bad-utf8-query", raw_request(ACCOUNTS, raw_target=ACCOUNTS.encode().replace(b"2024-01-01", b"\xff\xfe")),
              ACCOUNTS, status=400),
        Probe("register-raw-non-ascii-path", raw_request(RELATIONS, raw_target=b"/kar-ws/api/v2/customers/\xe6\xf8\xe5"),
              RELATIONS),
        Probe("other-raw-non-ascii-path", raw_request("/x", raw_target=b"/sandbox/v1/\xff"), "/sandbox/v1/x"),
        # header structure
        Probe("bank-folded-CorrelationID", raw_request(ACCOUNTS, drop=("CorrelationID",),
                                                       extra=b"CorrelationID: 3f2b8c1e-0000-4000-\r\n 8000-000000000002\r\n"),
              ACCOUNTS, names="CorrelationID", status=400),
        Probe("register-folded-CustomerID", raw_request(RELATIONS, drop=("CustomerID",), extra=b"CustomerID: 2090\r\n\t7245528\r\n"),
              RELATIONS, names="CustomerID", status=400),
        # (--dev unfolds a folded header, as RFC 9112 §5.2 allows, and a folded X- header is then simply ignored)
        Probe("bank-folded-header", raw_request(ACCOUNTS, extra=b"X-Folded: a\r\n b\r\n"), ACCOUNTS, status=400,
              gunicorn_only=True),
        Probe("bank-150-headers", raw_request(ACCOUNTS, {f"X-H{i}": "1" for i in range(150)}), ACCOUNTS, status=400),
        Probe("register-1000-headers", raw_request(RELATIONS, {f"X-H{i}": "1" for i in range(1000)}), RELATIONS, status=400),
        Probe("bank-70kB-header", raw_request(ACCOUNTS, {"X-Big": b"a" * 70_000}), ACCOUNTS, status=400),
        Probe("bank-20kB-CorrelationID", raw_request(ACCOUNTS, {"CorrelationID": b"a" * 20_000}), ACCOUNTS,
              names="CorrelationID", status=400),
        Probe("bank-header-name-with-space", raw_request(ACCOUNTS, extra=b"Bad Name: x\r\n"), ACCOUNTS, status=400,
              gunicorn_only=True),
        Probe("bank-header-line-without-colon", raw_request(ACCOUNTS, extra=b"NoColonHere\r\n"), ACCOUNTS, status=400,
              gunicorn_only=True),
        Probe("register-bad-content-length", raw_request(RELATIONS, {"Content-Length": "abc"}), RELATIONS, status=400,
              gunicorn_only=True),
        Probe("bank-transfer-encoding-gzip", raw_request(ACCOUNTS, {"Transfer-Encoding": "gzip"}), ACCOUNTS, status=400,
              gunicorn_only=True),
        Probe("bank-http-2.0", raw_request(ACCOUNTS, version=b"HTTP/2.0"), ACCOUNTS, status=400,
              gunicorn_only=True),  # http.server answers a version it refuses as HTTP/0.9: a body, no status line
        Probe("bank-bad-method-token", raw_request(ACCOUNTS, method="G@T"), ACCOUNTS, gunicorn_only=True),
        Probe("garbage-tls-hello", b"\x16\x03\x01\x00\xa5\x01\x00\x00\r\n\r\n", "", gunicorn_only=True),
        # methods (D3, R-01): 405 with Allow: GET
        Probe("bank-POST", raw_request(ACCOUNTS, method="POST"), ACCOUNTS, status=405),
        Probe("bank-OPTIONS", raw_request(ACCOUNTS, method="OPTIONS"), ACCOUNTS, status=405),
        Probe("bank-HEAD", raw_request(ACCOUNTS, method="HEAD"), ACCOUNTS, status=405),
        Probe("register-HEAD", raw_request(RELATIONS, method="HEAD"), RELATIONS, status=405),
        Probe("register-DELETE", raw_request(RELATIONS, method="DELETE"), RELATIONS, status=405),
        # unknown routes
        Probe("bank-unknown-route", raw_request(f"{BANK}/accounts/x/y/z"), ACCOUNTS, status=404),
        Probe("register-unknown-route", raw_request("/kar-ws/api/v2/customers/nothing"), RELATIONS, status=404),
    ]
    return out


PROBES = probes()


def exchange(base: str, data: bytes) -> tuple[int, dict, bytes]:
    host, port = base.rsplit("/", 1)[-1].split(":")
    with socket.create_connection((host, int(port)), timeout=20) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    match = re.match(r"HTTP/1\.[01] (\d{3})", lines[0])
    assert match, f"no status line: {head[:200]!r}"
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(match.group(1)), headers, body


def check(probe: Probe, status: int, headers: dict, body: bytes) -> None:
    where = f"{probe.name}: HTTP {status} {body[:200]!r}"
    assert 400 <= status < 500, where
    assert headers.get("content-type", "").startswith("application/json"), (where, headers.get("content-type"))
    if status == 405:
        assert headers.get("allow") == "GET", where  # every 405 probe is on an API path: GET only (D3)
    if probe.status is not None:
        assert status == probe.status, where
    if probe.data.startswith(b"HEAD "):
        assert body == b"", where
        return
    parsed = json.loads(body)
    if probe.path.startswith("/banks/"):
        assert set(parsed) == {"code", "message"}, where
        expected = {400: "ACC-001", 404: "ACC-002", 405: "ACC-012", 406: "ACC-013"}[status]
        assert parsed["code"] == expected, where
        message = parsed["message"]
    elif probe.path.startswith("/kar-ws/"):
        assert set(parsed) == {"errorCode", "errorMessage", "timestamp"}, where
        assert re.fullmatch(r"ERR-\d{3}", parsed["errorCode"]) and parsed["timestamp"] == "2025-06-30T12:00:00Z", where
        message = parsed["errorMessage"]
    else:
        assert set(parsed) == {"error", "message"} and parsed["error"] == status, where
        message = parsed["message"]
    assert isinstance(message, str) and message, where
    if probe.names is not None:
        assert probe.names.lower() in message.lower(), f"{where}: the message does not name {probe.names}"
    assert "<html" not in body.decode("latin-1").lower(), where


@pytest.fixture(scope="module")
def gunicorn_server():
    with running_server(ROOT / "scenarios" / "default.yaml", extra=("--auth", "off")) as base:
        yield base


@pytest.fixture(scope="module")
def dev_server():
    with running_server(ROOT / "scenarios" / "default.yaml", extra=("--auth", "off", "--dev")) as base:
        yield base


def test_probe_table_covers_every_kind_of_damage():
    names = " ".join(p.name for p in PROBES)
    for kind in ("10kB", "control-char", "bad-utf8", "empty", "query", "raw-non-ascii-path", "folded",
                 "headers", "duplicate", "HEAD"):
        assert kind in names, kind
    assert len(PROBES) > 100


@pytest.mark.parametrize("probe", PROBES, ids=lambda p: p.name)
def test_gunicorn_answers_every_malformed_request_in_the_api_format(gunicorn_server, probe):
    check(probe, *exchange(gunicorn_server, probe.data))


@pytest.mark.parametrize("probe", [p for p in PROBES if not p.gunicorn_only], ids=lambda p: p.name)
def test_dev_server_answers_every_malformed_request_in_the_api_format(dev_server, probe):
    check(probe, *exchange(dev_server, probe.data))


def test_a_refused_request_says_auth_is_off_like_every_answer(gunicorn_server):
    """The server's own refusals carry the same Sandbox-Auth header as the app's answers (D11)."""
    status, headers, _ = exchange(gunicorn_server, raw_request(ACCOUNTS, {"CorrelationID": b"a\x01b"}))
    assert status == 400 and headers.get("sandbox-auth") == "off"


def test_a_refused_request_leaves_the_worker_serving(gunicorn_server):
    for probe in PROBES[:20]:
        exchange(gunicorn_server, probe.data)
    status, _, body = exchange(gunicorn_server, raw_request(ACCOUNTS))
    assert status == 200 and json.loads(body)["accounts"], body[:200]



@pytest.mark.parametrize("target", [ACCOUNTS, OWNERS, RELATIONS, SERVICING], ids=lambda t: t.split("?")[0].rsplit("/", 1)[-1])
@pytest.mark.parametrize("server", ["gunicorn_server", "dev_server"])
def test_every_probe_damages_a_request_that_is_answered_when_undamaged(request, server, target):
    """The baseline of the probes is valid: each refusal above is the damage's doing."""
    status, headers, body = exchange(request.getfixturevalue(server), raw_request(target))
    assert status == 200 and headers["content-type"] == "application/json", body[:300]


def test_what_gunicorn_blames_on_the_app_stays_a_500_in_the_api_format():
    """A header the app itself got wrong is no malformed request: 500 (ACC-100 on a bank), still JSON."""
    from gunicorn.http.errors import InvalidHeader, LimitRequestLine

    from sandbox.http_refusals import describe_gunicorn_error, refusal

    response_header = pytest.importorskip("gunicorn.http.errors").__dict__.get("InvalidResponseHeader")
    if response_header is not None:
        assert describe_gunicorn_error(response_header("X-Bad"))[0] == 500
    assert describe_gunicorn_error(RuntimeError("boom"))[0] == 500
    assert describe_gunicorn_error(InvalidHeader("PARTYID"))[:3:2] == (400, "PARTYID")
    assert describe_gunicorn_error(LimitRequestLine(9000, 8190))[0] == 414
    status, body, headers = refusal(f"{BANK}/accounts", 500, "internal error in the sandbox (logged)", None, None)
    assert (status, json.loads(body)["code"], headers["Content-Type"]) == (500, "ACC-100", "application/json")
    status, body, _ = refusal("/kar-ws/api/v2/customers/customerRelationships", 431, "too many", "CUSTOMERID", None)
    assert (status, json.loads(body)["errorCode"]) == (400, "ERR-002")
