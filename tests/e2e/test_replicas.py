"""D20: the world is a pure function of (scenario, seed, today) — a 1-worker and a 4-worker server give
byte-identical bodies for a full case walk, and so do two processes with different PYTHONHASHSEED."""

from __future__ import annotations

import pytest

from .server import running_server, walk

SCENARIO = """
version: 1
name: replicas
seed: 99
today: 2025-06-30
banks:
  - {id: sandkasse, name: SANDKASSE SPAREBANK, registration_numbers: ["9910"]}
  - {id: fjordbank, name: FJORDBANK ASA, registration_numbers: ["9920"]}
  - {id: kfr-finans, name: KFR FINANS AS, register: kfr}
consumers:
  - {id: skatteetaten, name: Skatteetaten, org_number: "974761076", services: [skatt]}
people:
  - {id: ola, name: Ola Testmann, birth_date: 1990-01-01}
accounts:
  - id: ola-brukskonto
    bank: sandkasse
    type: salaryAccount
    opened: -3y
    owners: [{party: ola}]
    cards: [{id: c1, holder: ola, issued: -2y, expires: +2y}]
    activity: {profile: household, purchases_per_month: 60}
generate:
  people: {count: 12}
  organisations: {count: 3}
"""


@pytest.mark.slow
def test_one_and_four_workers_give_identical_bodies(tmp_path):
    path = tmp_path / "replicas.yaml"
    path.write_text(SCENARIO)
    from sandbox.scenario import load_scenario
    from sandbox.world import build_world

    world = build_world(load_scenario(path))
    identifiers = [p.identifier for p in world.parties.values()]
    with running_server(path, workers=1) as one:
        first = walk(one, identifiers, period=("2023-01-01", "2025-06-30"))
    with running_server(path, workers=4) as four:
        second = walk(four, identifiers, period=("2023-01-01", "2025-06-30"))
    assert len(first) > 40, "the walk should cover many requests"
    assert all(status == 200 for _, status, _ in first), [(k, s, b[:200]) for k, s, b in first if s != 200]
    # bodies compared byte for byte (the directory holds each server's own port, so compare it without it)
    for (k1, s1, b1), (k2, s2, b2) in zip(first[1:], second[1:]):
        assert (k1.split("/banks/")[-1], s1, b1) == (k2.split("/banks/")[-1], s2, b2)
