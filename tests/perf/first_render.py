"""Child process of `make bench`: what a 1000-item transactions page costs the first time (issue 19).

`python first_render.py SCENARIO N` → one JSON line. For up to N of the world's accounts with a full first page on
a 10-year window (in the world's order), through the bank rules with a body cache that keeps nothing:
- `generate_ms`: the window's months generated (world/ledger.py, activity.py), first for every account;
- `render_ms`: then each page rendered once, the first time it is asked for (paging, the items' JSON written from
  the transactions: bank/item_json.py): the first render of a page the sandbox has not answered before, in a
  process that has rendered other pages (the tables of parts every page shares are kept, as in a server that has
  been answering). Not a re-render of the same page: what one page's render keeps for later pages (a
  counterparty's written part) would make a second render of it cheaper than any first one;
- `cold_ms`: the two together.
In-process, no HTTP (the load runs measure the whole request); a fresh process, so no month is generated before.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import timedelta


def measure(scenario: str, n: int) -> dict:
    from sandbox.bank.rules import BankRules
    from sandbox.scenario import load_scenario
    from sandbox.scenario.catalog import resolve
    from sandbox.world import Period, build_world

    world = build_world(load_scenario(resolve(scenario)))
    today = world.today
    try:
        start = today.replace(year=today.year - 10) + timedelta(days=1)
    except ValueError:
        start = today.replace(year=today.year - 10, day=28) + timedelta(days=1)
    window = Period(start, today)
    rules = BankRules(world, 1000, 0)  # a body cache that keeps nothing: every call renders
    query = {"fromDate": start.isoformat(), "toDate": today.isoformat()}
    candidates = []
    for account in world.accounts.values():  # 1. the months of each candidate's window, generated
        if len(candidates) >= 2 * n:
            break
        if account.data_not_delivered or account.opened > start or not account.owners:
            continue
        t0 = time.perf_counter()
        booked = world.transactions(account, window, 1000)
        generate = time.perf_counter() - t0
        if len(booked) >= 1000:
            candidates.append((account, generate))
    rows = []
    for account, generate in candidates:  # 2. each page rendered once: its first render
        if len(rows) >= n:
            break
        bank = world.banks[account.bank_id]
        reference = rules.codec.encode(account.id, account.owners[0].party_id)
        base = f"/accounts/{reference}/transactions"
        try:
            t0 = time.perf_counter()
            body = rules.transactions(bank, reference, window, None, base, query)
            render = time.perf_counter() - t0
        except Exception:  # noqa: BLE001 - that owner had no relation in the window: not a subject
            continue
        if len(body["transactions"]) < 1000:  # the owner's part of the window is shorter: not a full page
            continue
        rows.append({"account": account.number, "cold_ms": (generate + render) * 1000, "render_ms": render * 1000,
                     "generate_ms": generate * 1000, "bytes": len(body.json)})
    return {"pages": len(rows), "rows": rows}


def main(argv: list[str]) -> int:
    scenario = argv[0] if argv else "default"
    n = int(argv[1]) if len(argv) > 1 else 20
    print(json.dumps(measure(scenario, n)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
