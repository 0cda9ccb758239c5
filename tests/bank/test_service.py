"""sandbox.bank.service.authorized_accounts: the one "authorize, then list accounts" used by the bank API's
/accounts and the workshop UI's preview (issue 14) — it answers what the API answers, hands the grant over before
listing, and refuses as the profile does."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

import orjson
import pytest

from sandbox.app import build_services, create_app
from sandbox.bank.service import authorized_accounts
from sandbox.config import Settings
from sandbox.profiles import BY_SERVICE, ProfileError, service_profiles
from sandbox.world import Period

BANK, PARTY = "320907063", "eva-joint"
WINDOW = Period(date(2024, 1, 1), date(2025, 6, 30))
SKATT = BY_SERVICE["skatt"].canonical


@pytest.fixture(scope="module")
def services(tmp_path_factory):
    return build_services(Settings(auth=False, state_dir=str(tmp_path_factory.mktemp("svc-state"))))


def _call(services, only_primary, **overrides):
    world = services.world
    kwargs = {"mandate": SKATT, "requester_id": "caseworker-1", **overrides}
    return authorized_accounts(services.bank, service_profiles(world), None, world.bank_by_org[BANK],
                               world.parties[PARTY].identifier, WINDOW, only_primary, **kwargs)


@pytest.mark.parametrize("only_primary", [False, True])
def test_answers_what_the_api_answers(services, only_primary):
    party = services.world.parties[PARTY].identifier
    client = create_app(services.settings, services).test_client()
    query = {"fromDate": str(WINDOW.start), "toDate": str(WINDOW.end), "onlyPrimaryOwner": str(only_primary).lower()}
    answer = client.get(f"/banks/{BANK}/v2/accounts", query_string=query,
                        headers={"AccountInfoRequestID": "d4a820ca-ddde-41ed-b5ea-0242ac120002",
                                 "CorrelationID": "14fbc062-aacb-4449-93c1-85c352d387a4",
                                 "Legal-Mandate": quote(SKATT), "RequesterID": "caseworker-1", "PartyID": party,
                                 "Accept": "application/json"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    direct = _call(services, only_primary, query=query)
    assert orjson.loads(answer.get_data()) == orjson.loads(orjson.dumps(direct))
    numbers = [a["accountIdentifier"] for a in direct["accounts"]]
    assert numbers == ([] if only_primary else ["99106991894"])  # Eva is only a secondary owner


def test_hands_the_grant_over_before_listing(services):
    seen = []
    _call(services, False, granted=seen.append)
    assert len(seen) == 1 and seen[0].profile.service == "skatt"


def test_a_refused_call_lists_nothing(services):
    seen = []
    with pytest.raises(ProfileError):
        _call(services, False, requester_id=None, granted=seen.append)  # Skatt-Kontroll needs a RequesterID
    assert seen == []
