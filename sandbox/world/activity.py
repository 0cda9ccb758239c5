"""What happens on an account in one month, per activity profile (household, savings, loan, business,
credit_card, currency, prepaid). Pure functions of (account, segment, rng, context): the ledger adds explicit
transactions, the steering entries (steering.py) and the closing entry around them.

Each profile also names the end-of-month balance it steers to (`target`), drawn independently per month, so
any month can be generated without generating the ones before it (DESIGN §2: lazy per (account, month)).

Dates follow the Norwegian banking calendar (bizdays.py): salaries, transfers, bills and the bank's own
entries are booked on business days; card purchases, cash withdrawals and Vipps happen on any day and are
booked on the next business day (their `registered` time is the moment they happened).
"""

from __future__ import annotations

import random
from datetime import date
from functools import lru_cache

from .bizdays import previous_business_day
from .model import Account, Counterparty
from .monthly import Month, at, exchange_rate, loan_balance, loan_due_day, loan_payout_day, previous_month, round_amount
from .rates import deposit_rate, loan_rate, monthly_interest
from .steering import housing, savings_agreement, savings_deposit, standing_bills


@lru_cache(maxsize=8192)
def named(name: str) -> Counterparty:
    """The counterparty known by its name only (a merchant, a payer abroad): one object per name, not one per
    transaction. The value is the same; a page's renderer keeps a counterparty's written part by its object
    (bank/wire.py, item_json.py), so 1000 card purchases at 60 shops are 60 parts, not 1000 (issue 19), and a
    frozen dataclass is not built per purchase."""
    return Counterparty(name=name)


def target(account: Account, months_open: int, rng: random.Random, level: float = 1.0) -> int | None:
    """End-of-month booked balance (minor units) this profile steers to, or None for accounts without one.
    `level` scales a household's balance with its salary (salaries rise yearly, household.py)."""
    act = account.activity
    if act is None or act.profile == "none":
        return None
    amount = act.amount
    if act.profile == "household":
        return int(amount * level * rng.uniform(0.2, 1.4))
    if act.profile == "business":
        return int(amount * rng.uniform(0.4, 3.0))
    if act.profile == "savings":
        return max(0, account.opening_balance + amount * months_open + int(amount * rng.uniform(-0.4, 0.4)))
    if act.profile == "loan":
        return loan_balance(account, months_open)
    if act.profile == "credit_card":
        limit = account.credit_line or 2_000_000
        return -int(limit * rng.uniform(0.02, 0.5))
    if act.profile == "currency":
        return int(amount * rng.uniform(0.3, 1.5))
    if act.profile == "prepaid":
        return int(amount * rng.uniform(0.0, 1.0))
    raise ValueError(f"unknown activity profile {act.profile}")


# Holiday pay ("feriepenger"): 10.2 % of last year's salary, paid in June (the Holiday Act's rate).
HOLIDAY_PAY, HOLIDAY_PAY_MONTH = 0.102, 6

# The profiles that steer to a month-end target (steering.py closes the gap); "none" follows its entries only.
BALANCING = frozenset({"household", "business", "savings", "loan", "credit_card", "currency", "prepaid"})

# What still runs while an account is frozen (Account.frozen: none of its owners can act any more): the bank's
# own entries (fees, interest), and after a death the estate's e-invoices too (AvtaleGiro keeps drawing until
# the estate is settled: what "Oppgjør etter dødsfall" looks at). No purchases, cash, Vipps, salary, business.
AFTER_FREEZE = {"death": frozenset({"fee", "interest", "interest_charge", "e_invoice"}),
                "bankruptcy": frozenset({"fee", "interest", "interest_charge"})}


def month_items(month: Month, rng: random.Random) -> list[dict]:
    """The profile's own entries for one month segment, as dicts for the ledger to number.

    On the days the account is frozen only what AFTER_FREEZE lets through is kept (drawn as usual, then
    dropped, so the days before a death or a ruling keep the entries they had)."""
    account = month.account
    act = account.activity
    if act is None or act.profile == "none" or not month.bdays:
        return []
    items = _PROFILES[act.profile](month, rng)
    if account.frozen and items:
        items = [it for it in items if _runs(account, it)]
    return items


