"""The conformance grader end to end (issue 16): the reference client's `flow` — normal and with each deliberate
mistake (`--misbehave`, sandbox/client/misbehave.py) — against a real server, graded through
`GET /sandbox/v1/cases/{id}/report` and `dsop-sandbox grade`.

Every check has a case that makes it fail and one that makes it pass (not merely "not applicable"); the normal
flow of every service grades all-pass. One server serves most cases; the retry checks use a second one whose
register answers 429 with Retry-After: 1 to every call, and the directory check a third that no other case
has read the directory on (the check accepts a directory read cached from earlier in the day).
"""

from __future__ import annotations

import io
import json
import urllib.request
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from sandbox.cli.flow import run as flow_run
from sandbox.cli.main import build_parser, main
from sandbox.client.misbehave import MISBEHAVIOURS
from sandbox.conformance.grader import ORDER
from tests.e2e.server import running_server

pytestmark = pytest.mark.slow  # about a minute: real servers, some 40 cases (a few wait out Retry-After: 1)

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "scenarios" / "default.yaml"
RETRY_FAULT = """
faults:
  - register: true
    endpoints: [customerRelationships]
    errors:
      - {rate: 1.0, status: 429, retry_after: 1}
"""
#: service → (party, more flow options): the flow's documented examples.
PARTIES = {"skatt": ("ola-joint", ()), "politi": ("ola-joint", ()), "konkurs": ("smuldre-bakeri", ()),
           "oed": ("arne-deceased", ()), "verge": ("bente-ward", ("--guardian", "trond-guardian")),
           "fi-utlegg": ("ola-joint", ())}
LIGHT = "light"  # ola-joint over the last month: every endpoint, few transactions (cases that need no paging)


class Servers:
    """The module's servers, started on first use, and every case run on them graded once."""

    def __init__(self, stack, tmp_path_factory):
        self.stack, self.tmp, self.bases, self.reports = stack, tmp_path_factory, {}, {}
        self.state = {}

    def base(self, kind: str) -> str:
        if kind not in self.bases:
            scenario, state = DEFAULT, str(self.tmp.mktemp(f"grade-state-{kind}"))
            if kind == "retry":
                scenario = self.tmp.mktemp("grade-scenario") / "retry.yaml"
                scenario.write_text(DEFAULT.read_text(encoding="utf-8") + RETRY_FAULT, encoding="utf-8")
            # strict: the default scenario's production bank decides its deviations (empty details, empty links)
            # from the random CorrelationIDs, which would make a well-behaved case's grade a matter of chance
            self.bases[kind] = self.stack.enter_context(
                running_server(scenario, extra=("--state-dir", state, "--profile", "strict")))
            self.state[kind] = state
        return self.bases[kind]

    def run(self, service: str, misbehave: tuple = (), party: str | None = None, kind: str = "main") -> dict:
        key = (service, misbehave, party, kind)
        if key not in self.reports:
            base = self.base(kind)
            who, more = PARTIES[service]
            if party == LIGHT:
                party, more = "ola-joint", (*more, "--from", "2025-06-01")
            case_id = str(uuid.uuid4())
            argv = ["flow", "--base-url", base, "--party", party or who, "--service", service, "--case-id", case_id,
                    "--quiet", "--retries", "3", "--max-wait", "1", *more]
            for name in misbehave:
                argv += ["--misbehave", name]
            flow_run(build_parser().parse_args(argv), io.StringIO(), io.StringIO())
            with urllib.request.urlopen(f"{base}/sandbox/v1/cases/{case_id}/report", timeout=60) as r:
                self.reports[key] = json.loads(r.read())
        return self.reports[key]


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    from contextlib import ExitStack

    with ExitStack() as stack:
        yield Servers(stack, tmp_path_factory)


def status_of(report: dict, check_id: str) -> str:
    return next(c["status"] for c in report["checks"] if c["id"] == check_id)


def _described(report: dict) -> str:
    return "; ".join(f"{c['id']}={c['status']} ({c['message']})" for c in report["checks"] if c["status"] != "pass")


# ---- the normal flow grades all-pass for every service ----------------------------------------------------------
@pytest.mark.parametrize("service", list(PARTIES))
def test_the_reference_clients_normal_flow_passes_every_check(servers, service):
    report = servers.run(service)
    assert report["status"] == "pass", _described(report)
    assert [c["id"] for c in report["checks"]] == list(ORDER)
    assert not any(c["status"] in ("fail", "warn") for c in report["checks"])
    assert report["service"] == service and report["requests"] > 0


