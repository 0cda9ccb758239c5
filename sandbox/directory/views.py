"""`GET /altinn/v1/directharvest/Kontrollinformasjon` → a bare JSON array of `{orgNo, name, url, version, env}`.

The real directory's format (DESIGN D23, sandbox/directory/listing.py). Query parameters:
- `envelope=false`: what real consumers send (data.altinn.no's "no DAN envelope"); the answer is the same array.
  `envelope=true` asks for data.altinn.no's evidence envelope, which the sandbox does not simulate → 400.
- `format=object`: the older documented shape `{"endpoints": [{orgNo, name, url, version}], "total": n}`,
  for consumers written against it. `format=array` (the default) is the real format.
"""

from __future__ import annotations

from flask import Blueprint, current_app, request
from werkzeug.exceptions import BadRequest

from sandbox.directory.listing import entries, legacy_object
from sandbox.web import json_response

bp = Blueprint("directory", __name__)

FORMATS = ("array", "object")


@bp.get("/altinn/v1/directharvest/Kontrollinformasjon")
@bp.get("/altinn/v1/directharvest/Kontrollinformasjon/")
def kontrollinformasjon():
    """List every bank's DSOP Control API base URL (the real directory's bare array)."""
    shape = request.args.get("format", "array").lower()
    if shape not in FORMATS:
        raise BadRequest(f"format must be one of {', '.join(FORMATS)} (default array, the real directory's format)")
    if request.args.get("envelope", "false").lower() != "false":
        raise BadRequest("only envelope=false is served: the sandbox does not simulate data.altinn.no's evidence "
                         "envelope (the answer is the bare array real consumers ask for)")
    services = current_app.extensions["dsop"]
    items = entries(services.world, services.settings.public_url)
    return json_response(legacy_object(items) if shape == "object" else items)
