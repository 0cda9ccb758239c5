"""Every bank body of the test world against the contract (DESIGN D5: Bank_v2.yaml; v2.1 Owners: §2.8).

The walk asks every bank about every party (OnlyPrimaryOwner true and false, several periods), then follows
every returned accountReference through details, transactions (every page), cards and roles. `BankApi` checks
each answer, 200 or 4xx, with openapi-core and with the strict schemas (support.py).
"""

from __future__ import annotations

import copy
import json
from collections import Counter

import pytest

from tests.support import TEN_YEARS, TODAY_ONLY, YEAR_2024, BankApi, T, link

#: An old period (Sigrid's role; Per's first right), a closed year (Odd's reopen), this year (Odd's closing) and
#: today (available balances, pending items). The ten-year window is walked by test_bank_rules (R-40, R-55).
PERIODS = [("2016-01-01", "2019-06-30"), YEAR_2024, ("2025-01-01", T), TODAY_ONLY]
DATA_NOT_DELIVERED = "dataNotDelivered"


def _other_bank(world, bank_id: str) -> str:
    return next(b for b in world.banks if b != bank_id)


@pytest.mark.parametrize("bank_id", ["alpha", "beta", "kfr"])
def test_walk_every_party_at_every_bank_validates_against_bank_v2(api: BankApi, nav_api: BankApi, world, bank_id):
    seen = Counter()
    other = _other_bank(world, bank_id)
    for party_id in world.parties:
        for period in PERIODS:
            references = set()
            for only in ("true", "false"):
                pages = api.accounts_all(bank_id, party_id, period, only)
                seen["account lists"] += len(pages)
                numbers = [a["accountIdentifier"] for p in pages for a in p["accounts"]]
                assert len(numbers) == len(set(numbers)), f"R-10: duplicate accounts for {party_id}: {numbers}"
                references |= {a["accountReference"] for p in pages for a in p["accounts"]}
            seen["dataNotDelivered"] += DATA_NOT_DELIVERED in references
            for ref in sorted(references - {DATA_NOT_DELIVERED}):
                seen["references"] += 1
                api.details(bank_id, ref, period)
                pages = api.transaction_pages(bank_id, ref, period)
                seen["transaction pages"] += len(pages)
                seen["transactions"] += sum(len(p["transactions"]) for p in pages)
                seen["cards"] += len(api.cards(bank_id, ref, period)["paymentCards"])
                seen["roles"] += len(api.roles(bank_id, ref, period)["roles"])
                # 4xx bodies validate too: a reference shown to another bank, and a period before the relation
                wrong_bank = api.call(other, f"/accounts/{ref}", {"fromDate": period[0], "toDate": period[1]})
                assert (wrong_bank.status_code, wrong_bank.get_json()["code"]) == (404, "ACC-002")
                for suffix in ("", "/transactions", "/cards", "/roles"):
                    # (the year 2000 is outside Skatt's 10-year window: asked as NAV, v1 rules, no window)
                    early = nav_api.call(bank_id, f"/accounts/{ref}{suffix}", {"fromDate": "2000-01-01", "toDate": "2000-01-31"})
                    assert (early.status_code, early.get_json()["code"]) == (404, "ACC-003"), early.data
    # The walk must actually have exercised something at every bank.
    assert seen["references"] > 0 and seen["transactions"] > 0, seen
    if bank_id == "alpha":
        assert seen["transaction pages"] > seen["references"], f"no transaction list needed a second page: {seen}"
        assert seen["dataNotDelivered"] > 0 and seen["cards"] > 0 and seen["roles"] > 0, seen


@pytest.mark.parametrize("period", PERIODS, ids=lambda p: f"{p[0]}..{p[1]}")
def test_owners_of_every_account_validate_against_section_2_8(api: BankApi, world, period):
    for account in world.accounts.values():
        body = api.owners(account.bank_id, account.number, period)  # checked against OWNERS_SCHEMA
        for owner in body["accountOwners"]:
            assert owner["startDate"] <= period[1], f"R-60: {account.id}: owner from after the period: {owner}"
            assert owner.get("endDate", "9999-12-31") >= period[0], f"R-60: {account.id}: ended before: {owner}"
        wrong = api.call(_other_bank(world, account.bank_id), f"/accounts/{account.number}/owners",
                         {"fromDate": period[0], "toDate": period[1]})
        assert (wrong.status_code, wrong.get_json()["code"]) == (404, "ACC-002")


def test_links_are_valid_link_objects_on_every_accounts_page(bank_api_for, world):
    """With a page size of 1 every account list of Fjell is paginated; every page is a valid Accounts body."""
    small = bank_api_for(page_size=1)
    pages = small.accounts_all("alpha", "fjell", TEN_YEARS, "false")
    assert len(pages) == len([a for a in world.accounts.values() if a.bank_id == "alpha"
                              and any(o.party_id == "fjell" for o in a.owners)])
    assert link(pages[-1], "next") is None


# ---- the checker itself is strict (a test of the test) ------------------------------------------------------
def _accounts_body(api: BankApi) -> dict:
    return api.accounts("alpha", "ola", TEN_YEARS, "false")


def _details_body(api: BankApi) -> dict:
    return api.details("alpha", api.ref("ola", "ola-salary"), TEN_YEARS)


CORRUPTIONS = {
    "null value": ("details", lambda b: b["account"].__setitem__("currency", None)),
    "unknown enum": ("details", lambda b: b["account"].__setitem__("status", "closed")),
    "unknown enum in array": ("details", lambda b: b["account"]["balances"][0].__setitem__("type", "interimBalance")),
    "number as string": ("details", lambda b: b["account"]["balances"][0].__setitem__("amount", "12.50")),
    "negative amount": ("details", lambda b: b["account"]["balances"][0].__setitem__("amount", -1)),
    "date-time without offset": ("details", lambda b: b["account"]["balances"][0].__setitem__("registered", "2025-06-30T12:00:00")),
    "date as date-time": ("details", lambda b: b["account"].__setitem__("startDate", "2025-06-30T00:00:00Z")),
    "undeclared key": ("details", lambda b: b["account"].__setitem__("iban", "NO9386011117947")),
    "missing required": ("accounts", lambda b: b["accounts"][0].pop("accountReference")),
    "bad responseDetails": ("accounts", lambda b: b["responseDetails"].__setitem__("status", "Complete")),
    "link without href": ("accounts", lambda b: b["links"][0].pop("href")),
}


@pytest.mark.parametrize("name", sorted(CORRUPTIONS))
def test_contract_checker_rejects_corrupted_bodies(api: BankApi, contract, name):
    kind, corrupt = CORRUPTIONS[name]
    body = copy.deepcopy(_accounts_body(api) if kind == "accounts" else _details_body(api))
    corrupt(body)
    path = "/accounts" if kind == "accounts" else "/accounts/ref"

    class Fake:
        status_code, mimetype, content_type = 200, "application/json", "application/json"
        data = json.dumps(body).encode()

    with pytest.raises((AssertionError, pytest.fail.Exception)):
        contract.check(path, Fake())


def test_contract_checker_rejects_html(contract):
    class Fake:
        status_code, mimetype, content_type = 404, "text/html", "text/html; charset=utf-8"
        data = b"<!doctype html><title>404 Not Found</title>"

    with pytest.raises(AssertionError):
        contract.check("/accounts/x", Fake())