# ---- each misbehaviour fails its check, and the check passes without it ----------------------------------------
#: check → (misbehaviours, service, party, server) that make it fail.
FAILING = {
    "correlation-id-present": (("no-correlation-id",), "skatt", LIGHT, "main"),
    "correlation-id-unique": (("reuse-correlation-id",), "skatt", LIGHT, "main"),
    "request-id-per-case": (("new-request-id-per-call",), "skatt", LIGHT, "main"),
    "request-id-new-per-case": (("reuse-request-id",), "skatt", LIGHT, "main"),
    "register-before-banks": (("skip-register",), "skatt", LIGHT, "main"),
    "directory-used": (("hardcoded-bank-url",), "skatt", LIGHT, "lonely"),
    "token-reuse": (("token-per-call",), "skatt", LIGHT, "main"),
    "token-scope-audience": (("wrong-audience",), "skatt", LIGHT, "main"),
    "legal-mandate": (("missing-mandate",), "skatt", LIGHT, "main"),
    "requester-id": (("missing-requester-id",), "skatt", LIGHT, "main"),
    "reference-headers": (("missing-reference",), "politi", None, "main"),
    "period-in-window": (("period-outside-window",), "skatt", None, "main"),
    "period-constant": (("shifting-period",), "skatt", LIGHT, "main"),
    "next-link-verbatim": (("build-page-cursor",), "skatt", None, "main"),
    "paging-complete": (("stop-paging-early",), "skatt", None, "main"),
    "retry-after-respected": (("ignore-retry-after",), "skatt", LIGHT, "retry"),
    "no-retry-storm": (("retry-storm",), "skatt", LIGHT, "retry"),
    "own-accounts-only": (("foreign-account",), "skatt", LIGHT, "main"),
    "no-4xx-retry": (("retry-4xx", "foreign-account"), "skatt", LIGHT, "main"),
    "jwe-requested": (("no-jwe",), "skatt", LIGHT, "main"),
}
#: check → the case that makes it pass (judged, not "not applicable"): the normal flow unless said here.
PASSING = {
    "reference-headers": ((), "politi", None, "main"),
    "retry-after-respected": ((), "skatt", LIGHT, "retry"),
    "no-retry-storm": ((), "skatt", LIGHT, "retry"),
    "no-4xx-retry": (("foreign-account",), "skatt", LIGHT, "main"),
    "directory-used": ((), "skatt", LIGHT, "main"),
}


def test_every_check_and_every_misbehaviour_is_covered():
    assert set(FAILING) == set(ORDER)
    assert {m for case in FAILING.values() for m in case[0]} == set(MISBEHAVIOURS)
    for name, (check_id, _) in MISBEHAVIOURS.items():
        assert check_id in ORDER, name


@pytest.mark.parametrize("check_id", list(FAILING))
def test_the_misbehaviour_fails_the_check(servers, check_id):
    misbehave, service, party, kind = FAILING[check_id]
    report = servers.run(service, misbehave, party, kind)
    check = next(c for c in report["checks"] if c["id"] == check_id)
    assert check["status"] == "fail", _described(report)
    assert report["status"] == "fail"
    assert check["fix"] and check["source"] and check["message"]
    if check_id not in ("directory-used",):
        assert check["count"] >= 1 and check["offending"], check
        assert all(o["method"] and o["path"] and o["note"] for o in check["offending"])


@pytest.mark.parametrize("check_id", list(FAILING))
def test_without_the_misbehaviour_the_check_passes(servers, check_id):
    misbehave, service, party, kind = PASSING.get(check_id, ((), "skatt", None, "main"))
    report = servers.run(service, misbehave, party, kind)
    assert status_of(report, check_id) == "pass", _described(report)


def test_a_misbehaviour_fails_only_its_own_header_check(servers):
    """A mistake in one header is not blamed on the others: the report points at what to fix."""
    report = servers.run("skatt", ("reuse-correlation-id",), LIGHT)
    assert [c["id"] for c in report["checks"] if c["status"] == "fail"] == ["correlation-id-unique"]


# ---- the command: text, JSON, JUnit, exit status, both sources -------------------------------------------------
def _grade(*argv) -> tuple[int, str, str]:
    import contextlib

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["grade", *argv])
    return code, out.getvalue(), err.getvalue()


def test_grade_command_formats_and_exit_status(servers, tmp_path):
    good = servers.run("skatt", (), LIGHT)
    bad = servers.run("skatt", ("reuse-correlation-id",), LIGHT)
    base = servers.base("main")
    code, out, _ = _grade("--case", good["accountInfoRequestId"], "--url", base)
    assert code == 0 and out.startswith(f"Conformance of case {good['accountInfoRequestId']}: PASS")
    code, out, _ = _grade("--case", bad["accountInfoRequestId"], "--url", base)
    assert code == 1 and "FAIL  correlation-id-unique" in out and "fix: " in out
    code, _, _ = _grade("--case", bad["accountInfoRequestId"], "--url", base, "--format", "junit",
                        "--out", str(tmp_path / "r.xml"))
    suite = ET.parse(tmp_path / "r.xml").getroot()
    assert code == 1 and suite.tag == "testsuite" and int(suite.get("tests")) == len(ORDER)
    failed = [t.get("name") for t in suite.iter("testcase") if t.find("failure") is not None]
    assert failed == ["correlation-id-unique"] and suite.get("failures") == "1"
    code, out, _ = _grade("--case", bad["accountInfoRequestId"], "--state-dir", servers.state["main"],
                          "--format", "json")
    assert code == 1 and json.loads(out)["status"] == "fail"
    assert status_of(json.loads(out), "correlation-id-unique") == "fail"


def test_grade_command_refuses_an_unknown_case_in_one_line(servers, tmp_path):
    code, out, err = _grade("--case", "no-such-case", "--url", servers.base("main"))
    assert code == 2 and out == "" and err.count("\n") == 1 and "no-such-case" in err
    code, _, err = _grade("--case", "x", "--state-dir", str(tmp_path))
    assert code == 2 and "no request log" in err and err.count("\n") == 1
