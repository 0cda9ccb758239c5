"""Time questions asked of the World (sandbox/world/world.py, ledger.py, timeline.py).

Periods are inclusive at both ends (spec/data-model.md R-08); a booked balance always equals the opening
balance plus every booked transaction up to that day (DESIGN D15).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import pytest

from sandbox.scenario import load_scenario_text
from sandbox.world import Period, build_world
from tests.support import TODAY

HEAD = """\
version: 1
name: queries
seed: q
banks:
  - {id: alpha, name: ALPHA SPAREBANK, registration_numbers: ["9910"]}
  - {id: beta, name: BETA BANK, registration_numbers: ["9920"]}
  - {id: gamma, name: GAMMA KREDITT, registration_numbers: ["9930"], register: kfr}
people:
  - {id: kari}
  - {id: ola}
  - {id: dina}
  - {id: per, death_date: 2025-03-01}
  - {id: siri}
organisations:
  - {id: firma}
  - {id: konkurs, bankruptcy_date: 2025-02-01}
"""

WORLD = HEAD + """\
accounts:
  - id: joint
    bank: alpha
    type: salaryAccount
    opened: 2020-01-01
    owners:
      - {party: ola}
      - {party: kari, primary: true}
    roles:
      - {party: dina, permission: rightToSeeOnly, from: 2023-03-01, to: 2023-05-31}
  - id: kari-sav
    bank: gamma
    type: savingsAccount
    opened: 2021-06-15
    closed: 2025-03-20
    owners: [{party: kari}]
  - id: firma-biz
    bank: beta
    type: businessAccount
    opened: 2019-01-01
    owners: [{party: firma}]
    roles: [{party: kari, permission: rightToUseAlone, from: 2024-01-01}]
  - id: per-acc
    bank: alpha
    type: salaryAccount
    opened: 2018-01-01
    owners: [{party: per}]
  - id: konkurs-acc
    bank: beta
    type: businessAccount
    opened: 2018-01-01
    owners: [{party: konkurs}]
  - id: frozen
    bank: beta
    type: otherAccount
    opened: 2018-01-01
    status: disabled
    owners: [{party: siri}]
  - id: lifecycle
    bank: alpha
    type: salaryAccount
    opened: 2020-01-01
    owners: [{party: siri, primary: true}, {party: ola}]
    roles: [{party: dina, permission: rightToUseWithOther, from: 2021-01-01}]
  - id: handover
    bank: beta
    type: savingsAccount
    opened: 2020-01-01
    owners: [{party: ola}]
events:
  - {date: 2022-03-01, type: grant_role, account: lifecycle, party: kari, permission: rightToUseAlone}
  - {date: 2022-09-30, type: revoke_role, account: lifecycle, party: kari}
  - {date: 2023-01-10, type: close, account: lifecycle}
  - {date: 2023-02-01, type: reopen, account: lifecycle}
  - {date: 2024-04-01, type: transfer_ownership, account: lifecycle, party: firma}
  - {date: 2024-07-01, type: transfer_ownership, account: handover, party: dina}
