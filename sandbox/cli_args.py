"""Argument types shared by the CLI's own parser and the subcommands that add their arguments themselves
(flow, export): kept apart from sandbox/cli.py, which imports those subcommands, so they need not import it back."""

from __future__ import annotations

import argparse
from datetime import date


def date_arg(text: str) -> date:
    """An argparse type: a date YYYY-MM-DD, else a usage error saying so."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date: expected YYYY-MM-DD") from None
