"""What reaches the app, and what the HTTP server answers itself (issue 3: no input, however malformed, gets an HTML
page or a 500). The limits are raised so that the sandbox, not the server, answers what is merely too long in
the API's own error format (a 10 kB header value → 400 ACC-001 naming the header), and stay bounded:

- header field (name + value): 32 KiB (gunicorn: 8 KiB). The app itself refuses values over 4 KiB
  (sandbox/dsop/params.py), so a value between the two limits gets the API's own message.
- header fields: 100 (gunicorn's default; a DSOP call sends about ten). At most ~3.2 MiB of headers per request.
- request line (method, path, query): 8190 bytes, gunicorn's largest bounded value (0 would mean unlimited).

What gunicorn's parser still refuses (a longer request line, control characters in a header value, folded
headers, raw non-ASCII bytes in the path, too many headers, ...) is answered by `SandboxWorker` in the error body
of the API the path names (web.error_body): 400 ACC-001 for a bank, 400 for the register (ERR-002/ERR-004/
ERR-006 for a header the register validates itself, else ERR-400), elsewhere the sandbox's `{"error",
"message"}` with gunicorn's 4xx status. --dev serves through `JsonErrorsRequestHandler`, which does the same for
what Python's http.server refuses.

Both servers percent-decode the path before the app routes it, so `/accounts/{ref}%2Ftransactions` would reach
the router as `/accounts/{ref}/transactions` and answer as another endpoint. `RawPathRouting` (installed by
create_app, so for gunicorn, --dev and the test client alike) routes such a request on the raw request target:
an encoded slash stays inside its path segment.
"""

from __future__ import annotations

import http
import re
from urllib.parse import unquote_to_bytes

#: gunicorn limits (see the module docstring).
LIMIT_REQUEST_LINE = 8190
LIMIT_REQUEST_FIELDS = 100
LIMIT_REQUEST_FIELD_SIZE = 32 * 1024


# ---- the path the app routes --------------------------------------------------------------------------------
_ENCODED_SLASH = re.compile(r"%2[fF]")


class RawPathRouting:
    """WSGI middleware: when the raw request target (gunicorn's RAW_URI, werkzeug's REQUEST_URI/RAW_URI) has an
    encoded slash in its path, PATH_INFO is decoded again from it with every `%2F` kept as the three characters
    `%2F`, so it stays part of its segment: `/accounts/{ref}%2Ftransactions` is the details of the (unknown)
    reference `{ref}%2Ftransactions` (404 ACC-002), never the transactions of `{ref}`. Every other request passes
    untouched (one substring test)."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
        if raw and "%2" in raw and not environ.get("SCRIPT_NAME"):
            path = raw.split("?", 1)[0].split("#", 1)[0]
            if "://" in path:  # absolute-form request target
                path = "/" + path.split("://", 1)[1].partition("/")[2]
            if path.startswith("/") and _ENCODED_SLASH.search(path):
                # WSGI strings are bytes as latin-1 (PEP 3333), as both servers write PATH_INFO
                environ["PATH_INFO"] = unquote_to_bytes(_ENCODED_SLASH.sub("%252F", path)).decode("latin-1")
        return self.app(environ, start_response)


# ---- what the HTTP servers refuse themselves, answered in the API's format --------------------------------
#: Header names the APIs read, as they are written (gunicorn upper-cases the names it complains about).
_HEADER_NAMES = {n.upper(): n for n in (
    "AccountInfoRequestID", "CorrelationID", "Legal-Mandate", "PartyID", "CustomerID", "AccountID", "RequesterID",
    "AdditionalReferenceID", "AdditionalReferenceIDType", "Authorization", "Accept", "Host", "Content-Length",
    "Transfer-Encoding")}
#: Headers the register validates with a code of their own (spec/protocol.md §2.5); other headers: ERR-006.
_REGISTER_HEADER_CODES = {"CUSTOMERID": "ERR-002", "ACCOUNTID": "ERR-004"}


def refusal(path: str, status: int, message: str, header: str | None, services) -> tuple[int, bytes, dict]:
    """(status, JSON body, headers) of a request the HTTP server refused before the app saw it, in the error body
    of the API `path` belongs to (web.error_body). The APIs answer a malformed request with 400 (D4: ACC-001 is
    a 400); other paths keep the server's 4xx status. `header`: the header at fault, upper-cased, if known."""
    from sandbox.dsop.wire import body_bytes
    from sandbox.register.errors import HttpError
    from sandbox.web import REGISTER_PREFIX, error_body, is_api_path

    if is_api_path(path) and status < 500:
        status = 400
    today, message = _today(services), message[:300]
    if path.startswith(REGISTER_PREFIX) and status == 400:  # the code the register gives that header itself
        code = _REGISTER_HEADER_CODES.get(header, "ERR-006") if header else None
        body = HttpError(status, message, code).body(today)
    else:
        body = error_body(path, status, message, today)
    headers = {"Content-Type": "application/json"}
    if services is not None and not services.settings.auth:
        headers["Sandbox-Auth"] = "off"
    return status, body_bytes(body), headers


