"""Every `serve` option as an environment variable DSOP_SANDBOX_<OPTION> (sandbox/cli/args.py defaults_from_env),
as the container image and Kubernetes set them; the command line wins, and a bad value stops serve with exit 2."""

from __future__ import annotations

from datetime import date

import pytest

from sandbox.cli import main as cli
from sandbox.cli.args import env_name


def parsed(monkeypatch, env: dict, *argv: str):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return cli.build_parser().parse_args(["serve", *argv])


def serve_options() -> list[str]:
    serve = cli.build_parser()._subparsers._group_actions[0].choices["serve"]
    return [o for a in serve._actions for o in a.option_strings if o.startswith("--") and o != "--help"]


def test_each_kind_of_option_reads_its_variable(monkeypatch):
    args = parsed(monkeypatch, {"DSOP_SANDBOX_PORT": "8123", "DSOP_SANDBOX_HOST": "0.0.0.0",
                                "DSOP_SANDBOX_NO_AUDIT": "1", "DSOP_SANDBOX_ALLOW_FAULT_HEADERS": "true",
                                "DSOP_SANDBOX_PROFILE": "production", "DSOP_SANDBOX_TODAY": "2025-01-31",
                                "DSOP_SANDBOX_MASKINPORTEN_ALIAS": "https://a.test/, https://b.test/",
                                "DSOP_SANDBOX_STATE_URL": "postgresql://u@db/sandbox",
                                "DSOP_SANDBOX_SCENARIO": "/scenario/scenario.yaml", "DSOP_SANDBOX_LENIENT": "no"})
    assert (args.port, args.host, args.audit, args.allow_fault_headers, args.profile, args.today) == \
        (8123, "0.0.0.0", False, True, "production", date(2025, 1, 31))
    assert args.maskinporten_alias == ["https://a.test/", "https://b.test/"]
    assert (args.state_url, args.scenario, args.lenient, args.env_error) == \
        ("postgresql://u@db/sandbox", "/scenario/scenario.yaml", False, None)


def test_the_command_line_wins(monkeypatch):
    args = parsed(monkeypatch, {"DSOP_SANDBOX_PORT": "8123", "DSOP_SANDBOX_WORKERS": "4"}, "--port", "9000")
    assert (args.port, args.workers) == (9000, 4)


def test_without_variables_the_defaults_stay(monkeypatch):
    for name in [env_name(o) for o in serve_options()]:
        monkeypatch.delenv(name, raising=False)
    args = parsed(monkeypatch, {})
    assert (args.port, args.host, args.audit, args.state_url, args.env_error) == (8000, "127.0.0.1", True, None, None)


def test_every_option_has_a_variable_and_help_says_so(capsys):
    names = {env_name(o) for o in serve_options()}
    assert {"DSOP_SANDBOX_STATE_URL", "DSOP_SANDBOX_STATE_DIR", "DSOP_SANDBOX_ADMIN_TOKEN", "DSOP_SANDBOX_WORKERS",
            "DSOP_SANDBOX_PUBLIC_URL", "DSOP_SANDBOX_NO_AUDIT", "DSOP_SANDBOX_TOKEN_SHORTCUT"} <= names
    with pytest.raises(SystemExit):
        cli.main(["serve", "--help"])
    assert "DSOP_SANDBOX_" in capsys.readouterr().out.replace("\n", " ")


@pytest.mark.parametrize("env", [{"DSOP_SANDBOX_PORT": "eighty"}, {"DSOP_SANDBOX_PROFILE": "lax"},
                                 {"DSOP_SANDBOX_NO_AUDIT": "maybe"}, {"DSOP_SANDBOX_TODAY": "30.06.2025"}])
def test_a_bad_value_stops_serve_naming_the_variable(monkeypatch, capsys, env):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert cli.main(["serve"]) == 2
    err = capsys.readouterr().err
    assert next(iter(env)) in err and "not started" in err


def test_a_bad_variable_of_serve_does_not_stop_another_command(monkeypatch, capsys):
    monkeypatch.setenv("DSOP_SANDBOX_PORT", "eighty")
    assert cli.main(["scenarios"]) == 0
