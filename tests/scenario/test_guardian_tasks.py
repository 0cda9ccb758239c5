"""A guardianship's `tasks` (FREG `vergeTjenesteoppgave`) from the scenario into the world and its digest.

The loader's errors for bad tasks are in test_loader.py, the JSON Schema's in test_jsonschema.py and
Vergekontroll's refusal without representasjonDagligbank in tests/profiles/test_profiles.py.
"""

from __future__ import annotations

import dataclasses

import pytest

from sandbox.scenario import schema as S
from sandbox.world import build_world, world_digest
from sandbox.world.digest import canonical_dump
from sandbox.world.model import DEFAULT_GUARDIAN_TASKS, REPRESENTASJON_DAGLIGBANK, Guardianship

BASE = """\
version: 1
name: guardian tasks
seed: tasks-1
today: 2025-06-30
banks:
  - {id: alpha, name: ALPHA BANK, registration_numbers: ["9910"]}
people:
  - id: kari
  - id: ola
  - id: per
guardianships:
  - {guardian: kari, ward: ola, from: 2021-01-01}
"""


def world_of(load, text: str):
    return build_world(load(text))


def test_the_scenario_default_is_the_worlds_default():
    assert S.DEFAULT_GUARDIAN_TASKS == DEFAULT_GUARDIAN_TASKS == (REPRESENTASJON_DAGLIGBANK,)
    assert REPRESENTASJON_DAGLIGBANK == "representasjonDagligbank"


def test_tasks_are_carried_into_the_world(load):
    text = BASE + ("  - {guardian: per, ward: kari, from: 2022-01-01,\n"
                   "     tasks: [forvaltningAvFastEiendom, representasjonDagligbank]}\n")
    default, listed = world_of(load, text).guardianships
    assert default.tasks == ("representasjonDagligbank",) and default.has_task("representasjonDagligbank")
    assert listed.tasks == ("forvaltningAvFastEiendom", "representasjonDagligbank")  # scenario order, a tuple
    assert not listed.has_task("forvaltningAvFastEiendomm")
    with pytest.raises(dataclasses.FrozenInstanceError):
        listed.tasks = ()  # type: ignore[misc]
    assert Guardianship("kari", "ola", default.period) == default  # the model's default too


def test_digest_covers_tasks(load):
    """A guardianship's tasks are part of the world (and its digest): writing the default out changes nothing;
    another task is another world."""
    plain = world_of(load, BASE)
    assert b'"tasks":["representasjonDagligbank"]' in canonical_dump(plain).split(b"\n", 1)[0]
    explicit = world_of(load, BASE.replace("from: 2021-01-01}", "from: 2021-01-01, tasks: [representasjonDagligbank]}"))
    assert world_digest(explicit) == world_digest(plain)
    other = world_of(load, BASE.replace("from: 2021-01-01}", "from: 2021-01-01, tasks: [forvaltningAvFastEiendom]}"))
    assert world_digest(other) != world_digest(plain)
    assert b'"tasks":["forvaltningAvFastEiendom"]' in canonical_dump(other).split(b"\n", 1)[0]
    more = world_of(load, BASE.replace("from: 2021-01-01}", "from: 2021-01-01, tasks: [representasjonDagligbank, "
                                                            "forvaltningAvFastEiendom]}"))
    assert len({world_digest(plain), world_digest(other), world_digest(more)}) == 3
