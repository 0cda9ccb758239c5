"""In-process profile of the benchmark endpoints: cProfile around N requests through Flask's test client.

    .venv/bin/python tests/perf/profile_endpoints.py [--results FILE] [--n 300] [--endpoint accounts ...]

Takes the subjects (URLs, parties) of the last `make bench` run from its results file, builds the same app
`dsop-sandbox serve` builds (auth as in that run, audit log on by default), minus gunicorn, and prints per
endpoint: the mean time per request without the profiler, the functions with the most own time, and the
sandbox functions with the most cumulative time. For the view from inside a loaded gunicorn worker, run
`BENCH_PROFILE=1 make bench` (py-spy) instead.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import perfkit as kit  # noqa: E402
from bench import CASE_ID, ENDPOINTS, SKATT_MANDATE  # noqa: E402

PUBLIC = "http://127.0.0.1:8000"  # Settings' and `dsop-sandbox token`'s default: tokens minted for it verify


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=Path(__file__).resolve().parent / "results" / "latest.json")
    parser.add_argument("--n", type=int, default=300, help="requests per endpoint (transactions: n/10)")
    parser.add_argument("--endpoint", action="append", choices=ENDPOINTS)
    parser.add_argument("--top", type=int, default=14)
    args = parser.parse_args(argv)
    results = json.loads(args.results.read_text())
    subjects, scenario, auth = results["subjects"], results["settings"]["scenario"], bool(results.get("auth"))

    from sandbox.app import create_app
    from sandbox.config import Settings

    app = create_app(Settings(scenario=scenario, public_url=PUBLIC, auth=auth))
    client = app.test_client()
    options = kit.cli_options("token")
    tokens = {}
    for ep in args.endpoint or ENDPOINTS:
        audience = "register" if ep == "register" else subjects[ep]["org"]
        if auth and audience not in tokens:
            extra = ["--register"] if audience == "register" else ["--bank", audience]
            tokens[audience], how = kit.mint_token("skatteetaten", "bits:kundeforhold" if audience == "register"
                                                   else "bits:kontoinformasjon", extra, scenario, PUBLIC, options)
            if tokens[audience] is None:
                raise SystemExit(f"profile: no token: {how}")
        headers = {"AccountInfoRequestID": CASE_ID, "CorrelationID": "3f2b8c1e-0000-4000-8000-000000000001",
                   "Legal-Mandate": SKATT_MANDATE, "RequesterID": "bench-caseworker", "Accept": "application/json"}
        if auth:
            headers["Authorization"] = f"Bearer {tokens[audience]}"
        if ep == "register":
            headers["CustomerID"] = subjects["register"]["identifier"]
        if ep == "accounts":
            headers["PartyID"] = subjects["accounts"]["identifier"]
        target = subjects[ep]["target"]
        n = max(10, args.n // 10) if ep == "transactions" else args.n
        first = client.get(target, headers=headers)
        if first.status_code != 200:
            raise SystemExit(f"profile: {ep} answered {first.status_code}: {first.data[:300]!r}")
        for _ in range(min(20, n)):
            client.get(target, headers=headers)
        started = time.perf_counter()
        for _ in range(n):
            client.get(target, headers=headers)
        mean_ms = (time.perf_counter() - started) / n * 1000
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(n):
            client.get(target, headers=headers)
        prof.disable()
        print(f"\n=== {ep}: {mean_ms:.2f} ms per request in-process (test client, no gunicorn), n={n}, "
              f"{len(first.data)} bytes")
        for title, key, pattern in (("own time", "tottime", ""), ("cumulative, sandbox code", "cumulative", "sandbox/")):
            out = io.StringIO()
            stats = pstats.Stats(prof, stream=out)
            stats.sort_stats(key).print_stats(pattern, args.top) if pattern else stats.sort_stats(key).print_stats(args.top)
            lines = [ln for ln in out.getvalue().splitlines() if ln.strip() and (ln.lstrip()[0].isdigit() or "ncalls" in ln)]
            print(f"--- {title}")
            print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
