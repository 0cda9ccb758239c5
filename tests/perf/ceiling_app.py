"""The ceiling: a bare Flask app that answers each benchmark URL with the sandbox's own response bytes.

`python ceiling_app.py --fixtures FILE --port P [--workers 2]` serves, under the same gunicorn settings as
`dsop-sandbox serve` (sandbox/cli/serve.py: sync workers, preload, no access log, log level warning), a table of
precomputed responses captured from the sandbox: same URL (path + query string), same status, same
Content-Type, same body bytes. The CorrelationID header is echoed when the sandbox echoes it, so both
servers send the same headers. Any other URL is a 404. What is left is the cost of the stack itself
(gunicorn + Werkzeug + Flask routing), the practical ceiling for the sandbox on this machine.

FILE is JSON: {"responses": [{"path": "/banks/...", "query": "fromDate=...", "status": 200,
"content_type": "application/json", "echo_correlation_id": true, "body_b64": "..."}]}, optionally with
"fallback": one more such response (without path and query) that answers every other URL instead of the 404: the
ceiling of the distinct-pages load (distinct.py), where every request names another page of about the same size.
"""

from __future__ import annotations

import argparse
import base64
import json
from pathlib import Path

from flask import Flask, Response, request

# Keep in step with sandbox/cli/serve.py (`_Gunicorn.load_config`): the ceiling must run on the same stack.
GUNICORN_SETTINGS = {"preload_app": True, "accesslog": None, "loglevel": "warning", "worker_class": "sync"}


def create_ceiling_app(fixtures: dict) -> Flask:
    table: dict[tuple[str, bytes], tuple[bytes, int, str, bool]] = {}
    for r in fixtures["responses"]:
        table[(r["path"], r["query"].encode("latin-1"))] = (
            base64.b64decode(r["body_b64"]), r["status"], r["content_type"], r.get("echo_correlation_id", False))
    fallback = fixtures.get("fallback")
    if fallback is not None:
        fallback = (base64.b64decode(fallback["body_b64"]), fallback["status"], fallback["content_type"],
                    fallback.get("echo_correlation_id", False))
    app = Flask("ceiling")
    app.url_map.merge_slashes = False

    @app.route("/", defaults={"path": ""})
    @app.route("/<path:path>")
    def answer(path: str):
        hit = table.get((request.path, request.query_string), fallback)
        if hit is None:
            return Response(b'{"error": 404}', status=404, content_type="application/json")
        body, status, content_type, echo = hit
        response = Response(body, status=status, content_type=content_type)
        if echo:
            response.headers["CorrelationID"] = request.headers.get("CorrelationID", "")
        return response

    return app


def serve(app: Flask, host: str, port: int, workers: int) -> None:
    from gunicorn.app.base import BaseApplication

    class _Gunicorn(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", max(1, workers))
            for key, value in GUNICORN_SETTINGS.items():
                self.cfg.set(key, value)

        def load(self):
            return app

    _Gunicorn().run()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="serve captured sandbox responses as the benchmark ceiling")
    parser.add_argument("--fixtures", type=Path, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    fixtures = json.loads(args.fixtures.read_text(encoding="utf-8"))
    serve(create_ceiling_app(fixtures), args.host, args.port, args.workers)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
