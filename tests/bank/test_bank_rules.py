"""One test per behavioural rule (spec/data-model.md §4 R-xx, open questions Q-xx, DESIGN Dxx), over HTTP.

Personas come from the scenario in support.py; today is 2025-06-30. Every bank body on the way is also checked
against the contract by `BankApi` (support.py).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

import pytest

from sandbox.bank.pagination import PageCursors
from sandbox.world import Period
from tests.support import (
    TEN_YEARS,
    TODAY,
    TODAY_ONLY,
    YEAR_2024,
    BankApi,
    RegisterApi,
    T,
    bad_check_digit,
    link,
    signed,
    unknown_account,
    unknown_person,
)

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
COMPLETE = {"status": "complete"}


def d(text: str) -> date:
    return date.fromisoformat(text)


def _code(response) -> tuple[int, str]:
    return response.status_code, response.get_json().get("code")


def _end_of_day_oslo(day: str) -> str:
    moment = datetime.combine(d(day), time(23, 59, 59), ZoneInfo("Europe/Oslo"))
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# =====================================================================================================
#  Transport and envelope
# =====================================================================================================
@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE"])
def test_R01_get_only_every_other_method_405(api: BankApi, register: RegisterApi, method):
    """R-01: any method but GET is rejected, 405 ACC-012 on every bank endpoint (the register: 405 in its format),
    HEAD and OPTIONS included (D3), with `Allow: GET`."""
    ref = api.ref("ola", "ola-salary", YEAR_2024)
    query = {"fromDate": YEAR_2024[0], "toDate": YEAR_2024[1]}
    paths = ["/accounts", f"/accounts/{ref}", f"/accounts/{ref}/transactions", f"/accounts/{ref}/cards",
             f"/accounts/{ref}/roles", f"/accounts/{api.number('ola-salary')}/owners"]
    for path in paths:
        assert api.call("alpha", path, {**query, "OnlyPrimaryOwner": "false"}, {"PartyID": api.pid("ola")}).status_code == 200
        response = api.call("alpha", path, {**query, "OnlyPrimaryOwner": "false"}, {"PartyID": api.pid("ola")},
                            method=method, check=method != "HEAD")
        assert (response.status_code, response.headers.get("Allow")) == (405, "GET"), (path, response.data[:200])
        if method != "HEAD":
            assert response.get_json()["code"] == "ACC-012"
    for endpoint in ("customerRelationships", "accountServicingProvider"):
        response = register.client.open(f"{register.PREFIX}/{endpoint}", method=method)
        assert (response.status_code, response.headers.get("Allow")) == (405, "GET"), (endpoint, response.data[:200])
        if method != "HEAD":
            assert response.get_json()["errorCode"] == "ERR-405"


def test_R07_empty_results_are_200_empty_lists_with_complete(api: BankApi, world):
    """R-07: nothing to deliver is an empty list with `complete` (D16), never a 404: Accounts, Transactions, Cards,
    and Owners (by analogy, Q-32). Roles cannot come back empty through a valid reference: a reference is only
    valid for a period in which its party held an owner or role relation (D4: else 404 ACC-003), and Roles lists
    that relation itself."""
    # Accounts: Eva has nothing at beta; nobody has anything under an unknown number
    for body in (api.accounts("beta", "eva", TEN_YEARS), api.accounts("alpha", None, TEN_YEARS, party_value=unknown_person(world))):
        assert (body["responseDetails"], body["accounts"]) == (COMPLETE, [])
    # Transactions: the cash-pool sub-account and the leasing agreement never book any
    for account_id in ("fjell-pool", "fjell-leasing"):
        bank = world.accounts[account_id].bank_id
        pages = api.transaction_pages(bank, api.ref("fjell", account_id), TEN_YEARS)
        assert len(pages) == 1 and (pages[0]["responseDetails"], pages[0]["transactions"]) == (COMPLETE, [])
        assert [lk["rel"] for lk in pages[0]["links"]] == ["self"]
    # Cards: an account without cards
    assert api.cards("alpha", api.ref("ola", "ola-salary")) == {"responseDetails": COMPLETE, "paymentCards": []}
    # Owners: a period before the account was opened
    assert api.owners("beta", api.number("enk-business"), ("2015-07-01", "2018-06-29")) == {
        "responseDetails": COMPLETE, "accountOwners": []}
    # Roles: never empty, but the shape is the same list with `complete`
    roles = api.roles("alpha", api.ref("ola", "ola-salary", YEAR_2024), YEAR_2024)
    assert roles["responseDetails"] == COMPLETE and [r["identifier"]["value"] for r in roles["roles"]] == [api.pid("ola")]


# =====================================================================================================
#  Accounts (R-26 … R-37)
# =====================================================================================================
def test_R26_account_closed_inside_period_is_listed(api: BankApi):
    closed = api.number("odd-salary")  # closed 2025-04-01
    for only in ("true", "false"):
        assert closed in api.listed("beta", "odd", ("2025-01-01", T), only)
        assert closed in api.listed("beta", "odd", ("2025-04-01", T), only), "R-08: the closing day is inside"
        assert closed in api.listed("beta", "odd", ("2020-01-01", "2025-04-01"), only)
        assert closed not in api.listed("beta", "odd", ("2025-04-02", T), only)


def test_R26_accounts_outside_period_are_not_listed(api: BankApi, world):
    # Sigrid's only relation is a role that ended 2019-03-31.
    assert set(api.listed("alpha", "sigrid", ("2016-01-01", "2019-03-31"))) == {api.number("ola-salary")}
    body = api.accounts("alpha", "sigrid", ("2019-04-01", T))
    assert body["accounts"] == [] and body["responseDetails"] == COMPLETE
    # A party the bank has never seen: 200, empty, complete (D16)
    body = api.accounts("alpha", None, TEN_YEARS, party_value=unknown_person(world))
    assert body["accounts"] == [] and body["responseDetails"] == COMPLETE


def test_R27_only_primary_owner_true_excludes_joint_secondary_owner(api: BankApi):
    joint = api.number("joint")
    eva_primary = api.accounts("alpha", "eva", TEN_YEARS, "true")
    assert eva_primary["accounts"] == [] and eva_primary["responseDetails"] == COMPLETE
    eva_all = api.listed("alpha", "eva", TEN_YEARS, "false")
    assert list(eva_all) == [joint]
    assert eva_all[joint]["primaryOwner"]["identifier"]["value"] == api.pid("ola")
    assert joint in api.listed("alpha", "ola", TEN_YEARS, "true")
    assert joint in api.listed("alpha", "ola", TEN_YEARS, "false")


def test_R27_only_primary_owner_false_adds_role_accounts(api: BankApi):
    drift, eur = api.number("fjell-drift"), api.number("fjell-eur")
    assert set(api.listed("alpha", "per", TEN_YEARS, "false")) == {drift, eur}
    assert api.listed("alpha", "per", TEN_YEARS, "true") == {}


def test_D9_only_primary_owner_in_any_letter_case(api: BankApi):
    for name, value, expected in [("OnlyPrimaryOwner", "TRUE", 0), ("onlyPrimaryOwner", "True", 0),
                                  ("onlyprimaryowner", "FALSE", 1), ("OnlyPrimaryOwner", "fAlSe", 1)]:
        response = api.call("alpha", "/accounts", {"fromDate": TEN_YEARS[0], "toDate": T, name: value},
                            {"PartyID": api.pid("eva")})
        assert response.status_code == 200, (name, value, response.data)
        assert len(response.get_json()["accounts"]) == expected, (name, value)


@pytest.mark.parametrize("bank_id", ["alpha", "beta", "kfr"])
@pytest.mark.parametrize("only", ["true", "false"])
def test_R28_guarantor_only_gets_empty_complete_list(api: BankApi, world, bank_id, only):
    assert any(g.party_id == "kari" for g in world.accounts["cabin-loan"].guarantors)
    for period in (TEN_YEARS, YEAR_2024, TODAY_ONLY):
        body = api.accounts(bank_id, "kari", period, only)
        assert body["accounts"] == [] and body["responseDetails"] == COMPLETE


def test_R29_co_borrower_does_not_see_loan(api: BankApi, world):
    loan = api.number("cabin-loan")
    assert any(c.party_id == "siri" for c in world.accounts["cabin-loan"].co_borrowers)
    for only in ("true", "false"):
        for period in (TEN_YEARS, TODAY_ONLY):
            assert loan not in api.listed("beta", "siri", period, only)
    assert api.number("siri-salary") in api.listed("alpha", "siri", TEN_YEARS, "true"), "her own account is listed"
    assert loan in api.listed("beta", "ola", TEN_YEARS, "true"), "the main borrower sees the loan"


@pytest.mark.parametrize("only", ["true", "false"])
def test_R30_shielded_person_gets_empty_complete_list(api: BankApi, world, only):
    assert world.parties["hanne"].shielded and world.accounts["hanne-salary"].owners[0].party_id == "hanne"
    for period in (TEN_YEARS, TODAY_ONLY):
        body = api.accounts("alpha", "hanne", period, only)
        assert body["accounts"] == [] and body["responseDetails"] == COMPLETE


def test_R31_primary_owner_is_company_for_disponent(api: BankApi):
    listed = api.listed("alpha", "per", TEN_YEARS, "false")
    for account_id in ("fjell-drift", "fjell-eur"):
        owner = listed[api.number(account_id)]["primaryOwner"]
        assert owner["identifier"] == {"countryOfResidence": "NO", "value": api.pid("fjell"),
                                       "type": "countryIdentificationCode"}
        assert owner["name"] == "FJELL TESTKONSERN AS"
        details = api.details("alpha", listed[api.number(account_id)]["accountReference"])
        assert details["account"]["primaryOwner"]["identifier"]["value"] == api.pid("fjell")


def test_R31_primary_owner_capped_at_end_of_requested_partys_relation(api: BankApi):
    number = api.number("enk-business")  # Enk until 2024-06-29, then Erik
    as_enk = api.listed("beta", "enk", TEN_YEARS)[number]["primaryOwner"]
    assert as_enk["identifier"]["value"] == api.pid("enk")
    assert (as_enk["startDate"], as_enk["endDate"]) == ("2018-06-30", "2024-06-29")
    as_erik = api.listed("beta", "erik", TEN_YEARS)[number]["primaryOwner"]
    assert as_erik["identifier"] == {"countryOfResidence": "NO", "value": api.pid("erik"), "type": "nationalIdentityNumber"}
    assert as_erik["startDate"] == "2024-06-30" and "endDate" not in as_erik


def test_R32_owner_dates_latest_period_after_reopen(api: BankApi):
    # odd-savings: opened 2019-06-30, closed 2023-06-30, reopened 2024-06-30
    entry = api.listed("beta", "odd", TEN_YEARS)[api.number("odd-savings")]
    assert entry["primaryOwner"]["startDate"] == "2024-06-30"
    assert "endDate" not in entry["primaryOwner"], "D5/R-32: no endDate while the party owns the account"
    details = api.details("beta", entry["accountReference"], TEN_YEARS)
    assert details["account"]["primaryOwner"]["startDate"] == "2024-06-30"
    assert "endDate" not in details["account"]["primaryOwner"]
    closed = api.listed("beta", "odd", TEN_YEARS)[api.number("odd-salary")]["primaryOwner"]
    assert (closed["startDate"], closed["endDate"]) == ("2016-06-30", "2025-04-01")


def test_R33_status_current_deleted_disabled(api: BankApi):
    historical = ("2020-01-01", "2020-12-31")  # every account below was open then, with a living, solvent owner
    cases = [("odd", "beta", "odd-salary", "deleted"),         # closed 2025-04-01
             ("arne", "alpha", "arne-savings", "disabled"),     # owner died 2025-06-09
             ("bakeri", "alpha", "bakeri-drift", "disabled"),   # owner bankrupt 2025-02-28
             ("ola", "alpha", "ola-salary", "enabled"),
             ("odd", "beta", "odd-savings", "enabled")]         # closed 2023, reopened 2024: open today
    for party, bank, account_id, status in cases:
        for period in (historical, TEN_YEARS):
            entry = api.listed(bank, party, period)[api.number(account_id)]
            assert entry["status"] == status, (account_id, period)
            assert api.details(bank, entry["accountReference"], period)["account"]["status"] == status


def test_R34_accounts_carry_no_name(api: BankApi):
    for party, bank in (("fjell", "alpha"), ("ola", "alpha"), ("fjell", "beta")):
        for entry in api.listed(bank, party, TEN_YEARS).values():
            assert "name" not in entry
            if entry["accountReference"] != "dataNotDelivered":
                assert "name" not in api.details(bank, entry["accountReference"])["account"]


def test_R35_reference_opaque_not_account_number(api: BankApi):
    listed = api.listed("alpha", "fjell", TEN_YEARS)
    assert listed.pop(api.number("fjell-klient"))["accountReference"] == "dataNotDelivered"
    refs = [e["accountReference"] for e in listed.values()]
    assert len(set(refs)) == len(refs) >= 3
    for number, entry in listed.items():
        ref = entry["accountReference"]
        assert UUID.match(ref), ref
        assert number not in ref.replace("-", "") and number[4:] not in ref.replace("-", "")
        # the account number itself is not a reference
        assert _code(api.call("alpha", f"/accounts/{number}", dict(zip(("fromDate", "toDate"), TEN_YEARS, strict=True)))) == (404, "ACC-002")
    # one account, two parties: two references (the reference carries the party context, Q-34)
    assert api.ref("ola", "joint") != api.ref("eva", "joint")


def test_R35_data_not_delivered_reference_404_ACC_002(api: BankApi):
    """Q-24: the predefined value `dataNotDelivered` is not a reference to follow."""
    for suffix in ("", "/transactions", "/cards", "/roles"):
        response = api.call("alpha", f"/accounts/dataNotDelivered{suffix}", {"fromDate": TEN_YEARS[0], "toDate": T})
        assert _code(response) == (404, "ACC-002"), suffix


@pytest.mark.parametrize("position", [0, 7, 9, 14, 19, 24, 30, 35])
def test_D14_tampered_reference_404_ACC_002(api: BankApi, position):
    ref = api.ref("ola", "ola-salary")
    assert ref[position] != "-"
    forged = ref[:position] + ("0" if ref[position] != "0" else "1") + ref[position + 1:]
    for suffix in ("", "/transactions", "/cards", "/roles"):
        response = api.call("alpha", f"/accounts/{forged}{suffix}", {"fromDate": TEN_YEARS[0], "toDate": T})
        assert _code(response) == (404, "ACC-002"), (forged, suffix)


@pytest.mark.parametrize("forged", ["00000000-0000-0000-0000-000000000000", "d4a820ca-ddde-41ed-b5ea-0242ac120002",
                                    "x", "dataNotDelivered2", "ola-salary"])
def test_D14_forged_reference_404_ACC_002(api: BankApi, forged):
    response = api.call("alpha", f"/accounts/{forged}", {"fromDate": TEN_YEARS[0], "toDate": T})
    assert _code(response) == (404, "ACC-002")


def test_D14_reference_of_another_bank_404_ACC_002(api: BankApi):
    ref = api.ref("ola", "cabin-loan")  # issued by beta
    assert _code(api.call("alpha", f"/accounts/{ref}", {"fromDate": TEN_YEARS[0], "toDate": T})) == (404, "ACC-002")
    assert api.details("beta", ref)["account"]["accountIdentifier"] == api.number("cabin-loan")


def test_D4_reference_outside_the_partys_relation_404_ACC_003(api: BankApi):
    sigrid_ref = api.ref("sigrid", "ola-salary", ("2016-01-01", "2019-06-30"))  # her role ended 2019-03-31
    assert api.details("alpha", sigrid_ref, ("2016-01-01", "2019-06-30"))["account"]["accountIdentifier"] == api.number("ola-salary")
    for suffix in ("", "/transactions", "/cards", "/roles"):
        response = api.call("alpha", f"/accounts/{sigrid_ref}{suffix}", {"fromDate": "2019-04-01", "toDate": T})
        assert _code(response) == (404, "ACC-003"), suffix


def test_D14_reference_stable_across_calls(api: BankApi, make_app, contract):
    first = api.ref("ola", "joint", TEN_YEARS)
    assert api.ref("ola", "joint", TEN_YEARS) == first
    assert api.ref("ola", "joint", YEAR_2024, "true") == first, "the period and OnlyPrimaryOwner do not change it"
    # A second process built from the same scenario (another gunicorn worker or replica) issues the same one.
    other_app = make_app(public_url="http://replica.example.test:8000")
    other = BankApi(other_app.test_client(), other_app.extensions["dsop"].world, contract)
    assert other is not api and other.ref("ola", "joint", TEN_YEARS) == first
    assert other.details("alpha", first)["account"]["accountIdentifier"] == api.number("joint")


def test_D21_d_number_party_is_served(api: BankApi, register: RegisterApi, world):
    lukas = world.parties["lukas"]
    assert int(lukas.identifier[0]) >= 4, "a D-number adds 40 to the day"
    entry = api.listed("beta", "lukas", TEN_YEARS, "true")[api.number("lukas-salary")]
    assert entry["primaryOwner"]["identifier"] == {"countryOfResidence": "NO", "value": lukas.identifier,
                                                   "type": "nationalIdentityNumber"}
    assert set(register.relationships("lukas", TEN_YEARS)) == {"beta"}


# =====================================================================================================
#  Account details and balances (R-38 … R-45, D15)
# =====================================================================================================
def _account(api: BankApi, party, account_id, period):
    bank = api.world.accounts[account_id].bank_id
    return api.details(bank, api.ref(party, account_id, period), period)["account"]


def test_R39_today_gives_available_and_booked(api: BankApi, world):
    for party, account_id in (("lars", "lars-salary"), ("ola", "ola-salary"), ("ola", "joint")):
        account = world.accounts[account_id]
        balances = {b["type"]: b for b in _account(api, party, account_id, ("2025-06-01", T))["balances"]}
        assert set(balances) == {"availableBalance", "bookedBalance"}, account_id
        assert signed(balances["bookedBalance"]) == world.balance(account, TODAY)
        assert signed(balances["availableBalance"]) == world.ledger.available(account)
        for b in balances.values():
            assert b["registered"].startswith(T), b
            assert b["currency"] == account.currency
    # available = booked − blocked − reserved (pending debits); the credit line is not added
    account = world.accounts["lars-salary"]
    ref = api.ref("lars", "lars-salary", ("2025-06-01", T))
    pending = [t for t in api.transactions("alpha", ref, ("2025-06-01", T)) if t["status"] == "pending"]
    balances = {b["type"]: signed(b) for b in api.details("alpha", ref, ("2025-06-01", T))["account"]["balances"]}
    held = sum(round(t["amount"] * 100) for t in pending if t["creditDebitIndicator"] == "debit")
    assert held > 0 and account.blocked_amount == 200_000
    assert balances["availableBalance"] == balances["bookedBalance"] - account.blocked_amount - held


@pytest.mark.parametrize("party,account_id,to_date", [
    ("ola", "ola-salary", "2024-12-31"),     # household profile, 11 years, opening balance 1500
    ("fjell", "fjell-eur", "2025-05-15"),    # explicit transactions only, EUR, opening balance 12000
    ("arne", "arne-savings", "2025-03-31"),  # savings profile, 20 years
    ("odd", "odd-savings", "2024-12-31"),    # closed 2023-06-30 and reopened 2024-06-30
    ("lars", "lars-salary", "2025-05-31"),   # > 1000 transactions, paged
])
def test_R40_historical_gives_booked_at_toDate(nav_api: BankApi, world, party, account_id, to_date):
    api = nav_api  # the whole history, from the opening day: older than Skatt's 10-year window, so asked as NAV (v1)
    account = world.accounts[account_id]
    period = (account.opened.isoformat(), to_date)
    ref = api.ref(party, account_id, period)
    balances = api.details(account.bank_id, ref, period)["account"]["balances"]
    assert [b["type"] for b in balances] == ["bookedBalance"], "R-40: only the booked balance for a past toDate"
    booked = balances[0]
    assert booked["registered"] == _end_of_day_oslo(to_date), "Q-08: end of toDate in Oslo, in UTC"
    transactions = api.transactions(account.bank_id, ref, period)
    assert transactions and all(t["status"] == "booked" for t in transactions)
    assert signed(booked) == account.opening_balance + sum(signed(t) for t in transactions), \
        "D15: booked balance = opening balance + booked transactions up to toDate"
    assert signed(booked) == world.balance(account, d(to_date))


def test_R41_closed_within_period_gives_empty_account(api: BankApi, world):
    account = world.accounts["odd-salary"]  # closed 2025-04-01
    for period in (("2025-01-01", T), ("2025-04-01", "2025-04-01"), ("2016-06-30", "2025-04-01"), TEN_YEARS):
        body = _account(api, "odd", "odd-salary", period)
        assert "balances" in body and body["balances"] == [], period
    # closed after toDate: the booked balance at toDate as usual
    balances = _account(api, "odd", "odd-salary", YEAR_2024)["balances"]
    assert [b["type"] for b in balances] == ["bookedBalance"]
    assert signed(balances[0]) == world.balance(account, d("2024-12-31"))


def test_R42_amounts_never_negative_sign_in_indicator(api: BankApi, world):
    loan = world.accounts["cabin-loan"]
    balance = _account(api, "ola", "cabin-loan", TEN_YEARS)["balances"]
    booked = next(b for b in balance if b["type"] == "bookedBalance")
    assert world.balance(loan, TODAY) < 0
    assert booked["creditDebitIndicator"] == "debit" and booked["amount"] > 0


def test_R44_account_dates_latest_lifecycle(api: BankApi):
    reopened = _account(api, "odd", "odd-savings", TEN_YEARS)
    assert reopened["startDate"] == "2024-06-30" and "endDate" not in reopened
    first_cycle = _account(api, "odd", "odd-savings", ("2023-01-01", "2023-12-31"))
    assert (first_cycle["startDate"], first_cycle["endDate"]) == ("2019-06-30", "2023-06-30")
    closed = _account(api, "odd", "odd-salary", TEN_YEARS)
    assert (closed["startDate"], closed["endDate"]) == ("2016-06-30", "2025-04-01")
    for body in (first_cycle, closed):
        assert body["endDate"] > body["startDate"]
    opened = _account(api, "ola", "ola-salary", TEN_YEARS)
    assert opened["startDate"] == "2013-06-30" and "endDate" not in opened


def test_Q29_account_without_balance_has_no_account(api: BankApi):
    entry = api.listed("alpha", "fjell", TEN_YEARS)[api.number("fjell-pool")]
    assert entry["type"] == "accountWithoutBalance"
    for period in (TEN_YEARS, YEAR_2024, TODAY_ONLY):
        account = api.details("alpha", entry["accountReference"], period)["account"]
        assert "balances" not in account, period


def test_Q30_leasing_maps_to_otherAccount_in_v20_but_leasingAccount_in_owners(api: BankApi):
    number = api.number("fjell-leasing")
    entry = api.listed("beta", "fjell", TEN_YEARS)[number]
    assert entry["type"] == "otherAccount"
    assert api.details("beta", entry["accountReference"])["account"]["type"] == "otherAccount"
    owners = api.owners("beta", number)["accountOwners"]
    assert [o["type"] for o in owners] == ["leasingAccount"]


# =====================================================================================================
#  Transactions (R-46 … R-55)
# =====================================================================================================
def test_R46_pending_only_when_toDate_today(api: BankApi, world):
    account = world.accounts["lars-salary"]
    ref = api.ref("lars", "lars-salary", ("2025-06-01", T))
    today = api.transactions("alpha", ref, ("2025-06-01", T))
    pending = [t for t in today if t["status"] == "pending"]
    booked = [t for t in today if t["status"] == "booked"]
    assert len(pending) == len(world.ledger.pending(account)) >= 2
    assert len(booked) + len(pending) == len(today), "only booked and pending here"
    assert [t["transactionIdentifier"] for t in booked] == \
        [t.id for t in world.transactions(account, Period(d("2025-06-01"), TODAY))], "R-46: every booked one"
    for t in pending:
        assert "bookingDate" not in t and "valueDate" not in t
    for period in (("2025-06-01", "2025-06-29"), YEAR_2024):
        assert {t["status"] for t in api.transactions("alpha", ref, period)} == {"booked"}, period


def test_R47_R48_direction_amount_currency(api: BankApi):
    ref = api.ref("fjell", "fjell-eur")
    transactions = api.transactions("alpha", ref, TEN_YEARS)
    assert [(t["creditDebitIndicator"], t["amount"], t["currency"]) for t in transactions] == [
        ("credit", 48500, "EUR"), ("debit", 16250.4, "EUR"), ("credit", 22000, "EUR")]
    card = next(t for t in api.transactions("alpha", api.ref("lars", "lars-salary"), ("2025-05-21", "2025-05-21"))
                if t.get("merchant") == "CAFE DEL MAR MALAGA")
    assert card["amount"] == 1023.75 and card["currency"] == "NOK"
    assert card["currencyExchange"]["originalAmount"] == 88.5
    assert card["currencyExchange"]["sourceCurrency"] == "EUR" and card["currencyExchange"]["targetCurrency"] == "NOK"


def test_R49_counterparty_role(api: BankApi):
    seen = set()
    for party, account_id, period in (("lars", "lars-salary", ("2025-01-01", T)), ("fjell", "fjell-eur", TEN_YEARS),
                                      ("ola", "ola-salary", YEAR_2024), ("ola", "cabin-loan", YEAR_2024)):
        bank = api.world.accounts[account_id].bank_id
        for t in api.transactions(bank, api.ref(party, account_id, period), period):
            for cp in t.get("counterParties", []):
                expected = "creditor" if t["creditDebitIndicator"] == "debit" else "debtor"
                assert cp["type"] == expected, (account_id, t["transactionIdentifier"], cp)
                seen.add(cp["type"])
    assert seen == {"creditor", "debtor"}


#: The suggested ISO 20022 combinations of spec/data-model.md Appendix A, by what the transaction is.
ISO_FAMILIES_BY_DIRECTION = {"debit": {"issuedCreditTransfers", "issuedDirectDebits", "customerCardTransactions",
                                       "miscellaneousDebitOperations", "openingAndClosing"},
                             "credit": {"receivedCreditTransfers", "miscellaneousCreditOperations"}}
R50_ACCOUNTS = (("lars", "lars-salary"), ("lars", "lars-kfr-card"), ("ola", "joint"), ("ola", "cabin-loan"),
                ("fjell", "fjell-drift"), ("fjell", "fjell-eur"), ("arne", "arne-savings"), ("lukas", "lukas-salary"))


@pytest.fixture(scope="module")
def r50_transactions(api: BankApi) -> list[tuple[str, dict]]:
    """(account id, transaction) of R50_ACCOUNTS' ten-year histories, fetched (and contract-checked) once for the
    module's R-50 tests."""
    out = []
    for party, account_id in R50_ACCOUNTS:
        account = api.world.accounts[account_id]
        period = TEN_YEARS if account_id != "lars-salary" else ("2024-06-30", T)
        out += [(account_id, t) for t in api.transactions(account.bank_id, api.ref(party, account_id), period)]
    return out


