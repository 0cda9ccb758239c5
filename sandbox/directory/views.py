"""`GET /altinn/v1/directharvest/Kontrollinformasjon` → `{"endpoints": [{orgNo, name, url, version}], "total": n}`."""

from __future__ import annotations

from flask import Blueprint, current_app

from sandbox.config import bank_base_url
from sandbox.web import json_response

bp = Blueprint("directory", __name__)


def endpoints(world, public_url: str) -> list[dict]:
    return [{"orgNo": b.org_number, "name": b.name, "url": bank_base_url(public_url, b.org_number), "version": "2.1"}
            for b in world.banks.values()]


@bp.get("/altinn/v1/directharvest/Kontrollinformasjon")
@bp.get("/altinn/v1/directharvest/Kontrollinformasjon/")
def kontrollinformasjon():
    """List every bank's DSOP Control API base URL."""
    services = current_app.extensions["dsop"]
    items = endpoints(services.world, services.settings.public_url)
    return json_response({"endpoints": items, "total": len(items)})
