"""Child process of the benchmarks (issue 19): a national-scale world, and lazy == eager on a test population.

`python national.py start FILE` → one JSON line: the seconds `serve` takes to make its app of FILE (load,
build, world digest, every service's rules: build_services + create_app, the world mode left to "auto"), the
process's PSS (/proc/self/smaps_rollup) after the start and after requests naming NATIONAL_SAMPLE crowd members
(register, every bank's accounts, a year of transactions), and the slowest of those requests.

`python national.py identity` → one JSON line: the default cast with a crowd of IDENTITY_PEOPLE people built
eager and lazy: whether every party, account, lookup and the digest are equal, and whether two apps answer
the same requests (register, accounts, details, transactions, cards, roles, owners) with the same bytes.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NATIONAL_SAMPLE = 40
IDENTITY_PEOPLE, IDENTITY_ORGS = 1000, 120


def _pss_kb() -> int | None:
    try:
        with open("/proc/self/smaps_rollup", encoding="ascii") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _app(scenario: str, mode: str = "auto"):
    from sandbox.app import create_app
    from sandbox.config import Settings

    return create_app(Settings(scenario=scenario, auth=False, audit=False, world_mode=mode,
                               state_dir=tempfile.mkdtemp(prefix="bench-national-")))


def _headers() -> dict:
    sys.path.insert(0, str(ROOT))
    from tests.support import HEADERS as SUPPORT

    return SUPPORT


def start(path: str) -> dict:
    t0 = time.perf_counter()
    import sandbox.app  # noqa: F401  (imports are not start-up: the same in every world)

    t1 = time.perf_counter()
    app = _app(path)
    t2 = time.perf_counter()
    pss_started = _pss_kb()
    world, client, headers = app.extensions["dsop"].world, app.test_client(), _headers()
    people, orgs = world.crowd_size
    period, year = "fromDate=2015-07-01&toDate=2025-06-30", "fromDate=2024-07-01&toDate=2025-06-30"
    slowest, requests = 0.0, 0
    step = max(1, people // NATIONAL_SAMPLE)
    for i in range(0, people, step):
        party = world.parties[f"gen-p-{i:06d}"]
        calls = [(f"/kar-ws/api/v2/customers/customerRelationships?{period}", {"CustomerID": party.identifier})]
        for bank in world.banks.values():
            calls.append((f"/banks/{bank.org_number}/v2/accounts?{period}&OnlyPrimaryOwner=false",
                          {"PartyID": party.identifier}))
        for url, extra in calls:
            t = time.perf_counter()
            answer = client.get(url, headers={**headers, **extra})
            slowest = max(slowest, time.perf_counter() - t)
            requests += 1
            assert answer.status_code == 200, (url, answer.status_code, answer.data[:300])
            for ref in re.findall(rb'"accountReference":"([0-9a-f-]{36})"', answer.data)[:1]:
                t = time.perf_counter()
                tx = client.get(f"{url.split('/accounts?')[0]}/accounts/{ref.decode()}/transactions?{year}", headers=headers)
                slowest = max(slowest, time.perf_counter() - t)
                requests += 1
                assert tx.status_code < 500, tx.data[:300]  # a closed account: ACC-003 for the year
    return {"import_s": round(t1 - t0, 3), "startup_s": round(t2 - t1, 3), "lazy": world.crowd is not None,
            "people": people, "organisations": orgs, "pss_started_kb": pss_started, "pss_after_requests_kb": _pss_kb(),
            "requests": requests, "slowest_request_ms": round(slowest * 1000, 1)}


def identity_text() -> str:
    """The default scenario with a crowd of IDENTITY_PEOPLE people and IDENTITY_ORGS organisations."""
    text = (ROOT / "scenarios" / "default.yaml").read_text(encoding="utf-8")
    text = re.sub(r"(generate:\n  people:\n    count:) \d+", rf"\1 {IDENTITY_PEOPLE}", text)
    text = re.sub(r"(  organisations:\n    count:) \d+", rf"\1 {IDENTITY_ORGS}", text)
    return text.replace("name: default", "name: lazy-default", 1)


def identity() -> dict:
    import orjson

    from sandbox.world import world_digest

    with tempfile.TemporaryDirectory(prefix="bench-identity-") as tmp:
        path = Path(tmp) / "lazy-default.yaml"
        path.write_text(identity_text(), encoding="utf-8")
        apps = [_app(str(path), mode) for mode in ("eager", "lazy")]
        eager, lazy = (a.extensions["dsop"].world for a in apps)
        differ = [pid for pid, p in eager.parties.items() if lazy.parties.get(pid) != p
                  or lazy.party_by_identifier.get(p.identifier) != p
                  or lazy.relations_by_party.get(pid) != eager.relations_by_party[pid]]
        differ += [aid for aid, a in eager.accounts.items() if lazy.accounts.get(aid) != a
                   or lazy.account_by_number.get(a.number) != a]
        same_dump = orjson.dumps(list(eager.parties.values())) == orjson.dumps(list(lazy.parties.values())) and \
            orjson.dumps(list(eager.accounts.values())) == orjson.dumps(list(lazy.accounts.values()))
        clients, headers = [a.test_client() for a in apps], _headers()
        period, year = "fromDate=2015-07-01&toDate=2025-06-30", "fromDate=2024-07-01&toDate=2025-06-30"
        compared, mismatched = 0, []

        def same(url, extra=None):
            nonlocal compared
            answers = [c.get(url, headers={**headers, **(extra or {})}) for c in clients]
            compared += 1
            if (answers[0].status_code, answers[0].data) != (answers[1].status_code, answers[1].data):
                mismatched.append(url)
            return answers[0].data

        crowd = [p for p in eager.parties.values() if p.generated]
        for party in crowd[::25]:
            same(f"/kar-ws/api/v2/customers/customerRelationships?{period}", {"CustomerID": party.identifier})
            for bank in eager.banks.values():
                body = same(f"/banks/{bank.org_number}/v2/accounts?{period}&OnlyPrimaryOwner=false",
                            {"PartyID": party.identifier})
                for ref in re.findall(rb'"accountReference":"([0-9a-f-]{36})"', body)[:1]:
                    for tail in ("", "/transactions", "/cards", "/roles"):
                        same(f"/banks/{bank.org_number}/v2/accounts/{ref.decode()}{tail}?{year}")
        for account in [a for a in eager.accounts.values() if a.generated][::40]:
            same(f"/banks/{eager.banks[account.bank_id].org_number}/v2/accounts/{account.number}/owners?{period}")
        return {"people": IDENTITY_PEOPLE, "organisations": IDENTITY_ORGS, "parties": len(eager.parties),
                "accounts": len(eager.accounts), "entities_differ": differ[:5], "dump_identical": same_dump,
                "digest_identical": world_digest(eager) == world_digest(lazy), "requests": compared,
                "bodies_differ": mismatched[:5],
                "identical": not differ and same_dump and not mismatched and world_digest(eager) == world_digest(lazy)}


if __name__ == "__main__":
    result = start(sys.argv[2]) if sys.argv[1] == "start" else identity()
    print(json.dumps(result))
