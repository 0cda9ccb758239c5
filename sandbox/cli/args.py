"""Argument types shared by the commands (argparse `type=` callables): each refuses bad text with a message that
says what was expected, which argparse prints as `error: argument --x: ...` with exit status 2."""

from __future__ import annotations

import argparse
from datetime import date


def iso_date(text: str) -> date:
    """`YYYY-MM-DD`."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date: expected YYYY-MM-DD") from None


def non_negative(text: str) -> int:
    """A whole number ≥ 0."""
    if not text.strip().isdigit():
        raise argparse.ArgumentTypeError(f"expected a whole number ≥ 0, got {text!r}")
    return int(text)


def token_ttl(text: str) -> int:
    """An access token's lifetime: 1 to 86 400 seconds (the token endpoint's own limit)."""
    if not text.isdigit() or not 1 <= int(text) <= 86400:
        raise argparse.ArgumentTypeError("expected seconds between 1 and 86400")
    return int(text)


def sandbox_today(text: str):
    """`--today`: YYYY-MM-DD, or `real` (the real date, followed while the server runs; sandbox/clock.py)."""
    from sandbox.clock import parse_today

    try:
        return parse_today(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
