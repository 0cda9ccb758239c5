"""What happens on an account in one month, per activity profile (household, savings, loan, business,
credit_card). Pure functions of (account, month, rng): the ledger adds explicit transactions, the balancing
entry and the closing entry around them.

Each profile also names the end-of-month balance it steers to (`target`), drawn independently per month, so
any month can be generated without generating the ones before it (DESIGN §2: lazy per (account, month)).
"""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, time, timedelta

from .model import Account, Counterparty
from .pools import BASE_RATES, Pools

UTC = UTC


def at(day: date, rng: random.Random, start_hour: int = 6, end_hour: int = 21) -> datetime:
    """A registration time on `day` (Oslo daytime expressed in UTC)."""
    seconds = rng.randrange(start_hour * 3600, end_hour * 3600)
    return datetime.combine(day, time(), UTC) + timedelta(seconds=seconds)


def _round_amount(rng: random.Random, low: float, high: float) -> int:
    """A log-uniform amount in NOK between low and high, as øre, rounded to whole kroner or to .x0."""
    value = math.exp(rng.uniform(math.log(low), math.log(high)))
    return int(round(value, 1) * 100)


def target(account: Account, months_open: int, rng: random.Random) -> int | None:
    """End-of-month booked balance (øre) this profile steers to, or None for accounts without a profile."""
    act = account.activity
    if act is None or act.profile == "none":
        return None
    amount = act.amount
    if act.profile == "household":
        return int(amount * rng.uniform(0.2, 1.4))
    if act.profile == "business":
        return int(amount * rng.uniform(0.4, 3.0))
    if act.profile == "savings":
        return max(0, account.opening_balance + amount * months_open + int(amount * rng.uniform(-0.4, 0.4)))
    if act.profile == "loan":
        term = 300
        principal = min(account.opening_balance, 0)
        return int(principal * max(0.0, 1 - months_open / term))
    if act.profile == "credit_card":
        limit = account.credit_line or 2_000_000
        return -int(limit * rng.uniform(0.02, 0.5))
    raise ValueError(f"unknown activity profile {act.profile}")


# The entry that moves the balance to the month's target: (kind if money comes in, kind if it goes out, text).
BALANCING = {
    "household": ("transfer_in", "transfer_out", "Overføring sparekonto"),
    "business": ("transfer_in", "transfer_out", "Overføring konsernkonto"),
    "savings": ("transfer_in", "transfer_out", "Sparing"),
    "loan": ("instalment", "other_debit", "Terminbeløp"),
    "credit_card": ("card_payment", "other_debit", "Innbetaling kredittkort"),
}


# What still runs while an account is frozen (Account.frozen: none of its owners can act any more): the bank's
# own entries (fees, interest), and after a death the estate's e-invoices too (AvtaleGiro keeps drawing until
# the estate is settled: what "Oppgjør etter dødsfall" looks at). No purchases, cash, Vipps, salary, business.
AFTER_FREEZE = {"death": frozenset({"fee", "interest", "interest_charge", "e_invoice"}),
                "bankruptcy": frozenset({"fee", "interest", "interest_charge"})}


def month_items(account: Account, days: list[date], rng: random.Random, pools: Pools,
                employer: Counterparty | None, cards_on) -> list[dict]:
    """The profile's own entries for the active `days` of one month, as dicts for the ledger to number.

    `cards_on(day)` gives the account's cards valid on that day (card purchases need one). On the days the
    account is frozen only what AFTER_FREEZE lets through is kept (drawn as usual, then dropped, so the days
    before a death or a ruling keep the entries they had).
    """
    items = _month_items(account, days, rng, pools, employer, cards_on)
    if account.frozen and items:
        items = [it for it in items if _runs(account, it)]
    return items


def _runs(account: Account, item: dict) -> bool:
    freeze = account.freeze_on(item["day"])
    return freeze is None or item["kind"] in AFTER_FREEZE[freeze.cause]


