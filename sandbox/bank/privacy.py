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
    """The shielded persons of a world, and the questions the bank's rules and wire ask about them."""

    def __init__(self, world: World):
        shielded = [p for p in world.parties.values() if p.shielded]
        self.party_ids = frozenset(p.id for p in shielded)
        self.identifiers = frozenset(p.identifier for p in shielded)
        self.names = frozenset(p.name for p in shielded)
        # accounts a shielded person owns or owned: a transfer naming one of them names her
        self.accounts = frozenset(a.number for a in world.accounts.values()
                                  if any(o.party_id in self.party_ids for o in a.owners))

    def __bool__(self) -> bool:
        return bool(self.party_ids)

    def hides(self, party_id: str) -> bool:
        """True when the party may not be named (primaryOwner, Roles, Owners, holderName)."""
        return party_id in self.party_ids

    def hides_counterparty(self, cp) -> bool:
        """True when a transaction's counterparty is a shielded person: by identity number, by an account she owns
        or owned, or by her name as the bank holds it (a transfer text carries no number)."""
        return bool(self.party_ids) and (cp.identifier in self.identifiers or cp.account in self.accounts
                                         or cp.name.upper() in self.names)
