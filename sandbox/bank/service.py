"""The one way into a bank's /accounts under a service profile: authorize the call (spec/services.md §3 steps
5–8; DESIGN D13), then list the accounts the grant delivers. Plain Python (no Flask): the bank API view and the
workshop UI's preview both call it, so the UI shows what the API answers."""

from __future__ import annotations

from collections.abc import Callable

from sandbox.world import Period

from .rules import BankRules


def authorized_accounts(rules: BankRules, profiles, consumer, bank, party_identifier: str, window: Period,
                        only_primary: bool, *, mandate: str, requester_id: str | None = None,
                        reference_type: str | None = None, reference_id: str | None = None,
                        aliases: tuple[tuple[str, str], ...] = (), page: str | None = None,
                        base_path: str = "/accounts", query: dict | None = None,
                        granted: Callable | None = None) -> dict:
    """GET /accounts for `consumer` under the service its (decoded) `mandate` names: ProfileError when the
    profile refuses the call, else rules.list_accounts with the grant (which may still refuse the subject).

    `profiles`: the world's ServiceProfiles (sandbox.profiles.service_profiles). `requester_id`, `reference_type`,
    `reference_id`: the headers the profile judges (RequesterID, AdditionalReferenceIDType/-ID). `aliases`: a
    production bank's extra mandate texts (sandbox.compat: `services.compat.bank_mandates(orgnr)`). `granted` is
    called with the grant before the accounts are listed: the request log records the service of a listing that
    is then refused too (sandbox/audit/row.py reads it from the view's `g.grant`)."""
    grant = profiles.authorize(consumer, "accounts", mandate=mandate, window=window, requester_id=requester_id,
                               reference_type=reference_type, reference_id=reference_id,
                               party_identifier=party_identifier, only_primary=only_primary, aliases=aliases)
    if granted is not None:
        granted(grant)
    return rules.list_accounts(bank, party_identifier, window, only_primary, page, base_path, query, grant=grant)
