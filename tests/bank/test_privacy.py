"""Shielded persons (address protection) on every endpoint: R-30 (spec/data-model.md §4.3; spec/services.md §5;
DESIGN D16) says Accounts answers her an empty, complete list; the sandbox extends it, as the most protective
reading where the standard is silent (docs/privacy.md), to every other place she would be named: primaryOwner in
Accounts and Details, Roles, Owners, a card's holderName (Cards and a transaction's paymentCard) and a transfer's
counterparty. The answer otherwise stays `complete`, as R-30's does. The register keeps answering for her: the
temporary rule tells agencies to use KAR and write to the banks it names.

The world below puts Hanne (shielded) everywhere another party's answer could name her; every bank body on the
way is checked against Bank_v2.yaml / the Owners schema by BankApi.
"""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import pytest

from sandbox import ids
from sandbox.bank.rules import BankRules
from sandbox.scenario import load_scenario
from sandbox.world import Period, build_world
from tests.support import TEN_YEARS, BankApi, RegisterApi

DEFAULT = Path(__file__).resolve().parents[2] / "scenarios" / "default.yaml"
_RNG = random.Random("tests/bank/test_privacy")
HANNE_ID = ids.generate_person_number(_RNG, date(1987, 6, 9))
JOINT_NUMBER = ids.generate_account_number(_RNG, "9950")

SCENARIO = f"""
version: 1
name: privacy
seed: privacy-1
today: 2025-06-30
banks:
  - {{id: alpha, name: ALPHA TESTBANK ASA, registration_numbers: ["9950"]}}
consumers:
  - {{id: skatteetaten, name: Skatteetaten, org_number: "974761076", services: [skatt]}}
  - {{id: politiet, name: Politi- og lensmannsetaten, org_number: "915429785", services: [politi]}}
people:
  - {{id: hanne, name: Hanne Skjermet, national_id: "{HANNE_ID}", shielded: true}}
  - {{id: eva, name: Eva Felles}}
  - {{id: per, name: Per Disponent}}
  - {{id: ola, name: Ola Vanlig}}
accounts:
  - id: joint                        # Hanne primary owner, Eva co-owner, Per disponent; both women hold cards
    bank: alpha
    number: "{JOINT_NUMBER}"
    type: salaryAccount
    opened: -5y
    owners: [{{party: hanne, primary: true}}, {{party: eva}}]
    roles: [{{party: per, permission: rightToSeeOnly}}]
    activity: none
    cards:
      - {{id: hanne-card, holder: hanne, issued: -1y, expires: +3y}}
      - {{id: eva-card, holder: eva, issued: -1y, expires: +3y}}
    transactions:
      - {{date: -1m, amount: 250, direction: debit, kind: card_purchase, card: hanne-card, merchant: KIOSK}}
      - {{date: -1m, amount: 260, direction: debit, kind: card_purchase, card: eva-card, merchant: KIOSK}}
  - id: hanne-solo                   # Hanne's alone
    bank: alpha
    type: savingsAccount
    opened: -3y
    owners: [{{party: hanne}}]
    activity: none
  - id: ola-salary                   # Ola's, with Hanne as disponent and card holder, and transfers to and from her
    bank: alpha
    type: salaryAccount
    opened: -6y
    owners: [{{party: ola}}]
    roles: [{{party: hanne, permission: rightToUseAlone}}, {{party: per, permission: rightToSeeOnly}}]
    activity: none
    cards: [{{id: hanne-extra, holder: hanne, issued: -1y, expires: +3y}}]
    transactions:
      - {{date: -2m, amount: 1000, direction: debit, kind: transfer_out,
          counterparty: {{name: H SKJERMET, national_id: "{HANNE_ID}"}}}}
      - {{date: -2m, amount: 1100, direction: debit, kind: transfer_out,
          counterparty: {{name: Sparekonto, account: "{JOINT_NUMBER}"}}}}
      - {{date: -2m, amount: 1200, direction: credit, kind: transfer_in, counterparty: {{name: Hanne Skjermet}}}}
      - {{date: -2m, amount: 1300, direction: debit, kind: transfer_out, counterparty: {{name: Eva Felles}}}}
"""


@pytest.fixture(scope="module")
def papi(make_app, contract) -> BankApi:
    app = make_app(SCENARIO)
    return BankApi(app.test_client(), app.extensions["dsop"].world, contract)