"""


def build(text: str, *, today: date = TODAY):
    return build_world(load_scenario_text(text, "queries.yaml", today=today))


@pytest.fixture(scope="module")
def world():
    return build(WORLD)


def P(a: str | date, b: str | date | None) -> Period:
    """Period from ISO strings (or dates); b=None is an open end."""
    def d(x):
        return x if isinstance(x, date) or x is None else date.fromisoformat(x)

    return Period(d(a), d(b))


# ---- inclusive periods ------------------------------------------------------------------------------------

def test_period_contains_and_overlaps_are_inclusive():
    p = P("2023-03-01", "2023-05-31")
    assert p.contains(date(2023, 3, 1)) and p.contains(date(2023, 5, 31))
    assert not p.contains(date(2023, 2, 28)) and not p.contains(date(2023, 6, 1))
    assert p.overlaps(P("2023-05-31", "2023-12-31")) and p.overlaps(P("2023-01-01", "2023-03-01"))
    assert not p.overlaps(P("2023-06-01", None)) and not p.overlaps(P("2022-01-01", "2023-02-28"))
    assert P("2023-01-01", None).overlaps(P("2030-01-01", "2030-01-01"))
    assert p.intersect(P("2023-05-31", None)) == P("2023-05-31", "2023-05-31")
    assert p.intersect(P("2023-06-01", None)) is None


@pytest.mark.parametrize("window, counts", [
    (("2023-05-31", "2023-12-31"), True),  # the role ends on the window's first day
    (("2023-01-01", "2023-03-01"), True),  # the role starts on the window's last day
    (("2023-03-01", "2023-03-01"), True),  # a one-day window on the first day
    (("2023-06-01", "2023-12-31"), False),  # the role ended the day before
    (("2022-01-01", "2023-02-28"), False),  # the role starts the day after
])
def test_relation_at_the_edges_of_the_window(world, window, counts):
    relations = world.relations("dina", P(*window), kinds=("role",))
    assert [r.account_id for r in relations if r.account_id == "joint"] == (["joint"] if counts else [])


def test_relations_carry_kind_primary_and_permission(world):
    rels = {(r.account_id, r.kind): r for r in world.relations("kari", P("2024-06-01", "2024-06-01"))}
    assert set(rels) == {("joint", "owner"), ("kari-sav", "owner"), ("firma-biz", "role")}
    assert rels[("joint", "owner")].primary is True
    assert rels[("firma-biz", "role")].permission == "rightToUseAlone"
    assert rels[("firma-biz", "role")].period == P("2024-01-01", None)
    ola = world.relations("ola", P("2024-06-01", "2024-06-01"), kinds=("owner",))
    assert [(r.account_id, r.primary) for r in ola if r.account_id == "joint"] == [("joint", False)]
    assert world.relations("nobody", P("2020-01-01", None)) == []


def test_co_borrower_and_guarantor_relations():
    world = build(HEAD + """\
accounts:
  - id: loan
    bank: gamma
    type: loanAccount
    opened: 2022-01-01
    opening_balance: -100000
    owners: [{party: kari}]
    co_borrowers: [ola]
    guarantors: [{party: dina, from: 2023-01-01, to: 2023-12-31}]
