"""A production bank's deviation knobs (scenario `banks[].deviations`, sandbox/compat/knobs.py): each decided
per request from a keyed hash of its CorrelationID (same request, same fate, on every worker), applied after
the rules, and — except `error_200`, which is the point of it — leaving bodies that validate against
Bank_v2.yaml."""

from __future__ import annotations

import time
import uuid

import orjson
import pytest

from sandbox.compat.deviations import KNOBS
from sandbox.compat.knobs import DEFAULT_ERROR_TEXT, Knobs
from sandbox.dsop.wire import Rendered
from tests.support import BANK_OPENAPI, COMPAT_SCENARIO, OED_MANDATE, BankContract, Plugin, load_yaml

ACCOUNTS = {"responseDetails": {"status": "complete"},
            "accounts": [{"accountIdentifier": "99700574667", "accountReference": "r1", "name": "Brukskonto",
                          "currency": "NOK", "primaryOwner": {"name": "A"},
                          "servicer": {"name": "AVVIK TESTBANK"}}],
            "links": [{"rel": "self", "href": "/accounts?OnlyPrimaryOwner=true"}]}


def knobs(**data) -> Knobs:
    return Knobs.from_scenario("22", data)


@pytest.fixture(scope="module")
def contract():
    return BankContract(load_yaml(BANK_OPENAPI))


def ids(n: int) -> list[str]:
    return [str(uuid.UUID(int=i + 1)) for i in range(n)]


# ---- decisions --------------------------------------------------------------------------------------
def test_the_same_request_meets_the_same_fate_and_rates_hold():
    k = knobs(omit_optional=0.3, error_200={"rate": 0.1}, latency={"distribution": "lognormal", "median_ms": 2000,
                                                                    "sigma": 0.8, "max_ms": 45000})
    first = [k.decide("237872274", "accounts", c, ACCOUNTS) for c in ids(2000)]
    again = [Knobs.from_scenario("22", {"omit_optional": 0.3, "error_200": {"rate": 0.1},
                                        "latency": {"distribution": "lognormal", "median_ms": 2000, "sigma": 0.8,
                                                    "max_ms": 45000}}).decide("237872274", "accounts", c, ACCOUNTS)
             for c in ids(2000)]
    assert first == again
    errors = sum("code" in o.body for o in first)
    omitted = sum("optional fields left out" in o.notes for o in first)
    assert 150 <= errors <= 250 and 420 <= omitted <= 660, (errors, omitted)
    delays = sorted(o.delay_ms for o in first)
    assert 1500 <= delays[1000] <= 2600 and delays[-1] <= 45000 and delays[1900] > 5000  # seconds, a long tail
    other_seed = Knobs.from_scenario("23", {"error_200": {"rate": 0.1}})
    assert [("code" in other_seed.decide("o", "accounts", c, ACCOUNTS).body) for c in ids(200)] != \
        [("code" in o.body) for o in first[:200]]


def test_latency_reuses_the_fault_distributions():
    assert knobs(latency={"distribution": "fixed", "ms": 1500}).decide("o", "details", "c", {}).delay_ms == 1500
    spread = [knobs(latency={"distribution": "uniform", "min_ms": 1000, "max_ms": 3000}).decide(
        "o", "details", c, {}).delay_ms for c in ids(300)]
    assert min(spread) >= 1000 and max(spread) <= 3000 and max(spread) - min(spread) > 1500


def test_slow_pages_delay_from_the_named_page_on_and_only_paginated_lists():
    k = knobs(slow_pages={"from_page": 2, "delay_ms": 4000})
    assert k.decide("o", "transactions", "c", {}, page=None).delay_ms == 0
    assert k.decide("o", "transactions", "c", {}, page=2).delay_ms == 4000
    assert k.decide("o", "accounts", "c", {}, page=7).delay_ms == 4000
    assert k.decide("o", "details", "c", {}, page=3).delay_ms == 0


def test_error_200_answers_an_error_text():
    out = knobs(error_200={"rate": 1}).decide("o", "accounts", "c", ACCOUNTS)
    assert out.body == {"code": "ACC-100", "message": DEFAULT_ERROR_TEXT}
    assert knobs(error_200={"rate": 1, "message": "Feil"}).decide("o", "roles", "c", {}).body["message"] == "Feil"


