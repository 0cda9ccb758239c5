"""Issue 14, defect 3: YAML aliases cannot make a scenario unbounded.

A "billion laughs" alias bomb (nine levels of nine aliases: 9^9 nodes once expanded) used to run `validate`/`serve`
past 45 s and 2.4 GB; a recursive alias (`&a [*a]`) gave a 217 kB RecursionError traceback; so did very deep
nesting. Each is now a `FILE:LINE: ...` problem (exit 2 from the CLI), found before anything is expanded.
The CLI runs in a subprocess with a time limit and an address-space limit (RLIMIT_AS), so a regression fails the
test instead of the machine.
"""

from __future__ import annotations

import re
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sandbox.scenario import ScenarioError, load_scenario, load_scenario_text
from sandbox.scenario.yamlsource import MAX_ALIAS_EXPANSION, YamlSyntaxError, read_yaml

ROOT = Path(__file__).resolve().parents[2]
MEMORY_LIMIT = 1536 * 2**20  # address space of the CLI process (Python, the sandbox's imports, and some slack)
TIME_LIMIT = 30  # seconds for the whole CLI run

HEADER = "version: 1\nname: bomb\nseed: s\ntoday: 2025-06-30\n"


def bomb(levels: int = 9) -> str:
    lines = ['lol0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        lines.append(f"lol{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]")
    return "x-laughs:\n" + "\n".join("  " + line for line in lines) + "\n"


CASES = {
    "billion-laughs": (HEADER + bomb(), "alias"),
    "recursive-alias": (HEADER + "x-loop: &loop [1, *loop]\n", "recursive alias"),
    "recursive-mapping": (HEADER + "x-loop: &loop\n  self: *loop\n", "recursive alias"),
    "deep-nesting": (HEADER + "x-deep: " + "[" * 5000 + "]" * 5000 + "\n", "nested"),
}


def _limits():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("command", ["validate", "serve"])
def test_cli_reports_a_line_and_exits_2_bounded(tmp_path, name, command):
    text, words = CASES[name]
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    args = [str(path)] if command == "validate" else ["--scenario", str(path), "--port", "0",
                                                      "--state-dir", str(tmp_path / "state")]
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "sandbox.cli", command, *args], capture_output=True, text=True,
                          timeout=TIME_LIMIT, preexec_fn=_limits)
    elapsed = time.monotonic() - started
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr and len(proc.stderr) < 2000, proc.stderr[-2000:]
    first = proc.stderr.splitlines()[0]
    assert re.match(rf"^{re.escape(str(path))}:\d+: ", first), first
    assert words in first, first
    assert elapsed < TIME_LIMIT


@pytest.mark.parametrize("name", CASES)
def test_loader_raises_a_scenario_error_with_a_line(tmp_path, name):
    text, words = CASES[name]
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    [problem] = info.value.problems
    assert problem.file == str(path) and problem.line is not None and words in problem.message, problem


def test_the_bomb_is_refused_on_the_line_that_crosses_the_budget():
    text = HEADER + bomb()
    with pytest.raises(YamlSyntaxError) as info:
        read_yaml(text)
    # 9^k nodes per level: the budget is crossed by the aliases of the first level whose expansion exceeds it
    level = next(k for k in range(1, 10) if sum(9 ** j for j in range(1, k + 1)) * 9 > MAX_ALIAS_EXPANSION)
    assert info.value.line == HEADER.count("\n") + 1 + level + 1, (info.value.line, str(info.value))


def test_small_aliases_still_work():
    """Anchors for reuse stay legal: they expand to copies, within the budget."""
    text = HEADER + "x-common: &c {a: 1, b: [1, 2]}\nx-use: [*c, *c]\n"
    data, lines, _ = read_yaml(text)
    assert data["x-use"] == [{"a": 1, "b": [1, 2]}] * 2
    assert lines[("x-use",)] == 6


def test_the_shipped_default_scenario_still_loads():
    load_scenario_text((ROOT / "scenarios" / "default.yaml").read_text(encoding="utf-8"))