""")
    kinds = lambda party, window: [(r.account_id, r.kind) for r in world.relations(party, window)]  # noqa: E731
    assert kinds("ola", P("2022-01-01", "2022-01-01")) == [("loan", "co_borrower")]
    assert kinds("dina", P("2023-12-31", None)) == [("loan", "guarantor")]
    assert kinds("dina", P("2024-01-01", None)) == []
    assert world.relations("ola", P("2022-01-01", None), kinds=("owner", "role")) == []
    assert [b.id for b in world.banks_for("dina", P("2023-06-01", "2023-06-01"))] == ["gamma"]


def test_closure_inside_versus_after_the_period(world):
    acc = world.accounts["kari-sav"]
    assert acc.closed == date(2025, 3, 20)
    assert acc.closed_within(P("2025-01-01", "2025-03-25"))  # closed inside the window
    assert acc.closed_within(P("2025-03-20", "2025-06-30"))  # closed on the window's first day
    assert not acc.closed_within(P("2025-01-01", "2025-03-19"))  # closed after the window
    assert not acc.closed_within(P("2025-03-21", "2025-06-30"))  # closed before the window
    # the relation still counts for a window that ends on the closing day, and not for one starting after it
    assert [r.account_id for r in world.relations("kari", P("2025-03-20", "2025-04-30"))].count("kari-sav") == 1
    assert "kari-sav" not in [r.account_id for r in world.relations("kari", P("2025-03-21", "2025-04-30"))]


def test_closure_on_the_windows_last_day_is_inside(world):
    """R-08/Q-06: closed on toDate counts as closed within the period (fixed in 20dfe41)."""
    assert world.accounts["kari-sav"].closed_within(P("2025-01-01", "2025-03-20"))


def test_closure_outside_any_lifecycle(world):
    acc = world.accounts["kari-sav"]  # opened 2021-06-15
    assert not acc.closed_within(P("2020-01-01", "2021-06-14"))  # before it was opened
    assert not acc.closed_within(P("2020-01-01", "2021-06-15"))  # opened on the window's last day


def test_closure_and_reopening_inside_the_window(world):
    lifecycle = world.accounts["lifecycle"]  # closed 2023-01-10, reopened 2023-02-01
    assert lifecycle.closed_within(P("2023-01-01", "2023-01-31"))
    assert not lifecycle.closed_within(P("2023-01-01", "2023-02-01"))  # open again at the window's end


# ---- events turned into periods ---------------------------------------------------------------------------

def test_ownership_and_roles_after_close_reopen_transfer_grant_revoke(world):
    acc = world.accounts["lifecycle"]
    assert acc.lifecycles == (P("2020-01-01", "2023-01-10"), P("2023-02-01", None))
    owners = [(o.party_id, o.primary, o.period) for o in acc.owners]
    assert owners == [
        ("siri", True, P("2020-01-01", "2023-01-10")),  # close ends every current ownership on its day
        ("ola", False, P("2020-01-01", "2023-01-10")),
        ("siri", True, P("2023-02-01", "2024-03-31")),  # reopen brings the owners back; transfer ends them the day before
        ("ola", False, P("2023-02-01", "2024-03-31")),
        ("firma", True, P("2024-04-01", None)),  # the new owner is primary from the transfer's day
    ]
    roles = sorted((r.party_id, r.permission, r.period) for r in acc.roles)
    assert roles == [
        ("dina", "rightToUseWithOther", P("2021-01-01", "2023-01-10")),  # close ends roles too
        ("kari", "rightToUseAlone", P("2022-03-01", "2022-09-30")),  # grant .. revoke (the revoke day included)
    ]


def test_owners_on_and_roles_in_follow_the_events(world):
    acc = world.accounts["lifecycle"]
    assert [o.party_id for o in world.owners_on(acc, date(2023, 1, 10))] == ["siri", "ola"]
    assert world.owners_on(acc, date(2023, 1, 11)) == []  # closed
    assert [o.party_id for o in world.owners_on(acc, date(2024, 3, 31))] == ["siri", "ola"]
    assert [o.party_id for o in world.owners_on(acc, date(2024, 4, 1))] == ["firma"]
    assert [r.party_id for r in world.roles_in(acc, P("2022-09-30", "2022-12-31"))] == ["dina", "kari"]
    assert [r.party_id for r in world.roles_in(acc, P("2022-10-01", "2022-12-31"))] == ["dina"]
    assert world.roles_in(acc, P("2023-01-11", None)) == []
    assert world.relations("kari", P("2022-10-01", "2022-12-31"), kinds=("role",)) == []


def test_reopen_after_a_closed_date_in_the_file():
    world = build(HEAD + """\
accounts:
  - id: a
    bank: alpha
    type: otherAccount
    opened: 2020-01-01
    closed: 2021-01-01
    owners: [{party: kari, primary: true}, {party: ola, to: 2020-06-30}]
events:
  - {date: 2022-01-01, type: reopen, account: a}
