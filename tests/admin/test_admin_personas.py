"""`GET /sandbox/v1/parties` names, for every persona of the default scenario, the rules it demonstrates as a list of
ids (`rules`), not only in the `about` text (issue 3, Build 7), and every id is a rule or open question of
spec/data-model.md.

CI's clone has no `../shared`, so the ids of spec/data-model.md are vendored below (R-01 … R-70 of §4, Q-01 … Q-35
of §5); where the spec is at hand the vendored list is checked against it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT.parent / "shared" / "spec" / "data-model.md"
#: spec/data-model.md: the rules of §4 (R-01 … R-70) and the open questions of §5 (Q-01 … Q-35).
SPEC_IDS = {f"R-{n:02d}" for n in range(1, 71)} | {f"Q-{n:02d}" for n in range(1, 36)}


@pytest.fixture(scope="module")
def default_app(make_app):
    return make_app("default")


@pytest.fixture(scope="module")
def listing(default_app) -> list[dict]:
    response = default_app.test_client().get("/sandbox/v1/parties")
    assert response.status_code == 200
    return response.get_json()["parties"]


@pytest.mark.skipif(not SPEC.exists(), reason="../shared/spec is not checked out next to the repository")
def test_vendored_ids_are_the_ids_of_the_spec():
    text = SPEC.read_text(encoding="utf-8")
    rules = set(re.findall(r"\*\*(R-\d{2}) ", text))
    questions = set(re.findall(r"^\| (Q-\d{2}) \|", text, re.M))
    assert rules | questions == SPEC_IDS


def test_every_named_persona_lists_the_rules_it_demonstrates(listing, default_app):
    world = default_app.extensions["dsop"].world
    named = [p for p in world.parties.values() if not p.generated]
    assert len(listing) == len(named) == 22
    for entry in listing:
        assert isinstance(entry.get("rules"), list) and entry["rules"], f"{entry['id']} lists no rule"
        unknown = set(entry["rules"]) - SPEC_IDS
        assert not unknown, f"{entry['id']}: {sorted(unknown)} are no rule or question of spec/data-model.md"
        assert len(set(entry["rules"])) == len(entry["rules"]), entry


def test_the_rules_cover_what_the_readme_persona_table_names(listing):
    """Every R-/Q- id the README's persona table gives a persona is in that persona's `rules` (the two agree)."""
    text = (ROOT / "docs" / "personas.md").read_text(encoding="utf-8")  # the README links it (issue 15)
    table = text.split("\n## Personas\n", 1)[1].split("\n## ", 1)[0]
    rules = {p["id"]: set(p["rules"]) for p in listing}
    checked = 0
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 5 and re.fullmatch(r"`[a-z0-9-]+`", cells[0]):
            persona = cells[0].strip("`")
            named = set(re.findall(r"\b[RQ]-\d{2}\b", cells[4]))
            for first, last in re.findall(r"\bR-(\d{2})–R-(\d{2})\b", cells[4]):  # "R-60–R-62"
                named |= {f"R-{n:02d}" for n in range(int(first), int(last) + 1)}
            assert named <= rules[persona], f"{persona}: README names {sorted(named - rules[persona])} too"
            checked += 1
    assert checked == 22


def test_generated_parties_carry_no_rules(default_app):
    crowd = default_app.test_client().get("/sandbox/v1/parties?crowd=true").get_json()["parties"]
    generated = [p for p in crowd if p["generated"]]
    assert generated and all("rules" not in p for p in generated)


def test_a_rule_id_that_is_not_one_is_a_scenario_error(problems):
    text = """
version: 1
name: bad-rules
people:
  - {id: ola, name: Ola, rules: [R-27, R-99, R27]}
"""
    found = problems(text)
    assert any("rules" in str(p) and "R-01" in str(p) for p in found), found
