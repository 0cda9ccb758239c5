"""Issue 19's shortcuts on the transactions path give what the plain functions give: the renderer's kept days and
times of day and its amounts without round() (bank/wire.py), and the ledger's window that filters only its first
and last months (world/ledger.py booked)."""

from __future__ import annotations

from datetime import timedelta

from sandbox.bank import wire
from sandbox.bank.privacy import Shield
from sandbox.dsop import wire as dsop_wire
from sandbox.world import Period
from sandbox.world.ledger import iter_months


def _accounts(world, n=12):
    out = [a for a in world.accounts.values() if not a.data_not_delivered]
    return out[:n]


def test_an_items_timestamps_and_amount_are_the_plain_wire_functions(world):
    shield = Shield(world) or None
    checked = 0
    for account in _accounts(world):
        txs = world.transactions(account, Period(account.opened, world.today)) + world.ledger.pending(account)
        render = wire.TransactionRenderer(account, world.banks[account.bank_id], wire.card_versions(account.cards),
                                          world.parties, world.today, shield)
        for t in txs:
            item = render(t)
            assert item["registered"] == dsop_wire.datetime_z(t.registered)
            assert item["amount"] == dsop_wire.money(t.amount) and type(item["amount"]) is type(dsop_wire.money(t.amount))
            if t.booking_date is not None:
                assert item["bookingDate"] == dsop_wire.midnight_z(t.booking_date)
                assert item["valueDate"] == dsop_wire.midnight_z(t.value_date)
            checked += 1
    assert checked > 1000


def test_amounts_in_ore_need_no_rounding():
    # the renderer writes amount / 100 where wire.money rounds it to two decimals: the same float for every øre
    for minor in [*range(0, 200_000, 7), *(10**k + d for k in range(5, 15) for d in (1, 3, 5, 49, 50, 51, 99))]:
        assert minor / 100 == round(minor / 100, 2)


def test_a_window_is_the_months_transactions_between_its_days(world):
    ledger = world.ledger
    for account in _accounts(world, 8):
        for start_shift, end_shift in ((0, 0), (17, 3), (45, 40), (400, 200)):
            start = account.opened + timedelta(days=start_shift)
            end = world.today - timedelta(days=end_shift)
            if start > end:
                continue
            window = Period(start, end)
            plain = [t for y, m in iter_months(start, end) for t in ledger.month(account, y, m)
                     if start <= t.booking_date <= end]
            assert ledger.booked(account, window) == plain