def test_R50_transaction_codes_are_iso_20022(r50_transactions, contract):
    """R-50: domain/family/subFamily from the ISO 20022 lists (Bank_v2.yaml's enums, Appendix A) on every booked
    and pending transaction; `freeText` (the bank's own text) only besides them, never instead. Card payments are
    `payments`/`customerCardTransactions` (Appendix A's suggested combination)."""
    enums = {key: set(contract.spec["components"]["schemas"][name]["enum"])
             for key, name in (("domain", "DomainType"), ("family", "FamilyType"), ("subFamily", "SubFamilyType"))}
    seen = set()
    for account_id, t in r50_transactions:
        code = t["transactionCode"]
        for key, allowed in enums.items():
            assert code.get(key) in allowed, (account_id, t["transactionIdentifier"], code)
        seen.add((code["domain"], code["family"], code["subFamily"]))
        if "paymentCard" in t or "merchant" in t:
            assert (code["domain"], code["family"]) == ("payments", "customerCardTransactions"), (account_id, t)
    assert {("payments", "customerCardTransactions", "pointOfSalePosPayment"),
            ("payments", "receivedCreditTransfers", "domesticCreditTransfer"),
            ("accountManagement", "miscellaneousDebitOperations", "fees"),
            ("accountManagement", "miscellaneousCreditOperations", "interestsGeneric"),
            ("payments", "issuedDirectDebits", "directDebitPayment")} <= seen, seen


