"""A Report as text (a terminal, a CI log), JSON (machines, the admin API) and JUnit XML (every CI server shows it:
one test case per check, a failure per failing check with its offending requests)."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

from .checks import FAIL, NOT_APPLICABLE, WARN
from .grader import Report

MARK = {"pass": "PASS", "warn": "WARN", "fail": "FAIL", "not_applicable": "n/a "}


def _offence_line(o: dict) -> str:
    page = f" page={o['page'][:16]}" if o.get("page") else ""
    return (f"      {o.get('time') or '?'}  {o.get('method')} {o.get('path')}{page} → {o.get('status')}"
            f"  ({o.get('note')})")


def text(report: Report) -> str:
    counts = report.counts()
    lines = [f"Conformance of case {report.case_id}: {report.status.upper()}",
             f"  consumer {report.consumer or '?'}, service {report.service or '?'}, {report.requests} request(s); "
             f"{counts['pass']} pass, {counts['warn']} warn, {counts['fail']} fail, "
             f"{counts['not_applicable']} not applicable", ""]
    for c in report.checks:
        lines.append(f"  {MARK[c.status]}  {c.id:<24} {c.message}")
        if c.status in (FAIL, WARN):
            for o in c.offending:
                lines.append(_offence_line(o))
            if c.count > len(c.offending):
                lines.append(f"      … and {c.count - len(c.offending)} more")
            lines.append(f"      fix: {c.fix}")
            lines.append(f"      source: {c.source}")
    return "\n".join(lines) + "\n"


def to_json(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"


def junit(report: Report) -> str:
    counts = report.counts()
    suite = ET.Element("testsuite", name=f"dsop-conformance {report.case_id}", tests=str(len(report.checks)),
                       failures=str(counts[FAIL]), errors="0", skipped=str(counts[NOT_APPLICABLE]))
    props = ET.SubElement(suite, "properties")
    for name, value in (("accountInfoRequestId", report.case_id), ("consumer", report.consumer or ""),
                        ("service", report.service or ""), ("requests", str(report.requests))):
        ET.SubElement(props, "property", name=name, value=value)
    for c in report.checks:
        case = ET.SubElement(suite, "testcase", classname=f"dsop.conformance.{report.service or 'case'}", name=c.id)
        details = "\n".join([c.message, *(_offence_line(o).strip() for o in c.offending), f"fix: {c.fix}",
                             f"source: {c.source}"])
        if c.status == FAIL:
            ET.SubElement(case, "failure", message=c.message, type=c.id).text = details
        elif c.status == NOT_APPLICABLE:
            ET.SubElement(case, "skipped", message=c.message)
        elif c.status == WARN:
            ET.SubElement(case, "system-out").text = "WARN: " + details
    ET.indent(suite)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suite, encoding="unicode") + "\n"


FORMATS = {"text": text, "json": to_json, "junit": junit}
