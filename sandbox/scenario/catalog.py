"""The shipped scenarios (the repository's `scenarios/` folder), found by name or path."""

from __future__ import annotations

from pathlib import Path

import yaml

_HERE = Path(__file__).resolve().parent


def scenarios_dir() -> Path:
    """`scenarios/` beside the package in a checkout (editable install), else the copy inside the package."""
    for candidate in (_HERE.parent.parent / "scenarios", _HERE.parent / "bundled_scenarios"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("the shipped scenarios folder is missing from this installation")


def default_scenario() -> Path:
    return scenarios_dir() / "default.yaml"


def resolve(name_or_path: str) -> Path:
    """A path as given if it exists, else a shipped scenario by name (`default` → scenarios/default.yaml)."""
    path = Path(name_or_path)
    if path.exists() or path.suffix in (".yaml", ".yml"):
        return path
    return scenarios_dir() / f"{name_or_path}.yaml"


def shipped() -> list[tuple[str, Path, str]]:
    """(name, path, first line of the description) of each shipped scenario, by file name."""
    out = []
    for path in sorted(scenarios_dir().glob("*.yaml")):
        try:
            head = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (yaml.YAMLError, UnicodeDecodeError):
            head = "(not valid YAML: run `dsop-sandbox validate` on it)"
        if isinstance(head, dict):
            about = str(head.get("description") or "").strip().splitlines()
        else:
            about = [head if isinstance(head, str) and head.startswith("(not valid YAML")
                     else "(not a scenario: its top level is not a mapping)"]
        out.append((path.stem, path, about[0] if about else ""))
    return out
