"""Service profiles without HTTP (sandbox/profiles, spec/services.md §1–3): per service its allowed and refused
endpoints, period-window edges (the day at the limit and the day beyond it), OnlyPrimaryOwner rule, required
headers and field filtering; mandate identification; the subject preconditions (Konkurs, OED, Vergekontroll)
and the bank rules' filtering through the Grant.

The inline scenario mirrors the default scenario's personas (a bankrupt bakery, a deceased man, a ward with her
current and former guardian) and adds the edges the default does not have: a guardianship that starts and ends
inside last year, guardians whose tasks (FREG vergeTjenesteoppgave) lack or include representasjonDagligbank, and
a bankruptcy ruled on a 29 February.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from datetime import date, timedelta
from urllib.parse import quote, unquote

import pytest

from sandbox.bank.rules import BankRules
from sandbox.dsop import params as dsop_params
from sandbox.profiles import (
    BY_SERVICE,
    ENDPOINTS,
    PROFILES,
    EndpointNotInService,
    HeaderRuleViolated,
    MandateNotForConsumer,
    NotInGrant,
    OrderRefused,
    PeriodOutsideWindow,
    PreconditionFailed,
    ServiceProfiles,
    UnknownMandate,
    extradition,
)
from sandbox.profiles import catalog as cat
from sandbox.profiles.grant import Grant
from sandbox.scenario import load_scenario_text
from sandbox.world import Period, build_world
from tests.support import NAV_MANDATE, OED_MANDATE, POLITI_MANDATE, SKATT_MANDATE, TODAY

SCENARIO = """
version: 1
name: profile-tests
seed: profile-tests-1
today: 2025-06-30
banks:
  - {id: alpha, name: ALPHA TESTBANK ASA, registration_numbers: ["9950"]}
  - {id: beta, name: BETA SPAREBANK, registration_numbers: ["9960"]}
consumers:
  - {id: skatteetaten, name: Skatteetaten, org_number: "974761076", services: [skatt, fi-utlegg]}
  - {id: politiet, name: Politi- og lensmannsetaten, org_number: "915429785", services: [politi]}
  - {id: brreg, name: Brønnøysundregistrene, org_number: "974760673", services: [konkurs]}
  - {id: digdir, name: Digitaliseringsdirektoratet, org_number: "991825827", services: [oed]}
  - {id: digdir-oed, name: Digitaliseringsdirektoratet (OED), org_number: "974720760", services: [oed]}
  - {id: srf, name: Statens sivilrettsforvaltning, org_number: "986186999", services: [verge]}
  - {id: nav, name: NAV, org_number: "889640782", services: [nav]}
people:
  - {id: ola, name: Ola Levende}
  - {id: hilde, name: Hilde Disponent}
  - {id: arne, name: Arne Avdod, death_date: 2025-06-09}
  - {id: bente, name: Bente Vergehaver}
  - {id: trond, name: Trond Verge}
  - {id: gunn, name: Gunn Tidligere}
  - {id: mia, name: Mia Vergehaver}
  - {id: geir, name: Geir Verge}
  - {id: kjell, name: Kjell Vergehaver}
  - {id: siri, name: Siri Eiendomsverge}
  - {id: tor, name: Tor Vergehaver}
  - {id: eva, name: Eva Verge}
organisations:
  - {id: bakeri, name: Smuldre Bakeri AS, bankruptcy_date: 2025-02-28}
  - {id: skuddaar, name: Skuddaar AS, bankruptcy_date: 2024-02-29}
  - {id: fjell, name: Fjell AS}
accounts:
  - {id: ola-salary, bank: alpha, type: salaryAccount, opened: -12y, owners: [{party: ola}]}
  - id: fjell-drift
    bank: alpha
    type: businessAccount
    opened: -8y
    owners: [{party: fjell}]
    roles: [{party: ola, permission: rightToUseAlone, from: -3y}]
  - id: bakeri-drift
    bank: alpha
    type: businessAccount
    opened: -8y
    owners: [{party: bakeri}]
    roles: [{party: hilde, permission: rightToUseAlone, from: -5y}]
  - {id: bakeri-sparing, bank: beta, type: savingsAccount, opened: -6y, owners: [{party: bakeri}]}
  - {id: skuddaar-drift, bank: alpha, type: businessAccount, opened: -6y, owners: [{party: skuddaar}]}
  - id: arne-pension
    bank: alpha
    type: salaryAccount
    opened: -30y
    owners: [{party: arne}]
    transactions:
      - {date: -2m, amount: 2500, direction: debit, kind: transfer_out, text: "Husleie",
         counterparty: {name: UTLEIER AS, account: "99982173945"}}
      - {date: -40d, amount: 1023.75, direction: debit, kind: card_purchase, merchant: "CAFE MALAGA",
         original_currency: EUR, original_amount: 88.50}
  - id: bente-pension
    bank: alpha
    type: salaryAccount
    opened: -25y
    owners: [{party: bente}]
    roles:
      - {party: gunn, permission: rightToUseAlone, from: 2017-01-01, to: 2021-02-28}
      - {party: trond, permission: rightToUseAlone, from: 2021-03-01}
  - {id: bente-savings, bank: alpha, type: savingsAccount, opened: -25y, owners: [{party: bente}]}
  - id: mia-pension
    bank: alpha
    type: salaryAccount
    opened: -20y
    owners: [{party: mia}]
    roles: [{party: geir, permission: rightToUseAlone, from: 2024-03-15, to: 2024-10-31}]
  - id: kjell-pension
    bank: alpha
    type: salaryAccount
    opened: -20y
    owners: [{party: kjell}]
    roles: [{party: siri, permission: rightToUseAlone, from: 2022-01-01}]
  - id: tor-pension
    bank: alpha
    type: salaryAccount
    opened: -20y
    owners: [{party: tor}]
    roles: [{party: eva, permission: rightToUseAlone, from: 2022-01-01}]
