"""Flask glue shared by every blueprint: fast JSON responses, lower-cased header mappings, and the error body of
the API a path belongs to (used by the app's HTTP error handlers and by the HTTP servers' own refusals)."""

from __future__ import annotations

from functools import lru_cache

from flask import Response, request

from sandbox.admin.errors import error_body as admin_error_body
from sandbox.bank.errors import for_status
from sandbox.dsop.wire import body_bytes
from sandbox.register.errors import HttpError

#: Path prefixes of the two DSOP APIs, each with its own error body (DESIGN D4) and GET only (D3).
BANK_PREFIX, REGISTER_PREFIX = "/banks/", "/kar-ws/"


def json_response(body, status: int = 200, headers: dict | None = None) -> Response:
    response = Response(body_bytes(body), status=status, mimetype="application/json")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def is_api_path(path: str) -> bool:
    """A path of the register or a bank: GET only (D3), errors in the API's own body (D4)."""
    return path.startswith((BANK_PREFIX, REGISTER_PREFIX))


def error_body(path: str, status: int, message: str, today) -> dict:
    """The error body of the API `path` belongs to (DESIGN D4): a bank's `{"code", "message"}` (the ACC code of
    the status, spec/protocol.md §3.7.3), the register's `{"errorCode", "errorMessage", "timestamp"}` (ERR-<status>
    for HTTP-level errors), else the sandbox's own `{"error", "message"}`."""
    if path.startswith(BANK_PREFIX):
        return for_status(status, message).body()
    if path.startswith(REGISTER_PREFIX):
        return HttpError(status, message).body(today)
    return admin_error_body(status, message)


def request_headers() -> EnvironHeaders:
    """Header names lower-cased (D10: matched case-insensitively; values exact), as a read-only mapping."""
    return EnvironHeaders(request.environ)


class EnvironHeaders:
    """A request's headers by lower-cased name, read straight from the WSGI environ the way werkzeug's
    EnvironHeaders reads it (`Legal-Mandate` is HTTP_LEGAL_MANDATE; Content-Type and Content-Length have their
    own keys). A lookup costs one dict access: the views ask for a handful of headers, and copying all of them
    first cost more than the rest of the parsing (issue 8)."""

    __slots__ = ("environ",)

    def __init__(self, environ: dict):
        self.environ = environ

    def get(self, name: str, default=None):
        key = _environ_key(name)
        if key is None:
            return default
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            return self.environ.get(key) or default
        return self.environ.get(key, default)

    def __getitem__(self, name: str):
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def __contains__(self, name) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def _all(self) -> dict:
        out = {}
        for key, value in self.environ.items():
            if key.startswith("HTTP_"):
                if key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                    out[key[5:].replace("_", "-").lower()] = value
            elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
                out[key.replace("_", "-").lower()] = value
        return out

    def __iter__(self):
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    def items(self):
        return self._all().items()


@lru_cache(maxsize=256)
def _environ_key(name: str) -> str | None:
    """The environ key of a lower-cased header name; None for a name no header can have in that mapping (the names
    are lower-cased, with "-", as in a dict built from the headers)."""
    if name != name.lower() or "_" in name:
        return None
    if name in ("content-type", "content-length"):
        return name.upper().replace("-", "_")
    return "HTTP_" + name.upper().replace("-", "_")


def query_args(environ: dict) -> dict:
    """The query string of the current request (`environ`: its WSGI environ) as a plain dict in its original order
    (first value of each name, as request.args.get answers): a fresh dict, made from the one kept per query string
    as sent, so the query string is parsed once, not on every call that sends it."""
    query = environ.get("QUERY_STRING", "")
    known = _QUERIES.get(query)
    if known is None:
        known = {}
        for key, value in request.args.items(multi=True):
            known.setdefault(key, value)
        if len(_QUERIES) >= 1024:
            _QUERIES.clear()
        _QUERIES[query] = known
    return dict(known)


#: query_args' answers by QUERY_STRING (request.args is parsed from it and nothing else).
_QUERIES: dict[str, dict] = {}
