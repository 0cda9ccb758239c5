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


#: `serve`'s options as environment variables: DSOP_SANDBOX_ and the long option in capitals, `-` as `_`.
ENV_PREFIX = "DSOP_SANDBOX_"
ENV_HELP = ("Every option can also be set by an environment variable: DSOP_SANDBOX_ and the option's name in "
            "capitals with _ for -, e.g. DSOP_SANDBOX_PORT=8000, DSOP_SANDBOX_STATE_URL=postgresql://..., "
            "DSOP_SANDBOX_NO_AUDIT=1, DSOP_SANDBOX_MASKINPORTEN_ALIAS='URL1,URL2' (a list: commas). The command "
            "line wins over the environment. Used by the container image (docs/containers.md).")
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off", "")


def env_name(option: str) -> str:
    return ENV_PREFIX + option.lstrip("-").upper().replace("-", "_")


def defaults_from_env(parser: argparse.ArgumentParser, environ) -> None:
    """Make DSOP_SANDBOX_<OPTION> the default of each long option of `parser` (so the command line still wins).
    Values go through the option's own type and choices; a flag takes 1/true/yes/on or 0/false/no/off. What is
    wrong is kept in `env_error` (the command prints it and exits 2): the parser is built for every command, and
    a bad variable must not stop the others."""
    problems = []
    for action in parser._actions:
        names = [env_name(o) for o in action.option_strings if o.startswith("--") and o != "--help"]
        name = next((n for n in names if n in environ), None)
        if name is None:
            continue
        text = environ[name].strip()
        try:
            value = _env_value(action, text)
        except (argparse.ArgumentTypeError, ValueError) as exc:
            problems.append(f"{name}={text!r}: {exc}")
            continue
        parser.set_defaults(**{action.dest: value})
    parser.set_defaults(env_error="; ".join(problems) or None)


def _env_value(action: argparse.Action, text: str):
    if action.nargs == 0:  # a flag (store_true, store_false, store_const)
        if text.lower() not in _TRUE + _FALSE:
            raise ValueError("expected 1/true/yes/on or 0/false/no/off")
        return action.const if text.lower() in _TRUE else action.default
    convert = action.type or str
    if isinstance(action, argparse._AppendAction):
        values = [convert(part.strip()) for part in text.split(",") if part.strip()]
    else:
        values = [convert(text)]
    for value in values:
        if action.choices is not None and value not in action.choices:
            raise ValueError(f"expected one of {', '.join(map(str, action.choices))}")
    return values if isinstance(action, argparse._AppendAction) else values[0]
