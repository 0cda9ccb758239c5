"""Scenario files: YAML in, a validated ScenarioSpec out (see scenarios/README.md for the format)."""

from .errors import Problem, ScenarioError
from .loader import ScenarioSpec, load_scenario, load_scenario_text

__all__ = ["ScenarioError", "Problem", "load_scenario", "load_scenario_text", "ScenarioSpec"]