def _runs(account: Account, item: dict) -> bool:
    freeze = account.freeze_on(item["day"])
    return freeze is None or item["kind"] in AFTER_FREEZE[freeze.cause]


# ---- profiles ---------------------------------------------------------------------------------------------

def _household(month: Month, rng) -> list[dict]:
    account, items = month.account, []
    payday = previous_business_day(month.first.replace(day=20))
    if month.in_seg(payday):
        for party, employer, amount, base in month.household.salaries(account, payday):
            items.append(dict(day=payday, amount=amount, direction="credit", kind="salary", counterparty=employer,
                              text=f"Lønn {payday.strftime('%m.%Y')}", registered=at(payday, rng, 3, 5)))
            if payday.month == HOLIDAY_PAY_MONTH:  # holiday pay on last year's salary, with June's
                last_year = month.household.salary_on(base, party, payday.replace(month=4))  # before May's raise
                items.append(dict(day=payday, amount=int(last_year * 12 * HOLIDAY_PAY) // 100 * 100, direction="credit",
                                  kind="salary", counterparty=employer, text=f"Feriepenger {payday.year - 1}",
                                  registered=at(payday, rng, 3, 5)))
    items += standing_bills(month, rng)
    items += housing(month)
    items += savings_agreement(month)
    items += card_purchases(month, rng)
    if rng.random() < 0.35:
        when, day = month.any_day(rng)
        card = _card(month, when, rng)
        if card is not None:
            items.append(dict(day=day, amount=rng.choice((200, 500, 1000)) * 100, direction="debit", registered=at(when, rng),
                              kind="cash_withdrawal", card=card, text="Minibank"))
    if rng.random() < 0.5:
        payee, (when, day) = rng.choice(month.pools.payees), month.any_day(rng)
        amount, direction = round_amount(rng, 100, 3000), rng.choice(("debit", "credit"))
        items.append(dict(day=day, amount=amount, direction=direction, counterparty=payee, text="Vipps",
                          registered=at(when, rng), kind="transfer_out" if direction == "debit" else "transfer_in"))
    items += _fee(month, rng) + year_interest(month)
    return items


def _business(month: Month, rng) -> list[dict]:
    act, items = month.account.activity, card_purchases(month, rng)
    for _ in range(rng.randint(2, 8)):
        customer, day = rng.choice(month.pools.employers), rng.choice(month.bdays)
        items.append(dict(day=day, amount=int(act.amount * rng.uniform(0.05, 0.4)), direction="credit",
                          kind="other_credit", counterparty=customer, text="Faktura"))
    for _ in range(rng.randint(1, 5)):
        supplier, day = rng.choice(month.pools.billers), rng.choice(month.bdays)
        items.append(dict(day=day, amount=int(act.amount * rng.uniform(0.02, 0.2)), direction="debit",
                          kind="transfer_out", counterparty=supplier, text="Leverandørbetaling"))
    return items + _fee(month, rng) + year_interest(month)


def _savings(month: Month, rng) -> list[dict]:
    return savings_deposit(month) + year_interest(month)


def _loan(month: Month, rng) -> list[dict]:
    """The payout in the opening month; afterwards the month's interest on the balance at its start (the
    instalment that pays it and the principal part is the steering entry, steering.py)."""
    account = month.account
    if account.opening_balance >= 0:
        return []
    if month.seg.start == account.opened:
        return [dict(day=loan_payout_day(account), amount=-account.opening_balance, direction="debit",
                     kind="other_debit", text="Utbetaling lån")]
    due = month.booking_day(loan_due_day(account))
    if due is None:
        return []
    before = month.end_balance(*previous_month(month.first))
    interest = monthly_interest(before, loan_rate(month.first)) if before < 0 else 0
    return [dict(day=due, amount=interest, direction="debit", kind="interest_charge", text="Renter lån")] if interest else []


