"""Flask glue shared by every blueprint: fast JSON responses and lower-cased header mappings."""

from __future__ import annotations

import orjson
from flask import Response, request


def json_bytes(body) -> bytes:
    return orjson.dumps(body)


def json_response(body, status: int = 200, headers: dict | None = None) -> Response:
    response = Response(orjson.dumps(body), status=status, mimetype="application/json")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def request_headers() -> dict:
    """Header names lower-cased (D10: matched case-insensitively; values exact)."""
    return {k.lower(): v for k, v in request.headers.items()}


def query_args() -> dict:
    """The query string as a plain dict in its original order (first value of each name)."""
    out = {}
    for key, value in request.args.items(multi=True):
        out.setdefault(key, value)
    return out