guardianships:
  - {guardian: gunn, ward: bente, from: 2017-01-01, to: 2021-02-28}
  - {guardian: trond, ward: bente, from: 2021-03-01}
  - {guardian: geir, ward: mia, from: 2024-03-15, to: 2024-10-31}
  # the guardian's tasks (FREG vergeTjenesteoppgave): Siri manages Kjell's real estate only, Eva also his banking
  - {guardian: siri, ward: kjell, from: 2022-01-01, tasks: [forvaltningAvFastEiendom]}
  - {guardian: eva, ward: tor, from: 2022-01-01, tasks: [forvaltningAvFastEiendom, representasjonDagligbank,
                                                           salgAvFastEiendom]}
"""


@pytest.fixture(scope="module")
def world():
    return build_world(load_scenario_text(SCENARIO, "profile-tests.yaml"))


@pytest.fixture(scope="module")
def profiles(world) -> ServiceProfiles:
    return ServiceProfiles(world, nav_v1=True)


@pytest.fixture(scope="module")
def rules(world) -> BankRules:
    return BankRules(world)


def d(text: str) -> date:
    return date.fromisoformat(text)


def pid(world, party_id: str) -> str:
    return world.parties[party_id].identifier


def order(world, party: str = "ola", **inputs) -> str:
    """A valid extradition order for `party` (criminal case, 10 years back, every flag true) unless overridden."""
    fields = {"party_id": pid(world, party), "mandate": "criminal", "from_date": d("2015-06-30"), "to_date": TODAY,
              **inputs}
    return extradition.police_key().mint(TODAY, **fields)


#: A valid /accounts request per service; `party` is a persona id.
BASE = {
    "skatt": dict(mandate=cat.SKATT_A, window=("2024-01-01", "2025-06-30"), party="ola", requester_id="cw-1"),
    "politi": dict(mandate=cat.POLITI_CRIMINAL, window=("2024-01-01", "2025-06-30"), party="ola",
                   requester_id="inv-1", reference_type="pol1", reference_id="@order"),
    "konkurs": dict(mandate=cat.KONKURS, window=("2024-02-28", "2025-06-30"), party="bakeri", only_primary=True),
    "oed": dict(mandate=cat.OED, window=("2025-03-09", "2025-06-30"), party="arne", only_primary=True),
    "verge": dict(mandate=cat.VERGE_STEP2, window=("2024-01-01", "2024-12-31"), party="bente", only_primary=True,
                  reference_type="srf", reference_id="@trond"),
    "fi-utlegg": dict(mandate=cat.FI_UTLEGG, window=("2025-06-30", "2025-06-30"), party="ola", only_primary=True),
    "nav": dict(mandate=cat.NAV_V1, window=("2005-01-01", "2025-06-30"), party="ola"),
}


def request(world, service: str, endpoint: str = "accounts", **overrides) -> dict:
    """The keyword arguments of ServiceProfiles.authorize for a valid request of `service`, with overrides."""
    spec = {"only_primary": False, **BASE[service], **overrides}
    party = spec.pop("party")
    start, end = spec.pop("window")
    if spec.get("reference_id") == "@order":
        spec["reference_id"] = order(world, party)
    elif spec.get("reference_id") == "@trond":
        spec["reference_id"] = pid(world, "trond")
    kwargs = {"mandate": spec.pop("mandate"), "window": Period(d(start), d(end)), **spec}
    if endpoint == "accounts":
        kwargs["party_identifier"] = pid(world, party)
    else:
        kwargs.pop("only_primary")
    return kwargs


def bound(profiles, world, service: str, endpoint: str = "accounts", party: str | None = None, **overrides) -> Grant:
    """authorize + bind to the subject, as the bank rules do."""
    kwargs = request(world, service, endpoint, **overrides)
    grant = profiles.authorize(None, endpoint, **kwargs)
    party = party or BASE[service]["party"]
    return grant.bind(world, world.parties[party], pid(world, party))


# =====================================================================================================
#  The catalogue
# =====================================================================================================
#: The URL-encoded mandates exactly as spec/services.md prints them.
ENCODED = {
    "skatt": [SKATT_MANDATE,
              "Skatteforvaltningsloven%20%C2%A710-2%20f%C3%B8rste%20ledd%2C%20jf.%20skatteforvaltningsforskriften%20"
              "%C2%A710-2-1"],
    "politi": [POLITI_MANDATE,
               "Straffeprosessloven%20%C2%A7210%20(3)%20andre%20punktum"],
    "konkurs": ["kkl.%20%C2%A7156%20(3)%20og%20(4)%2C%20jf.%20kkfor.%C2%A721"],
    "oed": [OED_MANDATE],
    "verge": ["Vergem%C3%A5lsloven%20%C2%A7%2054%20(2)%2C%20jf.%20vergem%C3%A5lsforskriften%20%C2%A7%2020%20(2)"
              "%2C%20jf.%20vergem%C3%A5lsforskriften%20%C2%A7%2020a%20(1)%20b-e"],
    "fi-utlegg": ["FI-Utlegg-Test"],
    "nav": [NAV_MANDATE],
}
VERGE_STEP1_ENCODED = ("Vergem%C3%A5lsloven%20%C2%A7%2054%20(2)%2C%20jf.%20vergem%C3%A5lsforskriften%20%C2%A720a%20"
                       "(2)%2C%20jf.%20vergem%C3%A5lsforskriften%20%C2%A720a%20(1)%20a")


def test_every_service_has_one_profile():
    from sandbox.dsop.enums import SERVICES

    assert [p.service for p in PROFILES] == list(SERVICES)


@pytest.mark.parametrize("service", sorted(ENCODED))
def test_encoded_mandates_of_the_spec_identify_their_service(profiles, service):
    for encoded in ENCODED[service]:
        profile, consumer = profiles.identify(None, unquote(encoded))
        assert profile.service == service and service in consumer.services
        assert unquote(encoded) in profile.bank_mandates
    assert quote(BY_SERVICE[service].canonical, safe="-_.!~*'()") == ENCODED[service][0], "protocol.md §3.4"


def test_verge_step1_mandate_is_the_registers_not_the_banks(profiles):
    step1 = unquote(VERGE_STEP1_ENCODED)
    assert profiles.identify(None, step1, step="register")[0].service == "verge"
    with pytest.raises(UnknownMandate, match="register"):
        profiles.identify(None, step1)
    with pytest.raises(UnknownMandate, match="banks"):
        profiles.identify(None, cat.VERGE_STEP2, step="register")


def test_known_aliases_are_accepted(profiles):
    assert profiles.identify(None, cat.SKATT_B)[0].service == "skatt"  # spec Q3: variant B
    assert profiles.identify(None, cat.VERGE_STEP2_ALIAS)[0].service == "verge"  # spec Q4: "§ 20a (2)"


def test_mandate_compared_after_unicode_and_whitespace_normalisation(profiles):
    decomposed = cat.VERGE_STEP2.replace("å", "a\u030a")  # å as a + combining ring
    assert decomposed != cat.VERGE_STEP2
    assert profiles.identify(None, "  " + decomposed.replace(" ", "  ") + " ")[0].service == "verge"


@pytest.mark.parametrize("text", ["OED", "Skatteforvaltningsloven § 10-2", "Skatteforvaltningsloven", "x",
                                  cat.SKATT_A.lower(), cat.KONKURS + "."])
def test_unknown_mandate_is_refused(profiles, text):
    with pytest.raises(UnknownMandate) as info:
        profiles.identify(None, text)
    assert info.value.outcome == "forbidden" and info.value.field == "Legal-Mandate"


def test_nav_only_with_the_flag(world):
    with pytest.raises(UnknownMandate, match="--nav-v1"):
        ServiceProfiles(world).identify(None, cat.NAV_V1)
    assert ServiceProfiles(world, nav_v1=True).identify(None, cat.NAV_V1)[0].service == "nav"


def test_consumer_may_only_use_its_services(profiles, world):
    srf, skatt = world.consumers["srf"], world.consumers["skatteetaten"]
    assert profiles.identify(srf, cat.VERGE_STEP2) == (BY_SERVICE["verge"], srf)
    for consumer, mandate in ((srf, cat.SKATT_A), (skatt, cat.KONKURS), (world.consumers["nav"], cat.OED)):
        with pytest.raises(MandateNotForConsumer) as info:
            profiles.identify(consumer, mandate)
        assert info.value.outcome == "forbidden" and consumer.org_number in info.value.message
    assert profiles.identify(skatt, cat.FI_UTLEGG) == (BY_SERVICE["fi-utlegg"], skatt)


def test_auth_off_takes_the_first_consumer_offering_the_service(profiles, world):
    assert profiles.identify(None, cat.OED)[1].org_number == "991825827"  # spec Q5: the default OED consumer
    assert profiles.identify(world.consumers["digdir-oed"], cat.OED)[1].org_number == "974720760"
    lonely = build_world(load_scenario_text(SCENARIO.replace("services: [konkurs]", "services: [skatt]"), "x.yaml"))
    with pytest.raises(MandateNotForConsumer, match="no consumer"):
        ServiceProfiles(lonely).identify(None, cat.KONKURS)


# =====================================================================================================
#  Endpoints per service
# =====================================================================================================
ALLOWED = {
    "skatt": {"accounts", "details", "transactions", "cards", "roles", "owners"},
    "politi": {"accounts", "details", "transactions", "cards", "roles", "owners"},
    "konkurs": {"accounts", "details", "transactions"},
    "oed": {"accounts", "details", "transactions"},
    "verge": {"accounts", "details", "transactions", "roles"},
    "fi-utlegg": {"accounts", "details"},
    "nav": {"accounts", "details", "transactions", "cards", "roles"},
}
MATRIX = [(s, e) for s in ALLOWED for e in ENDPOINTS]


@pytest.mark.parametrize("service,endpoint", MATRIX, ids=[f"{s}-{e}" for s, e in MATRIX])
def test_endpoint_allowed_or_refused(profiles, world, service, endpoint):
    kwargs = request(world, service, endpoint)
    if endpoint in ALLOWED[service]:
        grant = profiles.authorize(None, endpoint, **kwargs)
        assert grant.service == service and grant.endpoint == endpoint
    else:
        with pytest.raises(EndpointNotInService) as info:
            profiles.authorize(None, endpoint, **kwargs)
        assert info.value.outcome == "endpoint" and endpoint in info.value.message  # → 400 ACC-001


def test_endpoint_check_comes_before_header_rules(profiles, world):
    """spec §3: step 6 (endpoint) before step 7 (headers): Cards for Konkurs is refused as an endpoint."""
    kwargs = request(world, "konkurs", "cards", reference_type="srf")
    with pytest.raises(EndpointNotInService):
        profiles.authorize(None, "cards", **kwargs)


# =====================================================================================================
#  Period windows: the limit itself is inside, the day beyond it is not
# =====================================================================================================
# (service, party, good window, bad window) — each bad window is one day beyond one limit.
WINDOWS = [
    ("skatt", "ola", ("2015-06-30", "2025-06-30"), ("2015-06-29", "2025-06-30")),        # today − 10 years
    ("politi", "ola", ("2015-06-30", "2025-06-30"), ("2015-06-29", "2025-06-30")),
    ("konkurs", "bakeri", ("2024-02-28", "2025-06-30"), ("2024-02-27", "2025-06-30")),   # ruling − 12 months
    ("konkurs", "bakeri", ("2024-02-28", "2025-06-30"), ("2024-02-28", "2025-06-29")),   # toDate = today
    ("konkurs", "skuddaar", ("2023-02-28", "2025-06-30"), ("2023-02-27", "2025-06-30")), # 29 Feb − 12 months
    ("oed", "arne", ("2025-03-09", "2025-06-30"), ("2025-03-08", "2025-06-30")),         # death − 3 months
    ("oed", "arne", ("2025-03-09", "2025-06-30"), ("2025-03-09", "2025-06-29")),         # toDate = today
    ("verge", "bente", ("2024-01-01", "2024-12-31"), ("2023-12-31", "2024-12-31")),      # 1 Jan last year
    ("verge", "bente", ("2024-01-01", "2024-12-31"), ("2024-01-01", "2025-01-01")),      # 31 Dec last year
    ("verge", "mia", ("2024-03-15", "2024-10-31"), ("2024-03-14", "2024-10-31")),        # guardianship start
    ("verge", "mia", ("2024-03-15", "2024-10-31"), ("2024-03-15", "2024-11-01")),        # guardianship end
    ("fi-utlegg", "ola", ("2025-06-30", "2025-06-30"), ("2025-06-29", "2025-06-30")),    # from = today
    ("fi-utlegg", "ola", ("2025-06-30", "2025-06-30"), ("2025-06-29", "2025-06-29")),    # to = today
]


def _window_grant(profiles, world, service, party, window):
    extra = {"party": party}
    if service == "verge" and party == "mia":
        extra["reference_id"] = pid(world, "geir")
    if service == "politi":
        extra["reference_id"] = order(world, party, from_date=d("2015-06-30"))
    return bound(profiles, world, service, window=window, **extra)


@pytest.mark.parametrize("service,party,good,bad", WINDOWS, ids=[f"{w[0]}-{w[1]}-{w[3][0]}..{w[3][1]}" for w in WINDOWS])
def test_period_window_edges(profiles, world, service, party, good, bad):
    assert _window_grant(profiles, world, service, party, good).bound
    with pytest.raises(PeriodOutsideWindow) as info:
        _window_grant(profiles, world, service, party, bad)
    assert info.value.outcome == "period" and info.value.field in ("fromDate", "toDate")  # → 400 ACC-001


def test_nav_v1_has_no_window_of_its_own(profiles, world):
    assert bound(profiles, world, "nav", window=("1990-01-01", "2025-06-30")).bound


def test_party_independent_limits_are_checked_before_the_subject(profiles, world):
    """Konkurs toDate ≠ today is refused in authorize, before the subject is looked up."""
    with pytest.raises(PeriodOutsideWindow):
        profiles.authorize(None, "details", **request(world, "konkurs", "details", window=("2024-03-01", "2025-06-01")))


# =====================================================================================================
#  OnlyPrimaryOwner
# =====================================================================================================
@pytest.mark.parametrize("service", sorted(ALLOWED))
def test_only_primary_owner_rule(profiles, world, service):
    assert bound(profiles, world, service, only_primary=True).bound, "true is always accepted"
    if BY_SERVICE[service].only_primary:
        with pytest.raises(HeaderRuleViolated) as info:
            profiles.authorize(None, "accounts", **request(world, service, only_primary=False))
        assert info.value.field == "OnlyPrimaryOwner" and info.value.outcome == "bad_request"
    else:
        assert bound(profiles, world, service, only_primary=False).bound


def test_politi_only_primary_owner_limited_by_the_order(profiles, world):
    strict = order(world, "ola", only_primary_owner=True)
    assert bound(profiles, world, "politi", reference_id=strict, only_primary=True).bound
    with pytest.raises(OrderRefused, match="OnlyPrimaryOwner=true"):
        bound(profiles, world, "politi", reference_id=strict, only_primary=False)


# =====================================================================================================
#  Required and forbidden headers
# =====================================================================================================
HEADER_CASES = [
    ("skatt", {"requester_id": None}, "RequesterID"),
    ("politi", {"requester_id": None}, "RequesterID"),
    ("skatt", {"reference_type": "srf", "reference_id": "x"}, "AdditionalReferenceIDType"),
    ("skatt", {"reference_id": "something"}, "AdditionalReferenceIDType"),
    ("konkurs", {"reference_type": "pol1"}, "AdditionalReferenceIDType"),
    ("oed", {"reference_id": "12345678901"}, "AdditionalReferenceIDType"),
    ("fi-utlegg", {"reference_type": "srf"}, "AdditionalReferenceIDType"),
    ("nav", {"reference_type": "pol1"}, "AdditionalReferenceIDType"),
    ("verge", {"reference_type": None}, "AdditionalReferenceIDType"),
    ("verge", {"reference_type": "pol1"}, "AdditionalReferenceIDType"),
    ("verge", {"reference_id": None}, "AdditionalReferenceID"),
    ("verge", {"reference_id": "27886749976"}, "AdditionalReferenceID"),  # bad check digit
    ("verge", {"reference_id": "guardian"}, "AdditionalReferenceID"),
    ("politi", {"reference_type": None}, "AdditionalReferenceIDType"),
    ("politi", {"reference_type": "srf"}, "AdditionalReferenceIDType"),
    ("politi", {"reference_id": None}, "AdditionalReferenceID"),
    ("politi", {"reference_id": "not-a-jws"}, "AdditionalReferenceID"),
]


@pytest.mark.parametrize("service,overrides,field", HEADER_CASES, ids=[f"{s}-{f}-{i}" for i, (s, _, f) in enumerate(HEADER_CASES)])
def test_required_and_forbidden_headers(profiles, world, service, overrides, field):
    with pytest.raises(HeaderRuleViolated) as info:  # MalformedOrder is one too
        profiles.authorize(None, "accounts", **request(world, service, **overrides))
    assert info.value.field == field and info.value.outcome == "bad_request"  # → 400 ACC-001
    assert field.split("ID")[0] in info.value.message


@pytest.mark.parametrize("service", ["konkurs", "oed", "verge", "fi-utlegg", "nav"])
def test_requester_id_is_optional_elsewhere(profiles, world, service):
    assert bound(profiles, world, service, requester_id="someone").bound
    assert bound(profiles, world, service, requester_id=None).bound


# =====================================================================================================
#  Subject preconditions → 403 (outcome forbidden)
# =====================================================================================================
def test_konkurs_for_a_company_without_bankruptcy_is_refused(profiles, world):
    for party in ("fjell", "ola", "hilde"):
        with pytest.raises(PreconditionFailed, match="bankruptcy") as info:
            bound(profiles, world, "konkurs", party=party)
        assert info.value.outcome == "forbidden"
    grant = profiles.authorize(None, "accounts", **request(world, "konkurs"))
    with pytest.raises(PreconditionFailed):  # a well-formed number nobody in the world has
        grant.bind(world, None, "310000001")


def test_oed_for_a_living_person_is_refused(profiles, world):
    for party in ("ola", "bente", "bakeri"):
        with pytest.raises(PreconditionFailed, match="dead") as info:
            bound(profiles, world, "oed", party=party, window=("2025-06-01", "2025-06-30"))
        assert info.value.outcome == "forbidden"


@pytest.mark.parametrize("guardian", ["gunn", "ola", "geir", "@unknown"])
def test_verge_request_from_a_non_guardian_is_refused(profiles, world, guardian):
    """Gunn was Bente's guardian until 2021; Ola never; Geir is Mia's guardian, not Bente's."""
    number = "27886749975" if guardian == "@unknown" else pid(world, guardian)
    assert number not in (pid(world, "trond"),)
    with pytest.raises(PreconditionFailed, match="guardianship") as info:
        bound(profiles, world, "verge", reference_id=number)
    assert info.value.outcome == "forbidden" and info.value.field == "AdditionalReferenceID"


