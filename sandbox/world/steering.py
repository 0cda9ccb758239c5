"""The fixed orders of a month and the entries that bring an account to its month-end target.

Each profile steers to an end-of-month balance drawn per month (activity.target), so the last gap must be
closed by some entry. It is closed the way people move money: to or from the owner's own account (the
savings account of a salary account, the salary account of a savings account, household.py), by a top-up, an
instalment, an invoice; never by a transfer to an account the owner does not have. Money that comes in is
booked on the segment's first business day, money that goes out on its last, so balances stay plausible in
between. Fixed orders (bills, rent or the loan's instalment, a savings agreement) come on a fixed day each
month, drawn once per account.
"""

from __future__ import annotations

import random
from datetime import date
from functools import lru_cache

from .model import Account, Counterparty
from .monthly import Month, exchange_rate, loan_balance, loan_due_day, months_between
from .rates import loan_rate, monthly_interest
from .rng import rng_for

# Monthly bills by the biller's trade (its name ends with it, pools.BILLER_KINDS): amount range in NOK.
BILL_RANGES = {"STRØM": (500, 1400), "FORSIKRING": (300, 1200), "MOBIL": (199, 549), "BREDBÅND": (399, 899),
               "BORETTSLAG": (2500, 7000), "TRENINGSSENTER": (299, 649)}
# Electricity follows the Norwegian winter: the month's factor on the yearly average.
POWER_SEASON = (2.0, 1.8, 1.4, 1.0, 0.7, 0.5, 0.5, 0.5, 0.7, 1.0, 1.4, 1.8)
PRICE_GROWTH = 0.03  # bills rise by about this much a year
# The texts of the entries `steer` books (tests and the realism report tell them from the rest by these).
STEERING_TEXTS = frozenset({"Overføring egen konto", "Valutaveksling", "Terminbeløp", "Utbetaling lån",
                            "Innbetaling kredittkort", "Faktura", "Leverandørbetaling", "Innskudd", "Uttak",
                            "Påfylling", "Overføring", "Nettgiro"})


@lru_cache(maxsize=50_000)
def _orders(seed: str, account_id: str, n_billers: int, n_payees: int) -> tuple:
    """An account's standing orders, drawn once: ((biller index, due day, NOK a month), ...), the savings
    agreement's day, the rent's share of salary and the landlord, and the relative who helps out."""
    rng = rng_for(seed, "orders", account_id)
    bills = tuple((i, rng.randint(1, 28), rng.random()) for i in rng.sample(range(n_billers), k=min(n_billers, rng.randint(2, 4))))
    return bills, rng.randint(21, 28), rng.uniform(0.18, 0.32), rng.randrange(n_payees), rng.randrange(n_payees)


def _account_orders(month: Month, account: Account) -> tuple:
    pools = month.pools
    return _orders(month.household.seed, account.id, len(pools.billers), len(pools.payees))


def _owner_name(month: Month, account: Account, day: date) -> str:
    owner = next((o.party_id for o in account.owners if o.primary and o.period.contains(day)), account.owners[0].party_id)
    party = month.household.parties.get(owner)
    return party.name if party is not None else owner


def _own(month: Month, other: Account, day: date) -> Counterparty:
    return own_account(_owner_name(month, other, day), other.number)


@lru_cache(maxsize=65536)
def own_account(name: str, number: str) -> Counterparty:
    """An own account as a transaction's counterparty: one object per (owner's name, number), as activity.named
    keeps one per name, so a page's transfers to the same account share one written counterParties part
    (bank/item_json.py CounterpartyTexts) instead of one per month."""
    return Counterparty(name=name, account=number)


def _growth(month: Month) -> float:
    return (1 + PRICE_GROWTH) ** (month.first.year - month.household.today.year)


def standing_bills(month: Month, rng: random.Random) -> list[dict]:
    """AvtaleGiro bills: the same billers every month, each on its due day (the next business day)."""
    bills, *_ = _account_orders(month, month.account)
    out = []
    for index, due, position in bills:
        day = month.booking_day(due)
        if day is None:
            continue
        biller = month.pools.billers[index]
        trade = next((k for k in BILL_RANGES if biller.name.endswith(f"{k} AS")), None)
        low, high = BILL_RANGES.get(trade, (250, 1500))
        nok = (low + (high - low) * position) * _growth(month)
        if trade == "STRØM":
            nok *= POWER_SEASON[month.first.month - 1] * rng.uniform(0.85, 1.15)
        out.append(dict(day=day, amount=int(nok) * 100, direction="debit", kind="e_invoice", counterparty=biller,
                        text=f"AvtaleGiro {biller.name.title()}"))
    return out


def housing(month: Month) -> list[dict]:
    """Rent or the owner's own loan instalments, paid from the owner's salary account only."""
    account, hh = month.account, month.household
    day = month.bdays[0]
    owner = next((o.party_id for o in account.owners if o.primary and o.period.contains(day)), None)
    if owner is None or hh.salary_account(owner, day) is not account:
        return []
    loans = [a for a in hh.own_accounts(owner, day) if a.activity.profile == "loan" and a.opening_balance < 0]
    out = []
    for loan in loans:
        due = month.booking_day(loan_due_day(loan))
        amount = instalment(loan, month.first) if due is not None else 0
        if amount > 0:
            out.append(dict(day=due, amount=amount, direction="debit", kind="transfer_out", text="Terminbeløp lån",
                            counterparty=_own(month, loan, due)))
    if not loans:
        _, _, share, landlord, _ = _account_orders(month, account)
        due = month.booking_day(1)
        if due is not None:
            rent = int(hh.salary_on(account.activity.amount, owner, due) * share) // 10_000 * 10_000
            out.append(dict(day=due, amount=rent, direction="debit", kind="transfer_out", text="Husleie",
                            counterparty=month.pools.payees[landlord]))
    return out


