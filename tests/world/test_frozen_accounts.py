"""What a bank sees after a death or a bankruptcy (sandbox/world/timeline.py `freezes`, activity.py AFTER_FREEZE,
ledger.py): an account is frozen from the day none of its current owners can act any more. Then only the bank's
own entries run (fees, interest; after a death also the estate's e-invoices), the month-end balancing transfer
stops, cards are blocked, and no card holds are generated. The scenario's own transactions and pending items are
the author's word and stay. Also: an explicit credit without `kind` gets a credit code, and a transaction may name
a card issued by an `issue_card` event.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import pytest

from sandbox.bank import wire
from sandbox.scenario import load_scenario_text
from sandbox.world import Period, build_world
from sandbox.world.model import Freeze
from sandbox.world.steering import STEERING_TEXTS
from tests.support import TODAY

DEATH = date(2025, 2, 14)  # per
SIRI_DEATH = date(2025, 5, 5)  # siri, after per: the last owner of the joint account `couple`
RULING = date(2024, 11, 20)  # bakeri
HANDOVER = date(2025, 4, 15)  # per's account `heir` passes to kari

#: What a frozen account may still book by itself (besides the scenario's explicit transactions).
BANK_ENTRIES = {"fee", "interest", "interest_charge"}
OWNER_DRIVEN = {"card_purchase", "cash_withdrawal", "transfer_out", "transfer_in", "salary", "other_credit",
                "instalment", "card_payment", "other_debit"}

PEOPLE_AND_ACCOUNTS = """\
version: 1
name: frozen
seed: frozen
banks:
  - {id: alpha, name: ALPHA SPAREBANK, registration_numbers: ["9910"]}
people:
  - {id: kari}
  - {id: ola}
  - {id: per}
  - {id: siri}
  - {id: dina}
organisations:
  - {id: bakeri}
accounts:
  - id: per-salary
    bank: alpha
    type: salaryAccount
    opened: 2020-01-01
    owners: [{party: per}]
    activity: {profile: household, amount: 40000, purchases_per_month: 30}
    cards: [{id: per-debit, holder: per, issued: 2023-01, expires: 2027-12}]
    transactions:
      - {date: 2025-03-10, amount: 25000, direction: debit, kind: transfer_out, text: Gravferd}
      - {date: 2025-04-20, amount: 12000, direction: credit, kind: salary, text: Pensjon}
      - {date: 2025-05-02, amount: 800, direction: debit, kind: card_purchase, card: per-debit, merchant: APOTEK}
    pending:
      - {date: 2025-06-29, amount: 300, merchant: BLOMSTERBUTIKK}
  - id: per-savings
    bank: alpha
    type: savingsAccount
    opened: 2015-01-01
    opening_balance: 20000
    owners: [{party: per}]
  - id: per-loan
    bank: alpha
    type: loanAccount
    opened: 2019-01-01
    opening_balance: -900000
    owners: [{party: per}]
  - id: per-credit
    bank: alpha
    type: creditCardAccount
    opened: 2021-01-01
    credit_line: 30000
    owners: [{party: per}]
    cards: [{id: per-kreditt, holder: per, type: creditCard, issued: 2024-01, expires: 2028-01}]
  - id: joint
    bank: alpha
    type: salaryAccount
    opened: 2018-01-01
    owners: [{party: ola, primary: true}, {party: per}]
    activity: {profile: household, amount: 52000, purchases_per_month: 30}
    cards:
      - {id: ola-debit, holder: ola, issued: 2024-01, expires: 2028-01}
      - {id: per-joint, holder: per, issued: 2024-01, expires: 2028-01}
  - id: couple
    bank: alpha
    type: salaryAccount
    opened: 2018-01-01
    owners: [{party: siri, primary: true}, {party: per}]
    activity: {profile: household, amount: 45000, purchases_per_month: 30}
    cards: [{id: siri-debit, holder: siri, issued: 2024-01, expires: 2028-01}]  # card purchases need a card
  - id: heir
    bank: alpha
    type: salaryAccount
    opened: 2016-01-01
    owners: [{party: per}]
    activity: {profile: household, amount: 30000, purchases_per_month: 30}
    cards: [{id: per-heir, holder: per, issued: 2024-01, expires: 2028-01}]
  - id: per-settled
    bank: alpha
    type: salaryAccount
    opened: 2019-05-01
    owners: [{party: per}]
    activity: {profile: household, amount: 35000}
  - id: bakeri-drift
    bank: alpha
    type: businessAccount
    opened: 2017-01-01
    owners: [{party: bakeri}]
    roles: [{party: dina, permission: rightToUseAlone}]
    activity: {profile: business, amount: 210000, purchases_per_month: 10}
    cards: [{id: bakeri-kort, holder: dina, issued: 2024-01, expires: 2027-12}]
