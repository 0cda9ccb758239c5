"""The DSOP service profiles as data (spec/services.md §1–3): one frozen Profile per service.

Mandates are stored decoded (spec/protocol.md §3.4: the header is percent-decoded as UTF-8, then compared).
Endpoint names: accounts, details, transactions, cards, roles, owners (v2.1).

Owners (v2.1) takes an account number and no PartyID, so it cannot be bound to a control object. It uses the
same scope as the other endpoints (D2), and the services allow it as follows:
- Skatt-Kontroll: yes — a control service over all five endpoints, with no subject restriction;
- Politi-Utlevering: yes, under the order's `roles` flag, and only for accounts the order's party owned or
  disposed in the period (the order is about that party) — the personas start from an account number
  (accountServicingProvider) and ask Owners;
- Konkurs, OED, Vergekontroll, FI-Utlegg: no (400 ACC-001) — their delivery is limited to the subject's own
  accounts, which an account-number lookup would bypass;
- NAV (v1 rules): no — the v1 rules list the five v2.0 endpoints; Owners postdates them.

Field filtering ("Utleveres ikke", applied in the bank rules through the Grant):
- Skatt-Kontroll: `accounts[].name` and `account.servicer.name` (details) are not delivered. The Accounts list
  keeps its `servicer.name`: the field table names only the details' servicer. (`name` is never delivered
  anyway, R-34.) The other disponents on Cards/Roles "may" be filtered: the sandbox delivers them.
- OED: the bank *may* filter the counterparty account number, the counterparty postal address and the currency
  exchange block of transactions; the sandbox does, so consumers see a filtered body (transaction references are
  technically mandatory and kept).
- Politi, Konkurs, Vergekontroll, FI-Utlegg, NAV: everything is delivered (the common principle; Politi's
  field tables are empty apart from the technically mandatory fields).

RequesterID is required for Skatt and Politi; the other services do not need it and ignore one if sent.
Services without an AdditionalReferenceIDType refuse AdditionalReferenceIDType/-ID (400 ACC-001).
"""

from __future__ import annotations

from dataclasses import dataclass

ENDPOINTS = ("accounts", "details", "transactions", "cards", "roles", "owners")
FIVE = frozenset({"accounts", "details", "transactions", "cards", "roles"})
REGISTER_ENDPOINTS = ("customerRelationships", "accountServicingProvider")

SKATT_A = "Skatteforvaltningsloven § 10-2 første ledd, jf. § 10-14, jf. skatteforvaltningsforskriften § 10-2-1"
SKATT_B = "Skatteforvaltningsloven §10-2 første ledd, jf. skatteforvaltningsforskriften §10-2-1"
KONKURS = "kkl. §156 (3) og (4), jf. kkfor.§21"
OED = "Arveloven § 92 første ledd og § 118, jf. § 88 a, jf. forskrift om Digitalt dødsbo"
VERGE_STEP1 = "Vergemålsloven § 54 (2), jf. vergemålsforskriften §20a (2), jf. vergemålsforskriften §20a (1) a"
VERGE_STEP2 = ("Vergemålsloven § 54 (2), jf. vergemålsforskriften § 20 (2), "
               "jf. vergemålsforskriften § 20a (1) b-e")
#: spec Q4: the step-2 table says "§ 20 (2)" where step 1 and the legal page say "§ 20a (2)"; both are accepted.
VERGE_STEP2_ALIAS = ("Vergemålsloven § 54 (2), jf. vergemålsforskriften § 20a (2), "
                     "jf. vergemålsforskriften § 20a (1) b-e")
POLITI_CRIMINAL = "Straffeprosessloven §210 (3) første punktum"
POLITI_MISSING_PERSON = "Straffeprosessloven §210 (3) andre punktum"
FI_UTLEGG = "FI-Utlegg-Test"
NAV_V1 = "Folketrygdloven § 21-4 første ledd"


@dataclass(frozen=True)
class Profile:
    service: str  # the short name of sandbox.dsop.enums.SERVICES
    name: str
    consumers: tuple[str, ...]  # documented consumer org numbers (the scenario's Consumer.services decides)
    mandates: tuple[str, ...]  # bank (step 2) mandates, canonical first
    aliases: tuple[str, ...] = ()  # also accepted on the banks
    step1_mandates: tuple[str, ...] | None = None  # the register's; None: the bank's (mandates + aliases)
    endpoints: frozenset[str] = FIVE
    register_endpoints: frozenset[str] = frozenset({"customerRelationships"})
    only_primary: bool = False  # OnlyPrimaryOwner must be true
    reference_type: str | None = None  # the required AdditionalReferenceIDType; None: must be absent
    requester_required: bool = False
    precondition: str | None = None  # "bankruptcy" | "death" | "guardianship" | "extradition-order"
    withheld: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (endpoint, dotted paths; `[]` walks a list)
    flag: str | None = None  # a Settings field that must be true for the profile to be active

    @property
    def canonical(self) -> str:
        return self.mandates[0]

    @property
    def bank_mandates(self) -> tuple[str, ...]:
        return self.mandates + self.aliases

    @property
    def register_mandates(self) -> tuple[str, ...]:
        return self.step1_mandates if self.step1_mandates is not None else self.bank_mandates

    def withheld_for(self, endpoint: str) -> tuple[str, ...]:
        return dict(self.withheld).get(endpoint, ())


PROFILES: tuple[Profile, ...] = (
    Profile("skatt", "Skatt-Kontroll", ("974761076",), (SKATT_A,), aliases=(SKATT_B,),
            endpoints=FIVE | {"owners"}, requester_required=True,
            withheld=(("accounts", ("accounts[].name",)), ("details", ("account.servicer.name",)))),
    Profile("politi", "Politi-Utlevering", ("915429785",), (POLITI_CRIMINAL, POLITI_MISSING_PERSON), endpoints=FIVE | {"owners"},
            register_endpoints=frozenset(REGISTER_ENDPOINTS), reference_type="pol1", requester_required=True,
            precondition="extradition-order"),
    Profile("konkurs", "Konkursbehandling", ("974760673",), (KONKURS,),
            endpoints=frozenset({"accounts", "details", "transactions"}), only_primary=True, precondition="bankruptcy"),
    Profile("oed", "Oppgjør etter dødsfall", ("991825827", "974720760"), (OED,),
            endpoints=frozenset({"accounts", "details", "transactions"}), only_primary=True, precondition="death",
            withheld=(("transactions", ("transactions[].counterParties[].accountIdentifier",
                                        "transactions[].counterParties[].postalAddress",
                                        "transactions[].currencyExchange")),)),
    Profile("verge", "Vergekontroll", ("986186999",), (VERGE_STEP2,), aliases=(VERGE_STEP2_ALIAS,),
            step1_mandates=(VERGE_STEP1,), endpoints=frozenset({"accounts", "details", "transactions", "roles"}),
            only_primary=True, reference_type="srf", precondition="guardianship"),
    Profile("fi-utlegg", "FI-Utlegg Saldo", ("974761076",), (FI_UTLEGG,),
            endpoints=frozenset({"accounts", "details"}), only_primary=True),
    Profile("nav", "NAV-kontroll (v1 rules)", ("889640782",), (NAV_V1,), flag="nav_v1"),
)
BY_SERVICE = {p.service: p for p in PROFILES}
