"""People, places and organisations look Norwegian (issue 17, part 2a): real postcodes with their own post towns,
common street names, no titles in names, Norway's mix of legal forms with names that fit them."""

from __future__ import annotations

import dataclasses
import functools
from collections import Counter
from pathlib import Path

import pytest

from sandbox.scenario import ScenarioError, load_scenario, load_scenario_text
from sandbox.world import build_world, names, places
from sandbox.world.realism_people import FIGURES, figure_home_postcodes, figure_legal_form_enk, figure_titles

ROOT = Path(__file__).resolve().parents[2]


@functools.cache
def default_world():
    return build_world(load_scenario(str(ROOT / "scenarios" / "default.yaml")))


@functools.cache
def _crowd_world(people: int, organisations: int, seed: str = "forms"):
    return build_world(load_scenario_text(f"""\
version: 1
name: crowd
seed: {seed}
today: 2025-06-30
banks:
  - {{id: alpha, name: ALPHA SPAREBANK}}
generate:
  people: {{count: {people}, accounts_per_person: 1}}
  organisations: {{count: {organisations}, accounts_per_organisation: 1}}
"""))


# ---- the register ---------------------------------------------------------------------------------------------
def test_the_postcode_register_ships_with_its_terms_and_has_the_expected_shape():
    rows = places.register()
    assert 5000 <= len(rows) <= 5300
    assert Counter(e.category for e in rows.values()).keys() <= {"G", "P", "B", "S", "F"}
    assert rows["0010"] == places.PostcodeEntry("0010", "OSLO", "0301", "OSLO", "B")
    assert rows["1300"] == places.PostcodeEntry("1300", "SANDVIKA", "3201", "BÆRUM", "P")
    assert rows["9990"].place == "BÅTSFJORD" and rows["9990"].category == "G"
    assert all(len(e.postcode) == 4 and e.postcode.isdigit() and len(e.municipality_number) == 4
               for e in rows.values())
    data = ROOT / "sandbox" / "world" / "data"
    terms = (data / "POSTNUMMERREGISTER.md").read_text(encoding="utf-8")
    assert "Date of the extract" in terms and "Terms" in terms and "Posten Norge" in terms


def test_street_addresses_only_use_street_postcodes():
    assert {e.category for e in places.street_postcodes()} == {"G", "B"}
    assert len(places.street_postcodes()) > 3000


# ---- addresses ------------------------------------------------------------------------------------------------
def test_every_person_lives_at_a_real_postcode_of_their_town():
    world = default_world()
    people = [p for p in world.parties.values() if p.kind == "person"]
    assert len(people) > 300
    for p in people:
        assert p.address is not None, p.id
        entry = places.register().get(p.address.post_code)
        assert entry is not None, (p.id, p.address)
        assert entry.category in ("G", "B"), (p.id, p.address)
        assert entry.place == p.address.town, (p.id, p.address)


def test_organisations_and_counterparties_have_matching_postcodes_and_real_towns():
    world = default_world()
    addresses = [p.address for p in world.parties.values() if p.kind == "organisation"]
    addresses += [c.address for c in (*world.pools.employers, *world.pools.billers)]
    assert all(a is not None and places.postcode_matches(a.post_code, a.town) for a in addresses)
    real = {places.short_place(e) for e in places.register().values()}
    assert all(m.town in real for m in world.pools.merchants)


def test_street_names_come_from_the_street_list_not_from_surnames():
    world = default_world()
    streets = [p.address.street for p in world.parties.values()]
    streets += [c.address.street for c in (*world.pools.employers, *world.pools.billers)]
    known = set(places.street_names())
    assert all(s in known for s in streets), sorted(set(streets) - known)[:5]
    assert "Storgata" in known and "Kirkeveien" in known and "Bjørkelia" in known
    assert len(set(streets)) > 100  # varied, not a handful of streets


# ---- names ----------------------------------------------------------------------------------------------------
def test_no_person_or_payee_has_a_title():
    world = _crowd_world(800, 0, seed="titles")  # Faker put "Dr."/"Prof." on ~1 in 23 names
    names_seen = [p.name for p in world.parties.values()] + [c.name for c in world.pools.payees]
    assert not [n for n in names_seen if n.split()[0].rstrip(".") in ("DR", "PROF")]
    assert figure_titles(default_world())["ok"]


# ---- organisations --------------------------------------------------------------------------------------------
def test_the_default_crowd_has_norways_mix_of_legal_forms():
    world = default_world()
    forms = Counter(p.legal_form for p in world.parties.values() if p.kind == "organisation" and p.generated)
    total = sum(forms.values())
    assert None not in forms
    assert 0.55 <= forms["AS"] / total <= 0.70
    assert 0.20 <= forms["ENK"] / total <= 0.35
    assert set(forms) - {"AS", "ENK"}  # some rare forms too


def test_the_mix_holds_for_a_larger_crowd_and_members_keep_their_form_when_it_grows():
    small, large = _crowd_world(50, 40), _crowd_world(50, 400)
    forms = Counter(p.legal_form for p in large.parties.values() if p.kind == "organisation")
    assert 0.57 <= forms["AS"] / 400 <= 0.67 and 0.22 <= forms["ENK"] / 400 <= 0.32
    for pid, org in small.parties.items():
        if org.kind == "organisation":
            assert large.parties[pid].legal_form == org.legal_form and large.parties[pid].name == org.name


