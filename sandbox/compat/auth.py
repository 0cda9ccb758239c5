"""The token check with a participant's AuthOptions (profiles.py): the views' one call. Plain Python.

Maskinporten.check takes the options as keyword arguments (`accept_audiences`, `bare_token`). Under `strict`
(no options) the call is exactly the standard one. Until the Maskinporten side with those keywords is merged
(branch `mp`), an issuer whose check lacks them is driven the same way from outside: a bare JWT gets its
`Bearer` scheme, and the audiences are tried in order, the first failure reported — the audience is the only
thing those checks compare differently, so the answers are the same.
"""

from __future__ import annotations

import inspect
from functools import lru_cache

from sandbox.maskinporten.errors import AuthenticationFailed

from .profiles import AuthOptions


def check(issuer, authorization: str | None, audience: str, scope: str, options: AuthOptions):
    """→ the Caller, or AuthenticationFailed (401) / AccessDenied (403) as Maskinporten.check raises them."""
    if options.standard:
        return issuer.check(authorization, audience, scope)
    if _takes_options(type(issuer)):
        return issuer.check(authorization, audience, scope, accept_audiences=options.accept_audiences,
                            bare_token=options.bare_token)
    if options.bare_token and authorization and " " not in authorization.strip() \
            and authorization.strip().count(".") == 2:
        authorization = f"Bearer {authorization.strip()}"
    first = None
    for aud in (audience, *options.accept_audiences):
        try:
            return issuer.check(authorization, aud, scope)
        except AuthenticationFailed as exc:
            first = first or exc
    raise first


@lru_cache(maxsize=8)
def _takes_options(kind) -> bool:
    params = inspect.signature(kind.check).parameters
    return "accept_audiences" in params and "bare_token" in params