def test_verge_guardianship_outside_the_period_is_refused_as_precondition(profiles, world):
    """Mia's guardianship ended 2024-10-31: a period after it finds none (403), one overlapping it is a 400."""
    with pytest.raises(PreconditionFailed):
        bound(profiles, world, "verge", party="mia", reference_id=pid(world, "geir"), window=("2024-11-01", "2024-12-31"))
    with pytest.raises(PeriodOutsideWindow):
        bound(profiles, world, "verge", party="mia", reference_id=pid(world, "geir"), window=("2024-10-01", "2024-12-31"))


@pytest.mark.parametrize("endpoint", sorted(BY_SERVICE["verge"].endpoints))
def test_verge_guardian_without_the_daily_banking_task_is_refused(profiles, world, endpoint):
    """spec/services.md §2.5: the guardian must hold representasjonDagligbank. Siri is Kjell's guardian for all of
    2024, with a disposal right on his account, but only for his real estate (forvaltningAvFastEiendom)."""
    with pytest.raises(PreconditionFailed) as info:
        bound(profiles, world, "verge", endpoint, party="kjell", reference_id=pid(world, "siri"))
    assert info.value.outcome == "forbidden" and info.value.field == "AdditionalReferenceID"  # → 403 ACC-011
    message = info.value.message
    assert f"the guardianship of {pid(world, 'kjell')} with guardian {pid(world, 'siri')}" in message
    assert "gives the guardian no task representasjonDagligbank (tasks: forvaltningAvFastEiendom)" in message