def _today(services):
    """The sandbox's today for a register timestamp; the real date only if the world cannot say (never raises)."""
    try:
        return services.world.today
    except Exception:  # noqa: BLE001 - an error answer must not fail over its timestamp
        from sandbox.clock import real_today

        return real_today()


def _header_label(name: str | None) -> str:
    return _HEADER_NAMES.get((name or "").upper(), name or "?")


def describe_gunicorn_error(exc) -> tuple[int, str, str | None]:
    """(status, message, header at fault or None) for an exception gunicorn's HTTP parser raised; status 500 for
    anything that is not the client's fault."""
    from gunicorn.http import errors as gunicorn_errors

    def safe(text) -> str:
        return repr(str(text))[1:-1][:120]

    def kinds(*names) -> tuple:
        """gunicorn's exception classes of these names (older releases lack some: gunicorn>=22 is supported)."""
        return tuple(getattr(gunicorn_errors, name) for name in names if hasattr(gunicorn_errors, name))

    if isinstance(exc, kinds("InvalidResponseHeader", "InvalidResponseHeaderName")):  # the app's fault, not the client's
        return 500, "internal error in the sandbox (logged)", None
    if isinstance(exc, kinds("LimitRequestLine")):
        return 414, (f"the request line (method, path and query string) is longer than {LIMIT_REQUEST_LINE} bytes"), None
    if isinstance(exc, kinds("LimitRequestHeaders")):
        text = str(exc)
        if "fields size" in text:
            return 431, f"a header field is longer than {LIMIT_REQUEST_FIELD_SIZE} bytes", None
        if "fields" in text:
            return 431, f"more than {LIMIT_REQUEST_FIELDS} header fields", None
        return 431, "the request's header section is too large", None
    if isinstance(exc, kinds("ObsoleteFolding")):
        return 400, (f"header {_header_label(exc.hdr)} is folded over several lines (obsolete line folding, RFC 9112 "
                     "§5.2): send each header on one line"), str(exc.hdr).upper()
    if isinstance(exc, kinds("InvalidHeaderName")):
        return 400, f"invalid header name {safe(exc.hdr)!r}: header names are tokens (RFC 9110 §5.1)", None
    if isinstance(exc, kinds("InvalidHeader")):
        hdr = str(exc.hdr)
        if hdr.upper() in ("CONTENT-LENGTH", "TRANSFER-ENCODING"):
            return 400, f"invalid {_header_label(hdr)} header", hdr.upper()
        if ":" in hdr or " " in hdr or not hdr:
            return 400, f"malformed header line {safe(hdr)!r}: expected 'Name: value' ending in CRLF", None
        return 400, (f"header {_header_label(hdr)} contains a control character (RFC 9110 §5.5 allows none in a "
                     "header value)"), hdr.upper()
    if isinstance(exc, kinds("InvalidRequestLine")):
        return 400, ("malformed request line: expected 'METHOD /path?query HTTP/1.1', with the path and query in "
                     "printable ASCII (percent-encode anything else)"), None
    if isinstance(exc, kinds("InvalidRequestMethod")):
        return 400, f"invalid method {safe(exc.method)!r}", None
    if isinstance(exc, kinds("InvalidHTTPVersion")):
        return 400, f"unsupported HTTP version {safe(exc.version)!r}: send HTTP/1.1 or HTTP/1.0", None
    if isinstance(exc, kinds("UnsupportedTransferCoding")):
        return 400, f"unsupported Transfer-Encoding {safe(exc.hdr)!r}: the APIs take GET requests without a body", "TRANSFER-ENCODING"
    if isinstance(exc, kinds("ExpectationFailed")):
        return 417, f"cannot meet the expectation {safe(exc.expect)!r}", "EXPECT"
    if isinstance(exc, kinds("InvalidChunkSize", "ChunkMissingTerminator", "InvalidChunkExtension")):
        return 400, f"malformed chunked body: {safe(exc)}", None
    if isinstance(exc, gunicorn_errors.ParseException) and not isinstance(exc, kinds("ConfigurationProblem")):
        return 400, f"malformed request: {safe(exc)}", None
    return 500, "internal error in the sandbox (logged)", None


