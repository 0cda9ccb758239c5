"""Acceptance (issue 13, DESIGN D22/D23): the public OED plugin's whole flow, replayed against a real server.

tests/consumers/plugin_banking/flow.yaml is what data-altinn-no/plugin-banking sends for one case, request for
request; models.py reads every answer as strictly as its NSwag/Newtonsoft classes. The server runs the default
scenario with `--today real`: the plugin's period ends on the real date (`DateTime.Now`), and OED refuses a
`toDate` other than the sandbox's today. The case is the deceased persona `arne-deceased` (docs/personas.md).

- `--profile production`: the whole flow completes — the bare token and `aud: unspecified` at the register,
  "Prosjekt OED" and "OED" as mandates, JWE answers decrypted with the consumer's key, every body parsed.
- `--profile strict`: what real KAR tolerates and the standard does not is refused with 401 in the register's
  error format — the plugin's register call as it is, and each deviation on its own.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from datetime import date
from pathlib import Path

import pytest

from sandbox.jwt_segments import payload
from sandbox.profiles.catalog import OED
from tests.consumers.plugin_banking import models
from tests.consumers.plugin_banking.replay import Replay, replay

from .server import get, post_form, running_server

ROOT = Path(__file__).resolve().parents[2]
PERSONA = "arne-deceased"
OED_CLIENT = "digdir"


def _json(url: str):
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.loads(r.read())


@pytest.fixture(scope="module", params=["production", "strict"])
def server(request, tmp_path_factory):
    profile = request.param
    state = tmp_path_factory.mktemp(f"plugin-{profile}")
    with running_server(ROOT / "scenarios" / "default.yaml",
                        extra=("--today", "real", "--profile", profile, "--state-dir", str(state))) as base:
        yield profile, base


def _case(base: str) -> tuple[str, date]:
    """The persona's national identity number, and today — the real date, as the plugin's DateTime.Now."""
    today = date.today()
    health = _json(base + "/health")
    assert health["today"] == today.isoformat(), "--today real: the sandbox's today is the real date"
    parties = _json(base + "/sandbox/v1/parties")["parties"]
    (arne,) = [p for p in parties if p["id"] == PERSONA]
    return arne["identifier"], today


def _check_expectations(run: Replay, profile: str) -> None:
    """What flow.yaml expects of each step under this profile: the status, a token's `aud`, the error format;
    and no body the plugin's models refuse."""
    for e in run.exchanges:
        assert e.model_error is None, (e.step, e.url, e.model_error)
        expected = e.expect.get(profile)
        assert expected is not None, f"flow.yaml says nothing of {e.step} under {profile}"
        assert e.status == expected["status"], (e.step, e.status, e.body)
        if "aud" in expected:
            assert payload(e.body["access_token"])["aud"] == expected["aud"], e.step
        if expected.get("error") == "register":
            models.KarErrorResponse.parse(e.body)


@pytest.mark.slow
def test_the_whole_flow(server):
    profile, base = server
    ssn, today = _case(base)
    run = replay(base, ssn, today)
    steps = [e.step for e in run.exchanges]
    _check_expectations(run, profile)
    if profile == "strict":
        assert steps == ["token-register", "register"], (steps, run.stops)
        token, register = run.exchanges
        assert token.status == 200 and payload(token.body["access_token"])["aud"] == "unspecified"
        assert register.status == 401 and register.headers["Authorization"] == token.body["access_token"]
        models.KarErrorResponse.parse(register.body)  # the register's error format, as the plugin reads it
        assert register.body["errorCode"] and register.content_type == "application/json"
        assert run.stops == ["register answered 401"]
        return
    # production: every step answered as the plugin expects, every body read by its models
    assert run.stops == [], run.stops
    token = run.of("token-register")[0]
    assert payload(token.body["access_token"])["aud"] == "unspecified"  # no resource asked for
    (register,) = run.of("register")
    banks = {b["organizationID"] for b in register.body["banks"]}
    (directory,) = run.of("directory")
    assert isinstance(directory.body, list) and all(e["env"] == "test" for e in directory.body)
    asked = [e.context["bank"]["orgNo"] for e in run.of("accounts")]
    assert sorted(asked) == sorted(banks) and len(banks) == 2, "arne's pension and savings banks"
    for e in run.of("token-bank"):
        assert payload(e.body["access_token"])["aud"] == e.context["bank"]["url"]
    accounts = [a for e in run.of("accounts") for a in e.body["accounts"]]
    assert {a["accountIdentifier"] for a in accounts} == {"99112250243", "99201948017"}  # docs/personas.md
    assert all(a["status"] == "disabled" for a in accounts)  # disabled at death
    details, transactions = run.of("details"), run.of("transactions")
    assert len(details) == len(transactions) == len(accounts)
    for d in details:
        assert d.body["account"]["accountIdentifier"] in {a["accountIdentifier"] for a in accounts}
        assert {b["type"] for b in d.body["account"]["balances"]} == {"availableBalance", "bookedBalance"}
    booked = [t for e in transactions for t in e.body.get("transactions", [])]
    assert booked, "transactions in the plugin's three months (before and after the death)"
    # OED's field filter: no counterparty account numbers, postal addresses or currency exchange
    parties = [c for t in booked for c in t.get("counterParties", [])]
    assert not any("accountIdentifier" in c or "postalAddress" in c for c in parties)
    # every bank call was answered as a JWE the plugin decrypts (Bankv2.cs ProcessResponse)
    assert {e.content_type for e in run.exchanges if e.kind in ("accounts", "details", "transactions")} == \
        {"application/jose"}


@pytest.mark.slow
def test_each_deviation_on_its_own(server):
    """The register's two tolerances, one at a time: a bare token with the register's audience, and a proper
    `Bearer` token whose audience is "unspecified". Production accepts both; strict refuses each with 401 in the
    register's error format."""
    profile, base = server
    ssn, today = _case(base)
    register = base + "/kar-ws/api/v2"
    unspecified = replay(base, ssn, today).exchanges[0]  # the plugin's own token request (no resource)
    assert unspecified.step == "token-register" and unspecified.status == 200
    status, proper = post_form(base + "/maskinporten/token", {
        "grant_type": "client_credentials", "client_id": OED_CLIENT, "scope": "bits:kundeforhold",
        "resource": register})
    assert status == 200, proper
    # The service's own mandate text, so that the token is the only thing that differs from the standard.
    headers = {"CustomerID": ssn, "Legal-Mandate": urllib.parse.quote(OED), "Accept": "application/json",
               "AccountInfoRequestID": "8d8c6a36-7a35-4b0f-9a4e-0d1a1b2c3d4e",
               "CorrelationID": "0b0f3a3e-1f6e-4b7e-8a8a-5c5d6e7f8091"}
    url = (f"{register}/customers/customerRelationships?fromDate={today.replace(day=1).isoformat()}"
           f"&toDate={today.isoformat()}&onlyPrimaryOwner=true")
    tries = {"bare token": proper["access_token"],
             "aud unspecified": "Bearer " + unspecified.body["access_token"],
             "the standard's request": "Bearer " + proper["access_token"]}
    for what, authorization in tries.items():
        status, body = get(url, {**headers, "Authorization": authorization})
        parsed = json.loads(body)
        if profile == "production" or what == "the standard's request":
            assert status == 200, (what, parsed)
            models.ListCustomerRelation.parse(parsed)
        else:
            assert status == 401, (what, parsed)
            models.KarErrorResponse.parse(parsed)
