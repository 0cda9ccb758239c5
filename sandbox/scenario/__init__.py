"""Scenario files: YAML in, a validated ScenarioSpec out (see scenarios/README.md for the format)."""

from .errors import ScenarioError, Problem
from .loader import load_scenario, load_scenario_text, ScenarioSpec

__all__ = ["ScenarioError", "Problem", "load_scenario", "load_scenario_text", "ScenarioSpec"]