def _credit_card(month: Month, rng) -> list[dict]:
    return card_purchases(month, rng)


def _currency(month: Month, rng) -> list[dict]:
    """A currency account lives in its own currency: payments from and to abroad, in that currency."""
    act, items = month.account.activity, []
    for _ in range(rng.randint(0, 2)):
        payer = rng.choice(month.pools.foreign_merchants)
        items.append(dict(day=rng.choice(month.bdays), amount=int(act.amount * rng.uniform(0.05, 0.5)),
                          direction="credit", kind="other_credit", text="Innbetaling utland",
                          counterparty=named(payer.name)))
    for _ in range(rng.randint(0, 3)):
        payee = rng.choice(month.pools.foreign_merchants)
        items.append(dict(day=rng.choice(month.bdays), amount=int(act.amount * rng.uniform(0.02, 0.3)),
                          direction="debit", kind="transfer_out", text="Betaling utland",
                          counterparty=named(payee.name)))
    return items + card_purchases(month, rng)


def _prepaid(month: Month, rng) -> list[dict]:
    return card_purchases(month, rng, high=600)


def _fee(month: Month, rng) -> list[dict]:
    """The monthly account fee, on the month's last business day."""
    if month.bdays[-1] != previous_business_day(month.last):
        return []
    return [dict(day=month.bdays[-1], amount=rng.choice((15, 25, 45)) * 100, direction="debit", kind="fee",
                 text="Kontohold")]


def year_interest(month: Month) -> list[dict]:
    """Deposit interest for the year, credited on its last business day: each month's opening balance (the
    end of the month before) times that month's rate, summed. Only for the profiles that earn any."""
    if month.first.month != 12:
        return []
    day = previous_business_day(month.last)
    if not month.in_seg(day):
        return []
    profile, y = month.account.activity.profile, month.first.year
    total = 0
    for m in range(1, 13):
        start = month.end_balance(*previous_month(date(y, m, 1)))
        if start > 0:
            total += monthly_interest(start, deposit_rate(profile, date(y, m, 1)))
    return [dict(day=day, amount=total, direction="credit", kind="interest", text=f"Renter {y}")] if total else []


def _card(month: Month, day: date, rng: random.Random):
    cards = month.cards(day)
    return rng.choice(cards).id if cards else None


def card_purchases(month: Month, rng: random.Random, high: float = 1800) -> list[dict]:
    """The month's card purchases: only on days a card of the account is usable, booked the next business day
    (a purchase on Saturday is booked on Monday), in the merchant's currency abroad."""
    account, act = month.account, month.account.activity
    count = act.purchases_per_month
    if month.seg.start > month.first or month.seg.end < month.last:  # a part month: fewer purchases
        count = round(count * ((month.seg.end - month.seg.start).days + 1) / month.last.day)
    items = []
    for _ in range(count):
        when, day = month.any_day(rng)
        card = _card(month, when, rng)
        if card is None:
            continue
        foreign = rng.random() < act.foreign_share
        merchant = rng.choice(month.pools.foreign_merchants if foreign else month.pools.merchants)
        item = dict(day=day, direction="debit", kind="card_purchase", card=card,
                    merchant=f"{merchant.name} {merchant.town}"[:140],
                    counterparty=named(merchant.name), registered=at(when, rng))
        if merchant.currency != account.currency:
            original = round_amount(rng, 3, 150)
            rate = exchange_rate(merchant.currency, account.currency, rng)
            item.update(original_currency=merchant.currency, original_amount=original,
                        exchange_rate=rate, amount=int(round(original * rate)))
        else:
            item["amount"] = round_amount(rng, 29, high) if account.currency == "NOK" else round_amount(rng, 3, 150)
        items.append(item)
    return items


_PROFILES = {"household": _household, "business": _business, "savings": _savings, "loan": _loan,
             "credit_card": _credit_card, "currency": _currency, "prepaid": _prepaid}
