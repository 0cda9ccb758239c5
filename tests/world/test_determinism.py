"""The world is a pure function of (scenario, seed, today) (DESIGN §2, D20, D21)."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from datetime import date, timedelta

import pytest

from sandbox import ids
from sandbox.scenario import load_scenario_text
from sandbox.world import build_world, world_digest
from sandbox.world.digest import canonical_dump
from tests.support import TODAY

SCENARIO = """\
version: 1
name: determinism
seed: 2025
banks:
  - {id: alpha, name: ALPHA SPAREBANK, registration_numbers: ["9910", "9911"]}
  - {id: beta, name: BETA BANK}
  - {id: gamma, name: GAMMA KREDITT, register: kfr}
consumers:  # a scenario file needs an agency (the CLI test below validates it as a file)
  - {id: skatteetaten, name: Skatteetaten, org_number: "974761076", services: [skatt]}
people:
  - id: kari
    name: Kari Nordmann
    national_id: "17858027241"
  - id: ola
  - id: dina
    d_number: true
organisations:
  - id: firma
accounts:
  - id: kari-salary
    bank: alpha
    type: salaryAccount
    opened: -4y
    owners: [{party: kari}, {party: ola}]
    cards: [{id: c1, holder: kari, issued: -2y, expires: +2y}]
  - id: kari-loan
    bank: beta
    type: loanAccount
    opened: 2019-03-01
    opening_balance: -2400000
    owners: [{party: kari}]
    co_borrowers: [ola]
  - id: firma-biz
    bank: gamma
    type: businessAccount
    opened: 2020-01-01
    owners: [{party: firma}]
    roles: [{party: dina, permission: rightToUseAlone}]
events:
  - {date: 2024-01-10, type: close, account: kari-salary}
  - {date: 2024-02-01, type: reopen, account: kari-salary}
generate:
  people: {count: 150, d_number_share: 0.2, joint_share: 0.3}
  organisations: {count: 40}
"""

NEW_PERSON = "  - id: zara\n    name: Zara Ny\n"
NEW_ACCOUNT = ("  - id: zara-sav\n    bank: alpha\n    type: savingsAccount\n    opened: -1y\n"
               "    owners: [{party: zara}]\n")


def build(text: str = SCENARIO, *, seed=None, today: date = TODAY):
    return build_world(load_scenario_text(text, "determinism.yaml", today=today, seed=seed))


def with_new_person(text: str = SCENARIO, *, account: bool = False) -> str:
    """The scenario with one more explicit person (in the middle of the list), and optionally her account."""
    out = text.replace("  - id: ola\n", "  - id: ola\n" + NEW_PERSON)
    if account:
        out = out.replace("events:\n", NEW_ACCOUNT + "events:\n")
    assert out != text
    return out


@pytest.fixture(scope="module")
def world():
    return build()


def test_same_scenario_twice_same_digest(world):
    again = build()
    assert world_digest(again) == world_digest(world)
    assert canonical_dump(again) == canonical_dump(world)
    assert again.parties == world.parties and again.accounts == world.accounts and again.banks == world.banks


def test_digest_is_a_sha256_over_the_whole_world(world):
    """Issue 19: the scenario's own entities in full, the crowd by its size and a sample (digest.py says why)."""
    from sandbox.world.digest import CROWD_SAMPLE, crowd_sample

    digest = world_digest(world)
    assert len(digest) == 64 and int(digest, 16) >= 0
    dump = canonical_dump(world).decode()
    assert all(party.identifier in dump for party in world.parties.values() if not party.generated)
    assert all(account.number in dump for account in world.accounts.values() if not account.generated)
    sample = crowd_sample(world)
    assert len(sample) == sum(min(n, CROWD_SAMPLE + 2) for n in world.crowd_size) and len(set(sample)) == len(sample)
    assert all(world.parties[pid].identifier in dump for pid in sample)
    assert all(a.number in dump for a in world.accounts.values() if a.id.rsplit("-a", 1)[0] in set(sample))
    assert f'"crowd":[{world.crowd_size[0]},{world.crowd_size[1]}]' in dump


def test_transactions_are_the_same_in_a_fresh_world(world):
    from sandbox.world import Period

    again = build()
    window = Period(date(2023, 1, 1), TODAY)
    for acc_id in ("kari-salary", "kari-loan", "firma-biz", "gen-p-000003-a0"):
        a, b = world.accounts[acc_id], again.accounts[acc_id]
        assert world.transactions(a, window) == again.transactions(b, window)
        assert world.ledger.pending(a) == again.ledger.pending(b)


_SUBPROCESS = """
import sys
from datetime import date
from sandbox.scenario import load_scenario
from sandbox.world import build_world, world_digest
print(world_digest(build_world(load_scenario(sys.argv[1], today=date(2025, 6, 30)))))
"""


