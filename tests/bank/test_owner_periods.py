"""One account, one period, one story: Accounts, Details, Roles and Owners agree after an ownership change.

* R-62 / seed 003: the account type belongs to each owner's period ("Type of account for the account owner in the
  startDate-endDate period"), so Accounts and Details answer the type of the ownership the request's party and
  period see: the primary owner at the end of the party's span (the same ownership R-31 names as primaryOwner).
* Seed 001: Roles lists the role holders "for the specified account and period", as Owners (seed 003) lists the
  owners for the account and period: the requested period, not the part of it the requesting party shares
  (which Q-34 still applies to balances, transactions and cards).

In the HTTP tests' world (tests/support/scenario.py) Erik's company `enk` owns `enk-business` until 2024-06-29;
from 2024-06-30 Erik owns it as his salaryAccount (transfer_ownership).
"""

from __future__ import annotations

from sandbox.dsop.enums import v20_account_type
from tests.support import TEN_YEARS, YEAR_2024, BankApi

BEFORE = ("2023-01-01", "2023-12-31")
PERIODS = (TEN_YEARS, YEAR_2024, BEFORE)


def test_R62_accounts_and_details_type_follow_the_owner_period(api: BankApi):
    number = api.number("enk-business")
    owners = {o["identifier"]["value"]: o["type"] for o in api.owners("beta", number)["accountOwners"]}
    assert owners == {api.pid("enk"): "businessAccount", api.pid("erik"): "salaryAccount"}
    for party, period, expected in (("erik", TEN_YEARS, "salaryAccount"), ("erik", YEAR_2024, "salaryAccount"),
                                    ("enk", TEN_YEARS, "businessAccount"), ("enk", BEFORE, "businessAccount"),
                                    ("enk", YEAR_2024, "businessAccount")):
        entry = api.listed("beta", party, period)[number]
        details = api.details("beta", entry["accountReference"], period)["account"]
        assert (entry["type"], details["type"]) == (expected, expected), (party, period)
        assert entry["primaryOwner"]["identifier"]["value"] == api.pid(party), "R-31: the owner whose type it is"


def test_R62_every_listed_type_is_the_type_of_the_primary_owner_period_owners_reports(api: BankApi, world):
    """For every party, account and period: Accounts' type is the v2.0 form of the type Owners gives the period of
    the owner Accounts names as primaryOwner."""
    checked = 0
    for party in world.parties.values():
        for period in PERIODS:
            for bank_id in world.banks:
                for number, entry in api.listed(bank_id, party.id, period).items():
                    if "primaryOwner" not in entry:
                        continue
                    owner = entry["primaryOwner"]
                    reported = [o["type"] for o in api.owners(bank_id, number, TEN_YEARS)["accountOwners"]
                                if o["identifier"] == owner["identifier"] and o.get("startDate") == owner.get("startDate")]
                    assert [entry["type"]] == [v20_account_type(t) for t in reported], (party.id, number, period)
                    checked += 1
    assert checked > 50


def test_seed001_roles_name_the_same_owners_as_owners_for_the_same_period(api: BankApi):
    """Erik's own relation starts 2024-06-30; asked for ten years, Roles (through his reference) and Owners name
    both owners of the period, his company until 2024-06-29 included."""
    number = api.number("enk-business")
    ref = api.ref("erik", "enk-business")
    roles = {(r["identifier"]["value"], r.get("endDate")) for r in api.roles("beta", ref)["roles"]}
    owners = {(o["identifier"]["value"], o.get("endDate")) for o in api.owners("beta", number)["accountOwners"]}
    assert roles == owners == {(api.pid("enk"), "2024-06-29"), (api.pid("erik"), None)}


def test_seed001_roles_and_owners_agree_for_every_reference_and_period(api: BankApi, world):
    """Everyone Owners names for the account and period is in Roles (as rightToUseAlone), whichever party's reference
    asks; Roles names no one else but the account's role holders of that period."""
    checked = 0
    for party in world.parties.values():
        for period in PERIODS:
            for bank_id in world.banks:
                for number, entry in api.listed(bank_id, party.id, period).items():
                    if entry["accountReference"] == "dataNotDelivered":  # nothing through the other endpoints
                        continue
                    account = world.account_by_number[number]
                    roles = api.roles(bank_id, entry["accountReference"], period)["roles"]
                    owners = {o["identifier"]["value"] for o in api.owners(bank_id, number, period)["accountOwners"]}
                    alone = {r["identifier"]["value"] for r in roles if r["permission"] == "rightToUseAlone"}
                    assert owners <= alone, (party.id, number, period)
                    holders = {world.parties[r.party_id].identifier for r in account.roles}
                    assert {r["identifier"]["value"] for r in roles} <= owners | holders, (party.id, number, period)
                    checked += 1
    assert checked > 50
