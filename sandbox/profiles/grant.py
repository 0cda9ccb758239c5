"""Which service a request belongs to, and what it may see: ServiceProfiles.authorize → Grant. Plain Python.

The order of checks is spec/services.md §3: (5) identify the service = (consumer, decoded mandate) → 403;
(6) endpoint part of the service → 400; (7) header and period rules → 400; (8) subject preconditions
(bankrupt, dead, guardianship, extradition order) → 403; then the bank resolves the reference (404) and produces
data. Steps 5–7 and the order's own checks run in `authorize`; the rest needs the control object, which for
Details/Transactions/Cards/Roles is only known once the accountReference is decoded, so the bank rules call
`Grant.bind(world, party, identifier)` there. Filtering (which accounts, which fields) also happens in the rules,
through the bound Grant, never in the views.

Consumers: the token's consumer when auth is on. With auth off the service is identified by the mandate alone and
the consumer is the scenario's first consumer offering the service (JWE needs a recipient). Either way a consumer
may only use the services the scenario lists for it (Consumer.services); the documented org numbers in the
catalog are informative. Vergekontroll needs a guardianship whose guardian holds the task representasjonDagligbank
(FREG `vergeTjenesteoppgave`, the scenario's `tasks`; a guardianship that lists no tasks has just that one).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from sandbox import ids
from sandbox.dsop.params import canonical_mandate as normalize
from sandbox.profiles import extradition
from sandbox.world.model import REPRESENTASJON_DAGLIGBANK
from sandbox.world.period import Period

from . import windows
from .catalog import PROFILES, Profile
from .errors import (
    EndpointNotInService,
    HeaderRuleViolated,
    MandateNotForConsumer,
    NotInGrant,
    OrderRefused,
    PreconditionFailed,
    UnknownMandate,
)


@dataclass(frozen=True)
class Grant:
    """What one request may do under its service: the profile, the consumer and the effective constraints."""

    profile: Profile
    consumer: object  # the scenario's Consumer
    endpoint: str
    mandate: str  # decoded and normalised, as sent (maybe an alias)
    window: Period | None
    today: date
    requester_id: str | None = None
    reference_type: str | None = None
    reference_id: str | None = None
    order: extradition.ExtraditionOrder | None = None  # Politi: the verified extradition order
    # Set by bind(): the control object and, for Vergekontroll, the guardianship that grants access.
    party: object | None = None
    guardianship: object | None = None
    bound: bool = False

    @property
    def service(self) -> str:
        return self.profile.service

    @property
    def owner_only(self) -> bool:
        """Only accounts the subject primarily owns: services with OnlyPrimaryOwner=true, or an order saying so."""
        return self.profile.only_primary or (self.order is not None and self.order.only_primary_owner)

    @property
    def withheld(self) -> tuple[str, ...]:
        return self.profile.withheld_for(self.endpoint)

    @property
    def signals_disposed_accounts(self) -> bool:
        """Politi alt. 1 (spec/services.md §2.2.3): with OnlyPrimaryOwner=true, disposed accounts → `partial`."""
        return self.service == "politi"

    # ---- the subject ------------------------------------------------------------------------------------
    def bind(self, world, party, identifier: str) -> Grant:
        """Check the subject precondition (403) and the subject-dependent window (400); → the bound Grant.

        A pure function of the grant and the subject, so the answer is kept on the grant (outside its fields):
        `ServiceProfiles.authorize` hands out the same Grant for the same request, and a client asks about the
        same subject many times. Refusals raise every time (they are not kept)."""
        memo = self.__dict__.setdefault("_bound", {})  # a frozen dataclass: not a field, not compared or hashed
        key = (world, party, identifier)
        bound = memo.get(key)
        if bound is None:
            if len(memo) >= 256:
                memo.clear()
            bound = memo[key] = self._bind(world, party, identifier)
        return bound

    def _bind(self, world, party, identifier: str) -> Grant:
        guardianship = None
        precondition = self.profile.precondition
        if precondition == "bankruptcy":
            if party is None or party.bankruptcy_date is None or party.bankruptcy_date > self.today:
                raise PreconditionFailed(f"no bankruptcy ruling is registered for {identifier} (Konkursvarsel): "
                                         "Konkursbehandling only concerns a bankrupt debtor", "PartyID")
        elif precondition == "death":
            if party is None or party.death_date is None or party.death_date > self.today:
                raise PreconditionFailed(f"{identifier} is not registered as dead in the population register (FREG): "
                                         "Oppgjør etter dødsfall only concerns a deceased person", "PartyID")
        elif precondition == "guardianship":
            guardianship = self._guardianship(world, party, identifier)
        elif precondition == "extradition-order":
            self.order.covers(party_identifier=identifier)
        if self.window is not None:
            windows.check(self.window, windows.limits(self.service, self.today, party=party, guardianship=guardianship))
        return dataclasses.replace(self, party=party, guardianship=guardianship, bound=True)

    def _guardianship(self, world, ward, identifier: str):
        guardian = world.party_by_identifier.get(self.reference_id or "")
        found = [] if ward is None or guardian is None else [
            g for g in world.guardianships_of(ward.id)
            if g.guardian_id == guardian.id and (self.window is None or g.period.overlaps(self.window))]
        if not found:
            raise PreconditionFailed(
                f"the population register (FREG) has no guardianship of {identifier} with guardian "
                f"{self.reference_id} (AdditionalReferenceID) in the period", "AdditionalReferenceID")
        tasked = [g for g in found if g.has_task(REPRESENTASJON_DAGLIGBANK)]
        if not tasked:  # spec/services.md §2.5: the guardian must hold representasjonDagligbank (vergeTjenesteoppgave)
            tasks = list(dict.fromkeys(t for g in sorted(found, key=lambda g: g.period.start) for t in g.tasks))
            raise PreconditionFailed(
                f"the guardianship of {identifier} with guardian {self.reference_id} (AdditionalReferenceID) in the "
                f"population register (FREG) gives the guardian no task {REPRESENTASJON_DAGLIGBANK} "
                f"(tasks: {', '.join(tasks) or 'none'}): Vergekontroll needs it (vergeTjenesteoppgave)",
                "AdditionalReferenceID")
        return max(tasked, key=lambda g: g.period.start)

    def sees(self, account) -> bool:
        """Whether the service delivers this account for the bound subject (accounts list and references)."""
        party, window = self.party, self.window
        if party is None:
            return False
        if self.owner_only and not any(o.party_id == party.id and o.primary and o.period.overlaps(window)
                                       for o in account.owners):
            return False
        if self.guardianship is not None:  # ward-owned ∧ guardian-disposed ∧ during the guardianship (§2.5)
            span = window.intersect(self.guardianship.period)
            return span is not None and any(r.party_id == self.guardianship.guardian_id and r.period.overlaps(span)
                                            for r in account.roles)
        return True

    def check_account(self, account) -> None:
        if not self.sees(account):
            why = ("accounts the ward owns and the guardian disposes during the guardianship"
                   if self.guardianship is not None else "accounts the party owns as primary owner")
            raise NotInGrant(f"accountReference is not valid for {self.profile.name}: it only delivers {why}",
                             "accountReference")

    def check_owners_account(self, world, account) -> None:
        """Owners under an extradition order: only accounts the order's party owned or disposed in the period."""
        if self.order is None:
            return
        party = world.party_by_identifier.get(self.order.party_id)
        related = party is not None and any(
            x.party_id == party.id and x.period.overlaps(self.window) for x in (*account.owners, *account.roles))
        if not related:
            raise OrderRefused(f"the extradition order's party had no relation with account {account.number} in the "
                               "period", "accountID")

    def withhold(self, body: dict) -> dict:
        """Remove the fields the service does not deliver ("Utleveres ikke"); returns the same dict."""
        for path in self.withheld:
            _drop(body, path.split("."))
        return body


