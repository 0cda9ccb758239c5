"""Choosing a profile (DESIGN D22): `register: {profile}` and `banks[].profile` in the scenario, `--profile` for
all (it wins), strict by default; the scenario's mistakes are FILE:LINE problems like every other key; /health
and GET /sandbox/v1/banks say which profile each participant answers with."""

from __future__ import annotations

import pytest

from sandbox.cli.main import build_parser
from sandbox.cli.serve import settings_from_args
from sandbox.compat import Compat
from sandbox.world import build_world

HEAD = """version: 1
name: sel
today: 2025-06-30
banks:
  - id: a
    name: A BANK
  - id: b
    name: B BANK
"""


def test_strict_is_the_default(load):
    compat = Compat.from_world(build_world(load(HEAD)))
    assert compat.register == "strict" and set(compat.banks.values()) == {"strict"} and not compat.knobs
    assert compat.register_auth.standard and not compat.register_mandates


def test_scenario_per_bank_and_register_and_the_flag_wins(load):
    text = HEAD.replace("    name: B BANK\n", "    name: B BANK\n    profile: production\n"
                                                "    deviations: {empty_links: 0.5}\n") + \
        "register: {profile: production}\n"
    world = build_world(load(text))
    compat = Compat.from_world(world)
    a, b = (world.banks[x].org_number for x in "ab")
    assert (compat.register, compat.bank(a), compat.bank(b)) == ("production", "strict", "production")
    assert compat.bank_mandates(b) == (("OED", "oed"),) and compat.bank_mandates(a) == ()
    assert compat.register_auth.accept_audiences == ("unspecified",) and compat.register_auth.bare_token
    assert set(compat.knobs) == {b}
    strict = Compat.from_world(world, "strict")
    assert strict.register == "strict" and set(strict.banks.values()) == {"strict"} and not strict.knobs
    everyone = Compat.from_world(world, "production")
    assert set(everyone.banks.values()) == {"production"} and set(everyone.knobs) == {b}
    with pytest.raises(ValueError):
        Compat.from_world(world, "lenient")


@pytest.mark.parametrize("snippet, needle, path, words", [
    ("    profile: lenient\n", "profile: lenient", "banks[1].profile", "expected one of"),
    ("    profile: production\n    deviations: {typo: 1}\n", "deviations: {typo", "banks[1].deviations.typo",
     "unknown key"),
    ("    deviations: {empty_links: 1}\n", "deviations: {empty_links", "banks[1].deviations", "profile: production"),
    ("    profile: production\n    deviations: {omit_optional: 2}\n", "omit_optional: 2",
     "banks[1].deviations.omit_optional", "share"),
    ("    profile: production\n    deviations:\n      latency: {distribution: fixed}\n", "distribution: fixed",
     "banks[1].deviations.latency.ms", "needs 'ms'"),
])
def test_bank_mistakes_are_reported_with_their_line(problems, line_of, snippet, needle, path, words):
    text = HEAD.replace("    name: B BANK\n", "    name: B BANK\n" + snippet)
    found = problems(text)
    assert any(p.path == path and words in p.message for p in found), [str(p) for p in found]
    hit = next(p for p in found if p.path == path)
    assert hit.line is not None and abs(hit.line - line_of(text, needle)) <= 1, str(hit)
    assert str(hit).startswith(f"test.yaml:{hit.line}: ")


@pytest.mark.parametrize("tail, path", [
    ("register: {profile: relaxed}\n", "register.profile"),
    ("register: {profil: production}\n", "register.profil"),
])
def test_register_mistakes_are_reported(problems, tail, path):
    found = problems(HEAD + tail)
    assert [p.path for p in found] == [path] and found[0].line == 9


def test_the_serve_flag():
    args = build_parser().parse_args(["serve", "--profile", "production"])
    assert settings_from_args(args).profile == "production"
    assert settings_from_args(build_parser().parse_args(["serve"])).profile is None
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--profile", "lenient"])


def test_health_and_admin_list_the_profiles(compat_app):
    client = compat_app().test_client()
    assert client.get("/health").json["profiles"] == {
        "register": "production", "banks": {"std": "strict", "prod": "production", "wild": "production"}}
    listing = client.get("/sandbox/v1/banks").json
    assert listing["register"] == {"profile": "production"}
    by_id = {b["id"]: b for b in listing["banks"]}
    assert [by_id[x]["profile"] for x in ("std", "prod", "wild")] == ["strict", "production", "production"]
    assert "deviations" not in by_id["prod"]
    assert by_id["wild"]["deviations"] == {"omit_optional": 1.0, "empty_links": 1.0, "empty_details": 1.0}
    flagged = compat_app(profile="strict").test_client()
    assert set(flagged.get("/health").json["profiles"]["banks"].values()) == {"strict"}


def test_the_scenario_json_schema_knows_the_keys():
    from sandbox.scenario.jsonschema import scenario_json_schema

    schema = scenario_json_schema()
    text = str(schema)
    assert "deviations" in text and "empty_details" in text and "production" in text
