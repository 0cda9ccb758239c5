"""The register's request parsing without HTTP (sandbox/register/params.py): each field's error class and wire
code (spec/protocol.md §2.5), and the order of the checks (the first problem of a request is the one reported)."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

import pytest
from werkzeug.datastructures import MultiDict

from sandbox.profiles import catalog as cat
from sandbox.register import errors
from sandbox.register.params import ProviderRequest, RelationshipsRequest, parse_provider, parse_relationships
from sandbox.world import Period
from tests.support import TODAY

PERSON = "01828500186"  # synthetic (month + 80), valid MOD11
HEADERS = {"correlationid": "3f2b8c1e-0000-4000-8000-000000000001",
           "accountinforequestid": "3f2b8c1e-0000-4000-8000-000000000002",
           "legal-mandate": quote(cat.SKATT_A), "customerid": PERSON}
ARGS = {"fromDate": "2025-01-01", "toDate": "2025-06-30"}


def Args(pairs) -> MultiDict:
    """The query as the view hands it over (werkzeug's MultiDict: repeated names kept)."""
    return MultiDict(list(pairs))


def relationships(headers=None, args=None, drop=(), **kw):
    sent = {k: v for k, v in {**HEADERS, **(headers or {})}.items() if k not in drop}
    return parse_relationships(sent, Args((args if args is not None else ARGS).items()), TODAY, **kw)


def test_a_valid_request():
    assert relationships() == RelationshipsRequest(PERSON, cat.SKATT_A, Period(date(2025, 1, 1), TODAY), None)
    assert relationships(args={**ARGS, "onlyPrimaryOwner": "TRUE"}).only_primary is True
    assert relationships(headers={"onlyprimaryowner": "false"}).only_primary is False  # also taken as a header


@pytest.mark.parametrize("headers, args, drop, error, needle", [
    ({"customerid": "12345678901"}, None, (), errors.InvalidCustomer, "CustomerID"),
    ({}, None, ("customerid",), errors.InvalidCustomer, "CustomerID is required"),
    ({"correlationid": "not-a-uuid"}, None, (), errors.InvalidHeader, "CorrelationID must be a UUID"),
    ({}, None, ("legal-mandate",), errors.InvalidHeader, "Legal-Mandate is required"),
    ({"legal-mandate": "%C3"}, None, (), errors.InvalidHeader, "percent-encoded UTF-8"),
    ({}, {"fromDate": "2025-06-30", "toDate": "2025-01-01"}, (), errors.InvalidPeriod, "fromDate"),
    ({}, {"toDate": "2025-06-30"}, (), errors.InvalidPeriod, "fromDate"),
    ({}, {**ARGS, "onlyPrimaryOwner": "yes"}, (), errors.InvalidHeader, "onlyPrimaryOwner"),
])
def test_each_field_has_its_error(headers, args, drop, error, needle):
    with pytest.raises(error) as info:
        relationships(headers, args, drop)
    assert needle in info.value.message
    assert info.value.code == {errors.InvalidCustomer: "ERR-002", errors.InvalidPeriod: "ERR-003",
                               errors.InvalidHeader: "ERR-006"}[error]


def test_repeated_parameters_are_refused():
    with pytest.raises(errors.InvalidPeriod):
        parse_relationships(HEADERS, Args([*ARGS.items(), ("fromDate", "2025-02-01")]), TODAY)
    with pytest.raises(errors.InvalidHeader):
        parse_relationships(HEADERS, Args([*ARGS.items(), ("onlyPrimaryOwner", "true"), ("onlyPrimaryOwner", "false")]),
                            TODAY)


def test_the_first_problem_is_reported():
    """CustomerID before the common headers, those before the period, the period before onlyPrimaryOwner."""
    bad_all = {"customerid": "x", "correlationid": "x"}
    with pytest.raises(errors.InvalidCustomer):
        relationships(bad_all, {"fromDate": "x", "onlyPrimaryOwner": "x"})
    with pytest.raises(errors.InvalidHeader, match="CorrelationID"):
        relationships({"correlationid": "x"}, {"fromDate": "x", "onlyPrimaryOwner": "x"})
    with pytest.raises(errors.InvalidPeriod):
        relationships({}, {"fromDate": "x", "onlyPrimaryOwner": "x"})


def test_lenient_defaults_the_period_to_today():
    assert relationships(args={}, lenient=True).window == Period(TODAY, TODAY)


def test_account_servicing_provider():
    assert parse_provider({**HEADERS, "accountid": " 12345678901 "}) == ProviderRequest("12345678901", cat.SKATT_A)
    for bad in ("1234567890", "123456789012345678901", "1234567890a", "١٢٣٤٥٦٧٨٩٠١"):
        with pytest.raises(errors.InvalidAccountNumber) as info:
            parse_provider({**HEADERS, "accountid": bad})
        assert info.value.code == "ERR-004"
    with pytest.raises(errors.InvalidAccountNumber):  # AccountID is checked before the common headers
        parse_provider({"accountid": "x"})
    with pytest.raises(errors.InvalidHeader):
        parse_provider({"accountid": "12345678901"})
