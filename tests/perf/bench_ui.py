"""How fast the workshop UI's pages answer on the default scenario (issue 7: each page under 200 ms).

Not a test (no assertions): prints median, 95th percentile and maximum per page, through Flask's test client
(the app alone) and, with --server, over HTTP against a real `dsop-sandbox serve` (gunicorn, 2 workers). The log
is first filled by a few cases run through the UI, so the live traffic's JSON carries its full 300 rows.

    .venv/bin/python tests/perf/bench_ui.py            # test client
    .venv/bin/python tests/perf/bench_ui.py --server   # and a real server
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

PAGES = [
    ("GET", "/", None),
    ("GET", "/parties/ola-joint", None),
    ("GET", "/parties/fjellbygg", None),
    ("GET", "/parties/nils-history?from=2015-07-01&to=2025-06-30", None),
    ("GET", "/parties/per-disponent?service=politi", None),
    ("GET", "/parties/bente-ward?service=verge", None),
    ("GET", "/run", None),
    ("GET", "/traffic", None),
    ("GET", "/ui/traffic.json", None),
    ("GET", "/ui/traffic.json?since={latest}", None),
    ("GET", "/traffic/cases/{case}", None),
    ("GET", "/tokens", None),
    ("POST", "/tokens", {"consumer": "skatteetaten", "scope": "bits:kontoinformasjon", "party": "ola-joint"}),
]
CASES = [("skatt", "ola-joint"), ("skatt", "fjellbygg"), ("politi", "per-disponent"), ("konkurs", "smuldre-bakeri"),
         ("skatt", "nils-history")]


def stats(samples: list[float]) -> str:
    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]
    return f"median {statistics.median(samples):7.1f} ms   p95 {p95:7.1f} ms   max {samples[-1]:7.1f} ms"


class TestClientTarget:
    def __init__(self):
        from sandbox.app import build_services, create_app
        from sandbox.config import Settings

        settings = Settings(state_dir=tempfile.mkdtemp(prefix="bench-ui-"))
        self.app = create_app(settings, build_services(settings))
        self.client = self.app.test_client()

    def send(self, method: str, path: str, form: dict | None) -> tuple[int, str]:
        response = self.client.open(path, method=method, data=form)
        return response.status_code, response.get_data(as_text=True)


class ServerTarget:
    def __init__(self, base: str):
        self.base = base

    def send(self, method: str, path: str, form: dict | None) -> tuple[int, str]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        with urllib.request.urlopen(request, timeout=120) as r:
            return r.status, r.read().decode("utf-8")


def bench(target, label: str, rounds: int) -> None:
    print(f"\n== {label}: cases run through POST /run (the case itself; not a page timing)")
    case_id = "none"
    for service, party in CASES:
        started = time.perf_counter()
        status, page = target.send("POST", "/run", {"service": service, "party": party})
        ms = (time.perf_counter() - started) * 1000
        found = re.search(r'data-testid="case-id">([0-9a-f-]{36})<', page)
        case_id = found.group(1) if found else case_id
        steps = page.count('class="step kind-')
        print(f"  POST /run {service:<8} {party:<16} {status}  {ms:8.1f} ms  {steps:3d} steps")
    _, data = target.send("GET", "/ui/traffic.json", None)
    while int(re.search(r'"latest":(\d+)', data).group(1)) < 300:  # the live view's full 300 rows
        target.send("POST", "/run", {"service": "skatt", "party": "ola-joint"})
        _, data = target.send("GET", "/ui/traffic.json", None)
    latest = re.search(r'"latest":(\d+)', data).group(1)
    print(f"\n== {label}: pages ({rounds} rounds after 3 warm-ups)")
    for method, path, form in PAGES:
        path = path.format(latest=latest, case=case_id)
        for _ in range(3):
            target.send(method, path, form)
        samples = []
        for _ in range(rounds):
            started = time.perf_counter()
            status, _ = target.send(method, path, form)
            samples.append((time.perf_counter() - started) * 1000)
        print(f"  {method:<4} {path[:58]:<58} {status}  {stats(samples)}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", action="store_true", help="also measure a real gunicorn server (2 workers)")
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args(argv)
    bench(TestClientTarget(), "Flask test client", args.rounds)
    if args.server:
        from e2e.server import running_server

        with running_server(ROOT / "scenarios" / "default.yaml", workers=2) as base:
            bench(ServerTarget(base), f"dsop-sandbox serve, 2 workers, {base}", args.rounds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
