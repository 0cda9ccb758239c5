"""The conformance grader on synthetic request-log rows (tests/support/synthetic_log.py): the edges the end-to-end
tests (tests/e2e/test_conformance.py) do not reach cheaply — Retry-After timing, cursors, periods, retried 4xx —
and the renderers. A well-behaved case passes every check it can judge."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from sandbox.conformance import CHECKS, CaseLog, Report, grade
from sandbox.conformance.grader import ORDER
from sandbox.conformance.render import junit, text, to_json
from tests.support.synthetic_log import LogBuilder


def graded(builder: LogBuilder) -> Report:
    return grade(CaseLog(builder.case_id, builder.rows, builder.context))


def status(report: Report, check_id: str) -> str:
    return report.get(check_id).status


@pytest.fixture()
def case() -> LogBuilder:
    return LogBuilder().case(banks=2, accounts=2, pages=3, throttled_every=4)


def test_a_well_behaved_case_passes_every_check(case):
    report = graded(case)
    assert report.status == "pass", [(c.id, c.status, c.message) for c in report.checks if c.status != "pass"]
    assert [c.id for c in report.checks] == list(ORDER) and len(CHECKS) == len(ORDER)
    assert status(report, "retry-after-respected") == "pass" and status(report, "paging-complete") == "pass"
    assert report.service == "skatt" and report.consumer == "974761076"


def test_checks_have_stable_kebab_case_ids_a_source_and_a_fix():
    for check in CHECKS:
        assert check.id == check.id.lower() and " " not in check.id and "_" not in check.id
        assert check.title and len(check.source) > 20 and len(check.fix) > 20


def test_a_retry_sooner_than_retry_after_fails(case):
    throttled = next(i for i, r in enumerate(case.rows) if r["status"] == 429)
    again = case.rows[throttled + 1]
    again["seq"] = case.rows[throttled]["seq"] + int(0.3e9)  # 0.3 s after a Retry-After: 1
    report = graded(case)
    check = report.get("retry-after-respected")
    assert check.status == "fail" and check.count == 1 and "Retry-After 1" in check.offending[0]["note"]


def test_a_storm_of_attempts_fails_and_a_few_do_not():
    builder = LogBuilder()
    builder.case(banks=1, accounts=1, pages=1)
    for _ in range(4):
        builder.call("bank", "cards", "/banks/900000000/v2/accounts/x/cards", bank="900000000", status=503)
    assert status(graded(builder), "no-retry-storm") == "pass"
    for _ in range(3):
        builder.call("bank", "cards", "/banks/900000000/v2/accounts/x/cards", bank="900000000", status=503)
    assert status(graded(builder), "no-retry-storm") == "fail"


def test_a_cursor_not_handed_out_fails_and_a_next_page_not_fetched_fails(case):
    page = next(r for r in case.rows if r.get("page"))
    page["page"] = "page-2"
    report = graded(case)
    assert status(report, "next-link-verbatim") == "fail"
    assert status(report, "paging-complete") == "fail"  # the real cursor was never asked for


def test_periods_outside_the_window_and_changing_within_the_case(case):
    case.rows[3]["from_date"] = "2015-06-29"  # one day more than 10 years before 2025-06-30
    report = graded(case)
    check = report.get("period-in-window")
    assert check.status == "fail" and check.count == 1 and "2015-06-30" in check.offending[0]["note"]
    assert status(report, "period-constant") == "fail"


def test_a_4xx_sent_again_unchanged_fails_but_a_changed_one_does_not():
    builder = LogBuilder().case(banks=1, accounts=1, pages=1)
    path = "/banks/900000000/v2/accounts/nope"
    builder.call("bank", "details", path, bank="900000000", account_reference="nope", status=404,
                 error_code="ACC-002")
    changed = builder.call("bank", "details", path, bank="900000000", account_reference="nope", status=404,
                           error_code="ACC-002")
    changed["from_date"] = "2020-01-01"
    assert status(graded(builder), "no-4xx-retry") == "pass"
    builder.call("bank", "details", path, bank="900000000", account_reference="nope", status=404,
                 error_code="ACC-002")
    report = graded(builder)
    assert status(report, "no-4xx-retry") == "fail" and status(report, "own-accounts-only") == "fail"


def test_nothing_to_judge_is_not_applicable_not_pass():
    builder = LogBuilder()
    builder.call("register", "customerRelationships", "/kar-ws/api/v2/customers/customerRelationships",
                 party="20907245528", result_count=0)
    report = graded(builder)
    assert status(report, "directory-used") == "not_applicable"
    assert status(report, "paging-complete") == "not_applicable"
    assert status(report, "request-id-per-case") == "not_applicable"
    assert report.status == "pass"


def test_renderings_say_the_same(case):
    case.rows[5]["correlation_id"] = case.rows[4]["correlation_id"]
    report = graded(case)
    assert report.status == "fail"
    assert Report.from_dict(json.loads(to_json(report))).to_dict() == report.to_dict()
    shown = text(report)
    assert shown.startswith(f"Conformance of case {case.case_id}: FAIL")
    assert "FAIL  correlation-id-unique" in shown and "fix: Generate the CorrelationID" in shown
    suite = ET.fromstring(junit(report).split("\n", 1)[1])
    failures = [t.get("name") for t in suite.iter("testcase") if t.find("failure") is not None]
    assert failures == ["correlation-id-unique"] and suite.get("tests") == str(len(ORDER))
    assert "CorrelationID already used by request" in shown and case.rows[5]["path"] in shown


def test_the_docs_page_lists_every_check_with_its_source_and_fix():
    from pathlib import Path

    from sandbox.client.misbehave import MISBEHAVIOURS

    page = (Path(__file__).resolve().parents[2] / "docs" / "conformance.md").read_text(encoding="utf-8")
    for check in CHECKS:
        assert f"`{check.id}`" in page and check.fix in page and check.source in page, check.id
    for name in MISBEHAVIOURS:
        assert f"--misbehave {name}`" in page, name


def test_an_outage_is_given_up_on_and_retrying_it_early_fails():
    """A 503 with Retry-After: 3600 (a scheduled outage): not retrying is right; retrying a minute later is not."""
    builder = LogBuilder().case(banks=1, accounts=1, pages=1)
    path = "/banks/900000000/v2/accounts/x/cards"
    builder.call("bank", "cards", path, bank="900000000", status=503, error_code="ACC-100", retry_after="3600")
    assert status(graded(builder), "retry-after-respected") == "pass"
    builder.now_ns += 60 * 10**9
    builder.call("bank", "cards", path, bank="900000000", status=503, error_code="ACC-100", retry_after="3600")
    check = graded(builder).get("retry-after-respected")
    assert check.status == "fail" and "Retry-After 3600" in check.offending[0]["note"]


def test_a_mandate_of_no_service_fails(case):
    for row in case.rows:
        row["legal_mandate"], row["service"] = "Lov om ingenting § 1", None
    report = graded(case)
    check = report.get("legal-mandate")
    assert check.status == "fail" and check.count == len(case.rows) and "no DSOP service's" in check.offending[0]["note"]
    assert report.service is None and status(report, "reference-headers") == "not_applicable"