@pytest.mark.parametrize("endpoint", sorted(BY_SERVICE["verge"].endpoints))
def test_verge_guardian_with_the_daily_banking_task_among_others_is_allowed(profiles, world, endpoint):
    grant = bound(profiles, world, "verge", endpoint, party="tor", reference_id=pid(world, "eva"))
    assert grant.bound and grant.guardianship.guardian_id == "eva"
    assert grant.guardianship.tasks == ("forvaltningAvFastEiendom", "representasjonDagligbank", "salgAvFastEiendom")


def test_verge_tasks_decide_what_the_bank_lists(profiles, world, rules):
    eva = profiles.authorize(None, "accounts", **request(world, "verge", party="tor", reference_id=pid(world, "eva")))
    assert _numbers(_list(rules, world, eva, "tor")) == {world.accounts["tor-pension"].number}
    siri = profiles.authorize(None, "accounts", **request(world, "verge", party="kjell", reference_id=pid(world, "siri")))
    with pytest.raises(PreconditionFailed, match="no task representasjonDagligbank"):
        _list(rules, world, siri, "kjell")


def test_verge_task_refusal_comes_after_the_guardianship_lookup(profiles, world):
    """No guardianship at all with that guardian is still the 'no guardianship' refusal, whatever the tasks."""
    with pytest.raises(PreconditionFailed, match="has no guardianship of") as info:
        bound(profiles, world, "verge", party="kjell", reference_id=pid(world, "eva"))
    assert "task" not in info.value.message


