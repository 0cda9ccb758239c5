"""Issue 14: no single-letter module aliases in sandbox/ (`from sandbox.dsop import params as p`): a reader of
`p.period(...)` should not have to scroll up to learn which module answers."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "sandbox"


def _single_letter_aliases(source: str) -> list[str]:
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            out += [f"{node.lineno}: {alias.name} as {alias.asname}" for alias in node.names
                    if alias.asname is not None and len(alias.asname) == 1]
    return out


def test_no_single_letter_module_alias():
    found = {str(path.relative_to(PACKAGE)): hits for path in sorted(PACKAGE.rglob("*.py"))
             if (hits := _single_letter_aliases(path.read_text(encoding="utf-8")))}
    assert found == {}


def test_the_scan_sees_an_alias():
    assert _single_letter_aliases("def f():\n    from gunicorn.http import errors as e\n") == ["2: errors as e"]
