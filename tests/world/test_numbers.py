"""Issue 19: crowd numbers are keyed bijections of the member index (sandbox/world/numbers.py): valid, unique,
clear of the scenario's own numbers, and invertible (number → index) without a table."""

from __future__ import annotations

from datetime import date

import pytest

from sandbox import ids
from sandbox.world.numbers import (
    PER_REGISTRATION,
    KeyedPermutation,
    NumberLine,
    OrgSpace,
    PersonSpace,
    account_blocks,
    individuals_per_date,
)


@pytest.mark.parametrize("size", [1, 2, 3, 17, 1000, 4097])
def test_a_keyed_permutation_is_a_bijection_and_its_inverse_undoes_it(size):
    perm = KeyedPermutation("test", size)
    image = [perm.forward(x) for x in range(size)]
    assert sorted(image) == list(range(size))
    assert all(perm.inverse(y) == x for x, y in enumerate(image))
    assert size < 50 or image != list(range(size))  # it does permute
    assert size < 50 or [KeyedPermutation("other", size).forward(x) for x in range(size)] != image


def test_a_number_line_skips_claimed_slots_and_inverts():
    claimed = {KeyedPermutation("k", 500).forward(i) for i in (3, 7, 120)} | {499}
    line = NumberLine("k", 500, 300, claimed)
    slots = [line.slot(i) for i in range(300)]
    assert len(set(slots)) == 300 and not set(slots) & claimed
    assert all(line.index(s) == i for i, s in enumerate(slots))
    assert all(line.index(s) is None for s in range(500) if s not in set(slots))
    with pytest.raises(ValueError):
        NumberLine("k", 500, 497, claimed)


def test_person_numbers_are_valid_unique_synthetic_and_found_again():
    space = PersonSpace(date(2025, 6, 30))
    assert individuals_per_date() == 411 and space.size > 10_000_000
    line = NumberLine("persons", space.size, 3000, set())
    seen = set()
    for i in range(3000):
        slot = line.slot(i)
        for d_number in (False, True):
            number = space.number(slot, d_number)
            parsed = ids.parse_person_number(number)
            assert parsed.synthetic and parsed.d_number == d_number and parsed.birth_date == space.birth(slot)
            assert 18 <= 2025 - parsed.birth_date.year <= 90
            assert space.slot_of(number) == slot
            seen.add(number)
    assert len(seen) == 6000
    for other in ("", "abc", "01010112345", "12345678901", "0108" + "0" * 7):
        assert space.slot_of(other) is None


def test_organisation_and_account_numbers_are_valid_unique_and_found_again():
    orgs = OrgSpace()
    line = NumberLine("orgs", orgs.size, 2000, set())
    numbers = [orgs.number(line.slot(j)) for j in range(2000)]
    assert len(set(numbers)) == 2000 and all(ids.is_valid_organisation_number(n) and n[0] in "23" for n in numbers)
    assert all(orgs.slot_of(n) == line.slot(j) for j, n in enumerate(numbers))
    assert orgs.slot_of("974761076") is None and orgs.slot_of("12345") is None

    people, firms = account_blocks(["9910", "9911", "9920"], ["9920", "9930"])
    assert people.size == 2 * PER_REGISTRATION + PER_REGISTRATION * 4 // 5
    assert firms.size == PER_REGISTRATION + PER_REGISTRATION // 5
    for space, key in ((people, "p"), (firms, "o")):
        line = NumberLine(key, space.size, 3000, set())
        numbers = [space.number(line.slot(k)) for k in range(3000)]
        assert len(set(numbers)) == 3000 and all(ids.is_valid_account_number(n) for n in numbers)
        assert all(space.slot_of(n) == line.slot(k) for k, n in enumerate(numbers))
        other = firms if space is people else people
        assert all(other.slot_of(n) is None for n in numbers)  # a shared registration number is split
    assert people.slot_of("99400000000") is None