# =====================================================================================================
#  What the bank rules deliver through the Grant
# =====================================================================================================
def _numbers(body) -> set[str]:
    return {a["accountIdentifier"] for a in body["accounts"]}


def _list(rules, world, grant: Grant, party: str, bank: str = "alpha", only=True) -> dict:
    return rules.list_accounts(world.banks[bank], pid(world, party), grant.window, only, grant=grant)


def test_verge_lists_only_ward_owned_guardian_disposed_accounts(profiles, world, rules):
    grant = profiles.authorize(None, "accounts", **request(world, "verge"))
    body = _list(rules, world, grant, "bente")
    assert _numbers(body) == {world.accounts["bente-pension"].number}, "not bente-savings: Trond has no role there"
    mia = profiles.authorize(None, "accounts", **request(world, "verge", party="mia", reference_id=pid(world, "geir"),
                                                         window=("2024-03-15", "2024-10-31")))
    assert _numbers(_list(rules, world, mia, "mia")) == {world.accounts["mia-pension"].number}


def test_verge_reference_to_an_account_outside_the_answer_is_404_acc_003(profiles, world, rules):
    skatt = profiles.authorize(None, "accounts", **request(world, "skatt", party="bente"))
    listed = {a["accountIdentifier"]: a["accountReference"] for a in _list(rules, world, skatt, "bente")["accounts"]}
    savings = listed[world.accounts["bente-savings"].number]
    pension = listed[world.accounts["bente-pension"].number]
    grant = profiles.authorize(None, "details", **request(world, "verge", "details"))
    bank = world.banks["alpha"]
    assert rules.account_details(bank, pension, grant.window, grant)["account"]["accountIdentifier"]
    with pytest.raises(NotInGrant) as info:
        rules.account_details(bank, savings, grant.window, grant)
    assert info.value.outcome == "not_found"


