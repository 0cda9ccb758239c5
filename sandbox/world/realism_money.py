"""Realism figures of a world's money (issue 17): cards, the banking calendar, salaries, interest, currencies.

Each figure measures the generated history from the outside (booked transactions and balances, as a bank's
API would show them) against what Norwegian banking looks like, on a bounded sample (realism_kit.py). The
expected values name the rule; `ok` is the figure's tolerance (a scenario's own transactions may break a rule
on purpose, so shares allow a little).
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import date, timedelta

from .bizdays import is_business_day, previous_business_day
from .period import Period
from .rates import deposit_rate, loan_rate, monthly_interest
from .realism_kit import figure, sample_accounts, window

CARD_PROFILES = ("household", "credit_card", "business", "prepaid", "currency")
# Kinds booked only on business days, grouped as the report shows them.
KIND_GROUPS = {
    "salary": ("salary",),
    "transfers": ("transfer_in", "transfer_out", "other_credit", "other_debit"),
    "bills": ("e_invoice",),
    "bank entries": ("fee", "interest", "interest_charge", "instalment", "card_payment"),
    "card purchases": ("card_purchase", "cash_withdrawal"),
}
OWN_TRANSFER_TEXTS = ("Overføring egen konto", "Spareavtale", "Valutaveksling", "Terminbeløp lån",
                      "Overføring sparekonto", "Sparing")  # the last two: what the old model invented


def _txs(world, profiles, period=None):
    period = period or window(world)
    for profile in profiles:
        for account in sample_accounts(world, profile):
            yield account, world.transactions(account, period)


def _share(hits: int, total: int) -> float:
    return round(hits / total, 4) if total else 1.0


def card_purchases_with_card(world) -> dict:
    total = hits = 0
    for _, txs in _txs(world, CARD_PROFILES):
        for t in txs:
            if t.kind == "card_purchase":
                total, hits = total + 1, hits + (t.card_id is not None)
    share = _share(hits, total)
    return figure("card purchases with a card", share, "share", "1 (a purchase needs a usable card)", share >= 0.99)


def _non_business(group: str):
    kinds = KIND_GROUPS[group]

    def fn(world) -> dict:
        total = hits = 0
        for _, txs in _txs(world, ("household", "savings", "loan", "business", "credit_card", "currency", "prepaid")):
            for t in txs:
                if t.kind in kinds:
                    total, hits = total + 1, hits + (not is_business_day(t.booking_date))
        share = _share(hits, total)
        return figure(f"{group} booked on non-business days", share, "share", "0 (weekends, holidays)", share <= 0.005)
    fn.__name__ = f"non_business_{group.replace(' ', '_')}"
    return fn


def purchases_on_weekends(world) -> dict:
    total = hits = 0
    for _, txs in _txs(world, ("household",)):
        for t in txs:
            if t.kind == "card_purchase":
                total, hits = total + 1, hits + (not is_business_day(t.registered.date()))
    share = _share(hits, total)
    return figure("card purchases made on non-business days", share, "share", "0.2-0.45 (booked the next business day)",
                  0.2 <= share <= 0.45)


def _salary_runs(world, months: int = 36) -> dict:
    """(account, employer) -> [(booking date, amount)] over the last `months` months of sampled accounts."""
    runs = defaultdict(list)
    for account, txs in _txs(world, ("household",), window(world, months)):
        for t in txs:
            if t.kind == "salary" and t.counterparty is not None:
                runs[(account.id, t.counterparty.name)].append((t.booking_date, t.amount))
    return runs


def salary_raise_per_year(world) -> dict:
    """Median raise from one September's salary to the next one's."""
    raises = []
    for run in _salary_runs(world).values():
        september = {d.year: amount for d, amount in run if d.month == 9}
        raises += [september[y] / september[y - 1] - 1 for y in september if y - 1 in september]
    value = round(statistics.median(raises) * 100, 2) if raises else 0.0
    return figure("salary raise per year (median)", value, "%", "2.5-6 (spring wage settlement)",
                  bool(raises) and 2.0 <= value <= 7.0)


def salaries_on_payday(world) -> dict:
    total = hits = 0
    for run in _salary_runs(world).values():
        for day, _ in run:
            total, hits = total + 1, hits + (day == previous_business_day(day.replace(day=20)))
    share = _share(hits, total)
    return figure("salaries on the 20th or the business day before", share, "share", "1", total > 0 and share >= 0.99)


def salary_accounts_per_employer_month(world) -> dict:
    """How many of a person's accounts receive salary from one employer in one month (mean over person-months)."""
    per = window(world)
    counts = []
    people = sorted({o.party_id for a in sample_accounts(world, "household") for o in a.owners})
    for party_id in people:
        if world.parties[party_id].kind != "person":
            continue
        accounts = defaultdict(set)
        for rel in world.relations(party_id, per, kinds=("owner",)):
            for t in world.transactions(world.accounts[rel.account_id], per):
                if t.kind == "salary" and t.counterparty is not None:
                    accounts[(t.counterparty.name, t.booking_date.year, t.booking_date.month)].add(rel.account_id)
        counts += [len(ids) for ids in accounts.values()]
    value = round(statistics.mean(counts), 3) if counts else 0.0
    return figure("salary accounts per employer-month", value, "accounts", "1 (one salary account per employment)",
                  bool(counts) and value <= 1.02)


