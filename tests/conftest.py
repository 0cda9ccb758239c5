"""Shared helpers for the scenario, world and CLI tests.

Tests build small inline YAML scenarios with a fixed `today`, so they never depend on the shipped default
scenario (or on the real date).
"""

from __future__ import annotations

from datetime import date

import pytest

from sandbox.scenario import ScenarioError, load_scenario_text

#: The "today" of every inline scenario unless a test says otherwise (spec/data-model.md §0.2 uses it too).
TODAY = date(2025, 6, 30)


def _line_of(text: str, needle: str) -> int:
    """1-based line of the only line of `text` containing `needle` (fails if it is not exactly one)."""
    hits = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(hits) == 1, f"{needle!r} is on lines {hits} of the test scenario; make it unique"
    return hits[0]


@pytest.fixture
def line_of():
    """line_of(text, needle) -> the 1-based line of the one line of `text` that contains `needle`."""
    return _line_of


@pytest.fixture
def load():
    """load(text, today=TODAY, seed=None, source="test.yaml") -> ScenarioSpec."""

    def _load(text: str, *, today: date | None = TODAY, seed=None, source: str = "test.yaml", real_today=None):
        return load_scenario_text(text, source, today=today, seed=seed, real_today=real_today)

    return _load


@pytest.fixture
def problems():
    """problems(text, today=TODAY) -> the ScenarioError's problems (fails if the text loads)."""

    def _problems(text: str, *, today: date = TODAY, source: str = "test.yaml"):
        with pytest.raises(ScenarioError) as info:
            load_scenario_text(text, source, today=today)
        assert info.value.problems, "a ScenarioError must carry at least one problem"
        return info.value.problems

    return _problems
