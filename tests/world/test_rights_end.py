"""Rights end with the person or the company that held them (sandbox/world/timeline.py `held_roles`,
`issued_cards`; build.py `_blocked_on`):

* a role ends on the day its holder dies (Roles.endDate = "when the party lost their rights", seed 001), and a
  role that would start after the death was never held;
* on an account frozen by a bankruptcy (spec/services.md §2.3 and §6: the debtor's accounts are blocked at the
  ruling; R-33 `disabled` = nobody can use the account) every role ends at the ruling, no card is issued after it
  and the cards valid then are blocked from it;
* no card is issued to a holder after the holder's death.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sandbox.bank.rules import BankRules
from sandbox.scenario import load_scenario, load_scenario_text
from sandbox.world import Period, build_world
from tests.support import TODAY

DEATH = date(2025, 2, 14)  # kari
RULING = date(2024, 11, 20)  # bakeri
DEFAULT = Path(__file__).resolve().parents[2] / "scenarios" / "default.yaml"

SCENARIO = """\
version: 1
name: rights-end
seed: rights-end
banks:
  - {id: alpha, name: ALPHA SPAREBANK, registration_numbers: ["9910"]}
people:
  - {id: kari}
  - {id: ola}
  - {id: per}
organisations:
  - {id: firma}
  - {id: bakeri, bankruptcy_date: 2024-11-20}
accounts:
  - id: firma-drift
    bank: alpha
    type: businessAccount
    opened: 2019-01-01
    owners: [{party: firma}]
    roles:
      - {party: kari, permission: rightToUseAlone, from: 2020-01-01}
      - {party: kari, permission: rightToSeeOnly, from: 2025-03-01}      # after her death: never held
      - {party: per, permission: rightToSeeOnly, from: 2020-01-01, to: 2024-12-31}
    activity: none
    cards:
      - {id: kari-old, holder: kari, issued: 2023-01, expires: 2027-12}
      - {id: kari-new, holder: kari, issued: 2025-04, expires: 2029-04}  # after her death: never issued
  - id: bakeri-drift
    bank: alpha
    type: businessAccount
    opened: 2018-01-01
    owners: [{party: bakeri}]
    roles:
      - {party: ola, permission: rightToUseAlone, from: 2018-01-01}
      - {party: per, permission: rightToSeeOnly, from: 2025-01-01}       # inside the bankruptcy: never held
    activity: none
    cards:
      - {id: ola-card, holder: ola, issued: 2023-01, expires: 2027-12}
      - {id: ola-new, holder: ola, issued: 2025-01, expires: 2029-01}    # after the ruling: never issued
events:
  - {date: 2025-02-14, type: death, party: kari}
  - {date: 2025-03-10, type: issue_card, account: bakeri-drift, card: ola-card, holder: ola}
"""


def _world():
    return build_world(load_scenario_text(SCENARIO, "rights-end.yaml", today=TODAY))


def test_roles_end_at_the_holders_death():
    world = _world()
    roles = {(r.party_id, r.permission): r.period for r in world.accounts["firma-drift"].roles}
    assert roles == {("kari", "rightToUseAlone"): Period(date(2020, 1, 1), DEATH),
                     ("per", "rightToSeeOnly"): Period(date(2020, 1, 1), date(2024, 12, 31))}
    # what Roles answers for the company's account: her right with its end, through the company's reference
    rules = BankRules(world)
    bank, window = world.banks["alpha"], Period(date(2024, 1, 1), TODAY)
    body = rules.roles(bank, rules.codec.encode("firma-drift", "firma"), window)
    kari = [r for r in body["roles"] if r["identifier"]["value"] == world.parties["kari"].identifier]
    assert [(r["permission"], r["endDate"]) for r in kari] == [("rightToUseAlone", "2025-02-14")]
    # and her relation to the account is gone after the death
    assert not world.relations("kari", Period(date(2025, 3, 1), TODAY))


def test_no_card_issued_to_a_dead_holder():
    world = _world()
    cards = {c.id: c for c in world.accounts["firma-drift"].cards}
    assert set(cards) == {"kari-old"}
    assert cards["kari-old"].blocked_on == DEATH


def test_bankruptcy_ends_roles_at_the_ruling_and_issues_no_card_after_it():
    world = _world()
    account = world.accounts["bakeri-drift"]
    assert [f.period.start for f in account.frozen if f.cause == "bankruptcy"] == [RULING]
    assert [(r.party_id, r.period) for r in account.roles] == [("ola", Period(date(2018, 1, 1), RULING))]
    assert [(c.id, c.version, c.issued, c.blocked_on) for c in account.cards] == [
        ("ola-card", 1, date(2023, 1, 1), RULING)], "neither the card of 2025-01 nor the reissue of 2025-03"
    assert {c.status_on(TODAY) for c in account.cards} == {"blocked"}
    rules = BankRules(world)
    body = rules.cards(world.banks["alpha"], rules.codec.encode("bakeri-drift", "bakeri"),
                       Period(date(2024, 1, 1), TODAY))
    assert [(c["startDate"], c["cardStatus"]) for c in body["paymentCards"]] == [("2023-01", "blocked")]


def test_default_world_no_rights_after_death_or_ruling():
    """The default scenario, crowd included: no role outlives its holder or a bankruptcy ruling on its account, no
    card is issued after its holder's death or a ruling, and none is active on an account frozen by a bankruptcy."""
    world = build_world(load_scenario(DEFAULT))
    today, checked = world.today, {"died": 0, "bankrupt": 0}
    for account in world.accounts.values():
        rulings = [f.period for f in account.frozen if f.cause == "bankruptcy"]
        for r in account.roles:
            death = world.parties[r.party_id].death_date
            if death is not None:
                checked["died"] += 1
                assert r.period.start <= death and r.period.end is not None and r.period.end <= death, (account.id, r)
            for ruling in rulings:
                assert r.period.end is not None and r.period.end <= ruling.start, (account.id, r)
        for c in account.cards:
            death = world.parties[c.holder_id].death_date
            assert death is None or c.issued <= death, (account.id, c.id)
            for ruling in rulings:
                checked["bankrupt"] += 1
                assert not (ruling.start < c.issued and (ruling.end is None or c.issued <= ruling.end)), (account.id, c)
                if ruling.contains(today):
                    assert c.status_on(today) == "blocked", (account.id, c.id)
    assert checked["died"] >= 3 and checked["bankrupt"] >= 3, checked
