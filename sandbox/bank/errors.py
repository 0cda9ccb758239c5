"""Bank API errors: one class per situation, each knowing its HTTP status and ACC code (DESIGN D4).

The views never build error bodies themselves: the blueprint's handler turns any BankError into
`{"code": ..., "message": ...}` once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .schemas import ERROR_SCHEMA

if TYPE_CHECKING:
    from sandbox.profiles.errors import ProfileError


class BankError(Exception):
    status = 500
    code = "ACC-100"

    def __init__(self, message: str, headers: dict | None = None):
        self.message = message
        self.headers = headers or {}
        super().__init__(message)

    def body(self) -> dict:
        """Dumped through the schema that documents it in /openapi/bank.json (DESIGN §5)."""
        return ERROR_SCHEMA.dump({"code": self.code, "message": self.message})


class BadRequest(BankError):
    status, code = 400, "ACC-001"


class Unauthorized(BankError):
    status, code = 401, "ACC-010"


class Forbidden(BankError):
    status, code = 403, "ACC-011"


class UnknownAccount(BankError):
    """D4: an account reference (or number) this bank does not know."""
    status, code = 404, "ACC-002"


class NotForThisParty(BankError):
    """D4: a well-formed reference that is not valid in this party's/consumer's context."""
    status, code = 404, "ACC-003"


class MethodNotAllowed(BankError):
    status, code = 405, "ACC-012"


class NotAcceptable(BankError):
    status, code = 406, "ACC-013"


class TooManyRequests(BankError):
    status, code = 429, "ACC-022"


class BackendFailure(BankError):
    status, code = 500, "ACC-100"


def for_status(status: int, message: str, code: str | None = None) -> BankError:
    """An HTTP-level refusal (routing, the HTTP server, an injected fault) as the bank error of its status: the
    one place a status becomes an ACC code (404 → ACC-002, 405 → ACC-012, 406 → ACC-013, 429 → ACC-022, other
    4xx → ACC-001, 5xx → ACC-100). `code`: a scenario's own ACC code for an injected fault, kept as given."""
    cls = _BY_STATUS.get(status) or (BadRequest if status < 500 else BackendFailure)
    exc = cls(message)
    if code:
        exc.code = code
    return exc


_BY_STATUS = {cls.status: cls for cls in (UnknownAccount, MethodNotAllowed, NotAcceptable, TooManyRequests)}



def for_profile(exc: ProfileError) -> BankError:
    """A service profile's refusal as the bank error of its outcome (sandbox/profiles/errors.py; D4, D12, D13;
    spec/protocol.md §3.7.4): the one mapping the bank API and the workshop UI's preview share."""
    return _BY_OUTCOME[exc.outcome](exc.message)


_BY_OUTCOME = {"forbidden": Forbidden, "endpoint": BadRequest, "bad_request": BadRequest, "period": BadRequest,
               "not_found": NotForThisParty}
