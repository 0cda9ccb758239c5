"""`/openapi/kar.json`, `/openapi/bank.json` and `/docs` (Swagger UI, fully offline).

Each document is built once per app at its first request, from the app's URL map, schemas and world, and then
served as the same bytes (with an ETag). The Swagger UI files are the ones the `flask-swagger-ui` package
vendors, served from `/docs/assets/`; the page links nothing outside this server.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading

import flask_swagger_ui
import orjson
from flask import Blueprint, Response, abort, current_app, request, send_from_directory, url_for

from .bank import bank_document
from .kar import kar_document

bp = Blueprint("openapi", __name__)

BUILDERS = {"bank": bank_document, "kar": kar_document}
TITLES = {"bank": "Banks: DSOP Control API v2 (+ v2.1 Owners)", "kar": "Register (KAR) v2"}
ASSETS_DIR = os.path.join(os.path.dirname(flask_swagger_ui.__file__), "dist")
ASSETS = frozenset({"swagger-ui.css", "index.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js",
                    "favicon-32x32.png", "favicon-16x16.png", "LICENSE", "VERSION"})
_lock = threading.Lock()


def document_bytes(app, name: str) -> bytes:
    """The document as JSON bytes, built once per app (deterministic: same world, same bytes)."""
    cache = app.extensions.setdefault("dsop-openapi", {})
    if name not in cache:
        with _lock:
            if name not in cache:
                cache[name] = orjson.dumps(BUILDERS[name](app), option=orjson.OPT_INDENT_2) + b"\n"
    return cache[name]


@bp.get("/openapi/<name>.json")
def document(name: str):
    """One OpenAPI 3 document: `kar` (the register) or `bank` (the fake banks)."""
    if name not in BUILDERS:
        abort(404)
    body = document_bytes(current_app, name)
    response = Response(body, mimetype="application/json")
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    return response.make_conditional(request)


@bp.get("/docs")
def docs():
    """Swagger UI for both documents (pick one in the top bar)."""
    return Response(_page(), mimetype="text/html")


@bp.get("/docs/assets/<name>")
def asset(name: str):
    """A Swagger UI file vendored by flask-swagger-ui."""
    if name not in ASSETS:
        abort(404)
    return send_from_directory(ASSETS_DIR, name, max_age=3600)


def _page() -> str:
    def asset_url(name: str) -> str:
        return url_for("openapi.asset", name=name)

    config = {
        "urls": [{"url": url_for("openapi.document", name=key), "name": title} for key, title in TITLES.items()],
        "urls.primaryName": TITLES["bank"],
        "dom_id": "#swagger-ui", "layout": "StandaloneLayout", "deepLinking": True,
        "validatorUrl": None,  # Swagger UI would otherwise load a badge from the internet
        "displayRequestDuration": True, "showExtensions": True, "defaultModelsExpandDepth": 0,
    }
    script = json.dumps(config, indent=2).replace("</", "<\\/")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>dsop-sandbox API documentation</title>
  <link rel="stylesheet" type="text/css" href="{asset_url('swagger-ui.css')}">
  <link rel="stylesheet" type="text/css" href="{asset_url('index.css')}">
  <link rel="icon" type="image/png" href="{asset_url('favicon-32x32.png')}" sizes="32x32">
  <link rel="icon" type="image/png" href="{asset_url('favicon-16x16.png')}" sizes="16x16">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="{asset_url('swagger-ui-bundle.js')}"></script>
  <script src="{asset_url('swagger-ui-standalone-preset.js')}"></script>
  <script>
    window.onload = function () {{
      var config = {script};
      config.presets = [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset];
      config.plugins = [SwaggerUIBundle.plugins.DownloadUrl];
      window.ui = SwaggerUIBundle(config);
    }};
  </script>
</body>
</html>
"""
