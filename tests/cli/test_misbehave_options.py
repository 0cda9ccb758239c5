"""`dsop-sandbox flow --misbehave` and `dsop-sandbox grade` as options (no server): the list, an unknown name,
and the grade command's usage errors. Running them against a server: tests/e2e/test_conformance.py."""

from __future__ import annotations

import pytest

from sandbox.cli.main import build_parser, main
from sandbox.client.misbehave import MISBEHAVIOURS, parse


def test_misbehave_list_prints_every_name_with_the_check_it_breaks(capsys):
    with pytest.raises(SystemExit) as done:
        main(["flow", "--misbehave", "list"])
    assert done.value.code == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list(MISBEHAVIOURS)
    assert all(f"(breaks {check})" in line for line, (check, _) in zip(lines, MISBEHAVIOURS.values(), strict=True))


def test_an_unknown_misbehaviour_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as done:
        main(["flow", "--party", "ola-joint", "--service", "skatt", "--misbehave", "be-rude"])
    assert done.value.code == 2 and "unknown misbehaviour 'be-rude'" in capsys.readouterr().err
    with pytest.raises(ValueError):
        parse(["be-rude"])


def test_misbehaviours_are_repeatable_and_none_by_default():
    args = build_parser().parse_args(["flow", "--party", "p", "--service", "skatt", "--misbehave", "no-jwe",
                                      "--misbehave", "retry-4xx"])
    assert args.misbehave == ["no-jwe", "retry-4xx"]
    assert build_parser().parse_args(["flow", "--party", "p", "--service", "skatt"]).misbehave == []


def test_grade_needs_a_case_and_one_source(capsys):
    with pytest.raises(SystemExit) as done:
        main(["grade"])
    assert done.value.code == 2
    with pytest.raises(SystemExit) as done:
        main(["grade", "--case", "x", "--url", "http://127.0.0.1:9", "--state-dir", "/nowhere"])
    assert done.value.code == 2
    capsys.readouterr()
    assert main(["grade", "--case", "x", "--url", "http://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("dsop-sandbox grade: cannot reach the sandbox at http://127.0.0.1:9") and err.count("\n") == 1


def test_grade_help_has_an_example(capsys):
    with pytest.raises(SystemExit):
        main(["grade", "--help"])
    out = capsys.readouterr().out
    assert "dsop-sandbox grade --case" in out and "junit" in out and "Exit status" in out