def test_konkurs_lists_only_the_debtors_own_accounts_as_disabled(profiles, world, rules):
    grant = profiles.authorize(None, "accounts", **request(world, "konkurs"))
    body = _list(rules, world, grant, "bakeri")
    assert _numbers(body) == {world.accounts["bakeri-drift"].number}
    assert {a["status"] for a in body["accounts"]} == {"disabled"}
    assert _numbers(_list(rules, world, grant, "bakeri", "beta")) == {world.accounts["bakeri-sparing"].number}


def test_konkurs_reference_of_a_disponent_is_refused(profiles, world, rules):
    """Hilde disposes the bakery's account; her reference names her, who is not bankrupt → 403."""
    skatt = profiles.authorize(None, "accounts", **request(world, "skatt", party="hilde"))
    ref = _list(rules, world, skatt, "hilde", only=False)["accounts"][0]["accountReference"]
    grant = profiles.authorize(None, "transactions", **request(world, "konkurs", "transactions"))
    with pytest.raises(PreconditionFailed):
        rules.transactions(world.banks["alpha"], ref, grant.window, None, "/x", {}, grant)


def test_owner_only_services_refuse_references_to_disposed_accounts(profiles, world, rules):
    """OED: Arne's reference works; a reference another party got for a disposed account does not."""
    skatt = profiles.authorize(None, "accounts", **request(world, "skatt", party="ola"))
    drift = {a["accountIdentifier"]: a["accountReference"] for a in _list(rules, world, skatt, "ola", only=False)["accounts"]}
    ref = drift[world.accounts["fjell-drift"].number]
    fi = profiles.authorize(None, "details", **request(world, "fi-utlegg", "details"))
    with pytest.raises(NotInGrant):
        rules.account_details(world.banks["alpha"], ref, fi.window, fi)
    assert rules.account_details(world.banks["alpha"], ref, skatt.window, profiles.authorize(
        None, "details", **request(world, "skatt", "details")))["account"]


