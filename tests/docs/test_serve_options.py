"""docs/serve.md documents every option of `dsop-sandbox serve --help` (issue 15: the README's option list had
fallen behind the parser)."""

from __future__ import annotations

import re

from sandbox.cli.main import build_parser
from tests.docs.markdown import ROOT


def _serve_options() -> set[str]:
    serve = build_parser()._subparsers._group_actions[0].choices["serve"]  # argparse keeps sub-parsers only here
    return {opt for action in serve._actions for opt in action.option_strings if opt.startswith("--") and opt != "--help"}


def test_every_serve_option_is_in_the_table():
    table = (ROOT / "docs" / "serve.md").read_text(encoding="utf-8").split("| option |", 1)[1].split("\n\n", 1)[0]
    documented = set(re.findall(r"`(--[a-z0-9-]+)", table))
    options = _serve_options()
    assert len(options) > 15
    assert not options - documented, f"document these in docs/serve.md: {sorted(options - documented)}"
    assert not documented - options, f"docs/serve.md documents options serve does not have: {sorted(documented - options)}"