def _names(body: dict) -> set[str]:
    """Every identifier value and name anywhere in a bank body."""
    found: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("name", "holderName") and isinstance(value, str):
                    found.add(value)
                elif key == "value" and isinstance(value, str):
                    found.add(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(body)
    return found


def _hanne(papi: BankApi) -> set[str]:
    party = papi.world.parties["hanne"]
    return {party.identifier, party.name}


def test_R30_owners_never_names_a_shielded_owner(papi: BankApi):
    """Owners (v2.1) answers anyone who knows the account number: Hanne is left out, her co-owner stays; on her own
    account the list is empty and `complete`, as R-30's Accounts answer is."""
    joint = papi.owners("alpha", JOINT_NUMBER)
    assert joint["responseDetails"] == {"status": "complete"}
    assert [o["identifier"]["value"] for o in joint["accountOwners"]] == [papi.pid("eva")]
    assert papi.owners("alpha", papi.number("hanne-solo")) == {"responseDetails": {"status": "complete"},
                                                                "accountOwners": []}


def test_R30_co_owner_and_disponent_see_the_account_without_her_name(papi: BankApi):
    """Accounts and Details for Eva (co-owner) and Per (disponent): the joint account is theirs to see, but its
    primaryOwner (Hanne, R-31) is not named."""
    for party in ("eva", "per"):
        entry = papi.listed("alpha", party)[JOINT_NUMBER]
        assert "primaryOwner" not in entry and entry["type"] == "salaryAccount"
        details = papi.details("alpha", papi.ref(party, "joint"))
        assert "primaryOwner" not in details["account"] and details["responseDetails"] == {"status": "complete"}
        assert details["account"]["balances"], "the account's own data is still delivered"


def test_R30_roles_leave_out_a_shielded_role_holder_or_owner(papi: BankApi):
    roles = papi.roles("alpha", papi.ref("eva", "joint"))
    assert roles["responseDetails"] == {"status": "complete"}
    assert sorted((r["identifier"]["value"], r["permission"]) for r in roles["roles"]) == sorted(
        [(papi.pid("eva"), "rightToUseAlone"), (papi.pid("per"), "rightToSeeOnly")])
    roles = papi.roles("alpha", papi.ref("ola", "ola-salary"))["roles"]
    assert sorted((r["identifier"]["value"], r["permission"]) for r in roles) == sorted(
        [(papi.pid("ola"), "rightToUseAlone"), (papi.pid("per"), "rightToSeeOnly")])


def test_R30_cards_keep_her_card_without_holder_name(papi: BankApi):
    """R-56: every card of the account is listed; hers without holderName (the masked number names nobody)."""
    cards = papi.cards("alpha", papi.ref("eva", "joint"))["paymentCards"]
    assert sorted(c.get("holderName", "-") for c in cards) == ["-", "EVA FELLES"]
    cards = papi.cards("alpha", papi.ref("ola", "ola-salary"))["paymentCards"]
    assert len(cards) == 1 and "holderName" not in cards[0]


def test_R30_transactions_name_neither_her_card_nor_her_as_counterparty(papi: BankApi):
    txs = papi.transactions("alpha", papi.ref("eva", "joint"))
    holders = sorted(t["paymentCard"].get("holderName", "-") for t in txs if "paymentCard" in t)
    assert holders == ["-", "EVA FELLES"], "both purchases keep their card, hers without the holder's name"
    txs = papi.transactions("alpha", papi.ref("ola", "ola-salary"))
    named = {round(t["amount"]): [c.get("name") for c in t.get("counterParties", [])] for t in txs}
    # by her identity number, by an account she owns, by her name: left out; Eva's transfer keeps its counterparty
    assert named == {1000: [], 1100: [], 1200: [], 1300: ["Eva Felles"]}


def test_R30_her_own_reference_finds_nothing(papi: BankApi, make_app):
    """/accounts never issues her a reference (R-30); one made some other way is an unknown reference (ACC-002) on
    every account-level endpoint, not a way round the rule."""
    rules = make_app(SCENARIO).extensions["dsop"].bank
    assert papi.listed("alpha", "hanne") == {}
    forged = rules.codec.encode("hanne-solo", "hanne")
    query = {"fromDate": TEN_YEARS[0], "toDate": TEN_YEARS[1]}
    for suffix in ("", "/transactions", "/cards", "/roles"):
        response = papi.call("alpha", f"/accounts/{forged}{suffix}", query)
        assert (response.status_code, response.get_json()["code"]) == (404, "ACC-002"), suffix


def test_R30_no_bank_body_names_her_anywhere(papi: BankApi):
    """The sweep: every endpoint, for every other party's every account, and Owners for every account."""
    hidden, seen = _hanne(papi), 0
    for party in ("eva", "per", "ola"):
        for number, entry in papi.listed("alpha", party).items():
            ref = entry["accountReference"]
            bodies = [entry, papi.details("alpha", ref), papi.cards("alpha", ref), papi.roles("alpha", ref),
                      {"t": papi.transactions("alpha", ref)}, papi.owners("alpha", number)]
            for body in bodies:
                assert not _names(body) & hidden, (party, number, body)
                seen += 1
    assert seen == 6 * 4  # eva: joint; per: joint, ola-salary; ola: ola-salary


def test_R30_register_still_answers_for_her_and_names_nobody(make_app):
    """spec/services.md §5: agencies are to check FREG, use KAR and send a digital letter to the banks it names:
    customerRelationships keeps her banks; the register never returns a person's name or number."""
    app = make_app(SCENARIO)
    register = RegisterApi(app.test_client(), app.extensions["dsop"].world)
    entries = register.relationships("hanne", TEN_YEARS, "false")
    assert set(entries) == {"alpha"} and entries["alpha"]["ownershipType"] == "primaryOwner"
    response = register.call("accountServicingProvider", headers={"AccountID": JOINT_NUMBER})
    assert response.get_json()["bankName"] == "ALPHA TESTBANK ASA" and HANNE_ID not in response.get_data(as_text=True)


def test_R30_default_world_owners_never_name_a_shielded_person():
    """The default scenario's shielded persons (Hanne Skjermet and the crowd's) through Owners, for every account."""
    world = build_world(load_scenario(DEFAULT))
    rules = BankRules(world)
    shielded = {p.identifier for p in world.parties.values() if p.shielded}
    window = Period(date(2015, 7, 1), world.today)
    assert len(shielded) >= 2
    owned_by_shielded = 0
    for account in world.accounts.values():
        body = rules.owners(world.banks[account.bank_id], account.number, window)
        assert not {o["identifier"]["value"] for o in body["accountOwners"]} & shielded, account.id
        owned_by_shielded += any(world.parties[o.party_id].shielded for o in account.owners)
    assert owned_by_shielded >= 2
