"""Helpers of the test suite, imported from one place (`from tests.support import ...`); fixtures live in
tests/conftest.py.

* constants.py: the test "today", the services' mandates, org numbers and request ids;
* scenario.py: the test world of the HTTP tests (one persona per behavioural rule);
* bank.py: the Bank_v2.yaml contract check and the `BankApi` / `RegisterApi` clients;
* auth.py: the valid Skatt-Kontroll request and `Forge` (tokens with any claims);
* compat.py: the compatibility-profile world and `Plugin` (requests as the Altinn banking plugin sends them).
"""

from .auth import (
    ACCOUNT,
    BANK,
    BANK_ENDPOINTS,
    CONSUMER_CLIENT_ID,
    CONSUMER_ORG,
    DROP,
    PARTY,
    PERIOD,
    REGISTER_ENDPOINTS,
    STRANGER_ORG,
    UNENTITLED_ORG,
    VALID_HEADERS,
    Forge,
    Refs,
    Target,
    b64url,
    bank_request,
    bearer,
    call_bank,
    call_register,
    garbage,
    register_request,
    stranger_key,
)
from .bank import (
    BANK_ERROR_SCHEMA,
    BANK_OPENAPI,
    CUSTOMER_RELATIONSHIPS_SCHEMA,
    OWNER_ACCOUNT_TYPES,
    OWNERS_SCHEMA,
    REGISTER_ERROR_SCHEMA,
    SERVICING_PROVIDER_SCHEMA,
    BankApi,
    BankContract,
    RegisterApi,
    assert_valid,
    bad_check_digit,
    check_owners,
    inline_refs,
    link,
    load_yaml,
    signed,
    template_of,
    unknown_account,
    unknown_person,
)
from .compat import COMPAT_SCENARIO, Plugin
from .constants import (
    CORRELATION_ID,
    HEADERS,
    MANDATE,
    NAV_HEADERS,
    NAV_MANDATE,
    NAV_ORG,
    OED_MANDATE,
    OED_ORG,
    POLITI_MANDATE,
    POLITI_ORG,
    REQUEST_ID,
    SKATT_MANDATE,
    SKATT_MANDATE_TEXT,
    SKATT_ORG,
    TEN_YEARS,
    TODAY,
    TODAY_ONLY,
    YEAR_2024,
    T,
)
from .scenario import SCENARIO

__all__ = [name for name in dir() if not name.startswith("_") and name not in {
    "auth", "bank", "compat", "constants", "scenario"}]
