"""`dsop-sandbox grade --case ID`: the conformance grader (sandbox/conformance) over one case of the request log,
as text, JSON or JUnit XML, with an exit status a CI pipeline can act on — whatever language the consumer under
test is written in: run its case against the sandbox with a known AccountInfoRequestID, then grade that id.

Two sources: a running server (`--url`, through `GET /sandbox/v1/cases/{id}/report`, with the admin token when
the server has one) or a state directory (`--state-dir`: the request log a server wrote there, read directly).
"""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2

HELP = "grade one case of the request log against the standard (conformance checks)"
DESCRIPTION = """Grade one case (an AccountInfoRequestID) of the sandbox's request log: every conformance check
(CorrelationID, AccountInfoRequestID, register before banks, the directory, tokens, Legal-Mandate and the
service's headers, the period, paging, Retry-After, retries, foreign accounts, JWE) with pass, warn, fail or
not applicable, and the offending requests with the fix (docs/conformance.md lists every check).

Exit status: 0 every check passed or warned, 1 a check failed, 2 usage error, unknown case or unreachable source."""
EPILOG = """examples:
  dsop-sandbox flow --party ola-joint --service skatt --case-id 3f2b8c1e-0000-4000-8000-00000000cafe
  dsop-sandbox grade --case 3f2b8c1e-0000-4000-8000-00000000cafe                # the server on port 8000
  dsop-sandbox grade --case $CASE --format junit --out conformance.xml         # for a CI pipeline
  dsop-sandbox grade --case $CASE --state-dir /var/lib/dsop-sandbox --format json"""


class GradeError(Exception):
    """One line for the user: unknown case, unreachable server, refused admin token, unreadable state."""


def add_arguments(p) -> None:
    p.add_argument("--case", required=True, metavar="ID", help="the case's AccountInfoRequestID")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--url", metavar="URL",
                       help="a running sandbox (default $DSOP_SANDBOX_URL, else http://127.0.0.1:8000)")
    where.add_argument("--state-dir", metavar="DIR", help="read the request log from this state directory instead")
    p.add_argument("--admin-token", metavar="TOKEN", default=None,
                   help="the server's admin token, if it has one (default $DSOP_SANDBOX_ADMIN_TOKEN)")
    p.add_argument("--format", choices=("text", "json", "junit"), default="text", help="the report's form (default text)")
    p.add_argument("--out", metavar="FILE", help="write the report to FILE instead of stdout")


def _from_server(url: str, case_id: str, admin_token: str | None) -> dict:
    target = f"{url.rstrip('/')}/sandbox/v1/cases/{urllib.parse.quote(case_id, safe='')}/report"
    headers = {"Accept": "application/json"}
    if admin_token:
        headers["Sandbox-Admin-Token"] = admin_token
    try:
        with urllib.request.urlopen(urllib.request.Request(target, headers=headers), timeout=60) as r:
            return json.loads(r.read())
    except urllib.error.HTTPError as exc:
        with exc:
            try:
                said = json.loads(exc.read()).get("message", "")
            except ValueError:
                said = ""
        if exc.code == 404:
            raise GradeError(said or f"no case {case_id} at {url}") from None
        if exc.code in (401, 403):
            raise GradeError(f"the sandbox's admin API refused us ({exc.code}): give --admin-token (or "
                             f"$DSOP_SANDBOX_ADMIN_TOKEN) — {said}") from None
        raise GradeError(f"GET {target} answered {exc.code}: {said}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise GradeError(f"cannot reach the sandbox at {url}: {getattr(exc, 'reason', exc)}") from None


def _from_state(directory: str, case_id: str) -> dict:
    from sandbox.audit.log import AuditLog
    from sandbox.conformance import UnknownCase, grade_case
    from sandbox.state import StateStore

    path = Path(directory)
    if not (path / "state.sqlite3").is_file():
        raise GradeError(f"no request log in {directory} (no state.sqlite3: give the server's --state-dir)")
    try:
        return grade_case(AuditLog(StateStore(path)), case_id).to_dict()
    except UnknownCase:
        raise GradeError(f"no request in the log of {directory} carries AccountInfoRequestID {case_id}") from None


def run(args, out=None, err=None) -> int:
    from sandbox.conformance import FAIL, Report
    from sandbox.conformance.render import FORMATS

    out, err = out or sys.stdout, err or sys.stderr
    try:
        if args.state_dir:
            data = _from_state(args.state_dir, args.case)
        else:
            token = args.admin_token or os.environ.get("DSOP_SANDBOX_ADMIN_TOKEN") or None
            data = _from_server(args.url or os.environ.get("DSOP_SANDBOX_URL") or "http://127.0.0.1:8000",
                                args.case, token)
        report = Report.from_dict(data)
    except (GradeError, KeyError, ValueError) as exc:
        print(f"dsop-sandbox grade: {exc}", file=err)
        return EXIT_USAGE
    text = FORMATS[args.format](report)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        out.write(text)
    return EXIT_FAIL if report.status == FAIL else EXIT_OK
