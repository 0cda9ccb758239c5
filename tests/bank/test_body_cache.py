"""The cache of rendered bank bodies (sandbox/bank/body_cache.py; issue 8): a cached answer is byte for byte the
answer rendered afresh, whatever moved (today, the page, the service's withheld fields), and the cache keeps
within its byte bound. Plain Python, on the default scenario; no timings.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

import orjson
import pytest

from sandbox.bank.body_cache import BodyCache, cost
from sandbox.bank.rules import BankRules
from sandbox.dsop.wire import Rendered, body_bytes
from sandbox.profiles import catalog as cat
from sandbox.profiles.grant import ServiceProfiles
from sandbox.scenario import load_scenario
from sandbox.scenario.catalog import resolve
from sandbox.world import Period, build_world

LONG_ACCOUNT = "99204738676"  # nils-history: more than 1000 transactions in ten years


@pytest.fixture()
def world():
    """A world of its own per test: some tests move its clock."""
    return build_world(load_scenario(resolve("default")))


def subject(world):
    account = world.account_by_number[LONG_ACCOUNT]
    return account, world.banks[account.bank_id], account.owners[0].party_id


def ten_years(world) -> Period:
    return Period(world.today.replace(year=world.today.year - 10) + timedelta(days=1), world.today)


def cursor(body: dict, rel: str = "next") -> str | None:
    """The `page` cursor of a links href (D6): taken from the links, never built (None: no such link)."""
    return next((dict(parse_qsl(urlsplit(lk["href"]).query))["page"] for lk in body["links"] if lk["rel"] == rel),
                None)


def calls(rules: BankRules, world, window: Period, grants=None):
    """Every cached endpoint of the long account, as (name, body)."""
    account, bank, party = subject(world)
    ref = rules.codec.encode(account.id, party)
    grants = grants or {}
    query = {"fromDate": window.start.isoformat(), "toDate": window.end.isoformat()}
    base = f"/accounts/{ref}/transactions"
    identifier = world.parties[party].identifier
    # Page 2's cursor from page 1's links; a short window has no page 2: then a cursor past the end, which only the
    # sandbox can issue (an empty page, as when the items changed since the cursor was issued).
    second = (cursor(BankRules(world, cache_bytes=0).transactions(bank, ref, window, None, base, query))
              or rules.cursors.encode(2, rules.cursors.scope(base, query, bank.id)))
    return [
        ("accounts", rules.list_accounts(bank, identifier, window, False, None, "/accounts",
                                         {**query, "OnlyPrimaryOwner": "false"}, grant=grants.get("accounts"))),
        ("details", rules.account_details(bank, ref, window, grants.get("details"))),
        ("cards", rules.cards(bank, ref, window, grants.get("cards"))),
        ("roles", rules.roles(bank, ref, window, grants.get("roles"))),
        ("page 1", rules.transactions(bank, ref, window, None, base, query, grants.get("transactions"))),
        ("page 2", rules.transactions(bank, ref, window, second, base, {**query, "page": second},
                                      grants.get("transactions"))),
    ]


def wire(bodies) -> dict[str, bytes]:
    return {name: body_bytes(body) for name, body in bodies}


def test_a_cached_body_is_the_bytes_of_an_uncached_render(world):
    window = ten_years(world)
    uncached = BankRules(world, cache_bytes=0)
    cached = BankRules(world)
    fresh = wire(calls(uncached, world, window))
    first, again = calls(cached, world, window), calls(cached, world, window)
    assert wire(first) == fresh and wire(again) == fresh
    for (name, body), (_, fresh_body) in zip(again, calls(uncached, world, window), strict=True):
        assert type(body) is Rendered and body == fresh_body, name  # the dict too (the request log reads it)
        assert body.json == orjson.dumps(fresh_body), name
    assert len(orjson.loads(fresh["page 1"])["transactions"]) == 1000, "a full page"
    assert cached.cache.hits == len(first) and len(cached.cache) == len(first)
    assert len(uncached.cache) == 0, "cache_bytes=0 keeps nothing"


def test_moving_the_clock_gives_the_body_of_the_new_day(world):
    today = {"value": world.today}
    world.attach_clock(lambda: today["value"])
    window = Period(world.today - timedelta(days=40), world.today)
    cached, before = BankRules(world), wire(calls(BankRules(world, cache_bytes=0), world, window))
    assert wire(calls(cached, world, window)) == before
    today["value"] = world.today + timedelta(days=3)
    later = Period(window.start, today["value"])
    moved = wire(calls(cached, world, later))
    assert moved == wire(calls(BankRules(world, cache_bytes=0), world, later))
    assert moved["page 1"] != before["page 1"] and moved["details"] != before["details"]
    # The same window asked again after the move: today is part of every key, so nothing stale comes back.
    again = wire(calls(cached, world, window))
    assert again == wire(calls(BankRules(world, cache_bytes=0), world, window))
    assert again["page 1"] != before["page 1"], "pending items and today's bookings follow the clock"
    today["value"] = world.today - timedelta(days=3)
    back = Period(window.start, today["value"])
    assert wire(calls(cached, world, back)) == wire(calls(BankRules(world, cache_bytes=0), world, back))


def test_another_page_or_query_is_another_body(world):
    window = ten_years(world)
    bodies = wire(calls(BankRules(world), world, window))
    assert bodies["page 1"] != bodies["page 2"]
    rules = BankRules(world)
    account, bank, party = subject(world)
    ref = rules.codec.encode(account.id, party)
    query = {"fromDate": window.start.isoformat(), "toDate": window.end.isoformat()}
    one = rules.transactions(bank, ref, window, None, "/a", query)
    other = rules.transactions(bank, ref, window, None, "/a", {**query, "extra": "x"})
    assert one["links"] != other["links"] and "extra=x" in other["links"][0]["href"]
    assert other["links"] == BankRules(world, cache_bytes=0).transactions(
        bank, ref, window, None, "/a", {**query, "extra": "x"})["links"]


def test_each_service_gets_its_own_withheld_fields(world):
    """Grant.withhold changes bodies in place: the cache keeps one body per withheld-field signature."""
    window = Period(world.today - timedelta(days=90), world.today)
    profiles = ServiceProfiles(world, nav_v1=True)

    def grants(mandate: str, **headers) -> dict:
        return {e: profiles.authorize(None, e, mandate=mandate, window=window, **headers,
                                      party_identifier=identifier if e == "accounts" else None,
                                      only_primary=False if e == "accounts" else None)
                for e in ("accounts", "details", "cards", "roles", "transactions")}

    account, bank, party = subject(world)
    identifier = world.parties[party].identifier
    skatt, nav = grants(cat.SKATT_A, requester_id="caseworker"), grants(cat.NAV_V1)
    cached = BankRules(world)
    for first, second in ((skatt, nav), (nav, skatt)):  # whichever comes first, nothing leaks into the other
        got = {**wire(calls(cached, world, window, first)), "other": wire(calls(cached, world, window, second))}
        assert {k: v for k, v in got.items() if k != "other"} == wire(calls(BankRules(world, cache_bytes=0), world,
                                                                          window, first))
        assert got["other"] == wire(calls(BankRules(world, cache_bytes=0), world, window, second))
    details = {name: orjson.loads(wire(calls(cached, world, window, g))["details"]) for name, g in
               (("skatt", skatt), ("nav", nav))}
    assert "name" not in details["skatt"]["account"]["servicer"], "Skatt: the servicer's name is withheld"
    assert details["nav"]["account"]["servicer"]["name"], "NAV gets it"


def test_changing_a_returned_body_does_not_change_the_cache(world):
    window = ten_years(world)
    rules = BankRules(world)
    account, bank, party = subject(world)
    ref = rules.codec.encode(account.id, party)
    query = {"fromDate": window.start.isoformat(), "toDate": window.end.isoformat()}
    page = rules.transactions(bank, ref, window, None, "/t", query)
    original = body_bytes(page)
    page["transactions"] = page["transactions"][:2]  # what the OpenAPI examples do
    assert orjson.loads(body_bytes(page))["transactions"] == page["transactions"], "the copy forgot its bytes"
    again = rules.transactions(bank, ref, window, None, "/t", query)
    assert body_bytes(again) == original and len(again["transactions"]) == 1000


def test_the_cache_keeps_within_its_byte_bound(world):
    window = ten_years(world)
    one_page = cost(body_bytes(calls(BankRules(world, cache_bytes=0), world, window)[4][1]))
    rules = BankRules(world, cache_bytes=int(one_page * 2.5))
    account, bank, party = subject(world)
    ref = rules.codec.encode(account.id, party)
    query = {"fromDate": window.start.isoformat(), "toDate": window.end.isoformat()}
    walk, page = [None], BankRules(world, cache_bytes=0).transactions(bank, ref, window, None, "/t", query)
    for _ in range(2):  # the cursors of pages 2 and 3, from the links of an uncached twin
        walk.append(cursor(page))
        page = BankRules(world, cache_bytes=0).transactions(bank, ref, window, walk[-1], "/t",
                                                            {**query, "page": walk[-1]})
    for page in (walk[0], walk[1], walk[2], walk[0], walk[1]):
        rules.transactions(bank, ref, window, page, "/t", {**query, "page": page} if page else query)
        assert 0 < rules.cache.size <= rules.cache.max_bytes
    assert len(rules.cache) == 2, "two full pages fit, a third evicts the least recently used"
    assert rules.cache.hits == 0, "pages 1 and 2 were evicted before they came back (LRU order)"


def test_body_cache_evicts_least_recently_used_and_skips_bodies_larger_than_the_bound():
    small = {"v": "x" * 100}
    cache = BodyCache(3 * cost(orjson.dumps(small)))
    for key in "abc":
        cache.get_or_render(key, lambda: dict(small))
    cache.get_or_render("a", lambda: pytest.fail("a is cached"))  # a is now the most recently used
    cache.get_or_render("d", lambda: dict(small))  # evicts b
    assert len(cache) == 3 and cache.size == 3 * cost(orjson.dumps(small)) <= cache.max_bytes
    rendered = []
    cache.get_or_render("b", lambda: rendered.append(1) or dict(small))
    assert rendered == [1], "b was evicted"
    huge = cache.get_or_render("huge", lambda: {"v": "x" * 10_000})
    assert body_bytes(huge) == orjson.dumps({"v": "x" * 10_000}) and "huge" not in cache._entries
    assert cache.size <= cache.max_bytes


def test_ledger_answers_follow_the_clock_although_they_are_memoised(world):
    """Balances, months and pending items are memoised in the Ledger; asked again after the clock moved (forward
    over a month end and back), each equals the answer of a world that never answered before."""
    today = {"value": world.today}
    world.attach_clock(lambda: today["value"])
    account, _, _ = subject(world)
    days = (world.today, world.today + timedelta(days=1), world.today - timedelta(days=20),
            world.today + timedelta(days=35), world.today)

    def answers(w, acc, day):
        window = Period(day - timedelta(days=70), day)
        return (w.transactions(acc, window), w.balance(acc, day), w.balance(acc, day - timedelta(days=1)),
                w.ledger.pending(acc), w.ledger.available(acc))

    for day in days:
        today["value"] = day
        answers(world, account, day)  # warm the memos at every day first
    for day in days:
        today["value"] = day
        cold = build_world(load_scenario(resolve("default")))
        cold.attach_clock(lambda d=day: d)
        assert answers(world, account, day) == answers(cold, cold.accounts[account.id], day), day


def test_a_render_runs_with_the_cyclic_collector_paused_and_leaves_it_as_it_found_it():
    """sandbox/gc_pause.py around BodyCache renders: a page's short-lived objects set off no collection, and the
    collector is on again afterwards (also when the render fails), or still off when someone else had paused it."""
    import gc

    seen = []

    def render():
        seen.append(gc.isenabled())
        return {"ok": True}

    def failing():
        seen.append(gc.isenabled())
        raise RuntimeError("render failed")

    cache = BodyCache(1 << 20)
    assert gc.isenabled()
    assert cache.get_or_render("a", render) == {"ok": True} and gc.isenabled()
    with pytest.raises(RuntimeError):
        cache.get_or_render("b", failing)
    assert gc.isenabled()
    gc.disable()
    try:
        cache.get_or_render("c", render)
        assert not gc.isenabled()  # paused by someone else: left paused
    finally:
        gc.enable()
    assert seen == [False, False, False]
