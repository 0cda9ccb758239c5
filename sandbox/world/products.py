"""What a generated account comes with: its payment cards over the whole account life, and its currency.

A bank renews a card shortly before it expires, under the same number with the next version (R-56): the new
version is valid from the month before the old one's expiry month, and the old one is blocked when its expiry
month starts. So a generated account has a usable card on every day it is open, from its opening month on,
and a card purchase can always name the card that paid (activity.card_purchases).
"""

from __future__ import annotations

from datetime import date

from sandbox.scenario.dates import add_months

from .dates_util import add_years_month
from .rng import rng_for

# Account types that come with a card, and its type (CardType: creditCard | debitCard; a prepaid card is a
# debit card on the prepaid account).
CARD_TYPES = {"salaryAccount": "debitCard", "businessAccount": "debitCard", "creditCardAccount": "creditCard",
              "prepaidCardAccount": "debitCard"}
VALID_YEARS = (3, 4, 5)  # a card's validity, drawn once per account
MAX_VERSION = 9  # versionNumber is 1-9 (spec/data-model.md)
# Currencies of generated currency accounts, most common first (BASE_RATES in pools.py has their NOK rates).
ACCOUNT_CURRENCIES = (("EUR", 55), ("USD", 25), ("GBP", 8), ("SEK", 7), ("DKK", 5))


def card_history(seed: str, account_id: str, account_type: str, holder: str, opened: date, closed: date | None,
                 death: date | None, today: date) -> list[dict]:
    """Draft card versions (build.py's card dicts) of a generated account, oldest first: one card id, renewed
    until today; the version valid when the account closes or its holder dies is blocked then."""
    card_type = CARD_TYPES.get(account_type)
    if card_type is None:
        return []
    rng = rng_for(seed, "card-history", account_id)
    years = rng.choice(VALID_YEARS)
    stop = min((d for d in (closed, death) if d is not None), default=None)
    issued, out = opened.replace(day=1), []
    while issued <= today and len(out) < MAX_VERSION and (stop is None or issued <= stop):
        expires = add_years_month(issued, years)
        blocked = expires if expires <= today else None  # renewed: the old version blocked as its expiry month starts
        if stop is not None and stop < expires:
            blocked = stop
        out.append({"id": "card-1", "holder": holder, "type": card_type, "issued": issued, "expires": expires,
                    "status": "active", "version": len(out) + 1, "number": None, "blocked_on": blocked})
        if blocked is not None and blocked == stop:
            break
        issued = add_months(expires, -1)
    return out


def account_currency(seed: str, account_id: str, account_type: str) -> str:
    """NOK, or for a currency account the currency it is kept in."""
    if account_type != "currencyAccount":
        return "NOK"
    rng = rng_for(seed, "account-currency", account_id)
    return rng.choices([c for c, _ in ACCOUNT_CURRENCIES], weights=[w for _, w in ACCOUNT_CURRENCIES])[0]