""")
    acc = world.accounts["a"]
    assert acc.lifecycles == (P("2020-01-01", "2021-01-01"), P("2022-01-01", None))
    assert [(o.party_id, o.period) for o in acc.owners] == [
        ("kari", P("2020-01-01", "2021-01-01")), ("ola", P("2020-01-01", "2020-06-30")),
        ("kari", P("2022-01-01", None)),  # only those who owned it when it closed come back
    ]
    assert world.status(acc) == "enabled"


def test_primary_owner_on_a_joint_account(world):
    joint = world.accounts["joint"]
    assert world.primary_owner_on(joint, date(2024, 1, 1)).party_id == "kari"  # the flagged one, not the first listed
    assert {o.party_id for o in world.owners_on(joint, date(2024, 1, 1))} == {"kari", "ola"}
    assert world.primary_owner_on(joint, date(2019, 12, 31)) is None  # before it was opened
    lifecycle = world.accounts["lifecycle"]
    assert world.primary_owner_on(lifecycle, date(2024, 3, 31)).party_id == "siri"
    assert world.primary_owner_on(lifecycle, date(2024, 4, 1)).party_id == "firma"
    # closed on that day: the last primary owner before it
    last = world.primary_owner_on(lifecycle, date(2023, 1, 20))
    assert (last.party_id, last.period) == ("siri", P("2020-01-01", "2023-01-10"))
    handover = world.accounts["handover"]
    assert world.primary_owner_on(handover, date(2024, 6, 30)).party_id == "ola"
    assert world.primary_owner_on(handover, date(2024, 7, 1)).party_id == "dina"


def test_first_owner_is_primary_when_none_is_flagged(world):
    acc = world.accounts["handover"]
    assert acc.owners[0].party_id == "ola" and acc.owners[0].primary


def test_banks_for(world):
    names = lambda banks: [b.id for b in banks]  # noqa: E731
    assert names(world.banks_for("kari", P("2020-01-01", TODAY))) == ["alpha", "beta", "gamma"]  # scenario order
    assert names(world.banks_for("kari", P("2020-01-01", "2021-06-14"))) == ["alpha"]
    assert names(world.banks_for("kari", P("2021-06-15", "2021-06-15"))) == ["alpha", "gamma"]
    assert names(world.banks_for("kari", P("2025-03-21", TODAY))) == ["alpha", "beta"]  # the gamma account closed
    assert names(world.banks_for("dina", P("2023-06-01", "2024-06-30"))) == []  # role ended, transfer not yet
    assert names(world.banks_for("dina", P("2023-05-31", "2024-06-30"))) == ["alpha"]
    assert names(world.banks_for("dina", P("2024-07-01", None))) == ["beta"]
    assert world.banks_for("nobody", P("2020-01-01", None)) == []


def test_status(world):
    acc = world.accounts
    assert world.status(acc["joint"]) == "enabled"
    assert world.status(acc["kari-sav"]) == "deleted"  # closed
    assert world.status(acc["per-acc"]) == "disabled"  # deceased owner
    assert world.status(acc["konkurs-acc"]) == "disabled"  # bankrupt owner
    assert world.status(acc["frozen"]) == "disabled"  # the scenario's override
    assert world.status(acc["lifecycle"]) == "enabled"  # reopened


def test_status_from_death_and_bankruptcy_events():
    world = build(HEAD + """\
accounts:
  - {id: a, bank: alpha, type: salaryAccount, opened: 2020-01-01, owners: [{party: kari}]}
  - {id: b, bank: alpha, type: businessAccount, opened: 2020-01-01, owners: [{party: firma}]}
  - {id: c, bank: alpha, type: businessAccount, opened: 2020-01-01, closed: 2024-01-01, owners: [{party: firma}]}
  - {id: d, bank: alpha, type: salaryAccount, opened: 2020-01-01, owners: [{party: ola}]}
events:
  - {date: 2025-06-30, type: death, party: kari}
  - {date: 2024-05-01, type: bankruptcy, party: firma}
""")
    acc = world.accounts
    assert world.parties["kari"].death_date == TODAY
    assert world.parties["firma"].bankruptcy_date == date(2024, 5, 1)
    assert [world.status(acc[x]) for x in "abcd"] == ["disabled", "disabled", "deleted", "enabled"]


# ---- ledger: balances and transactions --------------------------------------------------------------------

LEDGER = HEAD + """\
accounts:
  - id: household
    bank: alpha
    type: salaryAccount
    opened: 2023-03-10
    owners: [{party: kari}]
    cards: [{id: c1, holder: kari, issued: 2023-03, expires: 2027-03}]
    blocked_amount: 150
    transactions:
      - {date: 2024-05-17, amount: 1234.56, direction: credit, kind: transfer_in}
    pending:
      - {date: 2025-06-29, amount: 99.50, merchant: KIOSK}
      - {date: 2025-06-30, amount: 10, direction: credit, text: refund}
  - id: savings
    bank: alpha
    type: savingsAccount
    opened: 2023-11-05
    opening_balance: 1000.25
    owners: [{party: kari}]
  - id: loan
    bank: beta
    type: loanAccount
    opened: 2022-12-31
    opening_balance: -2500000
    owners: [{party: kari}]
  - id: business
    bank: beta
    type: businessAccount
    opened: 2024-01-01
    owners: [{party: firma}]
    blocked_amount: 5000
  - id: credit
    bank: gamma
    type: creditCardAccount
    opened: 2024-02-01
    credit_line: 50000
    owners: [{party: ola}]
    cards: [{id: c1, holder: ola, type: creditCard, issued: 2024-02, expires: 2028-02}]
  - id: plain
    bank: alpha
    type: otherAccount
    opened: 2024-01-15
    opening_balance: 500
    owners: [{party: ola}]
    transactions:
      - {date: 2024-02-01, amount: 100, direction: credit}
      - {date: 2024-03-15, amount: 40.50, direction: debit}
      - {date: 2024-09-03, amount: 12, direction: debit}
      - {date: 2025-03-10, amount: 7, direction: credit}
      - {date: 2025-06-30, amount: 1, direction: debit}
    pending:
      - {date: 2025-06-30, amount: 5}
  - id: cycle
    bank: alpha
    type: salaryAccount
    opened: 2024-01-01
    opening_balance: 300
    owners: [{party: dina}]
  - id: savings-cycle
    bank: beta
    type: savingsAccount
    opened: 2023-01-01
    owners: [{party: siri}]
  - id: gone
    bank: alpha
    type: salaryAccount
    opened: 2023-01-01
    closed: 2025-04-14
    owners: [{party: siri}]
    pending:
      - {date: 2025-04-01, amount: 20}