def test_politi_alternative_1_signals_disposed_accounts(profiles, world, rules):
    grant = bound(profiles, world, "politi", only_primary=True)
    body = _list(rules, world, grant, "ola")
    assert _numbers(body) == {world.accounts["ola-salary"].number}
    assert body["responseDetails"]["status"] == "partial" and "OnlyPrimaryOwner=false" in body["responseDetails"]["message"]
    everything = _list(rules, world, bound(profiles, world, "politi", only_primary=False), "ola", only=False)
    assert _numbers(everything) == {world.accounts["ola-salary"].number, world.accounts["fjell-drift"].number}
    assert everything["responseDetails"] == {"status": "complete"}


def test_politi_owners_only_for_accounts_of_the_orders_party(profiles, world, rules):
    grant = profiles.authorize(None, "owners", **request(world, "politi", "owners"))
    bank = world.banks["alpha"]
    assert rules.owners(bank, world.accounts["fjell-drift"].number, grant.window, grant)["accountOwners"]
    with pytest.raises(OrderRefused, match="no relation"):
        rules.owners(bank, world.accounts["bente-savings"].number, grant.window, grant)


# =====================================================================================================
#  Field filtering ("Utleveres ikke")
# =====================================================================================================
SAMPLE_TX = {"transactionIdentifier": "t1", "amount": 1, "currencyExchange": {"sourceCurrency": "EUR"},
             "counterParties": [{"name": "X", "type": "creditor", "accountIdentifier": "99982173945",
                                 "postalAddress": {"type": "business", "streetName": "Gate"}}]}


def _sample(endpoint: str) -> dict:
    import copy

    account = {"accountIdentifier": "1", "accountReference": "r", "name": "Brukskonto",
               "servicer": {"identifier": {"value": "9", "type": "countryIdentificationCode"}, "name": "BANK"}}
    return copy.deepcopy({"accounts": {"accounts": [account, dict(account)]}, "details": {"account": account},
                          "transactions": {"transactions": [SAMPLE_TX, SAMPLE_TX]}}[endpoint])


WITHHELD = {
    ("skatt", "accounts"): lambda b: all("name" not in a and a["servicer"]["name"] == "BANK" for a in b["accounts"]),
    ("skatt", "details"): lambda b: "name" not in b["account"]["servicer"] and b["account"]["servicer"]["identifier"]
                                    and b["account"]["name"] == "Brukskonto",
    ("oed", "transactions"): lambda b: all("currencyExchange" not in t and set(t["counterParties"][0]) == {"name", "type"}
                                           for t in b["transactions"]),
}


@pytest.mark.parametrize("service", sorted(ALLOWED))
@pytest.mark.parametrize("endpoint", ["accounts", "details", "transactions"])
def test_field_filtering(service, endpoint):
    profile = BY_SERVICE[service]
    grant = Grant(profile, None, endpoint, profile.canonical, None, TODAY)
    body = grant.withhold(_sample(endpoint))
    check = WITHHELD.get((service, endpoint))
    if check is not None:
        assert check(body), body
    else:
        assert body == _sample(endpoint), f"{service} delivers every {endpoint} field"


def test_oed_transactions_filtered_by_the_bank_rules(profiles, world, rules):
    bank = world.banks["alpha"]
    skatt = profiles.authorize(None, "accounts", **request(world, "skatt", party="arne", window=("2025-03-09", "2025-06-30")))
    ref = _list(rules, world, skatt, "arne")["accounts"][0]["accountReference"]
    plain = rules.transactions(bank, ref, skatt.window, None, "/x", {}, profiles.authorize(
        None, "transactions", **request(world, "skatt", "transactions", window=("2025-03-09", "2025-06-30"))))
    oed = profiles.authorize(None, "transactions", **request(world, "oed", "transactions"))
    filtered = rules.transactions(bank, ref, oed.window, None, "/x", {}, oed)
    assert len(plain["transactions"]) == len(filtered["transactions"]) > 0
    assert any("currencyExchange" in t for t in plain["transactions"])
    assert any("accountIdentifier" in cp for t in plain["transactions"] for cp in t.get("counterParties", []))
    for t in filtered["transactions"]:
        assert "currencyExchange" not in t
        assert all("accountIdentifier" not in cp and "postalAddress" not in cp for cp in t.get("counterParties", []))
        assert t["transactionIdentifier"] and ("references" in t) == any(
            p["transactionIdentifier"] == t["transactionIdentifier"] and "references" in p for p in plain["transactions"])


def test_skatt_details_withhold_servicer_name(profiles, world, rules):
    grant = profiles.authorize(None, "accounts", **request(world, "skatt"))
    entry = _list(rules, world, grant, "ola")["accounts"][0]
    assert entry["servicer"]["name"] == "ALPHA TESTBANK ASA", "the list's servicer keeps its name"
    details = rules.account_details(world.banks["alpha"], entry["accountReference"], grant.window,
                                    profiles.authorize(None, "details", **request(world, "skatt", "details")))
    assert "name" not in details["account"]["servicer"] and details["account"]["servicer"]["identifier"]


