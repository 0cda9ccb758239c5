"""Every bank body of a full walk through a real gunicorn server on the default scenario validates against the
public OpenAPI (issue 3, "Done when": "every bank response body in a full walk of every persona validates against
reference/Bank_v2.yaml"; DESIGN D5).

Each of the 22 named personas of scenarios/default.yaml, and a few parties of the generated crowd, is walked at
every bank of the directory, with real tokens from the server's Maskinporten, as Skatt-Kontroll: Accounts with
OnlyPrimaryOwner true and false (every page), and for every accountReference the details, every page of
transactions, cards and roles, and the v2.1 Owners of the account number; for three periods (ten years, 2024,
today only: historical and today's balances, pending items; 2024's transactions are inside the ten years'). Every body goes through the validator the contract
tests use (tests/support.py: openapi-core on the path template plus a strict copy of the component schemas;
Owners against spec/data-model.md §2.8).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import BANK_OPENAPI, BankContract, check_owners, load_yaml

from .server import CASE_ID, MANDATE, Tokens, get, running_server

ROOT = Path(__file__).resolve().parents[2]
#: (fromDate, toDate, walk the transactions): ten years up to today (every booked transaction, pending items),
#: 2024 (historical balances; its transactions are a subset of the ten years', so not walked again), today only.
PERIODS = (("2015-07-01", "2025-06-30", True), ("2024-01-01", "2024-12-31", False), ("2025-06-30", "2025-06-30", True))
CROWD_SAMPLE = 12  # parties of the generated crowd, spread evenly over it (enough for > 1500 bodies)


@dataclass
class Answer:
    """What BankContract.check and check_owners read from a response (as from Flask's test client)."""

    status_code: int
    mimetype: str
    data: bytes


@pytest.fixture(scope="module")
def server():
    with running_server(ROOT / "scenarios" / "default.yaml") as base:
        yield base


def _json(base: str, path: str):
    status, body = get(base + path, {})
    assert status == 200, (path, body[:200])
    return json.loads(body)


def subjects(base: str) -> list[dict]:
    """The named personas and CROWD_SAMPLE generated parties (both kinds), in a fixed order."""
    everyone = _json(base, "/sandbox/v1/parties?crowd=true")["parties"]
    named = [p for p in everyone if not p["generated"]]
    crowd = sorted((p for p in everyone if p["generated"]), key=lambda p: p["id"])
    step = max(1, len(crowd) // CROWD_SAMPLE)
    sample = crowd[::step][:CROWD_SAMPLE]
    assert {p["kind"] for p in sample} == {"person", "organisation"}, [p["id"] for p in sample]
    return named + sample


class Walker:
    def __init__(self, base: str, contract: BankContract):
        self.base, self.contract, self.tokens = base, contract, Tokens(base)
        self.seen, self.n = Counter(), 0

    def call(self, bank_url: str, path: str, **headers) -> dict:
        """GET a bank path (relative to its base URL, as the OpenAPI writes it); the body must validate."""
        self.n += 1
        sent = {"AccountInfoRequestID": CASE_ID, "CorrelationID": str(uuid.UUID(int=self.n)), "Legal-Mandate": MANDATE,
                "RequesterID": "caseworker-contract", "Accept": "application/json",
                **self.tokens.header(bank_url, "bits:kontoinformasjon"), **headers}
        request = urllib.request.Request(bank_url + path, headers=sent)
        try:
            with urllib.request.urlopen(request, timeout=60) as r:
                answer = Answer(r.status, r.headers.get_content_type(), r.read())
        except urllib.error.HTTPError as e:
            answer = Answer(e.code, e.headers.get_content_type(), e.read())
        assert answer.status_code == 200, (path, answer.status_code, answer.data[:300])
        if path.split("?", 1)[0].endswith("/owners"):
            check_owners(answer)
            self.seen["owners"] += 1
        else:
            self.contract.check(path, answer)
        self.seen["bodies"] += 1
        return json.loads(answer.data)

    def pages(self, bank_url: str, path: str, **headers):
        while path:
            body = self.call(bank_url, path, **headers)
            yield body
            nxt = [lk["href"] for lk in body.get("links", []) if lk["rel"] == "next"]
            path = nxt[0] if nxt else None

    def party(self, identifier: str, bank_url: str, period) -> None:
        q = f"fromDate={period[0]}&toDate={period[1]}"
        walk_transactions = period[2]
        refs = {}
        for only in ("true", "false"):
            for page in self.pages(bank_url, f"/accounts?{q}&OnlyPrimaryOwner={only}", PartyID=identifier):
                self.seen["accounts pages"] += 1
                refs.update({a["accountReference"]: a["accountIdentifier"] for a in page["accounts"]})
        for ref, number in refs.items():
            self.seen["references"] += 1
            if ref == "dataNotDelivered":
                continue
            self.call(bank_url, f"/accounts/{ref}?{q}")
            for suffix in ("/cards", "/roles"):
                self.call(bank_url, f"/accounts/{ref}{suffix}?{q}")
            pages = self.pages(bank_url, f"/accounts/{ref}/transactions?{q}")
            for page in pages if walk_transactions else [next(pages)]:
                self.seen["transaction pages"] += 1
                self.seen["transactions"] += len(page["transactions"])
            self.call(bank_url, f"/accounts/{number}/owners?{q}")


@pytest.mark.slow
def test_every_bank_body_of_a_full_walk_validates_against_bank_v2_yaml(server):
    started = time.monotonic()
    walker = Walker(server, BankContract(load_yaml(BANK_OPENAPI)))
    banks = {e["orgNo"]: e["url"] for e in _json(server, "/altinn/v1/directharvest/Kontrollinformasjon?envelope=false")}
    parties = subjects(server)
    assert len([p for p in parties if not p["generated"]]) == 22
    for period in PERIODS:
        for party in parties:
            if party["generated"] and period[0] == "2015-07-01":
                continue  # the crowd's ten-year histories add bodies of the same shapes, and minutes of validation
            for bank_url in banks.values():
                walker.party(party["identifier"], bank_url, period)
    seen = walker.seen
    # The walk reached every kind of body, with paging and the predefined reference on the way.
    assert seen["bodies"] > 1500 and seen["owners"] > 100, seen
    # ~36 000 transactions since issue 17 (card purchases only on accounts with a usable card; ~52 000 before)
    assert seen["transaction pages"] > seen["references"] // 2 and seen["transactions"] > 30_000, seen
    print(f"\n{dict(seen)} in {time.monotonic() - started:.1f} s")