def test_R50_transaction_code_family_matches_the_direction(r50_transactions):
    """R-50 with R-47: an `issued…` family is money out (debit), a `received…` family money in (credit)."""
    wrong = [(account_id, t["transactionIdentifier"], t["creditDebitIndicator"], t["transactionCode"]["family"])
             for account_id, t in r50_transactions
             if t["transactionCode"]["family"] not in ISO_FAMILIES_BY_DIRECTION[t["creditDebitIndicator"]]]
    assert wrong == []


def test_R53_transaction_identifiers_unique(api: BankApi):
    ids_seen = []
    for party, account_id in (("lars", "lars-salary"), ("ola", "ola-salary"), ("ola", "joint")):
        ids_seen += [t["transactionIdentifier"] for t in api.transactions("alpha", api.ref(party, account_id), TEN_YEARS)]
    assert len(ids_seen) == len(set(ids_seen))


MASK = re.compile(r"^(\d{0,6})(X+)(\d{0,4})$")


def test_R54_card_masking(api: BankApi, world):
    checked = 0
    for party, account_id in (("lars", "lars-salary"), ("ola", "joint"), ("lukas", "lukas-salary"),
                              ("lars", "lars-kfr-card")):
        account = world.accounts[account_id]
        pans = {c.number for c in account.cards}
        ref = api.ref(party, account_id)
        cards_response = api.call(account.bank_id, f"/accounts/{ref}/cards", {"fromDate": TEN_YEARS[0], "toDate": T})
        shown = [c["cardIdentifier"] for c in cards_response.get_json()["paymentCards"]]
        pages = api.transaction_pages(account.bank_id, ref, ("2025-01-01", T))
        shown += [t["paymentCard"]["cardIdentifier"] for p in pages for t in p["transactions"] if "paymentCard" in t]
        assert shown, account_id
        for masked in shown:
            m = MASK.match(masked)
            assert m and " " not in masked, f"R-54: {masked!r} is not first-6/last-4 with X in between"
            assert any(len(p) == len(masked) and p.startswith(m.group(1)) and p.endswith(m.group(3)) for p in pans)
            checked += 1
        text = cards_response.get_data(as_text=True) + "".join(str(p) for p in pages)
        for pan in pans:
            assert pan not in text and pan[:-4] not in text and pan[6:] not in text, "card digits leaked"
    assert checked > 10


