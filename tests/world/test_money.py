"""Money that behaves (issue 17, part 2b): cards, the Norwegian banking calendar, salaries, loans, interest,
steering transfers, currency and prepaid accounts. The calendar oracle here is the `holidays` library itself
(plus Christmas Eve and New Year's Eve), not the sandbox's bizdays module.
"""

from __future__ import annotations

import statistics
from datetime import date, timedelta
from functools import cache

import holidays
import pytest

from sandbox.scenario import load_scenario_text
from sandbox.world import Period, build_world
from tests.support import TODAY

MONEY = """\
version: 1
name: money
seed: money
banks:
  - {id: alpha, name: ALPHA SPAREBANK, registration_numbers: ["9910"]}
  - {id: beta, name: BETA BANK ASA, registration_numbers: ["9920"]}
people:
  - {id: solo}
  - {id: saver}
  - {id: many}
  - {id: borrower}
  - {id: rich}
organisations:
  - {id: firma}
accounts:
  - id: solo-salary
    bank: alpha
    type: salaryAccount
    opened: 2015-01-01
    owners: [{party: solo}]
    activity: {profile: household, amount: 40000}
  - id: saver-salary
    bank: alpha
    type: salaryAccount
    opened: 2016-01-01
    owners: [{party: saver}]
    activity: {profile: household, amount: 50000}
  - id: saver-savings
    bank: beta
    type: savingsAccount
    opened: 2016-03-01
    owners: [{party: saver}]
    activity: {profile: savings, amount: 3000}
  - {id: many-1, bank: alpha, type: salaryAccount, opened: 2014-01-01, owners: [{party: many}], activity: household}
  - {id: many-2, bank: beta, type: salaryAccount, opened: 2017-01-01, owners: [{party: many}], activity: household}
  - {id: many-3, bank: beta, type: salaryAccount, opened: 2019-01-01, owners: [{party: many}], activity: household}
  - id: borrower-loan
    bank: alpha
    type: loanAccount
    opened: 2019-03-14
    owners: [{party: borrower}]
    opening_balance: -3000000
  - {id: borrower-salary, bank: alpha, type: salaryAccount, opened: 2012-01-01, owners: [{party: borrower}],
     activity: household}
  - id: rich-savings
    bank: beta
    type: savingsAccount
    opened: 2020-01-01
    owners: [{party: rich}]
    opening_balance: 3500000
    activity: {profile: savings, amount: 0}
  - {id: firma-eur, bank: alpha, type: currencyAccount, currency: EUR, opened: 2021-01-01, owners: [{party: firma}]}
  - {id: firma-drift, bank: alpha, type: businessAccount, opened: 2018-01-01, owners: [{party: firma}]}
  - id: saver-prepaid
    bank: alpha
    type: prepaidCardAccount
    opened: 2022-01-01
    owners: [{party: saver}]
    cards: [{id: saver-prepaid-card, holder: saver, issued: 2022-01, expires: 2030-12}]
"""


@cache
def closed_days(year: int) -> set[date]:
    return set(holidays.Norway(years=year, include_sundays=False)) | {date(year, 12, 24), date(year, 12, 31)}


def business(day: date) -> bool:
    return day.weekday() < 5 and day not in closed_days(day.year)


@pytest.fixture(scope="module")
def world():
    return build_world(load_scenario_text(MONEY, "money.yaml", today=TODAY))


@pytest.fixture(scope="module")
def default():
    from sandbox.scenario import load_scenario
    return build_world(load_scenario("scenarios/default.yaml"))


def txs(world, account_id: str, start: date, end: date | None = None):
    return world.transactions(world.accounts[account_id], Period(start, end))


def crowd(world, account_type: str, n: int = 30):
    return [a for a in sorted(world.accounts.values(), key=lambda a: a.id) if a.generated and a.type == account_type][:n]


# ---- cards ------------------------------------------------------------------------------------------------