"""

SETTLED = date(2025, 5, 20)  # the estate closes per-settled
EVENTS = f"""\
events:
  - {{date: {HANDOVER}, type: transfer_ownership, account: heir, party: kari}}
  - {{date: {HANDOVER}, type: issue_card, account: heir, card: kari-heir, holder: kari}}
  - {{date: {SETTLED}, type: close, account: per-settled}}
"""
DEATHS = f"""\
  - {{date: {DEATH}, type: death, party: per}}
  - {{date: {SIRI_DEATH}, type: death, party: siri}}
  - {{date: {RULING}, type: bankruptcy, party: bakeri}}
"""


def build(text: str):
    return build_world(load_scenario_text(text, "frozen.yaml", today=TODAY))


@pytest.fixture(scope="module")
def world():
    return build(PEOPLE_AND_ACCOUNTS + EVENTS + DEATHS)


@pytest.fixture(scope="module")
def alive():
    """The same world in which nobody died or went bankrupt: what the frozen accounts would have booked."""
    return build(PEOPLE_AND_ACCOUNTS + EVENTS)


def P(a, b=None) -> Period:
    return Period(a, b)


def booked(world, account_id: str, start: date, end: date = TODAY):
    return world.transactions(world.accounts[account_id], P(start, end))


def generated(world, account_id: str, start: date, end: date = TODAY):
    """Booked transactions in the period that the scenario did not write itself."""
    own = {(t.day, t.amount, t.direction) for t in world.accounts[account_id].explicit_transactions}
    return [t for t in booked(world, account_id, start, end) if (t.booking_date, t.amount, t.direction) not in own]


def kinds(txs) -> set[str]:
    return {t.kind for t in txs}


# ---- when an account is frozen ------------------------------------------------------------------------------

def test_an_account_freezes_when_its_only_owner_dies_or_goes_bankrupt(world, alive):
    acc = world.accounts
    assert acc["per-salary"].frozen == (Freeze(P(DEATH), "death"),)
    assert acc["bakeri-drift"].frozen == (Freeze(P(RULING), "bankruptcy"),)
    assert acc["per-salary"].freeze_on(DEATH - timedelta(days=1)) is None
    assert acc["per-salary"].freeze_on(DEATH).cause == "death"
    assert all(a.frozen == () for a in alive.accounts.values())


def test_joint_account_goes_on_after_one_owner_dies(world, alive):
    joint = world.accounts["joint"]
    assert joint.frozen == ()
    after = booked(world, "joint", DEATH)
    assert {"card_purchase", "salary"} <= kinds(after)
    assert {t.kind for t in after if t.booking_date.day == 20} >= {"salary"}
    # only the living owner's card pays: the dead co-owner's card is blocked from the death date
    assert {t.card_id for t in after if t.kind == "card_purchase"} == {"ola-debit"}
    cards = {c.id: c for c in joint.cards}
    assert cards["per-joint"].status_on(DEATH - timedelta(days=1)) == "active"
    assert cards["per-joint"].status_on(DEATH) == "blocked"
    assert cards["ola-debit"].status_on(TODAY) == "active"
    assert world.transactions(joint, P(DEATH)) != [] and alive.transactions(alive.accounts["joint"], P(DEATH))


def test_joint_account_freezes_when_the_last_owner_dies(world):
    couple = world.accounts["couple"]
    assert couple.frozen == (Freeze(P(SIRI_DEATH), "death"),)
    assert "card_purchase" in kinds(booked(world, "couple", DEATH, SIRI_DEATH - timedelta(days=1)))
    assert kinds(generated(world, "couple", SIRI_DEATH)) <= BANK_ENTRIES | {"e_invoice"}


def test_a_transfer_to_a_living_owner_ends_the_freeze(world):
    heir = world.accounts["heir"]
    assert heir.frozen == (Freeze(P(DEATH, HANDOVER - timedelta(days=1)), "death"),)
    assert kinds(booked(world, "heir", DEATH, HANDOVER - timedelta(days=1))) <= BANK_ENTRIES | {"e_invoice"}
    after = booked(world, "heir", HANDOVER)
    assert "card_purchase" in kinds(after)
    # the steering transfer comes back with the new owner, on a business day of hers (not during the freeze)
    assert any(t.text in STEERING_TEXTS and t.kind in ("transfer_in", "transfer_out")
               and HANDOVER <= t.booking_date <= date(2025, 4, 30) for t in after)
    # the dead owner's card stays blocked; the heir's new card, issued after the freeze, is not touched by it
    cards = {c.id: c for c in heir.cards}
    assert cards["per-heir"].blocked_on == DEATH and cards["kari-heir"].status_on(TODAY) == "active"
    assert {t.card_id for t in after if t.kind == "card_purchase"} == {"kari-heir"}


# ---- after a death --------------------------------------------------------------------------------------------

def test_no_card_purchases_after_the_owners_death(world, alive):
    for account_id in ("per-salary", "per-credit"):
        assert "card_purchase" in kinds(generated(alive, account_id, DEATH)), account_id  # what it would have had
        assert "card_purchase" in kinds(booked(world, account_id, date(2025, 1, 1), DEATH - timedelta(days=1)))
        after = generated(world, account_id, DEATH)
        assert not kinds(after) & {"card_purchase", "cash_withdrawal"}, account_id


def test_no_salary_vipps_cash_or_balancing_after_the_owners_death(world, alive):
    assert {"salary", "transfer_out"} <= kinds(generated(alive, "per-salary", DEATH))
    after = generated(world, "per-salary", DEATH)
    assert not kinds(after) & OWNER_DRIVEN
    assert not [t for t in after if t.text in ("Vipps", "Minibank") or (t.text or "").startswith("Lønn")]
    for account_id in ("per-savings", "per-loan", "per-credit"):  # deposits, instalments, card bill payments
        assert kinds(generated(alive, account_id, DEATH)) & {"transfer_in", "transfer_out", "instalment",
                                                             "card_payment", "other_debit"}, account_id
        assert not kinds(generated(world, account_id, DEATH)) & OWNER_DRIVEN, account_id


def test_the_estate_keeps_bank_entries_and_e_invoices_after_the_death(world):
    after = generated(world, "per-salary", DEATH)
    assert {"fee", "e_invoice"} <= kinds(after) <= BANK_ENTRIES | {"e_invoice"}
    assert {t.booking_date.month for t in after if t.kind == "fee"} == {2, 3, 4, 5, 6}
    loan = generated(world, "per-loan", DEATH)
    assert kinds(loan) == {"interest_charge"} and len(loan) == 5  # the loan's interest keeps running


def test_frozen_month_ends_are_not_steered(world):
    """No balancing entry: the balance only moves by what is booked (savings: nothing until 31 December)."""
    savings = world.accounts["per-savings"]
    jan = world.balance(savings, date(2025, 1, 31))
    assert [world.balance(savings, day) for day in (DEATH, date(2025, 3, 31), TODAY)] == [jan, jan, jan]
    loan = world.accounts["per-loan"]
    charges = sum(t.amount for t in generated(world, "per-loan", date(2025, 2, 1)))
    assert world.balance(loan, TODAY) == world.balance(loan, date(2025, 1, 31)) - charges


def test_an_estate_account_closed_after_the_death_is_emptied_on_the_closing_day(world):
    settled = world.accounts["per-settled"]
    after = booked(world, "per-settled", DEATH)
    assert kinds(after) <= BANK_ENTRIES | {"e_invoice", "closing"}
    closing = [t for t in after if t.kind == "closing"]
    assert [t.booking_date for t in closing] == [SETTLED]
    that_day = sum(t.signed for t in after if t.booking_date == SETTLED)  # the last fee, then the closing entry
    assert world.balance(settled, SETTLED - timedelta(days=1)) + that_day == 0
    assert world.balance(settled, SETTLED) == 0 and world.balance(settled, TODAY) == 0


def test_explicit_transactions_and_pending_items_after_death_are_kept(world):
    after = booked(world, "per-salary", DEATH)
    written = {(t.booking_date, t.kind, t.amount) for t in after}
    assert {(date(2025, 3, 10), "transfer_out", 25_000_00), (date(2025, 4, 20), "salary", 12_000_00),
            (date(2025, 5, 2), "card_purchase", 800_00)} <= written
    pending = world.ledger.pending(world.accounts["per-salary"])
    assert [(t.amount, t.merchant) for t in pending] == [(300_00, "BLOMSTERBUTIKK")]


def test_no_generated_card_holds_after_the_owners_death(world, alive):
    for account_id in ("per-salary", "per-credit"):
        living = alive.ledger.pending(alive.accounts[account_id])
        explicit = len(alive.accounts[account_id].pending)
        assert len(living) > explicit, account_id  # it would have had generated holds today
        assert len(world.ledger.pending(world.accounts[account_id])) == explicit, account_id


def test_cards_of_the_dead_holder_are_blocked_from_the_death_date(world, alive):
    for account_id, card_id in (("per-salary", "per-debit"), ("per-credit", "per-kreditt")):
        card = next(c for c in world.accounts[account_id].cards if c.id == card_id)
        assert (card.status_on(DEATH - timedelta(days=1)), card.status_on(DEATH)) == ("active", "blocked")
        assert next(c for c in alive.accounts[account_id].cards if c.id == card_id).status_on(TODAY) == "active"


def test_status_of_a_dead_owners_account_is_disabled(world):
    assert world.status(world.accounts["per-salary"]) == "disabled"


def test_status_is_disabled_only_when_nobody_can_use_the_account(world, alive):
    """R-33/Q-05: `disabled` = nobody can use it. A joint account whose co-owner lives stays enabled; it is
    disabled once the last owner dies; an estate account handed over to a living heir is enabled again."""
    assert world.status(world.accounts["joint"]) == "enabled" == alive.status(alive.accounts["joint"])
    assert world.status(world.accounts["couple"]) == "disabled"
    assert alive.status(alive.accounts["couple"]) == "enabled"
    assert world.status(world.accounts["heir"]) == "enabled"


# ---- after a bankruptcy ---------------------------------------------------------------------------------------

def test_bankrupt_company_account_has_only_bank_entries_after_the_ruling(world, alive):
    assert {"card_purchase", "other_credit", "transfer_out"} <= kinds(generated(alive, "bakeri-drift", RULING))
    assert {"card_purchase", "other_credit"} <= kinds(booked(world, "bakeri-drift", date(2024, 11, 1),
                                                             RULING - timedelta(days=1)))
    after = booked(world, "bakeri-drift", RULING)
    assert kinds(after) == {"fee", "interest"}  # monthly fees; interest on 31 December 2024
    assert {t.code[0] for t in after} == {"accountManagement"}
    assert world.status(world.accounts["bakeri-drift"]) == "disabled"  # blocked by bankruptcy


def test_bankrupt_company_cards_are_blocked_from_the_ruling(world):
    card = world.accounts["bakeri-drift"].cards[0]
    assert card.holder_id == "dina"  # a living manager holds it; the company's account is blocked
    assert (card.status_on(RULING - timedelta(days=1)), card.status_on(RULING)) == ("active", "blocked")


# ---- balances stay exact --------------------------------------------------------------------------------------

@pytest.mark.parametrize("account_id", ["per-salary", "per-savings", "per-loan", "per-credit", "per-settled", "joint",
                                        "couple", "heir", "bakeri-drift"])
def test_balance_invariant_holds_across_a_freeze(world, account_id):
    """balance(day) = opening balance + booked transactions up to that day, on every day of the last two years."""
    account = world.accounts[account_id]
    start = date(2023, 6, 1)
    by_day = defaultdict(int)
    for t in world.transactions(account, P(start)):
        by_day[t.booking_date] += t.signed
    running = world.balance(account, start - timedelta(days=1))
    day = start
    while day <= TODAY:
        running += by_day.get(day, 0)
        assert world.balance(account, day) == (running if account.is_open_on(day) else 0), (account_id, day)
        if not account.is_open_on(day):
            assert running == 0, (account_id, day)  # the closing entry emptied it
        day += timedelta(days=1)


def test_balances_do_not_depend_on_what_was_asked_first():
    """A frozen month's end is walked from the last steered month: asking today first gives the same answers."""
    text = PEOPLE_AND_ACCOUNTS + EVENTS + DEATHS
    first, second = build(text), build(text)
    days = [TODAY, date(2025, 3, 31), DEATH, date(2025, 5, 31)]
    for account_id in ("per-salary", "per-savings", "per-loan", "bakeri-drift"):
        got = [first.balance(first.accounts[account_id], d) for d in days]
        assert got == [second.balance(second.accounts[account_id], d) for d in reversed(days)][::-1], account_id