def test_R55_paging_walk_returns_every_transaction_once(api: BankApi, world):
    account = world.accounts["lars-salary"]
    period = ("2024-06-01", T)
    ref = api.ref("lars", "lars-salary", period)
    expected = [t.id for t in world.transactions(account, Period(d(period[0]), TODAY))]
    expected += [t.id for t in world.ledger.pending(account)]
    assert len(world.transactions(account, Period(d("2024-07-01"), d("2025-06-30")))) > 1000, "scenario: > 1000 a year"
    pages = api.transaction_pages("alpha", ref, period)
    assert len(pages) == -(-len(expected) // 1000) >= 2, "D6: 1000 per page"
    got = [t["transactionIdentifier"] for p in pages for t in p["transactions"]]
    assert got == expected, "every transaction exactly once, in order"
    _check_links(pages, f"/accounts/{ref}/transactions", {"fromDate": period[0], "toDate": period[1]})
    assert all(p["responseDetails"] == pages[0]["responseDetails"] for p in pages), "Q-10: same on every page"


def _check_links(pages, path, params):
    for number, page in enumerate(pages, start=1):
        rels = {lk["rel"]: lk["href"] for lk in page["links"]}
        assert ("next" in rels) == (number < len(pages)), f"R-18: next on page {number} of {len(pages)}"
        assert ("prev" in rels) == (number > 1)
        for rel, href in rels.items():
            parts = urlsplit(href)
            assert not parts.scheme and not parts.netloc and parts.path == path, f"D6: relative href {href}"
            query = dict(parse_qsl(parts.query))
            for key, value in params.items():
                assert query.get(key) == value, f"{rel} href {href} lost {key}"
            target = {"self": number, "next": number + 1, "prev": number - 1}.get(rel)
            if target is not None and target > 1:  # D6/Q-10: an opaque cursor, never the page number itself
                assert re.fullmatch(r"[A-Za-z0-9_-]{16}", query.get("page", "")), href
                assert not query["page"].isdigit(), href
            else:
                assert "page" not in query, f"page 1 has no cursor: {href}"


def test_R55_paging_with_small_pages(bank_api_for, world):
    small = bank_api_for(page_size=97)
    account = world.accounts["lars-salary"]
    ref = small.ref("lars", "lars-salary")
    pages = small.transaction_pages("alpha", ref, TEN_YEARS)
    expected = [t.id for t in world.transactions(account, Period(d(TEN_YEARS[0]), TODAY))]
    expected += [t.id for t in world.ledger.pending(account)]
    assert [len(p["transactions"]) for p in pages[:-1]] == [97] * (len(pages) - 1)
    assert [t["transactionIdentifier"] for p in pages for t in p["transactions"]] == expected
    _check_links(pages, f"/accounts/{ref}/transactions", {"fromDate": TEN_YEARS[0], "toDate": T})
    # A prev link goes back to the page before; the same headers are needed (D6).
    second = pages[1]
    back = small.ok(small.follow("alpha", link(second, "prev")))
    assert back["transactions"] == pages[0]["transactions"]
    # A page past the end (a cursor only the sandbox can issue: the items changed since) is an empty page.
    path, query = f"/accounts/{ref}/transactions", {"fromDate": TEN_YEARS[0], "toDate": T}
    cursors = PageCursors(world.seed)
    cursor = cursors.encode(len(pages) + 5, cursors.scope(path, query, "alpha"))
    beyond = small.ok(small.call("alpha", path, {**query, "page": cursor}))
    assert beyond["transactions"] == [] and link(beyond, "next") is None
    assert link(beyond, "self") == f"{path}?fromDate={TEN_YEARS[0]}&toDate={T}&page={cursor}"


def test_R18_accounts_paging(bank_api_for):
    small = bank_api_for(page_size=3)
    pages = small.accounts_all("alpha", "fjell", TEN_YEARS, "false")
    assert [len(p["accounts"]) for p in pages] == [3, 1]
    _check_links(pages, "/accounts", {"fromDate": TEN_YEARS[0], "toDate": T, "OnlyPrimaryOwner": "false"})
    numbers = [a["accountIdentifier"] for p in pages for a in p["accounts"]]
    assert len(set(numbers)) == 4


# =====================================================================================================
#  Cards and roles (R-56 … R-59)
# =====================================================================================================
def test_R56_cards_of_every_holder_with_status(api: BankApi, world):
    joint_cards = api.cards("alpha", api.ref("eva", "joint"))["paymentCards"]
    assert sorted(c["holderName"] for c in joint_cards) == ["EVA FELLES", "OLA FELLES"]
    lars_cards = api.cards("alpha", api.ref("lars", "lars-salary"))["paymentCards"]
    status = {c["expiryDate"]: c["cardStatus"] for c in lars_cards}
    assert status == {"2024-06": "blocked", "2026-06": "active"}
    for c in joint_cards + lars_cards:
        assert c["versionNumber"] in "123456789" and c["cardIssuerName"] == "ALPHA TESTBANK ASA"


def test_R57_roles_latest_period(api: BankApi):
    for party in ("per", "fjell"):
        roles = api.roles("alpha", api.ref(party, "fjell-drift"))["roles"]
        per = [r for r in roles if r["identifier"]["value"] == api.pid("per")]
        assert len(per) == 1, f"R-57: only the latest period of Per's re-granted right: {per}"
        assert per[0]["permission"] == "rightToUseAlone" and per[0]["startDate"] == "2024-06-30"
        assert "endDate" not in per[0]
        owner = [r for r in roles if r["identifier"]["value"] == api.pid("fjell")]
        assert owner and owner[0]["startDate"] == "2011-06-30" and "endDate" not in owner[0]
    # a role that ended: its endDate
    old = ("2016-01-01", "2019-06-30")
    roles = api.roles("alpha", api.ref("sigrid", "ola-salary", old), old)["roles"]
    sigrid = [r for r in roles if r["identifier"]["value"] == api.pid("sigrid")]
    assert [(r["permission"], r["startDate"], r["endDate"]) for r in sigrid] == [("rightToSeeOnly", "2016-01-01", "2019-03-31")]
    # after a close and reopen: the owner's latest period only
    roles = api.roles("beta", api.ref("odd", "odd-savings"))["roles"]
    assert [(r["identifier"]["value"], r["startDate"], "endDate" in r) for r in roles] == [(api.pid("odd"), "2024-06-30", False)]


# =====================================================================================================
#  Owners (v2.1, R-60 … R-62)
# =====================================================================================================
def test_R60_owners_transfer_company_to_person_with_types(api: BankApi):
    number = api.number("enk-business")
    owners = api.owners("beta", number, TEN_YEARS)["accountOwners"]
    assert owners == [
        {"identifier": {"countryOfResidence": "NO", "value": api.pid("erik"), "type": "nationalIdentityNumber"},
         "name": "ERIK OVERTAKER", "type": "salaryAccount", "startDate": "2024-06-30"},
        {"identifier": {"countryOfResidence": "NO", "value": api.pid("enk"), "type": "countryIdentificationCode"},
         "name": "ERIK OVERTAKER ENK", "type": "businessAccount", "startDate": "2018-06-30", "endDate": "2024-06-29"},
    ]
    # only owners overlapping the period; R-61: their dates are not clipped to it
    assert [o["name"] for o in api.owners("beta", number, ("2025-01-01", T))["accountOwners"]] == ["ERIK OVERTAKER"]
    only_enk = api.owners("beta", number, ("2019-01-01", "2019-12-31"))["accountOwners"]
    assert [(o["name"], o["startDate"], o["endDate"]) for o in only_enk] == [("ERIK OVERTAKER ENK", "2018-06-30", "2024-06-29")]
    assert api.owners("beta", number, ("2015-07-01", "2018-06-29"))["accountOwners"] == []  # before it was opened


def test_R60_owners_of_joint_account_and_unknown_number(api: BankApi, world):
    owners = api.owners("alpha", api.number("joint"))["accountOwners"]
    assert {o["identifier"]["value"] for o in owners} == {api.pid("ola"), api.pid("eva")}
    response = api.call("alpha", f"/accounts/{unknown_account(world)}/owners", {"fromDate": TEN_YEARS[0], "toDate": T})
    assert _code(response) == (404, "ACC-002")


def _expected_owners(world, account, period: Period) -> list[tuple]:
    """The world's ownerships of `account` overlapping `period`, as (identifier, type, start, end or None); a shielded
    owner is never named (R-30 extended to Owners: docs/privacy.md, tests/bank/test_privacy.py)."""
    return sorted((world.parties[o.party_id].identifier, o.account_type, o.period.start.isoformat(),
                   o.period.end.isoformat() if o.period.end is not None and o.period.end <= TODAY else None)
                  for o in account.owners if o.period.overlaps(period) and not world.parties[o.party_id].shielded)


@pytest.mark.parametrize("period", [TEN_YEARS, YEAR_2024, ("2019-01-01", "2019-12-31"), TODAY_ONLY])
def test_R61_owner_dates_are_the_real_ownership_dates_not_clipped(api: BankApi, world, period):
    """R-61: startDate/endDate are the ownership's own dates, not cut to the period; no endDate while the party
    still owns the account (D5: left out, not null). Checked for every account against the world's ownerships."""
    window, clipped = Period(d(period[0]), d(period[1])), 0
    for account in world.accounts.values():
        owners = api.owners(account.bank_id, account.number, period)["accountOwners"]
        got = sorted((o["identifier"]["value"], o["type"], o["startDate"], o.get("endDate")) for o in owners)
        assert got == _expected_owners(world, account, window), account.id
        assert all("endDate" not in o or o["endDate"] is not None for o in owners)
        clipped += sum(1 for o in owners if o["startDate"] < period[0] or o.get("endDate", "0") > period[1])
    assert clipped > 0, "no owner began before or ended after the period: nothing showed the dates are unclipped"


def test_R61_examples_joint_account_and_a_finished_ownership(api: BankApi, world):
    joint = api.owners("alpha", api.number("joint"), YEAR_2024)["accountOwners"]
    opened = world.accounts["joint"].lifecycles[0].start.isoformat()
    assert {(o["startDate"], "endDate" in o) for o in joint} == {(opened, False)} and opened < YEAR_2024[0]
    enk = api.owners("beta", api.number("enk-business"), ("2019-01-01", "2019-12-31"))["accountOwners"]
    assert [(o["startDate"], o["endDate"]) for o in enk] == [("2018-06-30", "2024-06-29")]  # ends after the period


def test_R62_owner_type_is_the_account_type_of_that_ownership_interval(api: BankApi, world):
    """R-62: accountOwners[].type is the type during that owner's interval (12-value list): the sole
    proprietorship's business account became Erik's salary account; the leasing agreement is `leasingAccount`
    here though the v2.0 endpoints call it `otherAccount` (Q-30)."""
    owners = api.owners("beta", api.number("enk-business"), TEN_YEARS)["accountOwners"]
    assert [(o["name"], o["type"]) for o in owners] == [("ERIK OVERTAKER", "salaryAccount"),
                                                        ("ERIK OVERTAKER ENK", "businessAccount")]
    assert [o["type"] for o in api.owners("beta", api.number("fjell-leasing"))["accountOwners"]] == ["leasingAccount"]
    types = set()
    for account in world.accounts.values():
        for o in api.owners(account.bank_id, account.number, TEN_YEARS)["accountOwners"]:
            party = world.party_by_identifier[o["identifier"]["value"]]
            held = {w.account_type for w in account.owners if w.party_id == party.id and w.period.start.isoformat() == o["startDate"]}
            assert held == {o["type"]}, (account.id, o)
            types.add(o["type"])
    assert {"salaryAccount", "businessAccount", "leasingAccount", "loanAccount"} <= types


# =====================================================================================================
#  Completeness (R-06, D16, D17)
# =====================================================================================================
def test_D17_partial_with_message(api: BankApi, world):
    message = world.accounts["nils-salary"].partial[0].message
    ref = api.ref("nils", "nils-salary")
    pages = api.transaction_pages("beta", ref, TEN_YEARS)  # reaches back before 2016
    for page in pages:
        assert page["responseDetails"] == {"status": "partial", "message": message}
    # Only the endpoints the scenario names, only for periods overlapping the archived part
    assert api.transaction_pages("beta", ref, ("2016-01-01", T))[0]["responseDetails"] == COMPLETE
    assert api.details("beta", ref)["responseDetails"] == COMPLETE
    assert api.cards("beta", ref)["responseDetails"] == COMPLETE
    assert api.roles("beta", ref)["responseDetails"] == COMPLETE
    assert api.accounts("beta", "nils", TEN_YEARS)["responseDetails"] == COMPLETE
    assert api.owners("beta", api.number("nils-salary"))["responseDetails"] == COMPLETE


def test_D17_no_partial_without_scenario_notice(api: BankApi, world):
    for party, bank in (("ola", "alpha"), ("fjell", "alpha"), ("odd", "beta"), ("lars", "kfr")):
        for entry in api.listed(bank, party, TEN_YEARS).values():
            if entry["accountReference"] == "dataNotDelivered":
                continue
            assert api.details(bank, entry["accountReference"])["responseDetails"] == COMPLETE


# =====================================================================================================
#  Register: customerRelationships and accountServicingProvider (R-20 … R-25)
# =====================================================================================================
def test_R20_relationships_cover_owned_and_role_banks(register: RegisterApi, world):
    cases = [("ola", TEN_YEARS, {"alpha", "beta"}), ("eva", TEN_YEARS, {"alpha"}), ("per", TEN_YEARS, {"alpha"}),
             ("lars", TEN_YEARS, {"alpha", "kfr"}), ("sigrid", TEN_YEARS, {"alpha"}),
             ("sigrid", ("2019-04-01", T), set()), ("odd", ("2025-05-01", T), {"beta"}),
             ("enk", ("2025-01-01", T), set()), ("erik", ("2025-01-01", T), {"beta"}),
             ("fjell", TODAY_ONLY, {"alpha", "beta"})]
    for party, period, banks in cases:
        got = register.relationships(party, period)
        assert set(got) == banks, (party, period)
        for bank_id, entry in got.items():
            assert entry["bankName"] == world.banks[bank_id].name
    assert register.relationships(customer=unknown_person(world), period=TEN_YEARS) == {}


def test_R21_only_primary_owner_true_keeps_banks_with_owned_funds_account(register: RegisterApi):
    assert set(register.relationships("ola", TEN_YEARS, "true")) == {"alpha"}, "a loan alone is not a funds account"
    assert set(register.relationships("ola", TEN_YEARS, "false")) == {"alpha", "beta"}
    assert set(register.relationships("ola", TEN_YEARS, "TRUE")) == {"alpha"}, "D9: any letter case"
    assert register.relationships("per", TEN_YEARS, "true") == {}
    assert set(register.relationships("lars", TEN_YEARS, "true")) == {"alpha", "kfr"}
    assert set(register.relationships("sigrid", TEN_YEARS, "true")) == {"alpha"}, "Q-21: unknown is kept"


def test_R22_ownership_type_only_when_parameter_sent(register: RegisterApi):
    for entry in register.relationships("ola", TEN_YEARS).values():
        assert "ownershipType" not in entry
    kinds = {b: e["ownershipType"] for b, e in register.relationships("ola", TEN_YEARS, "false").items()}
    assert kinds == {"alpha": "primaryOwner", "beta": "notPrimaryOwner"}
    assert register.relationships("eva", TEN_YEARS, "false")["alpha"]["ownershipType"] == "primaryOwner"
    assert register.relationships("per", TEN_YEARS, "false")["alpha"]["ownershipType"] == "notPrimaryOwner"
    # Sigrid's only relation is a role that ended before KAR kept roles (2019-07-01): unknown
    assert register.relationships("sigrid", TEN_YEARS, "false")["alpha"]["ownershipType"] == "unknown"
    assert register.relationships("sigrid", TEN_YEARS, "true")["alpha"]["ownershipType"] == "unknown"


def test_R23_activeAccount_true_only_for_today_kar_bank_and_owned_funds_account(register: RegisterApi):
    active = {(p, b): e["activeAccount"] for p in ("ola", "eva", "per", "lars", "odd", "enk", "erik")
              for b, e in register.relationships(p, TEN_YEARS).items()}
    assert active == {("ola", "alpha"): True, ("ola", "beta"): False,   # beta: a loan only
                      ("eva", "alpha"): True,                           # a co-owner owns
                      ("per", "alpha"): False,                          # disponent only
                      ("lars", "alpha"): True, ("lars", "kfr"): False,  # KFR: always false
                      ("odd", "beta"): True,                            # odd-savings reopened, open today
                      ("enk", "beta"): False, ("erik", "beta"): True}   # the account passed to Erik


def test_R23_activeAccount_false_for_historical_toDate(register: RegisterApi):
    for party in ("ola", "eva", "lars", "erik"):
        for period in (("2015-07-01", "2025-06-29"), YEAR_2024):
            assert not any(e["activeAccount"] for e in register.relationships(party, period).values()), (party, period)


def test_R23_activeAccount_always_false_at_kfr_bank(register: RegisterApi, world):
    assert world.banks["kfr"].register == "kfr" and world.accounts["lars-kfr-savings"].type == "savingsAccount"
    for only in (None, "true", "false"):
        for period in (TEN_YEARS, TODAY_ONLY):
            assert register.relationships("lars", period, only)["kfr"]["activeAccount"] is False


def test_R25_accountServicingProvider_finds_bank_of_every_account(register: RegisterApi, world):
    for account in world.accounts.values():
        response = register.call("accountServicingProvider", headers={"AccountID": account.number})
        bank = world.banks[account.bank_id]
        assert response.status_code == 200
        assert response.get_json() == {"organizationID": bank.org_number, "bankName": bank.name}


def test_R25_accountServicingProvider_unknown_number_404_ERR_005(register: RegisterApi, world):
    unknown = unknown_account(world)
    bad_check = bad_check_digit(world.accounts["joint"].number)  # no MOD11 check, so not a 400
    for number in (unknown, bad_check, "99999999999999"):
        response = register.call("accountServicingProvider", headers={"AccountID": number})
        assert (response.status_code, response.get_json()["errorCode"]) == (404, "ERR-005"), number


@pytest.mark.parametrize("value", ["1234", "abcdefghijk", "9950 54 60444", "9950.54.60444", "99505460444x", "-9950546044"])
def test_R25_accountServicingProvider_malformed_400_ERR_004(register: RegisterApi, value):
    response = register.call("accountServicingProvider", headers={"AccountID": value})
    assert (response.status_code, response.get_json()["errorCode"]) == (400, "ERR-004")
    assert "AccountID" in response.get_json()["errorMessage"]


def test_R25_accountServicingProvider_missing_account_id_400_ERR_004(register: RegisterApi):
    response = register.call("accountServicingProvider")
    assert (response.status_code, response.get_json()["errorCode"]) == (400, "ERR-004")


# =====================================================================================================
#  Directory
# =====================================================================================================
DIRECTORY = "/altinn/v1/directharvest/Kontrollinformasjon"


def test_directory_lists_every_bank_with_absolute_urls_from_public_url(make_app, world):
    app = make_app(public_url="https://sandbox.example.test:8443/dsop/")
    response = app.test_client().get(DIRECTORY)
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    # DESIGN D23: the real directory's format, a bare array of {orgNo, name, url, version, env}.
    assert isinstance(body, list) and len(body) == len(world.banks)
    assert all(sorted(e) == ["env", "name", "orgNo", "url", "version"] for e in body)
    by_org = {e["orgNo"]: e for e in body}
    for bank in world.banks.values():
        entry = by_org[bank.org_number]
        assert entry["name"] == bank.name and entry["version"] == "v2" and entry["env"] == "test"
        assert entry["url"] == f"https://sandbox.example.test:8443/dsop/banks/{bank.org_number}/v2"
        parts = urlsplit(entry["url"])
        assert parts.scheme == "https" and parts.netloc == "sandbox.example.test:8443"


def test_directory_urls_lead_to_the_banks(api: BankApi, client, world):
    body = client.get(DIRECTORY + "/?envelope=false").get_json()
    assert {e["orgNo"] for e in body} == {b.org_number for b in world.banks.values()}
    for entry in body:
        parts = urlsplit(entry["url"])
        assert parts.scheme in ("http", "https") and parts.netloc, entry["url"]
        bank_id = next(b.id for b in world.banks.values() if b.org_number == entry["orgNo"])
        response = api.call(bank_id, "/accounts", {"fromDate": TEN_YEARS[0], "toDate": T, "OnlyPrimaryOwner": "false"},
                            {"PartyID": api.pid("lars")}, base=parts.path)
        assert response.status_code == 200


def test_health_names_the_world(client):
    body = client.get("/health").get_json()
    assert body["status"] == "ok" and body["today"] == T and body["scenario"] == "api-tests"


def test_body_timestamps_do_not_follow_the_wall_clock(api: BankApi):
    """D15: with a fixed today, bodies are byte-identical between calls."""
    ref = api.ref("lars", "lars-salary", ("2025-06-01", T))
    query = {"fromDate": "2025-06-01", "toDate": T}
    first = api.call("alpha", f"/accounts/{ref}", query).data
    second = api.call("alpha", f"/accounts/{ref}", query, {"CorrelationID": "14fbc062-aacb-4449-93c1-85c352d387a5"}).data
    assert first == second


def test_D15_no_registered_timestamp_after_the_sandbox_clock(api: BankApi):
    period = ("2025-06-01", T)
    late = []
    for party, account_id in (("lars", "lars-salary"), ("ola", "ola-salary"), ("ola", "joint"), ("siri", "siri-salary")):
        ref = api.ref(party, account_id, period)
        now = max(b["registered"] for b in api.details("alpha", ref, period)["account"]["balances"])
        late += [(account_id, t["status"], t["registered"], now) for t in api.transactions("alpha", ref, period)
                 if t["registered"] > now]
    assert late == []


def test_D10_correlation_id_echoed_as_sent(api: BankApi):
    sent = "14FBC062-AACB-4449-93C1-85C352D387A4"
    response = api.call("alpha", "/accounts", {"fromDate": YEAR_2024[0], "toDate": YEAR_2024[1], "OnlyPrimaryOwner": "false"},
                        {"PartyID": api.pid("ola"), "CorrelationID": sent})
    assert response.status_code == 200
    assert response.headers.get("CorrelationID") in (None, sent)


# =====================================================================================================
#  --lenient (D8, Q-01)
# =====================================================================================================
def test_D8_lenient_missing_dates_default_to_today(make_app, contract, world):
    """D8: with --lenient a missing fromDate/toDate (or an empty one) is today, as the OpenAPI and the Roles seed
    say; the answer is the one for an explicit today..today period. Without --lenient both are required (400)."""
    lenient = BankApi(make_app(lenient=True).test_client(), world, contract)
    strict = BankApi(make_app().test_client(), world, contract)
    party = {"PartyID": strict.pid("lars")}
    today_query = {"fromDate": T, "toDate": T, "OnlyPrimaryOwner": "false"}
    expected = strict.ok(strict.call("alpha", "/accounts", today_query, party))
    for query in ({"OnlyPrimaryOwner": "false"}, {"fromDate": "", "toDate": "", "OnlyPrimaryOwner": "false"}):
        body = lenient.ok(lenient.call("alpha", "/accounts", query, party))
        assert body["accounts"] == expected["accounts"] and body["responseDetails"] == expected["responseDetails"]
        assert strict.call("alpha", "/accounts", query, party).status_code == 400
    ref = expected["accounts"][0]["accountReference"]
    for suffix in ("", "/transactions", "/cards", "/roles"):
        want = strict.ok(strict.call("alpha", f"/accounts/{ref}{suffix}", {"fromDate": T, "toDate": T}))
        got = lenient.ok(lenient.call("alpha", f"/accounts/{ref}{suffix}"))
        want.pop("links", None), got.pop("links", None)  # the hrefs repeat each request's own query
        assert got == want, suffix
    pending = [t for t in lenient.ok(lenient.call("alpha", f"/accounts/{ref}/transactions"))["transactions"]
               if t["status"] == "pending"]
    assert pending, "toDate defaulted to today, so pending items are listed (Q-09)"
    owners = lenient.ok(lenient.call("alpha", f"/accounts/{strict.number('lars-salary')}/owners"))
    assert owners == strict.owners("alpha", strict.number("lars-salary"), TODAY_ONLY)


def test_D8_lenient_defaults_only_the_missing_date(make_app, contract, world):
    lenient = BankApi(make_app(lenient=True).test_client(), world, contract)
    party = {"PartyID": lenient.pid("odd")}
    # fromDate given, toDate missing → toDate = today: the salary account closed 2025-04-01 is listed from 2025-01-01
    body = lenient.ok(lenient.call("beta", "/accounts", {"fromDate": "2025-01-01", "OnlyPrimaryOwner": "true"}, party))
    assert lenient.number("odd-salary") in {a["accountIdentifier"] for a in body["accounts"]}
    # toDate given, fromDate missing → fromDate = today, after toDate: the usual period error
    response = lenient.call("beta", "/accounts", {"toDate": "2025-01-01", "OnlyPrimaryOwner": "true"}, party)
    assert _code(response) == (400, "ACC-001") and "fromDate" in response.get_json()["message"]


def test_D8_lenient_register_defaults_to_today(make_app, world):
    lenient = RegisterApi(make_app(lenient=True).test_client(), world)
    strict = RegisterApi(make_app().test_client(), world)
    ident = {"CustomerID": world.parties["lars"].identifier}
    got = lenient.call("customerRelationships", {}, ident)
    want = strict.call("customerRelationships", {"fromDate": T, "toDate": T}, ident)
    assert (got.status_code, got.get_json()) == (200, want.get_json())
    assert strict.call("customerRelationships", {}, ident).status_code == 400