def test_empty_details_only_on_details():
    k = knobs(empty_details=1)
    assert k.decide("o", "details", "c", {"account": {}}).body == {"responseDetails": {"status": "complete"}}
    assert k.decide("o", "accounts", "c", ACCOUNTS).body is ACCOUNTS


def test_empty_links_never_drops_a_next_link():
    k = knobs(empty_links=1)
    assert k.decide("o", "accounts", "c", ACCOUNTS).body["links"] == []
    paged = {**ACCOUNTS, "links": [{"rel": "self", "href": "/a"}, {"rel": "next", "href": "/a?page=x"}]}
    assert k.decide("o", "accounts", "c", paged).body["links"] == paged["links"]


def test_omitting_works_on_a_copy_of_a_shared_body():
    shared = Rendered(orjson.loads(orjson.dumps(ACCOUNTS)))
    shared.json = orjson.dumps(ACCOUNTS)
    out = knobs(omit_optional=1).decide("o", "accounts", "c", shared).body
    assert "name" not in out["accounts"][0] and "primaryOwner" not in out["accounts"][0]
    assert out["accounts"][0]["servicer"] == {"name": "AVVIK TESTBANK"}  # never left out
    assert shared["accounts"][0]["name"] == "Brukskonto"  # the cache's body is untouched


def test_no_knob_turned_on_changes_nothing():
    out = knobs(latency={"distribution": "fixed", "ms": 0}).decide("o", "accounts", "c", ACCOUNTS)
    assert out.body is ACCOUNTS and out.delay_ms == 0


def test_every_knob_is_in_the_table_with_a_source():
    from sandbox.scenario.compat_schema import DeviationsSchema

    assert {k.key for k in KNOBS} == set(DeviationsSchema().fields)
    assert all(k.source and k.does for k in KNOBS)


# ---- over HTTP: the wire step -----------------------------------------------------------------------
def test_a_knob_bank_answers_valid_bodies_with_fields_left_out(plugin, contract):
    r = plugin.accounts("wild")
    assert r.status_code == 200
    contract.check("/accounts", r)
    (entry,) = r.json["accounts"]
    assert r.json["links"] == [] and "currency" not in entry and "primaryOwner" not in entry
    ref = entry["accountReference"]
    details = plugin.bank("wild", f"/accounts/{ref}")
    contract.check(f"/accounts/{ref}", details)
    assert details.json == {"responseDetails": {"status": "complete"}}
    tx = plugin.bank("wild", f"/accounts/{ref}/transactions")
    contract.check(f"/accounts/{ref}/transactions", tx)
    assert tx.json["transactions"] and all("merchant" not in t and "additionalInfo" not in t
                                           for t in tx.json["transactions"])


def test_a_production_bank_without_knobs_and_a_strict_bank_answer_the_standard(plugin):
    for bank, mandate in (("prod", "OED"), ("std", OED_MANDATE)):
        r = plugin.accounts(bank, mandate=mandate)
        assert r.json["links"] and {"currency", "primaryOwner"} <= set(r.json["accounts"][0]), bank


def test_the_serve_flag_strict_turns_the_knobs_off(compat_app):
    strict = Plugin(compat_app(profile="strict"))
    r = strict.accounts("wild", mandate=OED_MANDATE)
    assert r.status_code == 200 and r.json["links"] and "primaryOwner" in r.json["accounts"][0]


def test_latency_over_http_and_in_the_request_log(make_app):
    slow = COMPAT_SCENARIO.replace("      empty_details: 1\n",
                                   "      empty_details: 1\n      latency: {distribution: fixed, ms: 300}\n")
    app = make_app(slow, fresh=True, auth=True)
    plugin = Plugin(app)
    started = time.perf_counter()
    assert plugin.accounts("wild").status_code == 200
    assert time.perf_counter() - started >= 0.3
    started = time.perf_counter()
    assert plugin.accounts("prod").status_code == 200
    assert time.perf_counter() - started < 0.3
    rows = app.test_client().get("/sandbox/v1/requests").json
    assert "deviation: latency 300 ms" in orjson.dumps(rows).decode()


