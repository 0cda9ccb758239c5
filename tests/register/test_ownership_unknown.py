"""ownershipType `unknown` (R-22: "role cannot be determined because historical data is missing"): KAR has held
the role of a relation only since Q3 2019 (spec/data-model.md §2.1, "older periods can legitimately yield
unknown"), so a relation that ended before 2019-07-01 is known to the register without the role that tells an
owner from a disponent (sandbox/register/rules.py `_untyped`). A bank whose relations in the period decide
nothing else is `unknown`; a determinable funds ownership still makes it `primaryOwner`; with
onlyPrimaryOwner=true `unknown` banks are kept (Q-21).
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from sandbox.register.rules import ROLE_HISTORY_SINCE, RegisterRules
from sandbox.scenario import load_scenario
from sandbox.world import Period, build_world
from tests.support import TEN_YEARS, RegisterApi

DEFAULT = Path(__file__).resolve().parents[2] / "scenarios" / "default.yaml"

SCENARIO = """
version: 1
name: ownership-unknown
seed: ownership-unknown
today: 2025-06-30
banks:
  - {id: alpha, name: ALPHA TESTBANK ASA, registration_numbers: ["9950"]}
  - {id: beta, name: BETA SPAREBANK, registration_numbers: ["9960"]}
  - {id: gamma, name: GAMMA BANK ASA, registration_numbers: ["9980"]}
consumers:
  - {id: skatteetaten, name: Skatteetaten, org_number: "974761076", services: [skatt]}
people:
  - {id: tone}
  - {id: owner}
accounts:
  - {id: tone-old, bank: alpha, type: salaryAccount, opened: 2012-01-01, closed: 2018-10-31, owners: [{party: tone}]}
  - {id: tone-old-b, bank: beta, type: savingsAccount, opened: 2012-01-01, closed: 2019-03-31, owners: [{party: tone}]}
  - {id: tone-now-b, bank: beta, type: salaryAccount, opened: 2020-01-01, owners: [{party: tone}]}
  - {id: tone-old-c, bank: gamma, type: savingsAccount, opened: 2012-01-01, closed: 2017-05-31, owners: [{party: tone}]}
  - id: owners-c
    bank: gamma
    type: businessAccount
    opened: 2015-01-01
    owners: [{party: owner}]
    roles: [{party: tone, permission: rightToSeeOnly, from: 2021-01-01}]
"""


@pytest.fixture(scope="module")
def reg(make_app) -> RegisterApi:
    app = make_app(SCENARIO)
    return RegisterApi(app.test_client(), app.extensions["dsop"].world)


def test_R22_relation_ended_before_kar_kept_roles_is_unknown(reg: RegisterApi):
    kinds = {bank: e["ownershipType"] for bank, e in reg.relationships("tone", TEN_YEARS, "false").items()}
    assert kinds == {"alpha": "unknown",        # an ownership that ended 2018-10-31: role not held by KAR
                     "beta": "primaryOwner",    # a determinable funds ownership decides
                     "gamma": "unknown"}        # a role today, and an ownership from before: could have been owner
    assert set(reg.relationships("tone", TEN_YEARS, "true")) == {"alpha", "beta", "gamma"}, "Q-21: unknown is kept"
    since = (ROLE_HISTORY_SINCE.isoformat(), TEN_YEARS[1])
    kinds = {bank: e["ownershipType"] for bank, e in reg.relationships("tone", since, "false").items()}
    assert kinds == {"beta": "primaryOwner", "gamma": "notPrimaryOwner"}, "a period after Q3 2019 decides"
    assert all("ownershipType" not in e for e in reg.relationships("tone", TEN_YEARS).values()), "R-22"


def test_R22_default_world_shows_unknown_for_old_relations():
    """Sigrid Fortid (every relation ended before 2019) is `unknown` at Fjordtest for a ten-year period; across the
    default world's parties a small share of the ten-year answers is `unknown`, and none for periods after Q3 2019."""
    world = build_world(load_scenario(DEFAULT))
    rules = RegisterRules(world)
    ten_years = Period(date(2015, 7, 1), world.today)
    sigrid = rules.customer_relationships(world.parties["sigrid-old"].identifier, ten_years, False)["banks"]
    assert [(b["bankName"], b["ownershipType"]) for b in sigrid] == [("FJORDTEST BANK ASA", "unknown")]
    for window, bounds in ((ten_years, (0.005, 0.05)), (Period(date(2024, 1, 1), world.today), (0, 0))):
        kinds = Counter(b["ownershipType"] for p in world.parties.values()
                        for b in rules.customer_relationships(p.identifier, window, False)["banks"])
        share = kinds["unknown"] / sum(kinds.values())
        assert bounds[0] <= share <= bounds[1], (window, dict(kinds))