def _drop(node, parts: list[str]) -> None:
    if not isinstance(node, dict):
        return
    head, rest = parts[0], parts[1:]
    many = head.endswith("[]")
    key = head[:-2] if many else head
    if key not in node:
        return
    if not rest:
        del node[key]
        return
    for item in (node[key] if many and isinstance(node[key], list) else [node[key]]):
        _drop(item, rest)


class ServiceProfiles:
    """The active profiles of one sandbox (world + flags) and the police key that verifies extradition orders."""

    def __init__(self, world, *, nav_v1: bool = False, police: extradition.PoliceKey | None = None):
        self.world = world
        self.flags = {"nav_v1": nav_v1}
        self.police = police or extradition.police_key()
        self.active = tuple(p for p in PROFILES if p.flag is None or self.flags.get(p.flag))
        self._granted: dict[tuple, Grant] = {}  # authorize's answers (see there)

    def identify(self, consumer, mandate: str, *, step: str = "bank",
                 aliases: tuple[tuple[str, str], ...] = ()) -> tuple[Profile, object]:
        """(consumer, decoded mandate) → (profile, consumer); 403 outcomes when unknown or not the consumer's.

        `aliases`: extra (mandate text, service) pairs this participant accepts beyond the standard's texts — the
        `production` compatibility profile's (sandbox/compat/deviations.py); none under `strict`."""
        text = normalize(mandate)
        on_bank = step == "bank"

        def accepted(p: Profile, bank: bool) -> tuple[str, ...]:
            return p.bank_mandates if bank else p.register_mandates

        profile = next((p for p in self.active if text in accepted(p, on_bank)), None)
        if profile is None and aliases:
            service = next((svc for alias, svc in aliases if normalize(alias) == text), None)
            profile = next((p for p in self.active if p.service == service), None)
        if profile is None:
            inactive = next((p for p in PROFILES if p not in self.active and text in accepted(p, on_bank)), None)
            if inactive is not None:
                raise UnknownMandate(f"Legal-Mandate is the {inactive.name} mandate, which this sandbox accepts only "
                                     "when started with --nav-v1 (NAV has no v2 rules)", "Legal-Mandate")
            other = next((p for p in self.active if text in accepted(p, not on_bank)), None)
            if other is not None:
                here, there = ("a bank", "the register (step 1)") if on_bank else ("the register", "the banks (step 2)")
                expected = accepted(other, on_bank)[0]
                raise UnknownMandate(f"Legal-Mandate is {other.name}'s mandate for {there}; {here} expects "
                                     f"{expected!r}", "Legal-Mandate")
            raise UnknownMandate("Legal-Mandate is not the mandate of any DSOP service this sandbox knows (compared "
                                 "after percent-decoding as UTF-8)", "Legal-Mandate")
        if consumer is None:
            consumer = next((c for c in self.world.consumers.values() if profile.service in c.services), None)
            if consumer is None:
                raise MandateNotForConsumer(f"Legal-Mandate is the {profile.name} mandate, but no consumer in this "
                                            "scenario offers that service", "Legal-Mandate")
        elif profile.service not in consumer.services:
            raise MandateNotForConsumer(f"Legal-Mandate is the {profile.name} mandate, which {consumer.name} "
                                        f"({consumer.org_number}) is not entitled to", "Legal-Mandate")
        return profile, consumer

    def authorize(self, consumer, endpoint: str, *, mandate: str, window: Period,
                  requester_id: str | None = None, reference_type: str | None = None,
                  reference_id: str | None = None, party_identifier: str | None = None,
                  only_primary: bool | None = None, aliases: tuple[tuple[str, str], ...] = ()) -> Grant:
        """A bank call (spec/services.md §3 steps 5–8 as far as they need no subject). `party_identifier` and
        `only_primary` only for /accounts.

        A pure function of its arguments and today (the extradition order too is judged at the sandbox's today),
        so a grant is kept per (arguments, today) and the same Grant object comes back for the same request
        (which also keeps its bind() answers). Refusals raise every time (they are not kept). `mandate` is the
        decoded, canonical text (sandbox.dsop.params.legal_mandate): the key holds nothing of its encoding, so
        equivalent encodings of one mandate share a grant."""
        today = self.world.today
        key = (consumer, endpoint, mandate, window, requester_id, reference_type, reference_id,
               party_identifier, only_primary, today, aliases)
        grant = self._granted.get(key)
        if grant is None:
            if len(self._granted) >= 4096:
                self._granted.clear()
            grant = self._granted[key] = self._authorize(
                consumer, endpoint, mandate=mandate, window=window,
                requester_id=requester_id, reference_type=reference_type, reference_id=reference_id,
                party_identifier=party_identifier, only_primary=only_primary, today=today, aliases=aliases)
        return grant

    def _authorize(self, consumer, endpoint: str, *, mandate: str, window: Period,
                   requester_id: str | None, reference_type: str | None, reference_id: str | None,
                   party_identifier: str | None, only_primary: bool | None, today: date,
                   aliases: tuple[tuple[str, str], ...] = ()) -> Grant:
        profile, consumer = self.identify(consumer, mandate, aliases=aliases)
        if endpoint not in profile.endpoints:
            offered = ", ".join(e for e in ("accounts", "details", "transactions", "cards", "roles", "owners")
                                if e in profile.endpoints)
            raise EndpointNotInService(f"{endpoint} is not part of {profile.name} (it offers: {offered})", endpoint)
        _headers(profile, requester_id, reference_type, reference_id, only_primary)
        windows.check(window, windows.limits(profile.service, today))
        order = None
        if profile.reference_type == "pol1":
            order = self.police.verify(reference_id, today)
            order.covers(endpoint=endpoint, mandate=normalize(mandate), window=window, only_primary=only_primary,
                         party_identifier=party_identifier)
        return Grant(profile, consumer, endpoint, normalize(mandate), window, today,
                     requester_id, reference_type, reference_id, order)

    def authorize_register(self, consumer, endpoint: str, *, mandate: str, window: Period | None = None,
                           customer: str | None = None, only_primary: bool | None = None,
                           aliases: tuple[tuple[str, str], ...] = ()) -> Grant:
        """A register call: mandate and consumer, endpoint, onlyPrimaryOwner for true-only services, and the
        period window with the subject facts the sandbox knows (no subject preconditions: those are the banks')."""
        profile, consumer = self.identify(consumer, mandate, step="register", aliases=aliases)
        if endpoint not in profile.register_endpoints:
            raise EndpointNotInService(f"{endpoint} is not part of {profile.name} (only Politi-Utlevering may ask "
                                       "which bank services an account number)", endpoint)
        if profile.only_primary and only_primary is not True:
            raise HeaderRuleViolated(f"onlyPrimaryOwner must be true for {profile.name}", "onlyPrimaryOwner")
        if window is not None:
            party = self.world.party_by_identifier.get(customer) if customer else None
            windows.check(window, windows.limits(profile.service, self.world.today, party=party))
        return Grant(profile, consumer, endpoint, normalize(mandate), window, self.world.today)


