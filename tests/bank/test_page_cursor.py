"""The `page` cursor of paging links (D6, spec/data-model.md Q-10; sandbox/bank/pagination.py).

Opaque, tamper-evident and deterministic: a consumer that follows links[].href verbatim (with the same headers)
walks every page, on any worker and after a restart; one that builds `page` itself, alters a cursor or reuses one
with other dates, another account, party or bank gets 400 ACC-001 naming `page` — as it would break against a real
bank, whose cursor is its own business.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandbox.bank.errors import BadRequest
from sandbox.bank.pagination import PageCursors
from tests.support import SCENARIO, TEN_YEARS, BankApi, T, link

CURSOR = re.compile(r"[A-Za-z0-9_-]{16}")
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
PERIOD = {"fromDate": TEN_YEARS[0], "toDate": T}


def split(href: str) -> tuple[str, dict]:
    parts = urlsplit(href)
    return parts.path, dict(parse_qsl(parts.query))


def cursor_of(href: str) -> str:
    return split(href)[1]["page"]


def refused(response) -> None:
    assert response.status_code == 400, f"HTTP {response.status_code}: {response.data[:300]!r}"
    body = response.get_json()
    assert body["code"] == "ACC-001", body
    assert "page" in body["message"] and "links[].href verbatim" in body["message"], body


@pytest.fixture(scope="module")
def small(bank_api_for) -> BankApi:
    """97 transactions a page: Lars's salary account has several pages in ten years."""
    return bank_api_for(page_size=97)


@pytest.fixture(scope="module")
def tiny(bank_api_for) -> BankApi:
    """3 accounts a page: Fjell's four accounts at alpha are two pages."""
    return bank_api_for(page_size=3)


@pytest.fixture(scope="module")
def lars(small):
    """(path of Lars's transactions, the pages of a ten-year walk)."""
    ref = small.ref("lars", "lars-salary")
    path = f"/accounts/{ref}/transactions"
    return path, small.transaction_pages("alpha", ref, TEN_YEARS)


def test_links_carry_an_opaque_cursor_and_a_verbatim_walk_reads_every_page(lars):
    path, pages = lars
    assert len(pages) >= 4
    cursors = [cursor_of(link(p, "next")) for p in pages[:-1]]
    assert all(CURSOR.fullmatch(c) and not c.isdigit() for c in cursors), cursors
    assert len(set(cursors)) == len(cursors)
    assert [cursor_of(link(p, "self")) for p in pages[1:]] == cursors, "self repeats the cursor that was sent"
    assert "page" not in split(link(pages[0], "self"))[1] and "page" not in split(link(pages[1], "prev"))[1], \
        "page 1 has no cursor"
    assert [cursor_of(link(p, "prev")) for p in pages[2:]] == cursors[:-1]
    assert all(split(lk["href"])[0] == path for p in pages for lk in p["links"])


def test_the_same_world_gives_the_same_cursors_and_bytes_on_two_instances(make_app, contract):
    """Same scenario, seed and today → byte-identical pages: a cursor from one worker works on any other."""
    apps = [make_app(fresh=True, page_size=97) for _ in range(2)]
    apis = [BankApi(app.test_client(), app.extensions["dsop"].world, contract) for app in apps]
    ref = apis[0].ref("lars", "lars-salary")
    assert ref == apis[1].ref("lars", "lars-salary")
    path = f"/accounts/{ref}/transactions"
    first = [api.call("alpha", path, PERIOD) for api in apis]
    assert first[0].data == first[1].data
    nxt = link(first[0].get_json(), "next")
    second = [api.follow("alpha", nxt) for api in apis]  # A's cursor on A and on B
    assert second[0].status_code == second[1].status_code == 200
    assert second[0].data == second[1].data
    third = link(second[1].get_json(), "next")  # B's cursor on A
    assert apis[0].follow("alpha", third).data == apis[1].follow("alpha", third).data


@pytest.mark.parametrize("page", ["1", "2", "3", "02", "2.0", "-2", "page2", "Mg", "AAAAAAAAAAAAAAAA"])
def test_a_page_built_by_hand_is_refused(small, lars, page):
    path, _ = lars
    refused(small.call("alpha", path, {**PERIOD, "page": page}))


def test_an_empty_page_is_page_one(small, lars):
    path, pages = lars
    assert small.ok(small.call("alpha", path, {**PERIOD, "page": ""}))["transactions"] == pages[0]["transactions"]


def test_an_altered_cursor_is_refused(small, lars):
    path, pages = lars
    good = cursor_of(link(pages[0], "next"))
    altered = [good[:i] + ALPHABET[(ALPHABET.index(ch) + 1) % 64] + good[i + 1:] for i, ch in enumerate(good)]
    altered += [good[:-1], good + "A", good + "=", good.swapcase(), good[::-1], cursor_of(link(pages[1], "next"))[:8]
                + good[8:]]
    for page in altered:
        assert page != good
        refused(small.call("alpha", path, {**PERIOD, "page": page}))
    assert small.call("alpha", path, {**PERIOD, "page": good}).status_code == 200


def test_a_cursor_of_another_period_is_refused(small, lars):
    path, pages = lars
    good = cursor_of(link(pages[0], "next"))
    for other in ({"fromDate": "2016-01-01", "toDate": T}, {"fromDate": TEN_YEARS[0], "toDate": "2025-06-29"}):
        refused(small.call("alpha", path, {**other, "page": good}))