def test_digest_is_the_same_under_any_hash_seed(tmp_path, world):
    path = tmp_path / "determinism.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    expected = world_digest(build_world(load_scenario_text(SCENARIO, str(path), today=TODAY)))
    assert expected == world_digest(world)  # the source name is not part of the world
    digests = set()
    for hash_seed in ("0", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        run = subprocess.run([sys.executable, "-c", _SUBPROCESS, str(path)], env=env, capture_output=True,
                             text=True, timeout=120, check=False)
        assert run.returncode == 0, run.stderr
        digests.add(run.stdout.strip())
    assert digests == {expected}


def test_cli_digest_matches_in_a_subprocess(tmp_path, world):
    path = tmp_path / "determinism.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    env = {**os.environ, "PYTHONHASHSEED": "777"}
    run = subprocess.run([sys.executable, "-m", "sandbox.cli", "validate", str(path), "--today", "2025-06-30"],
                         env=env, capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[-1] == f"world digest  {world_digest(world)}"


def test_adding_a_person_changes_nothing_else(world):
    bigger = build(with_new_person())
    assert set(bigger.parties) == set(world.parties) | {"zara"}
    for pid, party in world.parties.items():
        assert bigger.parties[pid] == party, pid  # explicit people, organisations and the crowd
    assert bigger.accounts == world.accounts  # incl. generated account numbers, cards and crowd accounts
    assert bigger.banks == world.banks
    assert bigger.guardianships == world.guardianships
    assert world_digest(bigger) != world_digest(world)


def test_adding_a_person_with_an_account_changes_no_other_account(world):
    bigger = build(with_new_person(account=True))
    assert set(bigger.accounts) == set(world.accounts) | {"zara-sav"}
    for acc_id, account in world.accounts.items():
        assert bigger.accounts[acc_id] == account, acc_id
        if acc_id in ("kari-salary", "kari-loan", "gen-p-000000-a0"):
            assert bigger.balance(bigger.accounts[acc_id], TODAY) == world.balance(account, TODAY)
    for pid, party in world.parties.items():
        assert bigger.parties[pid] == party, pid
    assert ids.is_valid_account_number(bigger.accounts["zara-sav"].number)


def test_growing_the_crowd_keeps_existing_members(world):
    bigger = build(SCENARIO.replace("count: 150", "count: 160"))
    for pid, party in world.parties.items():
        if pid.startswith("gen-p-") and pid != "gen-p-000149":  # the last one may gain a joint-account partner
            assert bigger.parties[pid] == party, pid


def test_a_different_seed_gives_a_different_world(world):
    other = build(seed="2026")
    assert world_digest(other) != world_digest(world)
    generated = [p for p in world.parties if p != "kari"]
    assert sum(world.parties[p].identifier != other.parties[p].identifier for p in generated) > len(generated) * 0.9
    assert build(SCENARIO.replace("seed: 2025", "seed: 2026")).parties == other.parties  # --seed = the file's seed
    kari, other_kari = world.parties["kari"], other.parties["kari"]
    assert (kari.identifier, kari.name) == (other_kari.identifier, other_kari.name)  # explicit values never move
    assert kari.address != other_kari.address  # but her generated address does


def test_a_different_today_moves_relative_dates(world):
    later = build(today=date(2025, 7, 31))
    assert later.accounts["kari-loan"].opened == world.accounts["kari-loan"].opened
    assert later.accounts["firma-biz"].lifecycles[0].start == date(2020, 1, 1)
    # -4y from today; each account's generated number is its own, whatever today is
    assert later.accounts["kari-salary"].opened == date(2021, 7, 31)
    assert later.accounts["kari-salary"].number == world.accounts["kari-salary"].number


# ---- generated identifiers (D21) ----------------------------------------------------------------------------

CROWD = """\
version: 1
name: crowd
seed: crowd-ids
banks:
  - {id: alpha, name: ALPHA, registration_numbers: ["9910", "9911"]}
  - {id: beta, name: BETA, registration_numbers: ["9920"]}
  - {id: gamma, name: GAMMA}
people:
  - {id: kari}
  - {id: dina, d_number: true}
organisations:
  - {id: firma}
accounts:
  - {id: a1, bank: gamma, type: salaryAccount, opened: -2y, owners: [{party: kari}], cards: [{id: c, holder: kari, issued: -1y, expires: +3y}]}
generate:
  people: {count: 400, d_number_share: 0.25}
  organisations: {count: 80}
"""


@pytest.fixture(scope="module")
def crowd():
    return build(CROWD)


def test_crowd_size(crowd):
    counts = crowd.counts()
    assert counts["people"] == 402 and counts["organisations"] == 81 and counts["banks"] == 3
    assert counts["accounts"] > 400


def test_generated_person_numbers_are_synthetic_and_valid(crowd):
    people = [p for p in crowd.parties.values() if p.kind == "person"]
    assert len({p.identifier for p in people}) == len(people)  # unique
    for p in people:
        parsed = ids.parse_person_number(p.identifier)
        assert parsed.synthetic, p.id
        assert 81 <= int(p.identifier[2:4]) <= 92, p.id  # month + 80 (the national test register's convention)
        assert parsed.d_number == p.d_number, p.id
        assert parsed.birth_date == p.birth_date, p.id
        if p.d_number:
            assert 41 <= int(p.identifier[:2]) <= 71
    d_numbers = sum(p.d_number for p in people)
    assert 40 < d_numbers < 160  # about a quarter of 400, plus dina


def test_generated_organisation_numbers_start_with_2_or_3(crowd):
    numbers = [p.identifier for p in crowd.parties.values() if p.kind == "organisation"]
    numbers += [b.org_number for b in crowd.banks.values()]
    assert len(set(numbers)) == len(numbers)
    for number in numbers:
        assert ids.is_valid_organisation_number(number), number
        assert number[0] in "23", number


def test_generated_account_numbers_belong_to_their_bank(crowd):
    numbers = [a.number for a in crowd.accounts.values()]
    assert len(set(numbers)) == len(numbers)
    regs = {reg for bank in crowd.banks.values() for reg in bank.registration_numbers}
    assert len(regs) == 4  # gamma drew its own, different from the others'
    for account in crowd.accounts.values():
        assert ids.is_valid_account_number(account.number), account.id
        assert account.number[:4] in crowd.banks[account.bank_id].registration_numbers, account.id
        assert int(account.number[:4]) in ids.SYNTHETIC_REGISTRATION_RANGE
    used = {a.number[:4] for a in crowd.accounts.values() if a.bank_id == "alpha"}
    assert used == {"9910", "9911"}  # both of a bank's registration numbers are used


def test_generated_card_numbers_are_synthetic(crowd):
    cards = [c for a in crowd.accounts.values() for c in a.cards]
    assert len(cards) > 100
    for card in cards:
        assert ids.is_valid_card_number(card.number) and card.number.startswith(ids.SYNTHETIC_BIN)


def test_counterparties_carry_valid_identifiers(crowd):
    from sandbox.world import Period

    seen = 0
    for acc_id in ("gen-p-000001-a0", "gen-o-000001-a0", "a1"):
        for tx in crowd.transactions(crowd.accounts[acc_id], Period(date(2025, 1, 1), TODAY)):
            cp = tx.counterparty
            if cp and cp.account:
                assert ids.is_valid_account_number(cp.account)
                seen += 1
            if cp and cp.identifier:
                assert ids.identifier_kind(cp.identifier) == cp.identifier_type
    assert seen > 10


def test_generated_entities_are_dataclasses_all_the_way_down(crowd):
    """Frozen records only, so a World can be shared by every request without copying."""
    for entity in list(crowd.parties.values())[:20] + list(crowd.accounts.values())[:20]:
        assert dataclasses.is_dataclass(entity)
        with pytest.raises(dataclasses.FrozenInstanceError):
            entity.id = "changed"


# ---- the digest's ledger sample (issue 8: the digest no longer generates every account's month) -------------
def test_digest_generates_the_ledger_of_a_sample_covering_every_kind(monkeypatch):
    from sandbox.world import digest
    from sandbox.world.ledger import Ledger

    monkeypatch.setattr(digest, "LEDGER_SAMPLE", 10)
    monkeypatch.setattr(digest, "LEDGER_PER_KIND", 1)
    fresh = build()
    generated = set()
    real = Ledger._generate_month

    def spy(self, account, y, m):
        generated.add(account.id)
        return real(self, account, y, m)

    monkeypatch.setattr(Ledger, "_generate_month", spy)
    sample = digest.ledger_sample(fresh)
    world_digest(fresh)
    kinds = {(a.type, a.activity.profile if a.activity else "", a.generated) for a in fresh.accounts.values()}
    assert len(fresh.accounts) > 100 and 10 <= len(sample) <= 10 + len(kinds)
    assert {(a.type, a.activity.profile if a.activity else "", a.generated) for a in sample} == kinds
    assert generated == {a.id for a in sample}, "only the sampled accounts' months are generated"
    assert [a.id for a in digest.ledger_sample(build())] == [a.id for a in sample], "the same sample every time"


def test_digest_changes_when_the_ledger_generation_changes(monkeypatch, world):
    """A change in the generating code (not in the scenario) still shows in the digest, through the sample."""
    from sandbox.world.ledger import Ledger

    before = world_digest(world)
    real = Ledger._generate_month
    monkeypatch.setattr(Ledger, "_generate_month", lambda self, account, y, m: tuple(
        t._replace(amount=t.amount + 1) for t in real(self, account, y, m)))
    assert world_digest(build()) != before


def test_digest_changes_with_today_and_is_remembered_per_day(world):
    later = build(today=TODAY + timedelta(days=1))
    assert world_digest(later) != world_digest(world)
    moved = build()
    digest = world_digest(moved)
    moved.attach_clock(lambda: TODAY + timedelta(days=1))
    assert world_digest(moved) != digest  # the clock moved today: the pending items and balances did too
    moved.attach_clock(lambda: TODAY)
    assert world_digest(moved) == digest