def test_every_generated_card_purchase_names_a_card_usable_that_day(default):
    """Issue 17: 74 % of card purchases had no card (crowd cards reached back ~4 years)."""
    purchases = 0
    for account in crowd(default, "salaryAccount", 12):
        cards = {}
        for c in account.cards:
            cards.setdefault(c.id, []).append(c)
        for t in txs(default, account.id, date(2016, 1, 1)):
            if t.kind == "card_purchase":
                purchases += 1
                assert t.card_id in cards, (account.id, t)
                assert any(c.usable_on(t.registered.date()) for c in cards[t.card_id]), (account.id, t)
    assert purchases > 500


def test_crowd_cards_cover_the_whole_account_life_with_renewals(default):
    renewed = 0
    for account in crowd(default, "salaryAccount") + crowd(default, "creditCardAccount"):
        end = min(account.closed or TODAY, TODAY)
        day = account.opened.replace(day=1)
        while day <= end:
            if account.is_open_on(day) and account.freeze_on(day) is None:
                assert any(c.usable_on(day) for c in account.cards), (account.id, day)
            day += timedelta(days=30)
        versions = sorted(c.version for c in account.cards)
        assert versions == list(range(1, len(versions) + 1))
        renewed += len(versions) > 1
    assert renewed > 5


def test_no_card_no_card_purchase(world):
    assert not [t for t in txs(world, "solo-salary", date(2015, 1, 1)) if t.kind in ("card_purchase", "cash_withdrawal")]


# ---- the banking calendar ---------------------------------------------------------------------------------

