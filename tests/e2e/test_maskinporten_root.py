"""A client library with Maskinporten's host built in, pointed at a real server (gunicorn) by host mapping: it
posts to the root `/token` with `aud: https://test.maskinporten.no/` (the Altinn .NET client's audience for
Environment "test", exp = iat + 10 s) and a certificate in `x5c`, and reads `/.well-known/oauth-authorization-
server` and `/jwk` at the root (docs/maskinporten.md, "Pointing a real client at the sandbox"). The server runs
with --admin-token, so the shortcut grant is off, and with --maskinporten-alias for the library's audience.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from sandbox.keys import shipped
from sandbox.keys.certificates import certificate_path
from sandbox.maskinporten.assertions import build_assertion

from .server import CASE_ID, MANDATE, get, running_server

ROOT = Path(__file__).resolve().parents[2]
KEY = shipped("consumer-974761076")
BANK = "320907063"


def post(url: str, form: dict) -> tuple[int, dict]:
    request = urllib.request.Request(url, urllib.parse.urlencode(form).encode(),
                                     {"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return json.load(answer)


def test_a_fixed_host_client_gets_tokens_at_the_root_with_an_aliased_audience():
    extra = ("--admin-token", "workshop-s3cret", "--maskinporten-alias", "https://test.maskinporten.no/")
    with running_server(ROOT / "scenarios" / "default.yaml", extra=extra) as base:
        health = get_json(base + "/health")
        assert health["token_shortcut"] is False, "--admin-token turns the shortcut off"
        meta = get_json(base + "/.well-known/oauth-authorization-server")
        assert meta["jwks_uri"] == base + "/maskinporten/jwk"
        assert "client_credentials" not in meta["grant_types_supported"]
        assert get_json(base + "/jwk")["keys"] == get_json(meta["jwks_uri"])["keys"]

        resource = f"{base}/banks/{BANK}/v2"
        assertion = build_assertion(KEY, certificate_path(KEY), client_id="skatteetaten",
                                    audience="https://test.maskinporten.no/", scope="bits:kontoinformasjon",
                                    resource=resource, lifetime=10)
        status, body = post(base + "/token", {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                                              "assertion": assertion})
        assert status == 200, body
        assert body["token_type"] == "Bearer" and body["expires_in"] == 120
        status, answer = get(f"{resource}/accounts?fromDate=2024-01-01&toDate=2025-06-30&OnlyPrimaryOwner=false",
                             {"Authorization": f"Bearer {body['access_token']}", "AccountInfoRequestID": CASE_ID,
                              "CorrelationID": "3f2b8c1e-0000-4000-8000-000000000001", "Legal-Mandate": MANDATE,
                              "PartyID": "20907245528", "RequesterID": "caseworker-e2e"})
        assert status == 200, answer

        status, body = post(base + "/token", {"grant_type": "client_credentials", "client_id": "skatteetaten",
                                              "scope": "bits:kontoinformasjon", "resource": resource})
        assert status == 400 and body["error"] == "unsupported_grant_type"
        assert "--admin-token" in body["error_description"]
