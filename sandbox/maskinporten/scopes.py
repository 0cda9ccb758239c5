"""The scopes of the DSOP APIs and who may ask for them (spec/protocol.md §2.1, §3.1, §4.1)."""

from __future__ import annotations

# Scopes of the DSOP APIs (spec/protocol.md §4.1): register relationship, register account, bank.
SCOPE_RELATIONS = "bits:kundeforhold"
SCOPE_ACCOUNT_PROVIDER = "bits:kundeforhold.konto"
SCOPE_BANK = "bits:kontoinformasjon"
KNOWN_SCOPES = (SCOPE_RELATIONS, SCOPE_ACCOUNT_PROVIDER, SCOPE_BANK)
#: The scopes each API accepts (spec/protocol.md §2.1, §3.1): one of them must be asked for with its `resource`.
REGISTER_SCOPES = (SCOPE_RELATIONS, SCOPE_ACCOUNT_PROVIDER)
BANK_SCOPES = (SCOPE_BANK,)


def allowed_scopes(consumer) -> frozenset[str]:
    """What a consumer may ask for: every DSOP consumer reads relations and banks; only Politi asks the
    register which bank services an account number (spec/services.md §1)."""
    scopes = {SCOPE_RELATIONS, SCOPE_BANK}
    if "politi" in consumer.services:
        scopes.add(SCOPE_ACCOUNT_PROVIDER)
    return frozenset(scopes)
