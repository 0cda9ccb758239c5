"""The conformance grader over 100 000 logged requests (issue 16: under 5 s). Not a timed test: a benchmark.

Builds one big well-behaved case (tests/support/synthetic_log.py: 40 banks × 50 accounts × 47 transactions pages,
plus details, cards, roles, tokens, directory reads and a 429 now and then: ≈100 000 rows), then times
`grade(CaseLog(...))` — building the CaseLog included — BENCH_GRADE_RUNS=3 times and prints the median and
its ratio to the 5 s limit, in wall-clock and in CPU seconds (on a busy machine the wall clock also counts the
time other processes had the CPU). BENCH_GRADE_DB=1 also loads the rows into a request log (SQLite) and times
`grade_case` reading them back (the admin API's and `dsop-sandbox grade`'s path).

    .venv/bin/python tests/perf/bench_grade.py
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sandbox.conformance import CaseLog, grade, grade_case  # noqa: E402
from tests.support.synthetic_log import LogBuilder  # noqa: E402

LIMIT = 5.0
RUNS = int(os.environ.get("BENCH_GRADE_RUNS", "3") or 3)


def build():
    return LogBuilder(tick=0.002).case(banks=40, accounts=50, pages=47, throttled_every=97)


def timed(fn) -> tuple[float, float, object]:
    started, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - started, time.process_time() - cpu, result


def in_memory(log: LogBuilder) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(RUNS):
        rows = [dict(r) for r in log.rows]  # fresh copies: the grader keeps its derived values on its rows
        context = [dict(r) for r in log.context]
        wall, cpu, report = timed(lambda rows=rows, context=context: grade(CaseLog(log.case_id, rows, context)))
        walls.append(wall)
        cpus.append(cpu)
    assert report.status == "pass", [(c.id, c.status, c.message) for c in report.checks if c.status != "pass"]
    return statistics.median(walls), statistics.median(cpus)


def from_database(log: LogBuilder) -> float:
    from sandbox.audit.log import COLUMNS, AuditLog, insert_records
    from sandbox.state import StateStore

    audit = AuditLog(StateStore(tempfile.mkdtemp(prefix="bench-grade-")))
    rows = sorted(log.rows + log.context, key=lambda r: r["seq"])
    conn = audit.store.connection()
    conn.execute("BEGIN")
    insert_records(conn, [(r["seq"], *[r.get(c) if c != "time" else "2025-06-30T00:00:00Z" for c in COLUMNS])
                          for r in rows])
    conn.execute("COMMIT")
    walls, cpus = [], []
    for _ in range(RUNS):
        wall, cpu, _report = timed(lambda: grade_case(audit, log.case_id))
        walls.append(wall)
        cpus.append(cpu)
    return statistics.median(walls), statistics.median(cpus)


def main() -> int:
    log = build()
    total = len(log.rows) + len(log.context)
    print(f"grader benchmark: {total} logged requests ({len(log.rows)} in the case, {len(log.context)} around it)")
    wall, cpu = in_memory(log)
    print(f"  grade (rows in memory): median of {RUNS}: {wall:.2f} s wall = {wall / LIMIT:.0%} of the {LIMIT:g} s "
          f"limit ({cpu:.2f} s CPU = {cpu / LIMIT:.0%})")
    if os.environ.get("BENCH_GRADE_DB") == "1":
        wall, cpu = from_database(log)
        print(f"  grade_case (read from SQLite, then graded): median of {RUNS}: {wall:.2f} s wall = "
              f"{wall / LIMIT:.0%} of the limit ({cpu:.2f} s CPU)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