def _headers(profile: Profile, requester_id, reference_type, reference_id, only_primary) -> None:
    """spec/services.md §3 step 7: RequesterID, AdditionalReferenceIDType/-ID and OnlyPrimaryOwner → 400."""
    if profile.requester_required and not requester_id:
        raise HeaderRuleViolated(f"header RequesterID is required for {profile.name} (the user id of the caseworker "
                                 "or investigator)", "RequesterID")
    if profile.reference_type is None:
        if reference_type or reference_id:
            raise HeaderRuleViolated(f"{profile.name} takes no AdditionalReferenceIDType/AdditionalReferenceID",
                                     "AdditionalReferenceIDType")
    else:
        if reference_type != profile.reference_type:
            raise HeaderRuleViolated(f"header AdditionalReferenceIDType must be {profile.reference_type} for "
                                     f"{profile.name}", "AdditionalReferenceIDType")
        if not reference_id:
            what = "the guardian's person number" if profile.reference_type == "srf" else "the extradition order (JWS)"
            raise HeaderRuleViolated(f"header AdditionalReferenceID is required for {profile.name}: {what}",
                                     "AdditionalReferenceID")
        if profile.reference_type == "srf" and not ids.is_valid_person_number(reference_id):
            raise HeaderRuleViolated("header AdditionalReferenceID (srf) must be the guardian's 11-digit person or "
                                     "D-number", "AdditionalReferenceID")
    if only_primary is False and profile.only_primary:
        raise HeaderRuleViolated(f"OnlyPrimaryOwner must be true for {profile.name}", "OnlyPrimaryOwner")


@lru_cache(maxsize=16)
def service_profiles(world, nav_v1: bool = False) -> ServiceProfiles:
    """The ServiceProfiles of a world (cached: built once per world and flag)."""
    return ServiceProfiles(world, nav_v1=nav_v1)
