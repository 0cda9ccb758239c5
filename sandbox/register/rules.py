"""What the register answers (spec/data-model.md §2.1–2.2, R-20…R-25). Plain Python."""

from __future__ import annotations

from datetime import date

from sandbox.dsop.enums import FUNDS_ACCOUNT_TYPES
from sandbox.world import Period, World

from .errors import UnknownAccountNumber

# KAR has held the role of a relation (owner or disponent) only since Q3 2019 (spec/data-model.md §2.1, from
# dsop_v2fellesstandard_architecturedocument.md: "older periods can legitimately yield unknown"). A relation that
# ended before then is known only as a customer relationship, without the role that tells an owner from a
# disponent: when nothing later decides it, the bank's ownershipType is "unknown" (R-22: "role cannot be
# determined because historical data is missing"; docs/privacy.md).
ROLE_HISTORY_SINCE = date(2019, 7, 1)


def _untyped(rel) -> bool:
    """A relation the register holds without its role: it ended before KAR kept roles."""
    return rel.period.end is not None and rel.period.end < ROLE_HISTORY_SINCE


class RegisterRules:
    #: Injected fault (sandbox/faults.py `stale_for`): party id → ids of banks the register lists although they
    #: have nothing for the party, as a stale KAR entry would; the bank then answers an empty list.
    stale_banks: dict = {}

    def __init__(self, world: World):
        self.world = world

    def customer_relationships(self, customer_id: str, window: Period, only_primary: bool | None) -> dict:
        """Banks the customer had any relation with in the window (R-20), with activeAccount (R-23) and,
        when onlyPrimaryOwner was sent, ownershipType (R-22); `true` drops notPrimaryOwner (Q-21)."""
        party = self.world.party_by_identifier.get(customer_id)
        if party is None:
            return {"banks": []}
        today = self.world.today
        by_bank: dict[str, list] = {}
        for rel in self.world.relations(party.id, window):
            by_bank.setdefault(self.world.accounts[rel.account_id].bank_id, []).append(rel)
        banks = []
        for bank in self.world.banks.values():
            rels = by_bank.get(bank.id)
            if not rels:
                if bank.id in self.stale_banks.get(party.id, ()):
                    stale = {"organizationID": bank.org_number, "bankName": bank.name, "activeAccount": False}
                    banks.append(stale if only_primary is None else {**stale, "ownershipType": "primaryOwner"})
                continue
            owned_funds = [self.world.accounts[r.account_id] for r in rels if r.kind == "owner" and not _untyped(r)
                           and self.world.accounts[r.account_id].type in FUNDS_ACCOUNT_TYPES]
            active = bank.register == "kar" and window.end == today and any(
                a.is_open_on(today) and any(o.party_id == party.id for o in self.world.owners_on(a, today))
                for a in owned_funds)
            entry = {"organizationID": bank.org_number, "bankName": bank.name, "activeAccount": active}
            if only_primary is not None:
                if owned_funds:
                    kind = "primaryOwner"
                elif any(_untyped(r) for r in rels):
                    kind = "unknown"
                else:
                    kind = "notPrimaryOwner"
                if only_primary and kind == "notPrimaryOwner":
                    continue
                entry["ownershipType"] = kind
            banks.append(entry)
        return {"banks": banks}

    def account_servicing_provider(self, account_number: str) -> dict:
        """The bank that services an account number: found by the account, never guessed from digits."""
        account = self.world.account_by_number.get(account_number)
        if account is None:
            raise UnknownAccountNumber("no bank in this sandbox services that account number")
        bank = self.world.banks[account.bank_id]
        return {"organizationID": bank.org_number, "bankName": bank.name}
