"""docs/profiles.md shows every service profile of sandbox/profiles/catalog.py with its full Legal-Mandate strings
(issue 15): the generated block must equal what the catalogue renders today."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

from sandbox.profiles.catalog import PROFILES
from tests.docs.profiles_page import BEGIN, END, encoded, render

PAGE = Path(__file__).resolve().parents[2] / "docs" / "profiles.md"


def test_the_page_holds_the_catalogue_as_rendered_today():
    text = PAGE.read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END)
    assert text[start:end] == render(), "docs/profiles.md is stale: paste `python -m tests.docs.profiles_page`"


def test_every_mandate_of_every_profile_is_on_the_page_decoded_and_encoded():
    text = PAGE.read_text(encoding="utf-8")
    for p in PROFILES:
        assert f"### {p.name} (`{p.service}`)" in text
        for mandate in p.mandates + p.aliases + (p.step1_mandates or ()):
            assert f"`{mandate}`" in text and f"`{encoded(mandate)}`" in text


def test_the_encoding_is_the_public_tables_one():
    """Spot-check against the encoded strings the public service pages print (spec/services.md §2.1, §2.3)."""
    assert encoded("kkl. §156 (3) og (4), jf. kkfor.§21") == "kkl.%20%C2%A7156%20(3)%20og%20(4)%2C%20jf.%20kkfor.%C2%A721"
    skatt = ("Skatteforvaltningsloven%20%C2%A7%2010-2%20f%C3%B8rste%20ledd%2C%20jf.%20%C2%A7%2010-14%2C%20jf."
             "%20skatteforvaltningsforskriften%20%C2%A7%2010-2-1")
    assert encoded(unquote(skatt)) == skatt
