"""Per-month ledger generation cost: the median of 5 runs (process CPU time: the machine is shared), each generating 200 random account-months of the
default world from a cold ledger cache (issue 17: the money model must not make issue 19's first page slower).

Run: `.venv/bin/python tests/perf/month_cost.py [N]`. Prints microseconds per account-month.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

from sandbox.scenario import load_scenario
from sandbox.world import build_world
from sandbox.world.ledger import iter_months

try:
    from sandbox.world.steering import _orders
except ImportError:  # before issue 17
    _orders = None

ROOT = Path(__file__).resolve().parents[2]


def sample(world, n: int, seed: int = 17) -> list[tuple]:
    rng = random.Random(seed)
    accounts = sorted(world.accounts.values(), key=lambda a: a.id)
    out = []
    while len(out) < n:
        account = rng.choice(accounts)
        months = list(iter_months(account.opened, world.today))
        y, m = rng.choice(months)
        out.append((account, y, m))
    return out


def run_once(world, picks) -> float:
    ledger = world.ledger
    ledger._months.cache_clear()  # a cold ledger: every pick generated, as on a first page
    ledger._answers.clear()
    for cache in (getattr(ledger, "household", None) and ledger.household.raise_factor, _orders):
        if cache is not None:
            cache.cache_clear()  # per-account draws cached across months (issue 17)
    start = time.process_time()
    for account, y, m in picks:
        ledger.month(account, y, m)
    return (time.process_time() - start) / len(picks)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    world = build_world(load_scenario(ROOT / "scenarios" / "default.yaml"))
    picks = sample(world, n)
    runs = [run_once(world, picks) for _ in range(5)]
    print(f"{n} account-months, median of 5 (CPU time): {statistics.median(runs) * 1e6:.0f} µs per account-month "
          f"(runs {', '.join(f'{r * 1e6:.0f}' for r in runs)})")


if __name__ == "__main__":
    main()
