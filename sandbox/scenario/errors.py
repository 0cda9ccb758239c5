"""Problems found in a scenario file, each tied to the file, a line and a path inside the document.

The loader collects every problem it can find before giving up, so a user fixes a file in one pass; the CLI
prints them as `FILE:LINE: path.to.field: what was expected`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path or '(top level)'}: {self.message}"


class ScenarioError(Exception):
    """A scenario file cannot be used. `problems` lists every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