def test_a_cursor_of_another_account_or_party_is_refused(small, lars):
    """The base path holds the accountReference, which names the account and the party it was issued for."""
    path, pages = lars
    good = cursor_of(link(pages[0], "next"))
    for party, account in (("ola", "ola-salary"), ("ola", "joint"), ("eva", "joint")):
        other = f"/accounts/{small.ref(party, account)}/transactions"
        refused(small.call("alpha", other, {**PERIOD, "page": good}))
    # the joint account's pages: Ola's cursor does not open Eva's walk of the same account
    ola, eva = small.ref("ola", "joint"), small.ref("eva", "joint")
    nxt = link(small.ok(small.call("alpha", f"/accounts/{ola}/transactions", PERIOD)), "next")
    if nxt is not None:
        refused(small.call("alpha", f"/accounts/{eva}/transactions", {**PERIOD, "page": cursor_of(nxt)}))


def test_an_accounts_cursor_is_bound_to_the_bank_party_and_query(tiny):
    pages = tiny.accounts_all("alpha", "fjell", TEN_YEARS, "false")
    assert len(pages) == 2
    query = {**PERIOD, "OnlyPrimaryOwner": "false"}
    good = cursor_of(link(pages[0], "next"))
    fjell = {"PartyID": tiny.pid("fjell")}
    assert tiny.ok(tiny.call("alpha", "/accounts", {**query, "page": good}, fjell)) == pages[1]
    # the parameters in another order are the same request: the cursor still fits
    reordered = {"OnlyPrimaryOwner": "false", "page": good, **PERIOD}
    assert tiny.ok(tiny.call("alpha", "/accounts", reordered, fjell))["accounts"] == pages[1]["accounts"]
    refused(tiny.call("beta", "/accounts", {**query, "page": good}, fjell))  # another bank
    refused(tiny.call("alpha", "/accounts", {**query, "page": good}, {"PartyID": tiny.pid("per")}))  # another party
    refused(tiny.call("alpha", "/accounts", {**query, "page": good}, {"PartyID": tiny.pid("hanne")}))  # shielded
    for changed in ({"OnlyPrimaryOwner": "FALSE"}, {"OnlyPrimaryOwner": "true"}, {"fromDate": "2016-01-01"},
                    {"extra": "1"}):
        refused(tiny.call("alpha", "/accounts", {**query, **changed, "page": good}, fjell))


def test_a_cursor_from_another_world_seed_does_not_verify():
    scope = PageCursors.scope("/accounts/x/transactions", PERIOD, "alpha")
    one, other = PageCursors("api-tests-1"), PageCursors("api-tests-2")
    cursor = one.encode(2, scope)
    assert one.number(cursor, scope) == 2 and one.encode(2, scope) == cursor and one.encode(1, scope) is None
    assert other.encode(2, scope) != cursor
    with pytest.raises(BadRequest, match="page"):
        other.number(cursor, scope)


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(page=st.text(alphabet=ALPHABET, min_size=1, max_size=24) | st.text(min_size=1, max_size=24))
def test_random_cursors_are_refused_never_500(small, lars, page):
    path, _ = lars
    refused(small.call("alpha", path, {**PERIOD, "page": page}))


def test_a_slow_page_fault_finds_its_page_by_the_cursor(make_app, contract):
    """scenarios' slow_pages count pages from 1: the fault plan reads the number a links cursor names."""
    slow = SCENARIO + "\nfaults:\n  - bank: alpha\n    endpoints: [transactions]\n    slow_pages: [{page: 2, delay_ms: 1}]\n"
    app = make_app(slow, fresh=True, page_size=97)
    api = BankApi(app.test_client(), app.extensions["dsop"].world, contract)
    ref = api.ref("lars", "lars-salary")
    first = api.ok(api.call("alpha", f"/accounts/{ref}/transactions", PERIOD))
    api.ok(api.follow("alpha", link(first, "next")))
    api.call("alpha", f"/accounts/{ref}/transactions", {**PERIOD, "page": "2"})  # built by hand: no page 2
    rows = api.client.get("/sandbox/v1/requests?endpoint=transactions").get_json()["requests"]
    hand, second, one = rows[:3]
    assert one["fault"] is None and second["fault"].startswith("slow page 2:") and second["status"] == 200
    assert hand["status"] == 400 and hand["fault"] is None


@settings(max_examples=200, deadline=None, derandomize=True)
@given(query=st.dictionaries(st.text(min_size=1, max_size=12), st.text(max_size=16), max_size=4),
       number=st.integers(1, 5000), base=st.sampled_from(["/accounts", "/accounts/r-1/transactions"]))
def test_a_paging_writes_each_link_as_urlencode_of_the_query_and_its_cursor(query, number, base):
    """Paging.href encodes the query once per request: each link is still href() of the query as sent (any
    characters, `page` replaced) and the page's cursor."""
    from sandbox.bank.pagination import href

    cursors = PageCursors("seed-1")
    paging = cursors.paging(None, base, {**query, "page": "x"} if number % 2 else query)
    for n in (number, number + 1, 1):
        assert paging.href(n) == href(base, paging.query, cursors.encode(n, paging.scope))
