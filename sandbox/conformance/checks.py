"""The grader's vocabulary: a Check (stable kebab-case id, title, the standard's text it rests on, what to do
instead), the CheckResult it yields, and the CaseLog every check reads. Plain Python: no Flask.

A check is a function `(CaseLog) -> CheckResult`, registered with `@check(...)` in the order the report lists
them (sandbox/conformance/rules_headers.py, rules_flow.py). Statuses: `pass` (judged and fine), `warn`
(allowed, but a production bank or a later version may refuse it), `fail` (against the standard), and
`not_applicable` (nothing in the case to judge: no 429 to wait after, no second page to follow).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sandbox.profiles.catalog import BY_SERVICE, Profile

PASS, WARN, FAIL, NOT_APPLICABLE = "pass", "warn", "fail", "not_applicable"
STATUSES = (PASS, WARN, FAIL, NOT_APPLICABLE)
#: The DSOP APIs a consumer sends the case's headers to (the token endpoint and the directory take none).
CASE_APIS = ("bank", "register")
#: At most this many offending requests are listed per check (the count says how many there were).
MAX_LISTED = 50


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    source: str  # the standard's section and words the check rests on
    fix: str  # what a consumer does instead
    run: Callable[[CaseLog], CheckResult] = field(repr=False, compare=False)


@dataclass
class CheckResult:
    id: str
    title: str
    status: str
    message: str
    source: str = ""
    fix: str = ""
    offending: list[dict] = field(default_factory=list)
    count: int = 0  # offending requests in all (`offending` lists at most MAX_LISTED)

    def to_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "status": self.status, "message": self.message,
                "source": self.source, "fix": self.fix, "count": self.count, "offending": self.offending}

    @classmethod
    def from_dict(cls, data: dict) -> CheckResult:
        return cls(data["id"], data.get("title", ""), data["status"], data.get("message", ""), data.get("source", ""),
                   data.get("fix", ""), list(data.get("offending") or []), int(data.get("count") or 0))


CHECKS: list[Check] = []


def check(check_id: str, title: str, source: str, fix: str):
    """Register a check function; it returns (status, message, offending rows with a note each)."""
    def register(fn):
        def run(log: CaseLog) -> CheckResult:
            status, message, offending = fn(log)
            listed = [offence(row, note) for row, note in offending[:MAX_LISTED]]
            return CheckResult(check_id, title, status, message, source, fix, listed, len(offending))
        CHECKS.append(Check(check_id, title, source, fix, run))
        return fn
    return register


def offence(row: dict, note: str) -> dict:
    """An offending request as the report shows it: when, what, the answer, and why it offends."""
    return {"id": row.get("id"), "time": row.get("time"), "method": row.get("method"), "path": row.get("path"),
            "page": row.get("page"), "status": row.get("status"), "correlationId": row.get("correlation_id"),
            "accountInfoRequestId": row.get("case_id"), "note": note}


def seconds(row: dict) -> float:
    """When the answer was written, in epoch seconds (`seq` is nanoseconds; rows without one: `time`)."""
    known = row.get("_t")
    if known is not None:
        return known
    seq = row.get("seq")
    if isinstance(seq, int) and seq > 10**15:
        return seq / 1e9
    text = row.get("time") or ""
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0


def arrived(row: dict) -> float:
    """When the request arrived: the answer's time less its latency."""
    known = row.get("_a")
    if known is not None:
        return known
    return seconds(row) - (row.get("latency_ms") or 0.0) / 1000


#: What makes two requests the same call (a retry): everything but the CorrelationID and the token.
REQUEST_FIELDS = ("method", "api", "bank", "path", "page", "from_date", "to_date", "party", "account_reference")


def same_request(row: dict) -> tuple:
    known = row.get("_key")
    return known if known is not None else tuple(map(row.get, REQUEST_FIELDS))


def _prepare(rows: list[dict]) -> None:
    """Once per row, for every check: its times (`_t` answered, `_a` arrived) and its request key (`_key`).
    Kept on the row dicts (the grader's own copies): 100 000 rows are graded in one pass per check, and a
    function call per row and check would be most of the time."""
    for row in rows:
        if "_t" in row:
            continue
        seq = row.get("seq")
        t = seq / 1e9 if isinstance(seq, int) and seq > 10**15 else seconds(row)
        row["_t"], row["_a"] = t, t - (row.get("latency_ms") or 0.0) / 1000
        row["_key"] = tuple(map(row.get, REQUEST_FIELDS))


class CaseLog:
    """One case's requests (its AccountInfoRequestID) in the order served, and the context a few checks need:
    the same consumer's token requests and other requests, and the directory reads, around the case's time."""

    def __init__(self, case_id: str, rows: list[dict], context: list[dict] | None = None):
        self.case_id = case_id
        self.rows = sorted(rows, key=lambda r: (r.get("seq") or 0, r.get("id") or 0))
        self.context = sorted(context or (), key=lambda r: (r.get("seq") or 0, r.get("id") or 0))
        _prepare(self.rows)
        _prepare(self.context)
        self.memo: dict = {}  # what several checks derive from the rows (the retry runs), computed once
        self.api_rows = [r for r in self.rows if r.get("api") in CASE_APIS]
        self.bank_rows = [r for r in self.api_rows if r.get("api") == "bank"]
        self.register_rows = [r for r in self.api_rows if r.get("api") == "register"]
        consumers = [r["consumer"] for r in self.api_rows if r.get("consumer")]
        self.consumer = max(set(consumers), key=consumers.count) if consumers else None
        self.service = self._service()
        self.today = self._today()

    def _service(self) -> Profile | None:
        """The case's service: what the server's profile layer named, else the one whose mandate it sent."""
        named = [r["service"] for r in self.api_rows if r.get("service") in BY_SERVICE]
        if named:
            return BY_SERVICE[max(set(named), key=named.count)]
        for row in self.api_rows:
            mandate = row.get("legal_mandate")
            for profile in BY_SERVICE.values():
                if mandate and (mandate in profile.bank_mandates or mandate in profile.register_mandates):
                    return profile
        return None

    def _today(self) -> date | None:
        for row in self.rows:
            if row.get("sandbox_date"):
                try:
                    return date.fromisoformat(row["sandbox_date"])
                except ValueError:
                    continue
        return None

    @property
    def span(self) -> tuple[float, float]:
        if not self.rows:
            return 0.0, 0.0
        return arrived(self.rows[0]), seconds(self.rows[-1])


def verdict(offending: list, fail_message: str, pass_message: str, *, judged: bool = True,
            na_message: str = "nothing in this case to judge", status: str = FAIL):
    """The common shape of a check's answer: fail (or `status`) with offenders, pass when judged, else n/a."""
    if offending:
        return status, fail_message.format(n=len(offending)), offending
    if not judged:
        return NOT_APPLICABLE, na_message, []
    return PASS, pass_message, []
