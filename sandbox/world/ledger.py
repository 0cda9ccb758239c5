"""Transactions and balances, generated lazily and deterministically per (account, month).

Invariant (DESIGN D15): a booked balance always equals the opening balance plus every booked transaction up
to that day. It holds by construction: each month steers to an end-of-month balance drawn independently for
that month (activity.target), and the month's steering entries close the gap (steering.py: a transfer to or
from the owner's own account, an instalment, a top-up; booked on business days); a closing entry empties the
account on the day it closes. So month m starts from month m-1's target without generating m-1.
The exception is a month that ends while the account is frozen (Account.frozen: its owners are dead or
bankrupt): nobody balances it, so its end is walked from the last balanced month (few accounts, few months).

Only days up to `today` are booked; the future part of the current month is generated (so that moving the
clock forward never rewrites the past) but filtered out.
"""

from __future__ import annotations

import calendar
import dataclasses
from bisect import bisect_left, bisect_right
from datetime import UTC, date, datetime, time, timedelta
from itertools import chain
from operator import attrgetter

from .activity import BALANCING, month_items, target
from .bizdays import business_days
from .household import Household
from .model import Account, Card
from .month_cache import MonthCache
from .monthly import Month, at, months_between
from .period import Period
from .pools import Pools
from .rng import rng_for
from .steering import steer
from .today import FollowsClock
from .transaction import Transaction

#: One month's part of a window (Ledger.booked_months): ((year, month), the month's transactions, lo, hi).
MonthPart = tuple[tuple[int, int], tuple[Transaction, ...], int, int]
_BOOKED = attrgetter("booking_date")
#: Every booking day once: the transactions of a day share one date object (less memory; the bank's tables of
#: written days find it by identity, bank/item_json.py). A few thousand days a process at most.
_DAYS: dict[date, date] = {}


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def iter_months(start: date, end: date):
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        yield y, m
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