events:
  - {date: 2024-05-12, type: close, account: cycle}
  - {date: 2024-05-20, type: reopen, account: cycle}
  - {date: 2025-06-05, type: close, account: cycle}
  - {date: 2024-09-03, type: close, account: plain}
  - {date: 2025-01-10, type: reopen, account: plain}
  - {date: 2024-02-29, type: close, account: savings-cycle}
  - {date: 2024-04-15, type: reopen, account: savings-cycle}
"""

PROFILE_OF = {"household": "household", "savings": "savings", "loan": "loan", "business": "business",
              "credit": "credit_card", "plain": "none", "cycle": "household", "savings-cycle": "savings",
              "gone": "household"}


@pytest.fixture(scope="module")
def ledger_world():
    return build(LEDGER)


def _days(start: date, end: date):
    for n in range((end - start).days + 1):
        yield start + timedelta(days=n)


def assert_balance_invariant(world, account):
    """balance(day) = opening balance + booked transactions up to that day, for every open day; else 0."""
    txs = world.transactions(account, Period(account.opened - timedelta(days=40), None))
    by_day = defaultdict(int)
    for t in txs:
        by_day[t.booking_date] += t.signed
    running = account.opening_balance
    if account.activity is not None and account.activity.profile == "loan" and running < 0:
        running = 0  # a loan starts at zero and books its payout (issue 17): the payout is a transaction
    for day in _days(account.opened - timedelta(days=3), TODAY):
        if day >= account.opened:
            running += by_day.get(day, 0)
        expected = running if account.is_open_on(day) else 0
        assert world.balance(account, day) == expected, (account.id, day)
        if day >= account.opened and not account.is_open_on(day):
            assert running == 0, (account.id, day)  # a closing entry emptied it


def test_every_activity_profile_is_covered(ledger_world):
    assert {a.id: a.activity.profile for a in ledger_world.accounts.values()} == PROFILE_OF


@pytest.mark.parametrize("account_id", sorted(PROFILE_OF))
def test_balance_is_opening_plus_booked_transactions_every_day(ledger_world, account_id):
    assert_balance_invariant(ledger_world, ledger_world.accounts[account_id])


def test_close_and_reopen_months(ledger_world):
    cycle = ledger_world.accounts["cycle"]
    assert cycle.lifecycles == (P("2024-01-01", "2024-05-12"), P("2024-05-20", "2025-06-05"))
    may = ledger_world.transactions(cycle, P("2024-05-01", "2024-05-31"))
    closing = [t for t in may if t.kind == "closing"]
    assert [t.booking_date for t in closing] == [date(2024, 5, 12)]
    assert not [t for t in may if date(2024, 5, 13) <= t.booking_date <= date(2024, 5, 19)]  # nothing while closed
    assert ledger_world.balance(cycle, date(2024, 5, 12)) == 0
    assert ledger_world.balance(cycle, date(2024, 5, 15)) == 0
    plain = ledger_world.accounts["plain"]
    assert ledger_world.balance(plain, date(2024, 9, 2)) == 500_00 + 100_00 - 40_50
    assert ledger_world.balance(plain, date(2024, 9, 3)) == 0  # closing day: emptied
    assert ledger_world.balance(plain, date(2025, 3, 10)) == 7_00  # a reopened account starts from 0
    assert ledger_world.balance(plain, TODAY) == 6_00


def test_closed_account_balance_is_zero_after_closing(ledger_world):
    gone = ledger_world.accounts["gone"]
    assert ledger_world.balance(gone, date(2025, 4, 13)) != 0
    for day in _days(date(2025, 4, 14), TODAY):
        assert ledger_world.balance(gone, day) == 0
    assert ledger_world.transactions(gone, P("2025-04-15", None)) == []
    last = ledger_world.transactions(gone, P("2025-04-14", "2025-04-14"))
    assert last[-1].kind == "closing"


def test_balance_does_not_depend_on_what_was_asked_before():
    """Lazy per-month generation: asking for one day first gives the same answer as walking every day."""
    walked, fresh = build(LEDGER), build(LEDGER)
    for acc_id in ("household", "loan", "cycle"):
        acc = walked.accounts[acc_id]
        for day in _days(acc.opened, TODAY):
            walked.balance(acc, day)
    for acc_id, day in (("household", date(2024, 5, 17)), ("loan", date(2025, 1, 31)), ("cycle", date(2024, 5, 25))):
        assert fresh.balance(fresh.accounts[acc_id], day) == walked.balance(walked.accounts[acc_id], day)


@pytest.mark.parametrize("window", [
    ("2024-05-17", "2024-05-17"), ("2024-05-10", "2024-06-10"), ("2023-01-01", "2024-12-31"),
    ("2025-06-01", None), ("2025-06-15", "2025-12-31"), ("2010-01-01", "2012-01-01"),
])
def test_transactions_lie_in_the_window_and_are_sorted(ledger_world, window):
    period = P(*window)
    end = min(period.end or TODAY, TODAY)
    for account in ledger_world.accounts.values():
        txs = ledger_world.transactions(account, period)
        assert all(period.start <= t.booking_date <= end for t in txs), account.id
        assert [t.booking_date for t in txs] == sorted(t.booking_date for t in txs), account.id
        assert all(t.status == "booked" and t.amount > 0 for t in txs), account.id


def test_transactions_details(ledger_world):
    all_txs = [t for a in ledger_world.accounts.values()
               for t in ledger_world.transactions(a, P("2020-01-01", None))]
    assert len(all_txs) > 500
    assert len({t.id for t in all_txs}) == len(all_txs)  # unique among all of the bank's transactions
    assert all(t.amount > 0 and isinstance(t.amount, int) for t in all_txs)
    assert all(t.direction in ("credit", "debit") for t in all_txs)
    assert all(t.booking_date <= TODAY for t in all_txs)  # the rest of this month is not booked yet
    assert all(t.registered.tzinfo is not None for t in all_txs)
    explicit = [t for t in ledger_world.transactions(ledger_world.accounts["household"], P("2024-05-17", "2024-05-17"))
                if t.amount == 1234_56]
    assert [(t.direction, t.kind) for t in explicit] == [("credit", "transfer_in")]


def test_pending_only_when_open_today(ledger_world):
    acc = ledger_world.accounts
    assert ledger_world.ledger.pending(acc["gone"]) == []  # closed before today
    assert ledger_world.ledger.pending(acc["cycle"]) == []
    plain = ledger_world.ledger.pending(acc["plain"])
    assert [(t.amount, t.direction, t.status, t.booking_date) for t in plain] == [(5_00, "debit", "pending", None)]
    household = ledger_world.ledger.pending(acc["household"])
    assert [(t.amount, t.direction) for t in household[:2]] == [(99_50, "debit"), (10_00, "credit")]
    assert all(t.status == "pending" for t in household)
    assert len({t.id for t in household}) == len(household)


def test_available_is_booked_minus_blocked_minus_pending_debits(ledger_world):
    for account in ledger_world.accounts.values():
        if not account.is_open_on(TODAY):
            continue
        pending = ledger_world.ledger.pending(account)
        debits = sum(t.amount for t in pending if t.direction == "debit")
        expected = ledger_world.balance(account, TODAY) - account.blocked_amount - debits
        assert ledger_world.ledger.available(account) == expected, account.id
    plain = ledger_world.accounts["plain"]
    assert ledger_world.ledger.available(plain) == 6_00 - 5_00  # credit pending items are not added
    credit = ledger_world.accounts["credit"]
    assert credit.credit_line == 50_000_00
    # the credit line is never added to the available amount
    assert ledger_world.ledger.available(credit) <= ledger_world.balance(credit, TODAY)


# ---- regressions (found by these tests, fixed in 20dfe41) ---------------------------------------------------

SAME_DAY = HEAD + """\
accounts:
  - id: a
    bank: alpha
    type: otherAccount
    opening_balance: 50
    opened: 2024-01-01
    owners: [{party: kari}]
    transactions:
      - {date: 2024-05-12, amount: 5, direction: credit}
      - {date: 2024-06-01, amount: 3, direction: credit}
