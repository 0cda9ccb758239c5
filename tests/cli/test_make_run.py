"""`make run TODAY=real PROFILE=production` (README "Strict and production") serves what the plugin acceptance test
(tests/e2e/test_plugin_banking.py) runs against: the default scenario with `--today real --profile production`; plain
`make run` adds neither flag. Read from `make -n`, so the Makefile and the README cannot drift from the test."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def _run_line(*variables: str) -> list[str]:
    out = subprocess.run(["make", "-n", "-s", "run", *variables], cwd=ROOT, capture_output=True, text=True,
                         timeout=60, check=True).stdout
    joined = out.replace("\\\n", " ")
    (line,) = [line for line in joined.splitlines() if "dsop-sandbox serve" in line]
    return line.split()


def test_make_run_for_a_production_consumer_passes_today_real_and_the_production_profile():
    args = _run_line("TODAY=real", "PROFILE=production")
    assert args[args.index("--scenario") + 1] == "scenarios/default.yaml"
    assert args[args.index("--today") + 1] == "real"
    assert args[args.index("--profile") + 1] == "production"


def test_plain_make_run_keeps_the_scenario_date_and_the_scenario_profiles():
    args = _run_line()
    assert "--today" not in args and "--profile" not in args
    assert args[args.index("--port") + 1] == "8000"
    assert _run_line("PORT=8001")[_run_line("PORT=8001").index("--port") + 1] == "8001"