def _month_items(account: Account, days: list[date], rng: random.Random, pools: Pools,
                 employer: Counterparty | None, cards_on) -> list[dict]:
    act = account.activity
    if act is None or act.profile in ("none",) or not days:
        return []
    items: list[dict] = []
    first, last = days[0], days[-1]
    profile = act.profile
    if profile in ("household", "credit_card", "business"):
        items += _card_purchases(account, days, rng, pools, cards_on)
    if profile == "household":
        payday = first.replace(day=min(20, last.day)) if first.day <= 20 <= last.day else None
        if payday and employer is not None:
            items.append(dict(day=payday, amount=act.amount, direction="credit", kind="salary", counterparty=employer,
                              text=f"Lønn {payday.strftime('%m.%Y')}", registered=at(payday, rng, 3, 5)))
        for biller in rng.sample(pools.billers, k=min(len(pools.billers), rng.randint(1, 3))):
            day = rng.choice(days)
            items.append(dict(day=day, amount=_round_amount(rng, 250, 2500), direction="debit", kind="e_invoice",
                              counterparty=biller, text=f"AvtaleGiro {biller.name.title()}"))
        if rng.random() < 0.35:
            day = rng.choice(days)
            items.append(dict(day=day, amount=rng.choice((200, 500, 1000)) * 100, direction="debit",
                              kind="cash_withdrawal", card=_card(cards_on, day, rng), text="Minibank"))
        if rng.random() < 0.5:
            payee, day = rng.choice(pools.payees), rng.choice(days)
            amount, direction = _round_amount(rng, 100, 3000), rng.choice(("debit", "credit"))
            items.append(dict(day=day, amount=amount, direction=direction, counterparty=payee, text="Vipps",
                              kind="transfer_out" if direction == "debit" else "transfer_in"))
    if profile == "business":
        for _ in range(rng.randint(2, 8)):
            customer, day = rng.choice(pools.employers), rng.choice(days)
            items.append(dict(day=day, amount=int(act.amount * rng.uniform(0.05, 0.4)), direction="credit",
                              kind="other_credit", counterparty=customer, text="Faktura"))
        for _ in range(rng.randint(1, 5)):
            supplier, day = rng.choice(pools.billers), rng.choice(days)
            items.append(dict(day=day, amount=int(act.amount * rng.uniform(0.02, 0.2)), direction="debit",
                              kind="transfer_out", counterparty=supplier, text="Leverandørbetaling"))
    if profile in ("household", "business"):
        items.append(dict(day=last, amount=rng.choice((15, 25, 45)) * 100, direction="debit",
                          kind="fee", text="Kontohold"))
    if profile in ("household", "savings", "business") and last.month == 12 and last.day == 31:
        items.append(dict(day=last, amount=_round_amount(rng, 10, 900), direction="credit", kind="interest",
                          text=f"Renter {last.year}"))
    if profile == "loan" and account.opening_balance < 0:
        items.append(dict(day=last, amount=max(100, abs(account.opening_balance) // 200), direction="debit",
                          kind="interest_charge", text="Renter lån"))
    return items


def _card(cards_on, day: date, rng: random.Random):
    cards = cards_on(day)
    return rng.choice(cards).id if cards else None


def _card_purchases(account: Account, days, rng, pools: Pools, cards_on) -> list[dict]:
    act = account.activity
    count = act.purchases_per_month
    items = []
    for _ in range(count):
        day = rng.choice(days)
        card = _card(cards_on, day, rng)
        foreign = rng.random() < act.foreign_share
        merchant = rng.choice(pools.foreign_merchants if foreign else pools.merchants)
        item = dict(day=day, direction="debit", kind="card_purchase", card=card,
                    merchant=f"{merchant.name} {merchant.town}"[:140],
                    counterparty=Counterparty(name=merchant.name), registered=at(day - timedelta(days=rng.randint(0, 1)), rng))
        if foreign and merchant.currency != account.currency:
            original = _round_amount(rng, 3, 150)
            rate = round(BASE_RATES[merchant.currency] * rng.uniform(0.97, 1.03), 4)
            item.update(original_currency=merchant.currency, original_amount=original,
                        exchange_rate=rate, amount=int(round(original * rate)))
        else:
            item["amount"] = _round_amount(rng, 29, 1800)
        items.append(item)
    return items
