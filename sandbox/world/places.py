"""Norwegian places for generated addresses: real postcodes with their own post towns, real-looking street names.

Faker's no_NO address provider invents towns ("KENNETHBORG"), draws the postcode independently of the town and
builds street names from surnames ("Hansenbråten"). Here the postcode and post town come together from one row of
Posten Norge's postcode register (data/postnummerregister.tsv, source and date in data/POSTNUMMERREGISTER.md), and
the street from a curated list of common Norwegian street names: `<tree/nature word><lia|bakken|stien|...>`
(Bjørkelia, Granbakken), `<Kirke|Skole|Stasjons|...><veien|gata|...>` (Kirkeveien, Storgata) and a few fixed
classics (Kongens gate). Home addresses only use postcodes of category G (street addresses) or B (both); a PO-box
postcode (P) or a service postcode (S) is never a place where someone lives.

The register is read once per process, lazily, and cached: only worlds that generate addresses pay for it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

from .model import Address

REGISTER_FILE = "postnummerregister.tsv"
#: Register categories that may appear on a street (home or business) address.
STREET_CATEGORIES = frozenset({"G", "B"})


@dataclass(frozen=True)
class PostcodeEntry:
    postcode: str
    place: str  # poststed, the post town, upper case as the register writes it
    municipality_number: str
    municipality: str
    category: str  # G street addresses, P PO boxes, B both, S service postcodes, F several uses


@functools.cache
def register() -> dict[str, PostcodeEntry]:
    """Postcode → its register row (all categories)."""
    text = resources.files("sandbox.world").joinpath("data", REGISTER_FILE).read_text(encoding="utf-8")
    out = {}
    for line in text.splitlines():
        if line:
            postcode, place, number, municipality, category = line.split("\t")
            out[postcode] = PostcodeEntry(postcode, place, number, municipality, category)
    return out


@functools.cache
def street_postcodes() -> tuple[PostcodeEntry, ...]:
    """The rows a street address may use (categories G and B), in postcode order."""
    return tuple(e for e in register().values() if e.category in STREET_CATEGORIES)


def postcode_matches(post_code: str, town: str) -> bool:
    """True when `post_code` is in the register and `town` is its post town (case-insensitive)."""
    entry = register().get(post_code)
    return entry is not None and entry.place == town.strip().upper()


def short_place(entry: PostcodeEntry) -> str:
    """The place as one would name a firm after it: KRISTIANSAND S → KRISTIANSAND, BØ I TELEMARK → BØ."""
    place = entry.place
    for cut in (" I ", " PÅ "):
        place = place.split(cut)[0]
    if place.endswith((" S", " N")):
        place = place[:-2]
    return place


# ---- street names --------------------------------------------------------------------------------------------
#: Trees, plants and landscape words that name residential streets, each read with the suffixes below.
NATURE_BASES = ("Bjørke", "Eike", "Furu", "Gran", "Hegg", "Lønne", "Rogne", "Selje", "Hassel", "Lind", "Lyng",
                "Einer", "Kløver", "Blåbær", "Tyttebær", "Multe", "Sol", "Lerke", "Trost", "Skog", "Fjell", "Ås",
                "Myr", "Bekke", "Kvern", "Sjø", "Nord", "Sør", "Vest", "Øst", "Høg", "Stein")
NATURE_SUFFIXES = ("lia", "bakken", "stien", "haugen", "åsen", "tunet", "veien", "vegen", "svingen", "jordet")
#: Functional and central streets (the church, the school, the station, the square), read with these suffixes.
TOWN_BASES = ("Kirke", "Skole", "Stasjons", "Mølle", "Strand", "Havne", "Elve", "Park", "Industri", "Idretts",
              "Prestegårds", "Torg", "Kongs", "Sykehus", "Fabrikk", "Brygge", "Stor", "Lille", "Bru", "Fjord",
              "Dal", "Berg", "Meieri", "Gamle")
TOWN_SUFFIXES = ("gata", "veien", "vegen", "bakken")
FIXED_STREETS = ("Kongens gate", "Dronningens gate", "Prinsens gate", "Kongsgårdsbakken", "Rådhusgata",
                 "Nedre Storgate", "Øvre Storgate", "Jernbanegata", "Posthusgata", "Torggata", "Sjøgata",
                 "Fjordgata", "Strandpromenaden", "Kirkegata", "Markveien", "Løkkeveien", "Gamle Kongevei")


@functools.cache
def street_names() -> tuple[str, ...]:
    """Every street name the generator can write, in a fixed order (the realism report checks against it)."""
    names = [b + s for b in NATURE_BASES for s in NATURE_SUFFIXES]
    names += [b + s for b in TOWN_BASES for s in TOWN_SUFFIXES]
    names += FIXED_STREETS
    return tuple(dict.fromkeys(names))


def street(rng) -> str:
    return rng.choice(street_names())


def building_number(rng) -> str:
    """House numbers are small (most streets are short), now and then with a letter (12B)."""
    number = min(int(rng.expovariate(1 / 18)) + 1, 250)
    return f"{number}{rng.choice('ABC')}" if rng.random() < 0.08 else str(number)


def street_address(rng, entry: PostcodeEntry | None = None) -> Address:
    """A street address in a real postcode area (`entry`, or one drawn from the G/B rows)."""
    entry = entry or rng.choice(street_postcodes())
    return Address(street(rng), building_number(rng), entry.postcode, entry.place)
