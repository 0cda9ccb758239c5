"""Shared casts of the world: employers, billers, merchants and private payees that transactions refer to.

They are generated once per world from their own seeds (never from a shared stream), so a person's salary
always comes from the same synthetic employer, with a valid organisation and account number. Domestic names,
towns and addresses come from real places (places.py: postcode and post town from Posten's register), firms carry
their legal form (AS), private payees have no title in their name (names.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from sandbox import ids

from . import names, places
from .model import Counterparty
from .rng import faker_for, rng_for

FOREIGN_MERCHANTS = (
    ("EUR", "DE", "BERLIN"), ("EUR", "ES", "MALAGA"), ("SEK", "SE", "STOCKHOLM"), ("DKK", "DK", "KOBENHAVN"),
    ("USD", "US", "NEW YORK"), ("GBP", "GB", "LONDON"), ("EUR", "FR", "PARIS"),
)
# NOK per unit, around which daily rates wobble (synthetic, not market data).
BASE_RATES = {"EUR": 11.55, "SEK": 1.01, "DKK": 1.55, "USD": 10.70, "GBP": 13.40}

BILLER_KINDS = ("STRØM", "FORSIKRING", "MOBIL", "BREDBÅND", "BORETTSLAG", "TRENINGSSENTER")
MERCHANT_KINDS = ("DAGLIGVARE", "KIOSK", "APOTEK", "SPORT", "BOKHANDEL", "KAFE", "BENSIN", "ELEKTRO", "KLÆR", "RESTAURANT")


@dataclass(frozen=True)
class Merchant:
    name: str
    town: str
    currency: str = "NOK"
    country: str = "NO"


@dataclass(frozen=True)
class Pools:
    employers: tuple[Counterparty, ...]
    billers: tuple[Counterparty, ...]
    merchants: tuple[Merchant, ...]
    foreign_merchants: tuple[Merchant, ...]
    payees: tuple[Counterparty, ...]


def _company(seed: str, kind: str, i: int, trade: str | None = None) -> Counterparty:
    """An AS in a real place: "<PLACE> <TRADE> AS" for billers, any AS name for employers."""
    fake = faker_for(seed, kind, str(i))
    rng = rng_for(seed, kind, str(i))
    place_rng = rng_for(seed, f"{kind}-place", str(i))
    entry = place_rng.choice(places.street_postcodes())
    place = places.short_place(entry)
    name = f"{place} {trade} AS" if trade else names.organisation_name("AS", place_rng, fake, place=place)
    address = places.street_address(place_rng, entry)
    reg = str(ids.SYNTHETIC_REGISTRATION_RANGE[-1])  # counterparties bank in a sandbox-only "outside" bank
    return Counterparty(
        name=name[:140],
        account=ids.generate_account_number(rng, reg),
        identifier=ids.generate_organisation_number(rng),
        identifier_type="countryIdentificationCode",
        address=address,
    )


def build_pools(seed: str, size: int = 40) -> Pools:
    employers = tuple(_company(seed, "employer", i) for i in range(size))
    billers = tuple(_company(seed, "biller", i, BILLER_KINDS[i % len(BILLER_KINDS)]) for i in range(size // 2))
    merchants = []
    for i in range(size * 2):
        fake = faker_for(seed, "merchant", str(i))
        town = places.short_place(rng_for(seed, "merchant-place", str(i)).choice(places.street_postcodes()))
        merchants.append(Merchant(f"{fake.last_name().upper()} {MERCHANT_KINDS[i % len(MERCHANT_KINDS)]}", town))
    foreign = []
    for i in range(size // 2):
        currency, country, town = FOREIGN_MERCHANTS[i % len(FOREIGN_MERCHANTS)]
        fake = faker_for(seed, "foreign-merchant", str(i))
        foreign.append(Merchant(f"{fake.last_name().upper()} {('CAFE', 'MARKET', 'HOTEL', 'STORE')[i % 4]}", town, currency, country))
    payees = []
    for i in range(size):
        fake = faker_for(seed, "payee", str(i))
        rng = rng_for(seed, "payee", str(i))
        payees.append(Counterparty(name=names.person_name(fake).upper(), account=ids.generate_account_number(rng, "9998")))
    return Pools(employers, billers, tuple(merchants), tuple(foreign), tuple(payees))