# ---- explicit credits without a kind ------------------------------------------------------------------------

KINDLESS = """\
version: 1
name: kindless
seed: k
banks:
  - {id: alpha, name: ALPHA SPAREBANK, registration_numbers: ["9910"]}
people:
  - {id: kari}
accounts:
  - id: plain
    bank: alpha
    type: otherAccount
    opened: 2024-01-01
    owners: [{party: kari}]
    transactions:
      - {date: 2025-03-01, amount: 500, direction: credit, text: Gave}
      - {date: 2025-03-02, amount: 120, direction: debit, text: Regning}
    pending:
      - {date: 2025-06-30, amount: 75, direction: credit, text: Tilbakebetaling}
      - {date: 2025-06-30, amount: 40, text: Reservasjon}
"""


def test_explicit_credit_without_kind_gets_a_credit_code():
    world = build(KINDLESS)
    account = world.accounts["plain"]
    credit, debit = world.transactions(account, P(date(2025, 3, 1), date(2025, 3, 2)))
    assert (credit.direction, credit.kind) == ("credit", "other_credit")
    assert credit.code[:2] == ("payments", "receivedCreditTransfers")
    assert (debit.direction, debit.kind) == ("debit", "other_debit")
    assert debit.code[:2] == ("payments", "issuedCreditTransfers")
    body = wire.transaction(credit, account, world.banks["alpha"], {}, world.parties, TODAY)
    assert body["transactionCode"]["family"] == "receivedCreditTransfers" and body["creditDebitIndicator"] == "credit"


