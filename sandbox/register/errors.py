"""Register errors with their wire codes (spec/protocol.md §2.5), and the one place their bodies are written:
through the schemas that document them in /openapi/kar.json (sandbox/register/schemas.py). ERR-005 and ERR-006
are sandbox codes, documented as such: the standard names no code for an unknown account number or a bad
mandatory header."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sandbox.dsop.wire import sandbox_instant

from .schemas import ERROR_SCHEMA, UNAUTHORIZED_SCHEMA

if TYPE_CHECKING:
    from sandbox.profiles.errors import ProfileError


class RegisterError(Exception):
    status, code = 500, "ERR-500"

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)

    def body(self, today) -> dict:
        """The register's error body (KAR.yaml ErrorResponse), its timestamp on the sandbox clock."""
        return ERROR_SCHEMA.dump({"error_code": self.code, "error_message": self.message,
                                  "timestamp": sandbox_instant(today)})


def provider_unauthorized_body(reason: str) -> dict:
    """The 401 body of accountServicingProvider, which the register's OpenAPI gives a shape of its own
    (KAR.yaml ErrorResponse401; spec/protocol.md §2.5)."""
    return UNAUTHORIZED_SCHEMA.dump({"status_code": 401,
                                     "message": f"Unauthorized. Access token is missing or invalid: {reason}"})


class Unauthorized(RegisterError):
    status, code = 401, "ERR-001"


class Forbidden(RegisterError):
    status, code = 403, "ERR-001"


class InvalidCustomer(RegisterError):
    status, code = 400, "ERR-002"


class InvalidPeriod(RegisterError):
    status, code = 400, "ERR-003"


class InvalidAccountNumber(RegisterError):
    status, code = 400, "ERR-004"


class UnknownAccountNumber(RegisterError):
    """Sandbox code: a well-formed account number that no bank in this sandbox services."""
    status, code = 404, "ERR-005"


class InvalidHeader(RegisterError):
    """Sandbox code: a missing or malformed mandatory header other than CustomerID."""
    status, code = 400, "ERR-006"


class MethodNotAllowed(RegisterError):
    status, code = 405, "ERR-405"


class NotFound(RegisterError):
    status, code = 404, "ERR-404"


class HttpError(RegisterError):
    """An HTTP-level refusal (routing, the HTTP server, an injected fault): ERR-<status> unless a code is given."""

    def __init__(self, status: int, message: str, code: str | None = None):
        super().__init__(message)
        self.status, self.code = status, code or f"ERR-{status}"



def for_profile(exc: ProfileError) -> RegisterError:
    """A service profile's refusal as the register error of its outcome (sandbox/profiles/errors.py;
    spec/protocol.md §2.5 [INF]: mandate not valid for the consumer → 403 ERR-001, period → ERR-003, other header
    rules → ERR-006)."""
    return _BY_OUTCOME[exc.outcome](exc.message)


_BY_OUTCOME = {"forbidden": Forbidden, "endpoint": Forbidden, "bad_request": InvalidHeader, "period": InvalidPeriod,
               "not_found": Forbidden}