def instalment(loan: Account, first: date) -> int:
    """A serial loan's instalment in the month starting `first`: the principal part plus the month's interest
    on the balance it starts from (the same figures the loan's own ledger books, activity._loan)."""
    months_open = months_between(loan.opened, first)
    if months_open < 1:
        return 0
    before, after = loan_balance(loan, months_open - 1), loan_balance(loan, months_open)
    return (after - before) + monthly_interest(before, loan_rate(first))


def _savings_day(month: Month, savings: Account) -> int:
    return _account_orders(month, savings)[1]


def savings_agreement(month: Month) -> list[dict]:
    """A salary account's monthly savings agreement into the owner's savings account (its deposit, its day)."""
    partner = month.household.partner_account(month.account, month.bdays[0])
    if partner is None or partner.activity.profile != "savings" or partner.activity.amount <= 0:
        return []
    day = month.booking_day(_savings_day(month, partner))
    if day is None or not partner.is_open_on(day):
        return []
    return [dict(day=day, amount=partner.activity.amount // 100 * 100, direction="debit", kind="transfer_out",
                 text="Spareavtale", counterparty=_own(month, partner, day))]


def savings_deposit(month: Month) -> list[dict]:
    """The savings account's side of the agreement: from the owner's salary account, or a deposit."""
    account = month.account
    day = month.booking_day(_savings_day(month, account))
    if day is None or account.activity.amount <= 0:
        return []
    partner = month.household.partner_account(account, day)
    item = dict(day=day, amount=account.activity.amount // 100 * 100, direction="credit", kind="transfer_in",
                text="Spareavtale" if partner is not None else "Innskudd")
    if partner is not None:
        item["counterparty"] = _own(month, partner, day)
    return [item]


def steer(month: Month, gap: int, rng: random.Random) -> list[dict]:
    """Entries that add up to `gap` (minor units, signed): the month's last move towards its target."""
    account = month.account
    profile = account.activity.profile
    inflow = gap > 0
    day = month.bdays[0] if inflow else month.bdays[-1]
    amount = abs(gap)
    partner = month.household.partner_account(account, day)
    own = _own(month, partner, day) if partner is not None else None
    if profile == "loan":
        due = month.booking_day(loan_due_day(account)) or month.bdays[-1]
        return [dict(day=due, amount=amount, direction="credit" if inflow else "debit",
                     kind="instalment" if inflow else "other_debit", text="Terminbeløp" if inflow else "Utbetaling lån")]
    if profile == "credit_card" and inflow:
        due = month.booking_day(20) or day
        return [dict(day=due, amount=amount, direction="credit", kind="card_payment", text="Innbetaling kredittkort",
                     counterparty=own)]
    if profile == "currency" and partner is not None:
        return [_exchange(month, amount, inflow, day, own, rng)]
    if own is not None:
        return [dict(day=day, amount=amount, direction="credit" if inflow else "debit",
                     kind="transfer_in" if inflow else "transfer_out", text="Overføring egen konto", counterparty=own)]
    return [_without_partner(month, profile, amount, inflow, day, rng)]


def _exchange(month: Month, amount: int, inflow: bool, day: date, own: Counterparty, rng) -> dict:
    """A currency account's top-up from (or transfer back to) the owner's NOK account, converted."""
    currency = month.account.currency
    rate = exchange_rate("NOK", currency, rng)
    item = dict(day=day, amount=amount, direction="credit" if inflow else "debit", counterparty=own,
                kind="transfer_in" if inflow else "transfer_out", text="Valutaveksling")
    if inflow:
        original = int(round(amount / rate))
        item.update(original_currency="NOK", original_amount=original, exchange_rate=round(amount / original, 6))
    return item


def _without_partner(month: Month, profile: str, amount: int, inflow: bool, day: date, rng) -> dict:
    """The owner has no account to move money with: an invoice paid or received, a deposit, a relative."""
    pools = month.pools
    if profile == "business":
        if inflow:
            return dict(day=day, amount=amount, direction="credit", kind="other_credit", text="Faktura",
                        counterparty=rng.choice(pools.employers))
        return dict(day=day, amount=amount, direction="debit", kind="transfer_out", text="Leverandørbetaling",
                    counterparty=rng.choice(pools.billers))
    if profile in ("savings", "prepaid", "currency", "credit_card"):
        text = {"savings": ("Innskudd", "Uttak"), "prepaid": ("Påfylling", "Uttak"),
                "currency": ("Innskudd", "Uttak"), "credit_card": ("Innbetaling kredittkort", "Uttak")}[profile]
        return dict(day=day, amount=amount, direction="credit" if inflow else "debit",
                    kind="transfer_in" if inflow else "transfer_out", text=text[0 if inflow else 1])
    relative = pools.payees[_account_orders(month, month.account)[4]]
    return dict(day=day, amount=amount, direction="credit" if inflow else "debit", counterparty=relative,
                kind="transfer_in" if inflow else "transfer_out", text="Overføring" if inflow else "Nettgiro")

