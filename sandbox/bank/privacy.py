"""Address protection on every bank endpoint: who the bank may not name. Plain Python (no Flask).

The standard has one rule for shielded persons (address protection "strengt fortrolig"/"fortrolig"): Accounts
answers an empty list with status `complete` (spec/data-model.md R-30, spec/services.md §5, DESIGN D16; the
agency is meant to ask by digital letter instead). It is silent on the other endpoints, through which the same
person could still be named: as the primary owner of an account another party is asked about, as a co-owner or
role holder (Roles, Owners), as a card holder (Cards, a transaction's paymentCard) or as the counterparty of a
transfer. The sandbox takes the most protective reading (docs/privacy.md): a shielded person is left out
wherever she would be named, and the answer otherwise stays as it is — `complete`, as R-30 answers her own
Accounts, so that the omission does not itself reveal the protection.
"""

from __future__ import annotations

from sandbox.world import World


class Shield:
    """The shielded persons of a world, and the questions the bank's rules and wire ask about them.

    The built parties are indexed up front (every party of an eager world). A lazy world's crowd is asked
    member by member: by identity number and by account number, the two ways the generator names a crowd
    member in a transaction (an own-account transfer, never a bare name), so the answers are the eager world's.
    The name rule covers the scenario's own shielded persons: a crowd member's name coinciding with a generated
    payee's is chance, not a naming of her (and could not be found without deriving the whole crowd)."""

    def __init__(self, world: World):
        self.world = world
        self.lazy = world.crowd is not None
        shielded = [p for p in world.built_parties() if p.shielded]
        self.party_ids = frozenset(p.id for p in shielded)
        self.identifiers = frozenset(p.identifier for p in shielded)
        self.names = frozenset(p.name for p in shielded if not p.generated)
        # accounts a shielded person owns or owned: a transfer naming one of them names her
        self.accounts = frozenset(a.number for a in world.built_accounts()
                                  if any(o.party_id in self.party_ids for o in a.owners))
        self.any = bool(self.party_ids) or (self.lazy and world.crowd_shields)

    def __bool__(self) -> bool:
        return self.any

    def hides(self, party_id: str) -> bool:
        """True when the party may not be named (primaryOwner, Roles, Owners, holderName)."""
        if party_id in self.party_ids:
            return True
        if not self.lazy or not party_id.startswith("gen-"):
            return False
        party = self.world.parties.get(party_id)
        return party is not None and party.shielded

    def hides_counterparty(self, cp) -> bool:
        """True when a transaction's counterparty is a shielded person: by identity number, by an account she owns
        or owned, or by her name as the bank holds it (a transfer text carries no number)."""
        if not self.any:
            return False
        if cp.identifier in self.identifiers or cp.account in self.accounts or cp.name.upper() in self.names:
            return True
        if not self.lazy:
            return False
        party = self.world.party_by_identifier.get(cp.identifier) if cp.identifier else None
        if party is not None and party.shielded:
            return True
        account = self.world.account_by_number.get(cp.account) if cp.account else None
        return account is not None and account.generated and any(self.hides(o.party_id) for o in account.owners)