def loan_interest_vs_balance(world) -> dict:
    """Each month's loan interest against the balance it starts from times the rate path (ratio, median)."""
    ratios = []
    for account, txs in _txs(world, ("loan",)):
        for t in txs:
            if t.kind != "interest_charge":
                continue
            first = t.booking_date.replace(day=1)
            start = world.balance(account, first - timedelta(days=1))
            expected = monthly_interest(start, loan_rate(first))
            if expected:
                ratios.append(t.amount / expected)
    value = round(statistics.median(ratios), 4) if ratios else 0.0
    spread = max((abs(r - 1) for r in ratios), default=1.0)
    return figure("loan interest / (balance x rate / 12)", value, "ratio", "1 (every month, within 2 %)",
                  bool(ratios) and spread <= 0.02)


def loans_start_with_payout(world) -> dict:
    total = hits = 0
    for account in sample_accounts(world, "loan"):
        if account.opening_balance >= 0:
            continue
        first = world.transactions(account, Period(account.opened, account.opened + timedelta(days=40)))
        total += 1
        hits += bool(first) and first[0].direction == "debit" and first[0].amount == -account.opening_balance
    share = _share(hits, total)
    return figure("loans whose first entry is the payout", share, "share", "1", total > 0 and share >= 0.99)


def savings_interest_vs_balance(world) -> dict:
    """Last year's interest on sampled savings accounts against their month balances times the deposit rate."""
    year = world.today.year - 1
    ratios, big = [], []
    for account in sample_accounts(world, "savings", open_on=date(year - 1, 12, 31)):
        if not account.is_open_on(date(year, 12, 31)):
            continue
        paid = sum(t.amount for t in world.transactions(account, Period(date(year, 12, 1), date(year, 12, 31)))
                   if t.kind == "interest")
        expected = sum(monthly_interest(max(0, world.balance(account, date(year, m, 1) - timedelta(days=1))),
                                        deposit_rate("savings", date(year, m, 1))) for m in range(1, 13))
        if expected:
            ratios.append(paid / expected)
            big.append(expected)
    value = round(statistics.median(ratios), 4) if ratios else 0.0
    return figure(f"savings interest {year} / (balance x rate)", value, "ratio", "1 (within 1 %)",
                  bool(ratios) and 0.99 <= value <= 1.01)


def currency_accounts_by_currency(world) -> dict:
    counts = Counter(a.currency for a in world.accounts.values() if a.type == "currencyAccount")
    value = ", ".join(f"{c} {n}" for c, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))) or "none"
    return figure("currency accounts by currency", value, "accounts", "foreign currencies, no NOK",
                  counts.get("NOK", 0) == 0)


def _used(world, profile: str, test) -> dict:
    per = window(world, 12)
    accounts = sample_accounts(world, profile, open_on=world.today)
    hits = sum(1 for a in accounts if test(world.transactions(a, per)))
    return len(accounts), hits


def currency_accounts_in_use(world) -> dict:
    total, hits = _used(world, "currency", lambda txs: len(txs) > 0)
    share = _share(hits, total)
    return figure("currency accounts with entries in 12 months", share, "share", ">= 0.9", share >= 0.9)


def prepaid_accounts_in_use(world) -> dict:
    total, hits = _used(world, "prepaid", lambda txs: any(t.direction == "credit" for t in txs)
                        and any(t.kind == "card_purchase" for t in txs))
    share = _share(hits, total)
    return figure("prepaid accounts topped up and spent in 12 months", share, "share", ">= 0.9", share >= 0.9)


def own_transfers_to_own_accounts(world) -> dict:
    """Transfers between one's own accounts (savings agreement, transfer, top-up) that name an account the owner
    holds: the old model booked "Overføring sparekonto" without one, also for people with no savings account."""
    total = hits = 0
    for account, txs in _txs(world, ("household", "savings", "prepaid", "currency")):
        owners = {o.party_id for o in account.owners}
        numbers = {world.accounts[r.account_id].number for p in owners for r in world.relations_by_party[p]}
        for t in txs:
            if t.text in OWN_TRANSFER_TEXTS or (t.text == "Påfylling" and t.counterparty is not None):
                total += 1
                hits += t.counterparty is not None and t.counterparty.account in numbers
    share = _share(hits, total)
    return figure("own-account transfers naming an own account", share, "share", "1", share >= 0.99)


FIGURES = (card_purchases_with_card, *(_non_business(g) for g in KIND_GROUPS), purchases_on_weekends,
           salary_raise_per_year, salaries_on_payday, salary_accounts_per_employer_month, loan_interest_vs_balance,
           loans_start_with_payout, savings_interest_vs_balance, currency_accounts_by_currency,
           currency_accounts_in_use, prepaid_accounts_in_use, own_transfers_to_own_accounts)