class Ledger(FollowsClock):
    """The transaction history of every account of one world. Caches whole months (bounded LRU).

    Months are generated whole, so a moved clock only moves the filters (FollowsClock)."""

    def __init__(self, seed: str, today: date, pools: Pools, household: Household, cache_months: int = 20_000,
                 cache_answers: int = 100_000):
        self.seed = seed
        self.today = today
        self.pools = pools
        self.household = household  # who is paid where, the owner's other accounts (household.py)
        self._months = MonthCache(self._generate_month_entry, cache_months)
        # Answers derived from the immutable history, memoised (issue 8: a details call asked for three of them):
        # a booked balance per (account, day) for days up to today (it cannot change once the day is booked),
        # and the pending items per (account, today). Bounded: emptied when full.
        self._answers: dict[tuple, object] = {}
        self._answers_max = cache_answers

    # ---- balances -------------------------------------------------------------------------------
    @staticmethod
    def _opening(account: Account, lc_index: int) -> int:
        """The balance a lifecycle starts from: the scenario's opening balance for the first one, except for a
        loan, which starts at zero and books its payout (activity._loan)."""
        if lc_index or (account.opening_balance < 0 and account.activity is not None
                        and account.activity.profile == "loan"):
            return 0
        return account.opening_balance

    def end_of_month_balance(self, account: Account, y: int, m: int) -> int:
        """Booked balance at the end of month (y, m), assuming the month's last day is in a lifecycle."""
        last = date(y, m, calendar.monthrange(y, m)[1])
        for index, lc in enumerate(account.lifecycles):
            if lc.contains(last):
                if account.frozen and self._unbalanced(account, last):
                    return self._frozen_end(account, index, lc, y, m)
                return self._target(account, index, lc, y, m)
        return 0  # closed at month end: the closing entry emptied it

    @staticmethod
    def _unbalanced(account: Account, last: date) -> bool:
        """No steering this month: the account is frozen on `last`, the month's last day (Account.frozen)."""
        return account.activity is not None and account.activity.profile in BALANCING and \
            account.freeze_on(last) is not None

    def _frozen_end(self, account: Account, index: int, lc: Period, y: int, m: int) -> int:
        """End-of-month balance of a month that ends frozen: nobody steers it, so it is the balance the month
        started from plus the month's own entries. Walks back to the last month that ended on its target (or the
        lifecycle's start), then forward month by month, memoising each end; only frozen accounts come here."""
        known = self._answers.get(("frozen-end", account.id, y, m))
        if known is not None:
            return known
        todo, start = [(y, m)], None
        while start is None:
            cy, cm = todo[-1]
            if lc.start >= date(cy, cm, 1):
                start = self._opening(account, index)
                break
            py, pm = (cy - 1, 12) if cm == 1 else (cy, cm - 1)
            known = self._answers.get(("frozen-end", account.id, py, pm))
            if known is not None:
                start = known
            elif not self._unbalanced(account, date(py, pm, calendar.monthrange(py, pm)[1])):
                start = self._target(account, index, lc, py, pm)
            else:
                todo.append((py, pm))
        for cy, cm in reversed(todo):
            start += sum(t.signed for t in self._month(account, cy, cm) if t.booking_date >= lc.start)
            self._remember(("frozen-end", account.id, cy, cm), start)
        return start

    def _target(self, account: Account, index: int, lc: Period, y: int, m: int) -> int:
        months_open = months_between(lc.start, date(y, m, 1))
        level = 1.0
        if account.activity is not None and account.activity.profile == "household":  # balances grow with pay
            level = 1 / self.household.raise_factor(account.owners[0].party_id, y if m >= 5 else y - 1)
        wanted = target(account, months_open, rng_for(self.seed, "target", f"{account.id}:{y}-{m:02d}"), level)
        if wanted is not None:
            return wanted
        # No profile: opening plus the explicit transactions of this lifecycle so far.
        last = date(y, m, calendar.monthrange(y, m)[1])
        return self._opening(account, index) + sum(
            (t.amount if t.direction == "credit" else -t.amount)
            for t in account.explicit_transactions if lc.start <= t.day <= last)

    def _remember(self, key: tuple, value):
        if len(self._answers) >= self._answers_max:
            self._answers.clear()
        self._answers[key] = value
        return value

    def balance(self, account: Account, day: date) -> int:
        """Booked balance at the end of `day` (0 before opening and after closing)."""
        if day > self.today:  # not booked yet: depends on today, never memoised
            return self._balance(account, day)
        key = ("balance", account.id, day)
        value = self._answers.get(key)
        return self._remember(key, self._balance(account, day)) if value is None else value

    def _balance(self, account: Account, day: date) -> int:
        if not account.is_open_on(day):
            return 0
        start = self._start_balance(account, day.year, day.month, day)
        first = self._segment_start(account, day)
        return start + sum(t.signed for t in self.month(account, day.year, day.month) if first <= t.booking_date <= day)

    def _segment_start(self, account: Account, day: date) -> date:
        for lc in account.lifecycles:
            if lc.contains(day):
                return max(lc.start, month_start(day))
        return month_start(day)

    def _start_balance(self, account: Account, y: int, m: int, day: date) -> int:
        for index, lc in enumerate(account.lifecycles):
            if lc.contains(day):
                if lc.start >= date(y, m, 1):
                    return self._opening(account, index)
                py, pm = (y - 1, 12) if m == 1 else (y, m - 1)
                return self.end_of_month_balance(account, py, pm)
        return 0

    # ---- transactions ---------------------------------------------------------------------------
    def month(self, account: Account, y: int, m: int) -> tuple[Transaction, ...]:
        """Booked transactions of one month up to today, oldest first."""
        today = self.today  # one clock read per call: the clock may be shared state (sandbox/clock.py)
        if (y, m) > (today.year, today.month):
            return ()
        return self._as_of(self._months(account, y, m), today, datetime.combine(today, time(12), UTC))

    @staticmethod
    def _as_of(entry: tuple, today: date, now: datetime) -> tuple[Transaction, ...]:
        """A generated month (MonthCache entry) as of `today` (its noon UTC: `now`): booked up to today, none
        registered after now."""
        generated, last_booked, last_registered = entry
        if last_booked <= today and last_registered <= now:
            return generated  # a month wholly in the past (nearly all of them): nothing to filter or clamp
        return tuple(t if t.registered is None or t.registered <= now else t._replace(registered=now)
                     for t in generated if t.booking_date <= today)

    def now(self) -> datetime:
        """The sandbox clock's "now": noon UTC on today (the same instant dsop.wire.sandbox_now writes)."""
        return datetime.combine(self.today, time(12), UTC)

    def booked(self, account: Account, window: Period, limit: int | None = None) -> list[Transaction]:
        """Booked transactions in the window, oldest first (booked_months, flattened). With `limit`, the months
        are read only until more than `limit` transactions are gathered: a page needs the transactions up to its
        end and to know whether more follow, so the first page of a 10-year window reads its first years."""
        return list(chain.from_iterable(txs if lo == 0 and hi == len(txs) else txs[lo:hi]
                                        for _, txs, lo, hi in self.booked_months(account, window, limit)))

    def booked_months(self, account: Account, window: Period, limit: int | None = None) -> list[MonthPart]:
        """The booked transactions in the window, oldest first, month by month: ((year, month), the month's
        transactions as month() gives them, lo, hi), the window holding txs[lo:hi] (a month is in booking order,
        so an edge month's part is one slice: bisected). Months with none in the window are left out. The same
        month tuple is handed out for every window (cached), which lets the bank keep a month's written items
        (bank/body_cache.py ItemCache) and a page be joined from them. `limit` as in booked()."""
        today = self.today  # the clock read once for every month of the window
        now = datetime.combine(today, time(12), UTC)
        end = window.last_day(today)
        first = max(window.start, account.opened)
        first_index, end_index = first.year * 12 + first.month - 1, end.year * 12 + end.month - 1
        out: list[MonthPart] = []
        count = 0
        # the month cache's look-ups inlined (issue 19: a distinct page of a long window reads ~100 months, and a
        # call per month was 15 % of answering it): a kept month is moved to the end as MonthCache.__call__ does,
        # one not kept is generated through it; a month wholly in the past is as of today as generated (_as_of)
        kept = self._months.kept
        get, touch, months, as_of = kept.get, kept.move_to_end, self._months, self._as_of
        aid = account.id
        edges = (first_index, end_index)
        # months by index (year * 12 + month - 1), none after today's (they hold nothing booked yet)
        for index in range(first_index, min(end_index, today.year * 12 + today.month - 1) + 1):
            y, m = divmod(index, 12)
            m += 1
            key = (aid, y, m)
            entry = get(key)
            if entry is None:
                entry = months(account, y, m)
            else:
                try:
                    touch(key)
                except KeyError:  # evicted meanwhile by another thread (the dev server's): still the right month
                    pass
            txs, last_booked, last_registered = entry
            if last_booked > today or last_registered > now:
                txs = as_of(entry, today, now)
            lo, hi = 0, len(txs)
            if index in edges and txs:
                lo, hi = bisect_left(txs, window.start, key=_BOOKED), bisect_right(txs, end, key=_BOOKED)
            if hi > lo:
                out.append(((y, m), txs, lo, hi))
                count += hi - lo
                if limit is not None and count > limit:
                    break
        return out

    def _month(self, account: Account, y: int, m: int) -> tuple[Transaction, ...]:
        """Every transaction generated for the month, future days included (cached)."""
        return self._months(account, y, m)[0]

    def _generate_month_entry(self, account: Account, y: int, m: int) -> tuple[tuple[Transaction, ...], date, datetime]:
        """(the month's transactions, its last booking day, its latest registration time): the last two let
        `month` hand out a past month as generated, without filtering or copying it."""
        txs = self._generate_month(account, y, m)
        last_booked = max((t.booking_date for t in txs), default=date.min)
        last_registered = max((t.registered for t in txs if t.registered is not None), default=_EPOCH)
        return txs, last_booked, last_registered

    def _generate_month(self, account: Account, y: int, m: int) -> tuple[Transaction, ...]:
        first, last = date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1])
        rng = rng_for(self.seed, "month", f"{account.id}:{y}-{m:02d}")
        out: list[dict] = []
        for index, lc in enumerate(account.lifecycles):
            seg = lc.intersect(Period(first, last))
            if seg is None:
                continue
            month = Month(account, seg, business_days(seg.start, seg.end), first, last, self.pools,
                          self.household, lambda d: self._cards_on(account, d),
                          lambda yy, mm: self.end_of_month_balance(account, yy, mm), lc.start)
            items = month_items(month, rng)
            items += [_explicit(t) for t in account.explicit_transactions if seg.start <= t.day <= seg.end]
            items.sort(key=lambda it: (it["day"], it["kind"], it["amount"]))
            start = self._opening(account, index) if lc.start >= first else self.end_of_month_balance(
                account, *((y - 1, 12) if m == 1 else (y, m - 1)))
            net = start + sum(it["amount"] if it["direction"] == "credit" else -it["amount"] for it in items)
            if lc.end is not None and lc.end <= last:
                if net:
                    items.append(dict(day=lc.end, amount=abs(net), direction="debit" if net > 0 else "credit",
                                      kind="closing", text="Kontoavslutning"))
            elif account.activity is not None and account.activity.profile in BALANCING and \
                    not (account.frozen and self._unbalanced(account, last)):
                gap = self._target(account, index, lc, y, m) - net
                if gap:
                    # the owners move the money: on a business day they can act (a freeze may end mid-month), or
                    # on the last day of a segment without one (opened on the month's last Saturday)
                    if account.frozen or not month.bdays:
                        days = tuple(d for d in month.bdays if account.freeze_on(d) is None)
                        month = dataclasses.replace(month, bdays=days or (seg.end,))
                    items += steer(month, gap, rng)
                    items.sort(key=lambda it: (it["day"], it["kind"], it["amount"]))
            out.extend(items)
        return tuple(self._number(account, y, m, out, rng))

    def _number(self, account: Account, y: int, m: int, items: list[dict], rng) -> list[Transaction]:
        txs = []
        for n, it in enumerate(items, start=1):
            day = _DAYS.setdefault(it["day"], it["day"])  # one date object per day, shared by every account
            txs.append(Transaction(
                id=f"TX{account.number}{y}{m:02d}{n:04d}",
                booking_date=day, value_date=day,  # a business day (bizdays.py): interest counts from it
                registered=it.get("registered") or at(day, rng),
                amount=it["amount"], direction=it["direction"], status="booked", kind=it["kind"],
                text=it.get("text"), counterparty=it.get("counterparty"), merchant=it.get("merchant"),
                card_id=it.get("card"), reference=f"{rng.randrange(10**11, 10**12)}",
                original_currency=it.get("original_currency"), original_amount=it.get("original_amount"),
                exchange_rate=it.get("exchange_rate"),
            ))
        return txs

    @staticmethod
    def _cards_on(account: Account, day: date) -> list[Card]:
        return [c for c in account.cards if c.usable_on(day)]

    # ---- pending items (reservations) ----------------------------------------------------------
    def pending(self, account: Account) -> list[Transaction]:
        """Reservations as of today: the scenario's own, plus a few card holds on household/card accounts."""
        key = ("pending", account.id, self.today)
        items = self._answers.get(key)
        if items is None:
            items = self._remember(key, tuple(self._pending(account)))
        return list(items)

    def _pending(self, account: Account) -> list[Transaction]:
        if not account.is_open_on(self.today):
            return []
        rng = rng_for(self.seed, "pending", f"{account.id}:{self.today.isoformat()}")
        items = [dict(day=p.day, amount=p.amount, direction=p.direction, merchant=p.merchant, text=p.text,
                      kind="card_purchase" if p.merchant else "other_credit" if p.direction == "credit" else "other_debit")
                 for p in account.pending
                 if p.day <= self.today]
        if account.activity is not None and account.activity.profile in ("household", "credit_card"):
            for _ in range(rng.randint(0, 3)):
                merchant = rng.choice(self.pools.merchants)
                hold = dict(day=self.today - timedelta(days=rng.randint(0, 1)), amount=rng.randint(50, 900) * 100,
                            direction="debit", kind="card_purchase", merchant=f"{merchant.name} {merchant.town}",
                            card=_card_id(self._cards_on(account, self.today), rng))
                if hold["card"] is None:  # a card hold needs a card
                    continue
                if not account.frozen or account.freeze_on(hold["day"]) is None:  # nobody pays by card then
                    items.append(hold)
        out = []
        for n, it in enumerate(items, start=1):
            out.append(Transaction(
                id=f"PX{account.number}{self.today.strftime('%Y%m%d')}{n:03d}", booking_date=None, value_date=None,
                registered=min(at(it["day"], rng), self.now()), amount=it["amount"], direction=it["direction"], status="pending",
                kind=it["kind"], text=it.get("text"), merchant=it.get("merchant"), card_id=it.get("card")))
        return out

    def available(self, account: Account) -> int:
        """Available now = booked today − blocked amounts − pending debits (R-43: the credit line is not added)."""
        held = sum(t.amount for t in self.pending(account) if t.direction == "debit")
        return self.balance(account, self.today) - account.blocked_amount - held


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _card_id(cards, rng):
    return rng.choice(cards).id if cards else None


def _explicit(t) -> dict:
    return dict(day=t.day, amount=t.amount, direction=t.direction, kind=t.kind, text=t.text, merchant=t.merchant,
                counterparty=t.counterparty, card=t.card_id, original_currency=t.original_currency,
                original_amount=t.original_amount,
                exchange_rate=round(t.amount / t.original_amount, 6) if t.original_amount else None)