events:
  - {date: 2024-05-12, type: close, account: a}
  - {date: 2024-05-12, type: reopen, account: a}
"""


def test_close_and_reopen_on_the_same_day_keeps_the_balance_invariant():
    """Two lifecycles once shared the closing day, which booked that day's transactions twice."""
    world = build(SAME_DAY)
    account = world.accounts["a"]
    assert account.lifecycles == (P("2024-01-01", "2024-05-12"), P("2024-05-13", None))  # no shared day
    assert [(o.party_id, o.period) for o in account.owners] == [
        ("kari", P("2024-01-01", "2024-05-12")), ("kari", P("2024-05-13", None))]
    credits = [t for t in world.transactions(account, P("2024-05-12", "2024-05-12")) if t.amount == 5_00]
    assert len(credits) == 1  # the explicit transaction is booked once
    assert world.balance(account, date(2024, 5, 13)) == 0  # the reopened account starts from 0
    assert world.balance(account, date(2024, 6, 1)) == 3_00
    assert_balance_invariant(world, account)


def test_business_profile_without_amount_on_an_other_account_books_positive_amounts():
    """The default amount once came from the account type (otherAccount: 0), booking invoices of 0.00."""
    world = build(HEAD + "accounts:\n  - {id: b, bank: alpha, type: otherAccount, activity: business,"
                         " opened: 2025-01-01, owners: [{party: firma}]}\n")
    account = world.accounts["b"]
    assert account.activity.amount > 0
    txs = world.transactions(account, P("2025-01-01", None))
    assert txs and all(t.amount > 0 for t in txs)
    assert_balance_invariant(world, account)


