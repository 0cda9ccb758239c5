"""A transaction's `paymentCard` is the version of the card that paid that day (sandbox/world/model.py
card_in_use): a reissue (`issue_card`) keeps the card id and number but bumps `versionNumber` and starts the
new version's validity on the first of its month, while purchases before the reissue day were paid with the
old version. Plain Python, on the default scenario (`lars-debit` is reissued as version 2).
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.bank.rules import BankRules
from sandbox.scenario import load_scenario
from sandbox.scenario.catalog import resolve
from sandbox.world import Period, build_world
from sandbox.world.model import Card, card_in_use, card_schedule


@pytest.fixture(scope="module")
def world():
    return build_world(load_scenario(resolve("default")))


@pytest.fixture(scope="module")
def payments(world):
    return list(paid_with_cards(world))


def paid_with_cards(world):
    """(account, transaction, paymentCard) of every card payment on every open persona account with a card, over the last
    two years (the default scenario's reissue is two months ago)."""
    rules = BankRules(world)
    window = Period(world.today.replace(year=world.today.year - 2) + timedelta(days=1), world.today)
    for account in world.accounts.values():
        if not account.cards or not account.is_open_on(world.today) or account.generated:  # the personas' own
            continue
        bank, party = world.banks[account.bank_id], account.owners[-1].party_id
        ref = rules.codec.encode(account.id, party)
        page = None
        while True:
            body = rules.transactions(bank, ref, window, page, "/t", {})
            for t in body["transactions"]:
                if "paymentCard" in t:
                    yield account, t, t["paymentCard"]
            nxt = [link for link in body["links"] if link["rel"] == "next"]
            if not nxt:
                break
            page = nxt[0]["href"].rsplit("page=", 1)[1]


def test_every_card_payment_is_made_within_the_cards_validity(payments):
    seen = 0
    for account, t, card in payments:
        day = (t.get("bookingDate") or t["registered"])[:7]
        assert card["startDate"] <= day <= card["expiryDate"], (account.id, t["transactionIdentifier"], card)
        seen += 1
    assert seen > 50


def test_a_reissued_card_shows_the_version_that_paid(world, payments):
    versions = sorted((c for a in world.accounts.values() for c in a.cards if c.id == "lars-debit"),
                      key=lambda c: c.version)
    assert [c.version for c in versions] == [1, 2]
    reissued = versions[0].blocked_on
    shown = {}
    for _account, t, card in payments:
        if card["cardIdentifier"].endswith(versions[0].number[-4:]) and "bookingDate" in t:
            shown.setdefault(card["versionNumber"], []).append(date.fromisoformat(t["bookingDate"][:10]))
    assert set(shown) == {"1", "2"}
    assert max(shown["1"]) < reissued <= min(shown["2"])


def _card(version: int, issued: date, expires: date, blocked_on: date | None = None) -> Card:
    return Card(id="c", holder_id="h", type="debitCard", number="9999990000000000", issued=issued, expires=expires,
                status="active", version=version, blocked_on=blocked_on)


def test_card_in_use_prefers_the_old_version_until_its_replacement_day():
    old = _card(1, date(2022, 1, 1), date(2026, 1, 1), blocked_on=date(2025, 4, 15))
    new = _card(2, date(2025, 4, 1), date(2029, 4, 1))
    assert card_in_use([old, new], date(2025, 4, 14)) is old
    assert card_in_use([old, new], date(2025, 4, 15)) is new
    assert card_in_use([old, new], date(2021, 6, 1)) is old  # before any version: the first
    expired = _card(1, date(2018, 1, 1), date(2021, 1, 1))
    renewed = _card(2, date(2021, 2, 1), date(2025, 2, 1))
    assert card_in_use([expired, renewed], date(2021, 1, 31)) is expired
    assert card_in_use([expired, renewed], date(2021, 2, 1)) is renewed


_months = st.dates(date(2015, 1, 1), date(2030, 12, 1)).map(lambda d: d.replace(day=1))


@st.composite
def _versions(draw) -> list[Card]:
    """One card id's versions, oldest first: any issue and expiry months, blocked (by status or on a day) or not."""
    out = []
    for version in range(1, draw(st.integers(1, 4)) + 1):
        issued = draw(_months)
        expires = draw(_months.filter(lambda m, i=issued: m >= i))
        blocked_on = draw(st.none() | st.dates(issued, date(2031, 1, 1)))
        status = draw(st.sampled_from(["active", "active", "blocked"]))
        out.append(Card(id="c", holder_id="h", type="debitCard", number="9999990000000000", issued=issued,
                        expires=expires, status=status, version=version, blocked_on=blocked_on))
    return out


@settings(max_examples=150, deadline=None)
@given(_versions())
def test_the_card_schedule_names_the_version_card_in_use_names_on_every_day(versions):
    """The writer (bank/item_json.py) looks the version up in card_schedule by bisection: it must be the version
    card_in_use picks, on every day from before the first issue to after the last expiry."""
    days, in_use = card_schedule(versions)
    assert days == sorted(days) and len(in_use) == len(days) + 1
    day = date(2014, 12, 1)
    while day <= date(2031, 3, 1):
        assert in_use[bisect_right(days, day)] is card_in_use(versions, day), day
        day += timedelta(days=1)