def test_error_200_and_slow_pages_over_http_and_jwe_carries_the_deviated_body(make_app):
    """error_200 answers 200 with the error text (also encrypted: the knobs act before JSON/JWE), and a slow page
    only slows the pages from `from_page` on."""
    from sandbox.client.auth import decrypt
    from sandbox.keys import load_rsa_key

    failing = COMPAT_SCENARIO.replace("      empty_details: 1\n", "      empty_details: 1\n      error_200: {rate: 1, "
                                      "message: Teknisk feil}\n")
    app = make_app(failing, fresh=True, auth=True, audit=False)
    plugin = Plugin(app)
    r = plugin.accounts("wild")
    assert (r.status_code, r.json) == (200, {"code": "ACC-100", "message": "Teknisk feil"})
    jose = plugin.accounts("wild", Accept="application/jose")
    assert jose.status_code == 200 and jose.mimetype == "application/jose"
    key = load_rsa_key(plugin.consumer.key_path)
    assert orjson.loads(decrypt(jose.data, key)) == {"code": "ACC-100", "message": "Teknisk feil"}
    assert plugin.accounts("prod").json["responseDetails"] == {"status": "complete"}  # other banks unaffected



def test_slow_pages_over_http(make_app):
    slow = COMPAT_SCENARIO.replace("      omit_optional: 1\n", "      slow_pages: {from_page: 2, delay_ms: 300}\n")
    app = make_app(slow, fresh=True, auth=True, audit=False, page_size=5)
    plugin = Plugin(app)
    ref = plugin.accounts("wild").json["accounts"][0]["accountReference"]
    started = time.perf_counter()
    first = plugin.bank("wild", f"/accounts/{ref}/transactions")
    assert time.perf_counter() - started < 0.3
    nxt = next(link["href"] for link in first.json["links"] if link["rel"] == "next")
    started = time.perf_counter()
    audience = plugin.issuer.bank_audience(plugin.world.banks["wild"].org_number)
    second = plugin.client.get(plugin.bank_url("wild") + nxt, headers={
        "Authorization": f"Bearer {plugin.token('bits:kontoinformasjon', audience)}",
        "AccountInfoRequestID": str(uuid.uuid4()), "CorrelationID": str(uuid.uuid4()), "Legal-Mandate": "OED",
        "Accept": "application/json"})
    assert second.status_code == 200 and time.perf_counter() - started >= 0.3


def test_leaving_out_fields_of_a_page_of_item_texts_is_the_dict_copy_byte_for_byte(make_app, monkeypatch):
    """A transactions page reaches the knobs with its items as texts in chunks (dsop.wire.JsonItems: the bank's kept
    months): they are left out chunk by chunk and kept for the next page, never by changing the shared body; the
    bytes are those of the old way (the whole body loaded, the paths dropped, dumped), also when what is kept is
    emptied before every chunk."""
    from datetime import timedelta

    from sandbox.bank.rules import BankRules
    from sandbox.compat import knobs as knobs_module
    from sandbox.compat.knobs import OPTIONAL, _drop
    from sandbox.world import Period

    world = make_app().extensions["dsop"].world  # the test world (here `app` is the compat scenario's)
    rules = BankRules(world)
    k = knobs(omit_optional=1)
    pages = 0
    for account in world.accounts.values():
        if account.data_not_delivered or not account.owners or pages >= 6:
            continue
        bank = world.banks[account.bank_id]
        reference = rules.codec.encode(account.id, account.owners[0].party_id)
        window = Period(max(account.opened, world.today - timedelta(days=900)), world.today)
        query = {"fromDate": window.start.isoformat(), "toDate": window.end.isoformat()}
        try:
            body = rules.transactions(bank, reference, window, None, f"/accounts/{reference}/transactions", query)
        except Exception:  # noqa: BLE001 - no relation of that owner in the window
            continue
        if len(body["transactions"]) < 20 or body["transactions"].unread_chunks() is None:
            continue
        sent = body.json
        expected = orjson.loads(sent)
        for path in OPTIONAL["transactions"]:
            _drop(expected, path.split("."))
        for limit in (2**25, 1):  # then emptied before every chunk
            monkeypatch.setattr(knobs_module, "_LEFT", knobs_module._Left(limit))
            for _ in range(2):  # the second time from the kept texts
                out = k.decide("o", "transactions", "c", body).body
                assert orjson.dumps(out) == orjson.dumps(expected), account.id
        assert body.json == sent and body["transactions"].unread_chunks() is not None  # the shared body untouched
        pages += 1
    assert pages >= 3
