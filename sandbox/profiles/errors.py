"""Service-profile errors (plain Python). Each names the field or rule that failed and carries an `outcome`;
each API maps outcomes to its own wire error once, in its errors module (`sandbox.bank.errors.for_profile`,
`sandbox.register.errors.for_profile`; DESIGN D4, D12, D13):

| outcome       | bank                 | register            | when                                               |
|---------------|----------------------|---------------------|----------------------------------------------------|
| `forbidden`   | 403 `ACC-011`        | 403 `ERR-001`       | unknown mandate, mandate not the consumer's, subject precondition unmet, extradition order refused |
| `endpoint`    | 400 `ACC-001`        | 403 `ERR-001`       | endpoint not part of the service (spec/services.md §3 step 6) |
| `bad_request` | 400 `ACC-001`        | 400 `ERR-006`       | RequesterID / AdditionalReference* / OnlyPrimaryOwner rules |
| `period`      | 400 `ACC-001`        | 400 `ERR-003`       | fromDate/toDate outside the service's window        |
| `not_found`   | 404 `ACC-003`        | —                   | a reference to an account outside the service's answer |
"""

from __future__ import annotations


class ProfileError(Exception):
    outcome = "forbidden"

    def __init__(self, message: str, field: str | None = None):
        self.message, self.field = message, field
        super().__init__(message)


class UnknownMandate(ProfileError):
    """The decoded Legal-Mandate is no active service's mandate (spec/services.md §3 step 5, Q2)."""


class MandateNotForConsumer(ProfileError):
    """A known mandate, but the calling consumer does not offer that service (D12)."""


class EndpointNotInService(ProfileError):
    """The endpoint is not part of the service (spec/services.md §3 step 6)."""
    outcome = "endpoint"


class HeaderRuleViolated(ProfileError):
    """RequesterID, AdditionalReferenceIDType/-ID or OnlyPrimaryOwner break the service's rules (§3 step 7)."""
    outcome = "bad_request"


class PeriodOutsideWindow(ProfileError):
    """fromDate/toDate outside the period the mandate allows (§3 step 7)."""
    outcome = "period"


class PreconditionFailed(ProfileError):
    """The control object does not meet the service's precondition: bankrupt, dead, under guardianship (D13)."""


class OrderRefused(PreconditionFailed):
    """The Politi extradition order is invalid, or does not cover this request (spec/services.md §2.2.2)."""


class MalformedOrder(HeaderRuleViolated):
    """AdditionalReferenceID (pol1) is not a compact JWS at all: a header format error, not a refusal."""


class NotInGrant(ProfileError):
    """An accountReference to an account the service does not deliver for this subject (D4: 404 ACC-003)."""
    outcome = "not_found"
