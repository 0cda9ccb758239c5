"""Grade one case: its rows of the request log (and the context some checks need) → a Report of every check.

`gather(audit, case_id)` reads a case from the request log (sandbox/audit/log.py): the rows with its
AccountInfoRequestID, plus — from the case's first request to a while after its last — the same consumer's
token requests and other calls, and the directory reads (which carry no consumer: the directory is open).
`grade(CaseLog)` runs every check (sandbox/conformance/rules_headers.py, rules_flow.py) in their order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import rules_flow, rules_headers  # noqa: F401 - importing them registers their checks
from .checks import CHECKS, FAIL, NOT_APPLICABLE, PASS, WARN, CaseLog, CheckResult

#: Context read before the case's first request (its tokens are fetched just before) and after its last one
#: (a consumer that gives every call a new AccountInfoRequestID goes on under other ids).
BEFORE, AFTER = 600.0, 120.0
CONTEXT_LIMIT = 100_000


class UnknownCase(LookupError):
    """No request in the log carries this AccountInfoRequestID."""


@dataclass
class Report:
    case_id: str
    consumer: str | None
    service: str | None
    requests: int
    checks: list[CheckResult] = field(default_factory=list)

    @property
    def status(self) -> str:
        statuses = {c.status for c in self.checks}
        return FAIL if FAIL in statuses else WARN if WARN in statuses else PASS

    def counts(self) -> dict[str, int]:
        out = {s: 0 for s in (PASS, WARN, FAIL, NOT_APPLICABLE)}
        for c in self.checks:
            out[c.status] = out.get(c.status, 0) + 1
        return out

    def get(self, check_id: str) -> CheckResult:
        return next(c for c in self.checks if c.id == check_id)

    def to_dict(self) -> dict:
        return {"accountInfoRequestId": self.case_id, "consumer": self.consumer, "service": self.service,
                "requests": self.requests, "status": self.status, "counts": self.counts(),
                "checks": [c.to_dict() for c in self.checks]}

    @classmethod
    def from_dict(cls, data: dict) -> Report:
        return cls(data["accountInfoRequestId"], data.get("consumer"), data.get("service"),
                   int(data.get("requests") or 0), [CheckResult.from_dict(c) for c in data.get("checks", [])])


#: The report's order: what every request carries first, then the walk (docs/conformance.md follows it).
ORDER = ("correlation-id-present", "correlation-id-unique", "request-id-per-case", "request-id-new-per-case",
         "register-before-banks", "directory-used", "token-reuse", "token-scope-audience", "legal-mandate",
         "requester-id", "reference-headers", "period-in-window", "period-constant", "next-link-verbatim",
         "paging-complete", "retry-after-respected", "no-retry-storm", "own-accounts-only", "no-4xx-retry",
         "jwe-requested")


def ordered_checks() -> list:
    rank = {check_id: i for i, check_id in enumerate(ORDER)}
    return sorted(CHECKS, key=lambda c: rank.get(c.id, len(rank)))


def grade(log: CaseLog) -> Report:
    """Every check over one case, in the documented order."""
    service = log.service.service if log.service is not None else None
    return Report(log.case_id, log.consumer, service, len(log.rows), [c.run(log) for c in ordered_checks()])


def gather(audit, case_id: str) -> CaseLog:
    """The case's rows and their context from an AuditLog; UnknownCase when no row has this id."""
    rows = audit.case(case_id, limit=10**7)
    if not rows:
        raise UnknownCase(case_id)
    consumers = {r["consumer"] for r in rows if r.get("consumer")}
    seqs = [r["seq"] for r in rows if r.get("seq")]
    context = []
    if seqs:
        context = audit.around(min(seqs) - int(BEFORE * 1e9), max(seqs) + int(AFTER * 1e9), sorted(consumers),
                               but_case=case_id, limit=CONTEXT_LIMIT)
    return CaseLog(case_id, rows, context)


def grade_case(audit, case_id: str) -> Report:
    return grade(gather(audit, case_id))
