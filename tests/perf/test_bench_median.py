"""`make bench` reports medians, never the best run: each side's row is its median run and a repeated run's ratio
is the median of the per-alternation ratios (tests/perf/perfkit.py, tests/perf/report.py)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import perfkit  # noqa: E402
import report  # noqa: E402


def test_the_median_run_is_shown_not_the_best():
    runs = [{"rps": 900.0, "id": "slow"}, {"rps": 1500.0, "id": "best"}, {"rps": 1000.0, "id": "middle"}]
    assert perfkit.median_run(runs)["id"] == "middle"
    assert perfkit.median_run(runs[:2])["id"] == "slow"  # an even count: the lower middle, never the best


def test_a_repeated_ratio_is_the_median_of_the_alternations():
    row = {"sandbox": {"rps": 800.0}, "ceiling": {"rps": 1000.0}, "ratios": [0.70, 0.95, 0.80]}
    assert report.ratio_of(row) == 0.80
    assert report.ratio_of({"sandbox": {"rps": 800.0}, "ceiling": {"rps": 1000.0}}) == 0.8