def _no_business_day_open(account, day):
    """The account's month segment around `day` has no business day: it opened on the month's last weekend."""
    end = (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return account.opened.month == day.month and account.opened.year == day.year and not any(
        business(account.opened + timedelta(days=k)) for k in range((end - account.opened).days + 1))


def test_generated_bookings_and_value_dates_fall_on_business_days(default):
    """Issue 17: 28 % of bookings fell on weekends, 25 December and 17 May included."""
    seen = 0
    for account_type in ("salaryAccount", "savingsAccount", "loanAccount", "businessAccount", "creditCardAccount"):
        for account in crowd(default, account_type, 6):
            for t in txs(default, account.id, date(2021, 1, 1)):
                if t.kind == "closing":  # the day the account closes, whatever day that is
                    continue
                if _no_business_day_open(account, t.booking_date):
                    continue  # ledger.py: a month segment without a business day (opened on its last Saturday)
                seen += 1
                assert business(t.booking_date) and business(t.value_date), (account.id, t.kind, t.booking_date)
    assert seen > 2000


def test_card_purchases_on_weekends_are_booked_the_next_business_day(world):
    purchases = [t for t in txs(world, "saver-prepaid", date(2022, 1, 1)) if t.kind == "card_purchase"]
    weekend = [t for t in purchases if t.registered.date().weekday() >= 5]
    assert weekend, "people shop on Saturdays too"
    for t in weekend:
        day = t.registered.date()
        while not business(day):
            day += timedelta(days=1)
        assert t.booking_date == day


# ---- salaries ---------------------------------------------------------------------------------------------

def salaries(world, account_id: str, start=date(2019, 1, 1)):
    return [t for t in txs(world, account_id, start) if t.kind == "salary"]


def test_salary_is_paid_the_last_business_day_on_or_before_the_20th(world):
    paid = {(t.booking_date.year, t.booking_date.month): t.booking_date for t in salaries(world, "solo-salary")}
    assert paid[(2025, 4)] == date(2025, 4, 16)  # 17-21 April 2025: Easter
    assert paid[(2024, 4)] == date(2024, 4, 19)  # Saturday the 20th
    assert paid[(2024, 10)] == date(2024, 10, 18)  # Sunday the 20th
    assert paid[(2025, 5)] == date(2025, 5, 20)
    for (y, m), day in paid.items():
        assert day <= date(y, m, 20) and business(day)
        assert all(not business(day + timedelta(days=k)) for k in range(1, (date(y, m, 20) - day).days + 1))


def test_salaries_rise_every_year_from_may(world):
    by_month = {(t.booking_date.year, t.booking_date.month): t.amount for t in salaries(world, "solo-salary")
                if t.text.startswith("Lønn")}
    assert by_month[(2025, 6)] == 4_000_000  # today's salary, as the scenario says
    raises = []
    for year in range(2020, 2026):
        assert len({by_month[(year, m)] for m in (1, 2, 3, 4)}) == 1  # the same until the settlement
        raises.append(by_month[(year, 5)] / by_month[(year, 4)] - 1)
    assert all(0.02 <= r <= 0.065 for r in raises), raises
    assert len(set(raises)) > 1
    holiday_pay = [t for t in salaries(world, "solo-salary") if t.text == "Feriepenger 2024"]
    assert len(holiday_pay) == 1 and holiday_pay[0].booking_date == date(2025, 6, 20)
    assert holiday_pay[0].amount == int(by_month[(2025, 4)] * 12 * 0.102) // 100 * 100  # 10.2 % of last year's


def test_one_salary_account_per_employment(world):
    """Issue 17: the same employer paid the full salary into two or three accounts of one person a month."""
    months: dict[tuple, list[str]] = {}
    for account_id in ("many-1", "many-2", "many-3"):
        for t in salaries(world, account_id, date(2014, 1, 1)):
            months.setdefault((t.booking_date.year, t.booking_date.month), set()).add(account_id)
    assert months and all(len(ids) == 1 for ids in months.values())
    assert set(months[(2025, 5)]) == {"many-1"}  # the oldest salary account


# ---- loans and interest -----------------------------------------------------------------------------------

def test_a_loan_starts_with_its_payout(world):
    first = txs(world, "borrower-loan", date(2019, 3, 1), date(2019, 3, 31))
    assert first[0].text == "Utbetaling lån" and first[0].direction == "debit" and first[0].amount == 300_000_000
    assert first[0].booking_date == date(2019, 3, 14)
    assert world.balance(world.accounts["borrower-loan"], date(2019, 3, 13)) == 0


def test_loan_interest_follows_the_balance_and_the_rate(world):
    """Issue 17: the interest was the same for six years while the principal fell."""
    from sandbox.world.rates import loan_rate

    loan = world.accounts["borrower-loan"]
    charges = [t for t in txs(world, "borrower-loan", date(2019, 4, 1)) if t.kind == "interest_charge"]
    assert len(charges) > 60
    for t in charges:
        first = t.booking_date.replace(day=1)
        start = -world.balance(loan, first - timedelta(days=1))
        assert abs(t.amount - start * loan_rate(first) / 120_000) <= 1
    amounts = [t.amount for t in charges]
    assert len(set(amounts)) > 20
    assert min(a for t, a in zip(charges, amounts, strict=True) if t.booking_date.year == 2021) < \
        min(a for t, a in zip(charges, amounts, strict=True) if t.booking_date.year == 2024)  # rates went up
    # the instalment pays the principal part and the interest: the balance falls by the same amount each month
    ends = [world.balance(loan, date(y, m, 28)) for y, m in ((2023, 1), (2023, 2), (2023, 3))]
    assert ends[1] - ends[0] == ends[2] - ends[1] == 1_000_000


def test_the_borrower_pays_the_instalment_from_his_salary_account(world):
    loan = world.accounts["borrower-loan"]
    paid = [t for t in txs(world, "borrower-salary", date(2024, 1, 1), date(2024, 12, 31)) if t.text == "Terminbeløp lån"]
    booked = [t for t in txs(world, "borrower-loan", date(2024, 1, 1), date(2024, 12, 31)) if t.kind == "instalment"]
    assert len(paid) == len(booked) == 12
    assert [(t.booking_date, t.amount) for t in paid] == [(t.booking_date, t.amount) for t in booked]
    assert {t.counterparty.account for t in paid} == {loan.number}


def test_savings_interest_follows_the_balance(world):
    """Issue 17: 3.5 MNOK earned 12.80 NOK in a year."""
    interest = [t for t in txs(world, "rich-savings", date(2024, 1, 1), date(2024, 12, 31)) if t.kind == "interest"]
    assert len(interest) == 1 and interest[0].booking_date == date(2024, 12, 30)  # the 31st is a bank holiday
    balance = statistics.mean(world.balance(world.accounts["rich-savings"], date(2024, m, 1)) for m in range(1, 13))
    assert 0.03 < interest[0].amount / balance < 0.05  # a 2024 savings rate


# ---- steering ---------------------------------------------------------------------------------------------

def test_no_transfer_to_a_savings_account_the_owner_does_not_have(world):
    own = {world.accounts["solo-salary"].number}
    for t in txs(world, "solo-salary", date(2015, 1, 1)):
        assert t.text != "Overføring sparekonto"
        if t.text in ("Overføring egen konto", "Spareavtale"):
            assert t.counterparty.account in own


def test_a_savings_agreement_runs_on_a_fixed_day_into_the_owners_savings_account(world):
    savings = world.accounts["saver-savings"]
    out = [t for t in txs(world, "saver-salary", date(2023, 1, 1)) if t.text == "Spareavtale"]
    into = [t for t in txs(world, "saver-savings", date(2023, 1, 1)) if t.text == "Spareavtale"]
    assert len(out) >= 29 and {t.amount for t in out} == {300_000}
    assert {t.counterparty.account for t in out} == {savings.number}
    assert [(t.booking_date, t.amount) for t in out] == [(t.booking_date, t.amount) for t in into]
    due = {t.booking_date.day for t in out}
    assert len(due) <= 4  # one due day, moved to the next business day when it is not one
    steering = [t for t in txs(world, "saver-salary", date(2023, 1, 1)) if t.text == "Overføring egen konto"]
    assert steering and {t.counterparty.account for t in steering} <= {savings.number, world.accounts["saver-prepaid"].number}


# ---- currency and prepaid accounts -------------------------------------------------------------------------

def test_a_currency_account_lives_in_its_currency(world, default):
    eur = txs(world, "firma-eur", date(2024, 1, 1))
    assert len(eur) > 20
    exchanged = [t for t in eur if t.original_currency is not None]
    assert exchanged and {t.original_currency for t in exchanged} == {"NOK"}
    assert all(abs(t.amount - round(t.original_amount * t.exchange_rate)) <= 1 for t in exchanged)
    assert all(0.07 < t.exchange_rate < 0.11 for t in exchanged)  # euros per krone
    generated = [a for a in default.accounts.values() if a.generated and a.type == "currencyAccount"]
    assert generated and all(a.currency != "NOK" for a in generated)
    assert len({a.currency for a in generated}) >= 3


def test_a_prepaid_account_is_topped_up_and_spent(world):
    year = txs(world, "saver-prepaid", date(2024, 7, 1), date(2025, 6, 30))
    topups = [t for t in year if t.direction == "credit"]
    assert topups and {t.text for t in topups} <= {"Påfylling", "Overføring egen konto"}
    assert sum(t.kind == "card_purchase" for t in year) > 50
    account = world.accounts["saver-prepaid"]
    assert min(world.balance(account, date(2024, 7, 1) + timedelta(days=d)) for d in range(365)) >= 0


# ---- laziness ---------------------------------------------------------------------------------------------

def test_a_month_does_not_depend_on_the_months_asked_before(world):
    fresh = build_world(load_scenario_text(MONEY, "money.yaml", today=TODAY))
    for account_id in ("saver-salary", "saver-savings", "borrower-loan", "rich-savings", "firma-eur"):
        txs(world, account_id, date(2015, 1, 1))  # every month, oldest first
        december = Period(date(2024, 12, 1), date(2024, 12, 31))
        assert fresh.transactions(fresh.accounts[account_id], december) == \
            world.transactions(world.accounts[account_id], december), account_id
