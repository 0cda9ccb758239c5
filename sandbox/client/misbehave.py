"""Deliberate mistakes the reference client can make on request (`dsop-sandbox flow --misbehave NAME`): the
"wrong consumer" corpus the conformance grader (sandbox/conformance, docs/conformance.md) is tested with.

Each name is one small deviation of the walk, the headers or the transport, and names the grader's check it
breaks where it can. A normal client has none of them; they exist so that every check can be seen to fail
through a real server, and so that workshop participants can see what a broken consumer looks like in the log.
"""

from __future__ import annotations

#: name → (the grader's check it breaks, what the client does instead of the right thing).
MISBEHAVIOURS: dict[str, tuple[str, str]] = {
    "no-correlation-id": ("correlation-id-present", "sends no CorrelationID header"),
    "reuse-correlation-id": ("correlation-id-unique", "sends one CorrelationID for every request of the case"),
    "new-request-id-per-call": ("request-id-per-case",
                                "a new AccountInfoRequestID on every call after the first"),
    "reuse-request-id": ("request-id-new-per-case", "runs the case twice under one AccountInfoRequestID"),
    "skip-register": ("register-before-banks",
                      "skips the register and asks every bank in the directory"),
    "hardcoded-bank-url": ("directory-used",
                           "does not read the directory: builds bank URLs from the sandbox's layout"),
    "token-per-call": ("token-reuse", "asks Maskinporten for a new token for every request"),
    "wrong-audience": ("token-scope-audience", "uses the register's audience for the bank tokens"),
    "missing-mandate": ("legal-mandate", "sends no Legal-Mandate to the banks"),
    "missing-requester-id": ("requester-id", "sends no RequesterID"),
    "missing-reference": ("reference-headers",
                          "sends no AdditionalReferenceIDType/AdditionalReferenceID to the banks"),
    "period-outside-window": ("period-in-window", "asks for a period starting a year before the service's window"),
    "shifting-period": ("period-constant", "sends the banks a fromDate one day later than the register's"),
    "build-page-cursor": ("next-link-verbatim", "builds ?page=N itself instead of following the next link"),
    "stop-paging-early": ("paging-complete", "reads only the first page of every list"),
    "ignore-retry-after": ("retry-after-respected",
                           "retries after its own short backoff, whatever Retry-After asks"),
    "retry-storm": ("no-retry-storm", "retries a failing call up to 12 times without waiting"),
    "foreign-account": ("own-accounts-only",
                        "also asks a bank for an account reference it did not list (one character changed)"),
    "retry-4xx": ("no-4xx-retry", "sends a request refused with a 4xx once more, unchanged"),
    "no-jwe": ("jwe-requested", "asks the banks for plain JSON (Accept: application/json)"),
}


def parse(names) -> frozenset[str]:
    """The misbehaviours named (ValueError naming the unknown one and the known ones)."""
    out = set()
    for name in names or ():
        if name not in MISBEHAVIOURS:
            raise ValueError(f"unknown misbehaviour {name!r}: one of {', '.join(MISBEHAVIOURS)} "
                             "(--misbehave list describes them)")
        out.add(name)
    return frozenset(out)


def listing() -> list[str]:
    width = max(map(len, MISBEHAVIOURS))
    return [f"{name:<{width}}  {what} (breaks {check})" for name, (check, what) in MISBEHAVIOURS.items()]
