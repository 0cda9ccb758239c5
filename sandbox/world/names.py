"""Names of generated people and organisations, and the organisations' legal forms.

People: Faker's nb_NO name formats without the one that puts a title in front ("Dr."/"Prof."): a title is no part
of a Norwegian name in a bank's customer register, and it made a 2002-born "DR." of the crowd.

Organisations: the legal form (selskapsform) is drawn with Enhetsregisteret's rough mix — aksjeselskap (AS)
dominant, enkeltpersonforetak (ENK) common, the rest rare — and the name follows the form's rules: an AS/ASA/ANS/
DA/SA/NUF carries its form as the last word, an ENK is named after its owner (the owner's surname must be in the
name: "KARI NORDMANN REGNSKAP"), a foundation's name says "stiftelse". Names are made from real place names (the
postcode register) and trades, never taken from a register of real companies (DESIGN D21).
"""

from __future__ import annotations

from faker.providers.person.no_NO import Provider as _NoPersons

#: Faker's no_NO name formats minus the one with {{prefix}} (its "Dr."/"Prof.").
PERSON_FORMATS = tuple(f for f in _NoPersons.formats if "prefix" not in f)

#: Legal forms (Enhetsregisteret codes) and their weights in per cent: AS ~62 %, ENK ~27 %, the rest rare.
LEGAL_FORMS = (("AS", 62.0), ("ENK", 27.0), ("ANS", 3.0), ("DA", 2.0), ("SA", 2.0), ("NUF", 2.0),
               ("STI", 1.5), ("ASA", 0.5))
LEGAL_FORM_NAMES = {
    "AS": "aksjeselskap", "ASA": "allmennaksjeselskap", "ENK": "enkeltpersonforetak", "ANS": "ansvarlig selskap",
    "DA": "selskap med delt ansvar", "SA": "samvirkeforetak", "NUF": "norskregistrert utenlandsk foretak",
    "STI": "stiftelse",
}
#: Forms whose name ends with the form's abbreviation.
SUFFIXED_FORMS = ("AS", "ASA", "ANS", "DA", "SA", "NUF")
#: Forms that can go bankrupt as an entity in the sandbox (an ENK's debts are its owner's: no Konkurs of the firm).
BANKRUPTABLE_FORMS = frozenset({"AS", "ASA", "ANS", "DA", "SA", "NUF", "STI"})

TRADES = ("BYGG", "TRANSPORT", "ELEKTRO", "RØR", "EIENDOM", "MASKIN", "MALING", "RENHOLD", "HANDEL", "REGNSKAP",
          "RÅDGIVNING", "DATA", "BILSERVICE", "GRAVING", "SNEKKERI", "TAK", "VVS", "ENTREPRENØR", "INVEST",
          "HOLDING", "SJØMAT", "AKVAKULTUR", "TRELAST", "BAKERI", "BLOMSTER", "INTERIØR", "ARKITEKTER",
          "FYSIOTERAPI", "TANNLEGESENTER", "REKLAME")
#: What one person usually runs as a sole proprietorship.
ENK_TRADES = ("REGNSKAP", "RÅDGIVNING", "FRISØR", "TØMRER", "RØRLEGGER", "ELEKTRIKER", "MALER", "FOTO", "DESIGN",
              "TRANSPORT", "RENHOLD", "FYSIOTERAPI", "MASSASJE", "SNEKKER", "GÅRDSDRIFT", "HÅNDVERK", "KONSULENT",
              "IT-TJENESTER", "OVERSETTELSER", "HUNDEPENSJONAT")
#: Invented brand words for firms not named after a place or a person.
BRAND_WORDS = ("NORDLYS", "FJELLRO", "HAVBRIS", "SKOGLY", "SOLSIDEN", "FJORDGLØTT", "VESTAVIND", "BØLGEN",
               "TINDEN", "NORDKAPP", "LYNGHEI", "STRANDLY", "ELVEBREDD", "VIDDA", "BJØRKLY")
SA_KINDS = ("SAMVIRKELAG", "BOLIGBYGGELAG", "FISKARLAG", "MEIERI", "INNKJØPSLAG", "SKOGEIERLAG")
STI_KINDS = ("KULTURHUS", "MUSEUM", "BARNEHAGE", "BYGDETUN", "IDRETTSPARK", "KIRKEMUSIKK")
NUF_SUFFIXES = ("AB", "LTD", "APS", "GMBH", "OY")

_PHI = 0.6180339887498949


def person_name(fake) -> str:
    """A Norwegian full name with no title, e.g. "Kari Nordmann", "Per-Erik Hansen", "Anne Berg-Olsen"."""
    return fake.parse(fake.random_element(PERSON_FORMATS))


def legal_form_at(index: int, offset: float) -> str:
    """The legal form of the index-th generated organisation.

    The forms follow a golden-ratio sequence through the weighted table, so even a small crowd has the intended
    mix (50 organisations: 31 AS, 13-14 ENK, the rest in ones and twos) and a member keeps its form when the crowd
    grows; `offset` (from the seed) makes another seed deal the forms to other members."""
    u = (offset + index * _PHI) % 1.0
    total = sum(w for _, w in LEGAL_FORMS)
    acc = 0.0
    for form, weight in LEGAL_FORMS:
        acc += weight / total
        if u < acc:
            return form
    return LEGAL_FORMS[-1][0]


def legal_form_of_name(name: str) -> str | None:
    """The form a written organisation name declares: its last word (AS, ASA, ...) or "stiftelse" in it."""
    words = name.upper().replace(",", " ").split()
    if not words:
        return None
    if words[-1] in SUFFIXED_FORMS:
        return words[-1]
    if any("STIFTELSE" in w for w in words):
        return "STI"
    return None


def organisation_name(form: str, rng, fake, *, place: str, owner_name: str | None = None) -> str:
    """A plausible name for an organisation of `form` in `place` (upper case). `owner_name` is the owner of an ENK."""
    trade = rng.choice(TRADES)
    if form == "ENK":
        if not owner_name:
            raise ValueError("an ENK is named after its owner")
        return f"{owner_name} {rng.choice(ENK_TRADES)}".upper()
    if form == "STI":
        return rng.choice((f"STIFTELSEN {place} {rng.choice(STI_KINDS)}", f"{place} KULTURSTIFTELSE"))
    if form == "SA":
        return f"{place} {rng.choice(SA_KINDS)} SA"
    if form == "ANS":
        return f"{fake.last_name()} & {fake.last_name()} {trade} ANS".upper()
    if form == "NUF":
        return f"{rng.choice(BRAND_WORDS)} {trade} {rng.choice(NUF_SUFFIXES)} NUF"
    style = rng.random()
    if style < 0.5:
        stem = place
    elif style < 0.8:
        stem = fake.last_name().upper()
    else:
        stem = rng.choice(BRAND_WORDS)
    return f"{stem} {trade} {form}"
