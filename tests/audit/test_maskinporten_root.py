"""The request log records Maskinporten's root endpoints (`/token`, `/jwk`, `/.well-known/...`, served for consumers
whose library has Maskinporten's host fixed) like the `/maskinporten/` ones, and still not the UI's `/tokens` page."""

from __future__ import annotations

from sandbox.app import create_app
from sandbox.config import Settings


def test_root_maskinporten_calls_are_in_the_request_log_and_the_tokens_page_is_not(tmp_path):
    app = create_app(Settings(scenario="small", state_dir=str(tmp_path)))
    client = app.test_client()
    register = app.extensions["dsop"].maskinporten.register_audience()
    consumer = next(iter(app.extensions["dsop"].world.consumers.values()))
    assert client.get("/.well-known/oauth-authorization-server").status_code == 200
    assert client.get("/jwk").status_code == 200
    answer = client.post("/token", data={"grant_type": "client_credentials", "client_id": consumer.client_id,
                                         "scope": "bits:kundeforhold", "resource": register})
    assert answer.status_code == 200, answer.get_json()
    assert client.get("/tokens").status_code == 200  # the UI page: not an API call
    rows = client.get("/sandbox/v1/requests?limit=50").get_json()["requests"]
    assert [(r["api"], r["endpoint"], r["status"]) for r in reversed(rows)] == [
        ("maskinporten", "metadata", 200), ("maskinporten", "jwks", 200), ("maskinporten", "token", 200)]
    assert rows[0]["consumer"] == consumer.org_number
