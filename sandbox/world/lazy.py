"""The lazy world: a crowd of millions whose members exist only when a request names them.

`build_world(spec, mode="lazy")` (or "auto" with a crowd of LAZY_THRESHOLD members or more) builds the
scenario's own entities as always and leaves the crowd to `CrowdView`, which derives any member from
(seed, scenario, kind, index) through crowd.py, the same function the eager build loops over, and freezes it
with the same Builder.freeze_account: so a member's Party, Accounts and relations are equal, field by field,
to an eager build's (tests/world/test_lazy_world.py).

`World.parties`, `.accounts`, `.party_by_identifier`, `.account_by_number` and `.relations_by_party` are
`Population` mappings then: the eager dict first, then a bounded LRU of derived members, then derivation. A
lookup by a number inverts the keyed permutation of numbers.py (number → index), so no table grows with the
population. Iterating a Population walks the whole crowd (deriving each member, keeping none): only the
digest's sample, an export of a slice and the tests do that on purpose; listings use `World.built_parties`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from functools import lru_cache

from .crowd import Crowd, organisation_id, parse_account_id, person_id
from .model import Account, Party

PARTY_CACHE = 100_000
ACCOUNT_CACHE = 200_000
_MISSING = object()


class Population(Mapping):
    """A read-only mapping over an eager dict and, past it, a derivation (None for an unknown key)."""

    def __init__(self, eager: dict, derive: Callable | None = None, keys: Callable[[], Iterator] | None = None,
                 size: Callable[[], int] | None = None):
        self.eager = eager
        self._derive = derive
        self._keys = keys
        self._size = size

    def get(self, key, default=None):
        value = self.eager.get(key, _MISSING)
        if value is not _MISSING:
            return value
        value = self._derive(key) if self._derive is not None and isinstance(key, str) else None
        return default if value is None else value

    def __getitem__(self, key):
        value = self.get(key, _MISSING)
        if value is _MISSING:
            raise KeyError(key)
        return value

    def __contains__(self, key) -> bool:
        return self.get(key, _MISSING) is not _MISSING

    def __iter__(self):
        yield from self.eager
        if self._keys is not None:
            yield from self._keys()

    def __len__(self) -> int:
        return len(self.eager) + (self._size() if self._size is not None else 0)


class CrowdView:
    """Frozen crowd members on demand, and the lookups the register and the banks make of them."""

    def __init__(self, builder, crowd: Crowd, banks: dict):
        self.builder, self.crowd, self.banks = builder, crowd, banks
        self.drafts = _Drafts(crowd)
        self.party = lru_cache(maxsize=PARTY_CACHE)(self._party)
        self.account = lru_cache(maxsize=ACCOUNT_CACHE)(self._account)
        self.related = lru_cache(maxsize=PARTY_CACHE // 4)(self._related)

    @property
    def people(self) -> int:
        return self.crowd.n_people

    @property
    def organisations(self) -> int:
        return self.crowd.n_orgs

    def _party(self, party_id: str) -> Party | None:
        key = self.crowd.key_of_party(party_id)
        return Party(**self.crowd.member(key)[0]) if key is not None else None

    def _account(self, account_id: str) -> Account | None:
        parsed = parse_account_id(account_id)
        if parsed is None or self.crowd.key_of_party(f"gen-{parsed[0]}-{parsed[1]:06d}") is None:
            return None
        drafts = self.crowd.member(parsed[:2])[1]
        return self._freeze(drafts[parsed[2]]) if parsed[2] < len(drafts) else None

    def _freeze(self, draft: dict) -> Account:
        return self.builder.freeze_account(draft, self.banks[draft["bank"]], self.drafts)

    def party_by_identifier(self, number: str) -> Party | None:
        key = self.crowd.key_of_identifier(number)
        if key is None:
            return None
        return self.party(person_id(key[1]) if key[0] == "p" else organisation_id(key[1]))

    def account_by_number(self, number: str) -> Account | None:
        draft = self.crowd.account_of_number(number)
        return self.account(draft["id"]) if draft is not None else None

    def _related(self, party_id: str) -> tuple[Account, ...] | None:
        key = self.crowd.key_of_party(party_id)
        if key is None:
            return None
        return tuple(self.account(d["id"]) for d in self.crowd.related_accounts(key))

    def owned(self, party_id: str) -> list[Account]:
        """The accounts a crowd member owns or owned (household.py's question)."""
        return [a for a in self.related(party_id) or () if any(o.party_id == party_id for o in a.owners)]

    def party_ids(self) -> Iterator[str]:
        yield from (person_id(i) for i in range(self.people))
        yield from (organisation_id(j) for j in range(self.organisations))

    def account_ids(self) -> Iterator[str]:
        for kind, n in (("p", self.people), ("o", self.organisations)):
            for i in range(n):
                yield from (d["id"] for d in self.crowd.member((kind, i))[1])


class _Drafts:
    """Party drafts by id for freeze_account (owners' deaths, bankruptcies, card holders)."""

    def __init__(self, crowd: Crowd):
        self.crowd = crowd

    def __getitem__(self, party_id: str) -> dict:
        key = self.crowd.key_of_party(party_id)
        if key is None:
            raise KeyError(party_id)
        return self.crowd.member(key)[0]
