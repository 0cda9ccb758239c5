"""The consumer conformance grader (issue 16): does a consumer's case, as the request log saw it, follow the
standard? Plain Python, no Flask. docs/conformance.md lists every check, its source and the fix.

    from sandbox.conformance import gather, grade, render
    report = grade(gather(audit_log, "3f2b8c1e-…"))
    print(render.text(report))
"""

from .checks import CHECKS, FAIL, NOT_APPLICABLE, PASS, STATUSES, WARN, CaseLog, Check, CheckResult
from .grader import Report, UnknownCase, gather, grade, grade_case

__all__ = ["CHECKS", "FAIL", "NOT_APPLICABLE", "PASS", "STATUSES", "WARN", "CaseLog", "Check", "CheckResult",
           "Report", "UnknownCase", "gather", "grade", "grade_case"]