def test_an_explicit_zero_amount_is_honoured():
    world = build(HEAD + "accounts:\n  - {id: s, bank: alpha, type: savingsAccount, opened: 2025-01-01,"
                         " activity: {profile: savings, amount: 0}, owners: [{party: kari}]}\n")
    account = world.accounts["s"]
    assert account.activity.amount == 0
    assert all(t.amount > 0 for t in world.transactions(account, P("2025-01-01", None)))
    assert_balance_invariant(world, account)


def test_closing_blocks_the_cards_and_a_transfer_can_add_a_secondary_owner():
    world = build(HEAD + """\
accounts:
  - id: a
    bank: alpha
    type: salaryAccount
    opened: 2022-01-01
    owners: [{party: kari}]
    cards: [{id: c1, holder: kari, issued: 2022-01, expires: 2027-01}]
  - id: b
    bank: alpha
    type: salaryAccount
    opened: 2022-01-01
    owners: [{party: ola}]
events:
  - {date: 2024-03-05, type: close, account: a}
  - {date: 2024-06-01, type: transfer_ownership, account: b, party: dina, primary: false}
""")
    card = world.accounts["a"].cards[0]
    assert (card.status_on(date(2024, 3, 4)), card.status_on(date(2024, 3, 5))) == ("active", "blocked")
    b = world.accounts["b"]
    assert [(o.party_id, o.primary, o.period) for o in b.owners] == [
        ("ola", True, P("2022-01-01", "2024-05-31")), ("dina", False, P("2024-06-01", None))]