def test_names_fit_the_legal_form():
    world = _crowd_world(300, 300)
    orgs = [p for p in world.parties.values() if p.kind == "organisation"]
    for org in orgs:
        if org.legal_form in names.SUFFIXED_FORMS:
            assert org.name.split()[-1] == org.legal_form, org.name
        elif org.legal_form == "STI":
            assert "STIFTELSE" in org.name, org.name
        else:
            assert org.legal_form == "ENK" and names.legal_form_of_name(org.name) is None, org.name


def test_an_enk_is_named_after_and_run_by_a_living_unshielded_person_and_never_bankrupt():
    world = _crowd_world(300, 300)
    enks = [p for p in world.parties.values() if p.legal_form == "ENK"]
    assert len(enks) > 50
    for enk in enks:
        accounts = [a for a in world.accounts.values() if a.owners[0].party_id == enk.id]
        holders = set.intersection(*({r.party_id for r in a.roles} for a in accounts))
        assert len(holders) == 1, enk.id
        owner = world.parties[holders.pop()]
        assert owner.kind == "person" and enk.name.startswith(owner.name + " "), (enk.name, owner.name)
        assert owner.death_date is None and not owner.shielded
        assert enk.bankruptcy_date is None


def test_named_organisations_have_a_legal_form():
    world = default_world()
    assert world.parties["fjellbygg"].legal_form == "AS"
    assert world.parties["smuldre-bakeri"].legal_form == "AS"
    assert world.parties["overtaker-enk"].legal_form == "ENK"


def test_a_scenario_can_name_the_legal_form_and_an_unnamed_organisation_gets_a_fitting_name():
    world = build_world(load_scenario_text("""\
version: 1
name: forms
seed: 7
today: 2025-06-30
banks:
  - {id: alpha, name: ALPHA SPAREBANK}
organisations:
  - {id: plain}
  - {id: coop, legal_form: SA}
  - {id: solo, legal_form: ENK}
  - {id: found, name: Stiftelsen Eksempel}
"""))
    plain, coop, solo, found = (world.parties[i] for i in ("plain", "coop", "solo", "found"))
    assert plain.legal_form == "AS" and plain.name.endswith(" AS")
    assert coop.legal_form == "SA" and coop.name.endswith(" SA")
    assert solo.legal_form == "ENK" and names.legal_form_of_name(solo.name) is None
    assert found.legal_form == "STI"
    for org in (plain, coop, solo):
        assert places.postcode_matches(org.address.post_code, org.address.town)


def test_the_scenario_rejects_an_unknown_legal_form():
    with pytest.raises(ScenarioError, match="legal_form"):
        load_scenario_text("""\
version: 1
name: bad
banks:
  - {id: alpha, name: ALPHA SPAREBANK}
organisations:
  - {id: x, legal_form: GMBH}
""")


# ---- determinism and cost -------------------------------------------------------------------------------------
def test_the_same_seed_gives_the_same_people_and_places():
    a, b = _crowd_world.__wrapped__(40, 20, seed="same"), _crowd_world.__wrapped__(40, 20, seed="same")
    assert [(p.name, p.address, p.legal_form) for p in a.parties.values()] == \
           [(p.name, p.address, p.legal_form) for p in b.parties.values()]
    other = _crowd_world(40, 20, seed="other")
    assert [p.address for p in a.parties.values()] != [p.address for p in other.parties.values()]


def test_the_register_is_read_once():
    places.register()
    before = places.register.cache_info()
    _crowd_world(20, 5, seed="cache")
    after = places.register.cache_info()
    assert after.misses == before.misses and after.currsize == 1


# ---- the realism figures --------------------------------------------------------------------------------------
def test_every_figure_is_ok_on_the_default_world():
    world = default_world()
    for fn in FIGURES:
        figure = fn(world)
        assert set(figure) == {"name", "value", "unit", "expected", "ok"}, fn.__name__
        assert isinstance(figure["value"], float) and figure["name"] and figure["expected"]
        assert figure["ok"], figure


def test_the_figures_notice_a_world_that_does_not_look_norwegian():
    world = _crowd_world.__wrapped__(30, 20, seed="broken")  # a world of its own: it is altered below
    person = next(p for p in world.parties.values() if p.kind == "person")
    world.parties[person.id] = dataclasses.replace(
        person, name="DR. " + person.name, address=dataclasses.replace(person.address, town="KENNETHBORG"))
    for org in [p for p in world.parties.values() if p.legal_form == "ENK"]:
        world.parties[org.id] = dataclasses.replace(org, legal_form=None)
    assert not figure_home_postcodes(world)["ok"]
    assert figure_home_postcodes(world)["value"] < 1.0
    assert not figure_titles(world)["ok"]
    assert not figure_legal_form_enk(world)["ok"]


def test_joint_owners_in_the_crowd_share_a_home():
    world = _crowd_world(400, 0, seed="homes")
    pairs = [(a.owners[0].party_id, a.owners[1].party_id) for a in world.accounts.values() if len(a.owners) == 2]
    assert len(pairs) > 10
    for primary, partner in pairs:
        if not world.parties[primary].shielded:
            assert world.parties[partner].address == world.parties[primary].address, (primary, partner)