def request_path_of(req, exc) -> str:
    """The path a request gunicorn could not parse asked for, as far as it was read ("" if not even that): from the
    request, the exception (InvalidRequestLine keeps the line, InvalidHeader may keep the request), or else the
    request being parsed in the traceback (its `path` once the request line was parsed, otherwise the bytes it
    had read so far)."""
    from gunicorn.http.message import Request

    for candidate in (req, getattr(exc, "req", None)):
        if isinstance(candidate, Request) and candidate.path:
            return candidate.path
    line = getattr(exc, "req", None)
    if isinstance(line, str):
        return _path_of_line(line)
    tb = exc.__traceback__
    while tb is not None:
        local = tb.tb_frame.f_locals
        if isinstance(local.get("self"), Request):
            if local["self"].path:
                return local["self"].path
            for name in ("data", "buf", "line"):
                value = local.get(name)
                if isinstance(value, (bytes, bytearray)) and value:
                    return _path_of_line(bytes(value[:4096]).decode("latin-1"))
        tb = tb.tb_next
    return ""


def _path_of_line(line: str) -> str:
    """The path of a request line (`GET /banks/x/v2/accounts?q HTTP/1.1`), without query; absolute-form too."""
    parts = line.lstrip("\r\n").split("\r\n", 1)[0].split(" ")
    if len(parts) < 2:
        return ""
    target = parts[1]
    if "://" in target:
        target = "/" + target.split("://", 1)[1].partition("/")[2]
    return target.split("?", 1)[0].split("#", 1)[0]


def sandbox_worker_class():
    """gunicorn's sync worker, answering what gunicorn refuses in the API's JSON format instead of its HTML page,
    and draining its listen backlog on SIGTERM (every connection accepted before it gets its answer)."""
    from gunicorn import util
    from gunicorn.workers.sync import SyncWorker

    from sandbox.admin.errors import error_body
    from sandbox.dsop.wire import body_bytes

    #: the answer when answering a refusal itself failed: built now, so that path has nothing left to fail on.
    malformed = body_bytes(error_body(400, "malformed request"))

    class SandboxWorker(SyncWorker):
        def handle_error(self, req, client, addr, exc):
            try:
                status, message, header = describe_gunicorn_error(exc)
                if status >= 500:
                    self.log.exception("Error handling request %s", getattr(req, "uri", "(no URI read)"))
                else:
                    self.log.warning("Invalid request from ip=%s: %s", (addr or ("",))[0], exc)
                services = getattr(self.wsgi, "extensions", {}).get("dsop")
                status, body, headers = refusal(request_path_of(req, exc), status, message, header, services)
            except Exception:  # noqa: BLE001 - never fall back to gunicorn's HTML page
                self.log.exception("Error answering a refused request")
                status, body, headers = 400, malformed, {"Content-Type": "application/json"}
            head = [f"HTTP/1.1 {status} {http.HTTPStatus(status).phrase}", "Connection: close",
                    *(f"{k}: {v}" for k, v in headers.items()), f"Content-Length: {len(body)}", "", ""]
            try:
                util.write_nonblock(client, "\r\n".join(head).encode("latin-1") + body)
            except Exception:  # noqa: BLE001 - the client may be gone
                self.log.debug("Failed to send error message.")

        def run(self):
            super().run()  # returns once SIGTERM (or a lost master) ended the accept loop
            self.drain()

        def drain(self):
            """Serve what the kernel already accepted for us: after SIGTERM gunicorn's loop ends after the request
            in hand, and the connections waiting in the listen backlog would be reset when the last worker closes
            the socket. Accept them without waiting (EAGAIN: the backlog is empty) and answer each, still
            heartbeating; the master's graceful timeout (sandbox/cli/serve.py) bounds it all."""
            import errno

            for listener in self.sockets:
                listener.setblocking(False)
                while True:
                    self.notify()
                    try:
                        self.accept(listener)
                    except OSError as exc:
                        if exc.errno == errno.ECONNABORTED:
                            continue
                        if exc.errno not in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EBADF, errno.EINVAL):
                            self.log.exception("Error while draining the listen backlog")
                        break

    SandboxWorker.__module__ = __name__
    return SandboxWorker


def dev_request_handler():
    """Werkzeug's request handler (--dev), answering what Python's http.server refuses (a request line over
    64 KiB, more than 100 headers, a malformed request line) in the API's JSON format instead of its HTML page."""
    from werkzeug.serving import WSGIRequestHandler

    class JsonErrorsRequestHandler(WSGIRequestHandler):
        def send_error(self, code, message=None, explain=None):
            self.log_error("code %d, message %s", code, message)
            path = getattr(self, "path", None)
            if not isinstance(path, str) or not path:
                path = _path_of_line(getattr(self, "raw_requestline", b"").decode("latin-1"))
            services = getattr(self.server.app, "extensions", {}).get("dsop")
            # http.server refuses with 400, 414, 431 or 505 (HTTP version): all the client's doing, so never a 5xx.
            status = code if 400 <= code < 500 else 400
            text = message or http.HTTPStatus(code).phrase
            status, body, headers = refusal(path.split("?", 1)[0], status, f"malformed request: {text}", None, services)
            self.send_response(status)
            self.send_header("Connection", "close")
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if getattr(self, "command", None) != "HEAD":
                self.wfile.write(body)

    return JsonErrorsRequestHandler
