"""The request log's columns for the conformance grader (sandbox/conformance): a token's name (sha256 of its
jti, never the token), expiry and audience; the Accept header; a 429/503's Retry-After; the `next` cursor a bank
handed out. And an older state file gets them by ALTER TABLE."""

from __future__ import annotations

import hashlib
import sqlite3

from joserfc import jwt

from tests.audit.test_audit import MANDATE, PERIOD, SCENARIO, rows_of

C1, C2 = "3f2b8c1e-0000-4000-8000-000000000011", "3f2b8c1e-0000-4000-8000-000000000012"


def _token(client, audience: str, scope: str) -> str:
    r = client.post("/maskinporten/token", data={"grant_type": "client_credentials", "client_id": "skatteetaten",
                                                  "scope": scope, "resource": audience})
    assert r.status_code == 200, r.json
    return r.json["access_token"]


def test_token_accept_and_next_cursor_columns(make_app):
    app = make_app(SCENARIO, fresh=True, auth=True, page_size=5)
    client = app.test_client()
    world = app.extensions["dsop"].world
    public = app.extensions["dsop"].settings.public_url
    bank = next(b for b in world.banks.values() if b.id == "alpha")
    aud = f"{public}/banks/{bank.org_number}/v2"
    token = _token(client, aud, "bits:kontoinformasjon")
    claims = jwt.decode(token, app.extensions["dsop"].maskinporten.keyset).claims
    name = hashlib.sha256(claims["jti"].encode()).hexdigest()[:16]
    headers = {"AccountInfoRequestID": "c0ffee00-0000-4000-8000-000000000001", "CorrelationID": C1,
               "Legal-Mandate": MANDATE, "RequesterID": "r-1", "Authorization": f"Bearer {token}",
               "Accept": "application/json", "PartyID": world.parties["ola"].identifier}
    accounts = client.get(f"/banks/{bank.org_number}/v2/accounts?{PERIOD}&OnlyPrimaryOwner=false", headers=headers)
    assert accounts.status_code == 200, accounts.json
    ref = accounts.json["accounts"][0]["accountReference"]
    page1 = client.get(f"/banks/{bank.org_number}/v2/accounts/{ref}/transactions?{PERIOD}",
                       headers={**headers, "CorrelationID": C2})
    nxt = next(link["href"] for link in page1.json["links"] if link["rel"] == "next")
    rows = {r["correlationId"]: r for r in rows_of(client)}
    issued = next(r for r in rows_of(client, "&api=maskinporten"))
    assert issued["tokenId"] == name and issued["audience"] == aud and issued["tokenExp"] == claims["exp"]
    for cid in (C1, C2):
        assert rows[cid]["tokenId"] == name and rows[cid]["audience"] == aud
        assert rows[cid]["tokenExp"] == claims["exp"] and rows[cid]["accept"] == "application/json"
    assert rows[C2]["nextPage"] and rows[C2]["nextPage"] in nxt
    assert rows[C1]["retryAfter"] is None
    assert token not in str(rows_of(client))


def test_an_older_state_file_gets_the_new_columns(tmp_path):
    from sandbox.audit.columns import ADDED
    from sandbox.audit.log import SCHEMA, AuditLog
    from sandbox.state import StateStore

    old_schema = "\n".join(line for line in SCHEMA.splitlines()
                            if line.strip().split(" ")[0] not in {*ADDED, "seq"}).replace("worker INTEGER,", "worker INTEGER")
    conn = sqlite3.connect(tmp_path / "state.sqlite3")
    conn.executescript(old_schema)
    conn.execute("INSERT INTO audit_log (time, api, method, path, status, latency_ms) "
                 "VALUES ('2025-01-01T00:00:00Z', 'bank', 'GET', '/banks/1/v2/accounts', 200, 1.0)")
    conn.commit()
    conn.close()
    log = AuditLog(StateStore(tmp_path))
    columns = {row[1] for row in log.store.connection().execute("PRAGMA table_info(audit_log)")}
    assert set(ADDED) <= columns
    (row,) = log.query()
    assert row["token_id"] is None and row["path"] == "/banks/1/v2/accounts"


def test_a_refused_token_request_names_what_it_asked_for(make_app):
    app = make_app(SCENARIO, fresh=True, auth=True)
    client = app.test_client()
    r = client.post("/maskinporten/token", data={"grant_type": "client_credentials", "client_id": "skatteetaten",
                                                  "scope": "bits:kontoinformasjon", "resource": "https://elsewhere/"})
    assert r.status_code == 400 and r.json["error"] == "invalid_target"
    client.post("/maskinporten/token", data={"grant_type": "client_credentials", "client_id": "nobody",
                                              "scope": "x", "resource": ["a", "b"]})
    refused, unknown = rows_of(client, "&api=maskinporten")[::-1]
    assert (refused["status"], refused["errorCode"]) == (400, "invalid_target")
    assert refused["consumer"] == "974761076" and refused["scope"] == "bits:kontoinformasjon"
    assert refused["audience"] == "https://elsewhere/" and refused["tokenId"] is None
    assert unknown["consumer"] is None and unknown["audience"] == "a b"
