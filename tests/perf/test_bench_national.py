"""The national-scale row of `make bench` (issue 19): report.py's verdicts from national.py's figures."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import report  # noqa: E402

START = {"startup_s": 1.3, "people": 5_500_000, "organisations": 1_000_000, "pss_started_kb": 80_000,
         "pss_after_requests_kb": 140_000, "requests": 292, "slowest_request_ms": 150.0, "lazy": True}
SAME = {"people": 1000, "organisations": 120, "requests": 685, "entities_differ": [], "bodies_differ": [],
        "identical": True}


def test_met_missed_and_not_measured():
    met = report.national_targets({"start": START, "identity": SAME})
    assert [t["met"] for t in met] == [True, True, True]
    assert "5 500 000 people" in met[0]["target"] and met[1]["shown"].endswith("MB")
    slow = report.national_targets({"start": {**START, "startup_s": 7.5, "pss_after_requests_kb": 600 * 1024},
                                    "identity": {**SAME, "identical": False, "bodies_differ": ["/x"]}})
    assert [t["met"] for t in slow] == [False, False, False] and "/x" in slow[2]["shown"]
    assert report.national_targets(None)[0]["met"] is None
    failed = report.national_targets({"start": {"skipped": "boom"}, "identity": {"skipped": "bang"}})
    assert [(t["met"], t["shown"]) for t in failed] == [(False, "boom"), (False, "bang")]
