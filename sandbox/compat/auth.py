"""The token check with a participant's AuthOptions (profiles.py): the views' one call. Plain Python.

Under `strict` (no options) the call is exactly the standard one; under `production` the register passes its
options to Maskinporten.check as keywords (`accept_audiences`, `bare_token`), which does the rest.
"""

from __future__ import annotations

from .profiles import AuthOptions


def check(issuer, authorization: str | None, audience: str, scope: str, options: AuthOptions):
    """→ the Caller, or AuthenticationFailed (401) / AccessDenied (403) as Maskinporten.check raises them."""
    if options.standard:
        return issuer.check(authorization, audience, scope)
    return issuer.check(authorization, audience, scope, accept_audiences=options.accept_audiences,
                        bare_token=options.bare_token)