# =====================================================================================================
#  The register's step-1 rules
# =====================================================================================================
def test_register_rules(profiles, world):
    auth = profiles.authorize_register
    window = Period(d("2024-02-28"), TODAY)
    bakeri = pid(world, "bakeri")
    assert auth(None, "customerRelationships", mandate=cat.KONKURS, window=window, customer=bakeri,
                only_primary=True).service == "konkurs"
    for only in (None, False):
        with pytest.raises(HeaderRuleViolated, match="onlyPrimaryOwner"):
            auth(None, "customerRelationships", mandate=cat.KONKURS, window=window, customer=bakeri, only_primary=only)
    with pytest.raises(PeriodOutsideWindow):
        auth(None, "customerRelationships", mandate=cat.KONKURS, window=Period(d("2024-02-27"), TODAY),
             customer=bakeri, only_primary=True)
    # no preconditions at the register: a Konkurs question about a solvent company is only held to toDate = today
    assert auth(None, "customerRelationships", mandate=cat.KONKURS, window=Period(d("2020-01-01"), TODAY),
                customer=pid(world, "fjell"), only_primary=True)
    assert auth(None, "customerRelationships", mandate=cat.SKATT_A, window=Period(d("2015-06-30"), TODAY))
    with pytest.raises(PeriodOutsideWindow):
        auth(None, "customerRelationships", mandate=cat.SKATT_A, window=Period(d("2015-06-29"), TODAY))
    with pytest.raises(PeriodOutsideWindow):  # Verge step 1: last calendar year
        auth(None, "customerRelationships", mandate=cat.VERGE_STEP1, window=Period(d("2024-01-01"), TODAY),
             only_primary=True)
    assert auth(None, "accountServicingProvider", mandate=cat.POLITI_MISSING_PERSON).service == "politi"
    for mandate in (cat.SKATT_A, cat.KONKURS, cat.OED, cat.FI_UTLEGG):
        with pytest.raises(EndpointNotInService):
            auth(None, "accountServicingProvider", mandate=mandate)


def test_grant_carries_the_effective_constraints(profiles, world):
    politi = bound(profiles, world, "politi")
    assert politi.order.party_id == pid(world, "ola") and politi.order.mandate == cat.POLITI_CRIMINAL
    assert politi.consumer.org_number == "915429785" and politi.requester_id == "inv-1"
    verge = bound(profiles, world, "verge")
    assert verge.guardianship.guardian_id == "trond" and verge.guardianship.period.start == d("2021-03-01")
    assert verge.guardianship.tasks == ("representasjonDagligbank",)  # the scenario lists none: the default
    assert verge.party.id == "bente" and verge.window == Period(d("2024-01-01"), d("2024-12-31"))
    assert bound(profiles, world, "oed").withheld == BY_SERVICE["oed"].withheld_for("accounts") == ()
    assert profiles.authorize(None, "transactions", **request(world, "oed", "transactions")).withheld
    with pytest.raises(dataclasses.FrozenInstanceError):
        politi.service = "skatt"  # frozen


def test_windows_follow_the_sandbox_clock():
    """The sandbox clock moves world.today (sandbox/clock.py): the windows follow, read per request."""
    moved = build_world(load_scenario_text(SCENARIO, "profile-tests.yaml"))
    profiles = ServiceProfiles(moved)
    today = Period(TODAY, TODAY)
    assert profiles.authorize(None, "accounts", mandate=cat.FI_UTLEGG, window=today, party_identifier=pid(moved, "ola"),
                              only_primary=True).today == TODAY
    moved.attach_clock(lambda: TODAY + timedelta(days=1))
    with pytest.raises(PeriodOutsideWindow, match="2025-07-01"):
        profiles.authorize(None, "accounts", mandate=cat.FI_UTLEGG, window=today, party_identifier=pid(moved, "ola"),
                           only_primary=True)


# =====================================================================================================
#  One mandate, one grant, whatever its encoding (issue 14)
# =====================================================================================================
def _encodings(text: str) -> list[str]:
    """Equivalent Legal-Mandate headers for one mandate: upper- and lower-case percent escapes, decomposed
    letters (NFD), extra spaces, and `~`/`(` escaped although encodeURIComponent leaves them."""
    upper = quote(text, safe="-_.!~*'()")
    return [upper, re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), upper),
            quote(unicodedata.normalize("NFD", text), safe="-_.!~*'()"), quote(f"  {text.replace(' ', '   ')} ", safe=""),
            upper.replace("(", "%28")]


@pytest.mark.parametrize("mandate", [cat.SKATT_A, cat.KONKURS, cat.OED, cat.VERGE_STEP2])
def test_equivalent_encodings_of_a_mandate_parse_to_one_canonical_text(mandate):
    parsed = {dsop_params.legal_mandate({"legal-mandate": raw}) for raw in _encodings(mandate)}
    assert parsed == {mandate}


def test_equivalent_encodings_of_a_mandate_share_one_cached_grant(world):
    profiles = ServiceProfiles(world, nav_v1=True)  # a fresh cache
    kwargs = request(world, "verge")
    encodings = _encodings(cat.VERGE_STEP2)  # "Vergemålsloven": å has a decomposed form
    assert len(set(encodings)) == len(encodings)
    grants = [profiles.authorize(None, "accounts", **{**kwargs, "mandate": dsop_params.legal_mandate(
        {"legal-mandate": raw})}) for raw in encodings]
    assert len({id(g) for g in grants}) == 1, "every encoding must hit the grant the first one cached"
    assert len(profiles._granted) == 1
    other = profiles.authorize(None, "accounts", **{**kwargs, "mandate": cat.VERGE_STEP2_ALIAS})  # another text
    assert other is not grants[0] and len(profiles._granted) == 2