def test_pending_credit_without_merchant_gets_a_credit_code():
    world = build(KINDLESS)
    pending = world.ledger.pending(world.accounts["plain"])
    assert [(t.direction, t.kind, t.code[1]) for t in pending] == [
        ("credit", "other_credit", "receivedCreditTransfers"), ("debit", "other_debit", "issuedCreditTransfers")]


# ---- cards from issue_card events -----------------------------------------------------------------------------

ISSUED = """\
version: 1
name: issued
seed: i
banks:
  - {id: alpha, name: ALPHA SPAREBANK, registration_numbers: ["9910"]}
people:
  - {id: kari}
accounts:
  - id: salary
    bank: alpha
    type: salaryAccount
    opened: 2022-01-01
    owners: [{party: kari}]
    activity: {profile: household, amount: 40000, purchases_per_month: 10}
    transactions:
      - {date: 2025-05-12, amount: 349, direction: debit, kind: card_purchase, card: new-debit, merchant: KIOSK}
events:
  - {date: 2025-03-03, type: issue_card, account: salary, card: new-debit, holder: kari}
"""


def test_explicit_transaction_may_name_a_card_from_an_issue_card_event():
    world = build(ISSUED)  # refused before: "unknown card 'new-debit' on this account"
    account = world.accounts["salary"]
    assert [c.id for c in account.cards] == ["new-debit"]
    tx = next(t for t in world.transactions(account, P(date(2025, 5, 12), date(2025, 5, 12))) if t.merchant == "KIOSK")
    assert tx.card_id == "new-debit"
    body = wire.transaction(tx, account, world.banks["alpha"], wire.card_versions(account.cards), world.parties, TODAY)
    assert body["paymentCard"]["cardStatus"] == "active" and body["paymentCard"]["startDate"] == "2025-03"


def test_generated_card_purchases_use_a_card_from_an_issue_card_event():
    world = build(ISSUED)
    account = world.accounts["salary"]
    purchases = [t for t in world.transactions(account, P(date(2024, 1, 1))) if t.kind == "card_purchase"]
    assert {t.card_id for t in purchases if t.booking_date >= date(2025, 3, 3)} == {"new-debit"}
    assert not [t for t in purchases if t.booking_date < date(2025, 3, 1)]  # no card before it: no card purchase


def test_a_card_named_by_a_transaction_must_exist_on_the_account():
    from sandbox.scenario.errors import ScenarioError

    with pytest.raises(ScenarioError, match="unknown card 'nope'"):
        build(ISSUED.replace("card: new-debit, merchant", "card: nope, merchant"))
