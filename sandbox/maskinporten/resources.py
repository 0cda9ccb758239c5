"""Which APIs an access token can be for (RFC 8707 `resource` → the token's `aud`), and the token endpoint's
`invalid_target` answers when a request names something else.

The accepted audiences are the issuer's `audiences()`: the register and each bank's base URL, built by the very
methods the APIs check `aud` with. Every description names what was sent and lists what is accepted, because a
consumer developer meets this error first when the sandbox runs under another URL than they think.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import TokenRequestError
from .scopes import BANK_SCOPES, REGISTER_SCOPES

#: The `aud` of a token asked for without `resource`, as real Maskinporten issues it.
UNSPECIFIED = "unspecified"
#: How many bank URLs an invalid_target description lists before it points to the directory instead.
LISTED_BANKS = 5


@dataclass(frozen=True)
class Audience:
    """One API a token can be for: its base URL (the token's `aud`), what it is, and the scopes it accepts."""

    url: str
    label: str
    scopes: tuple[str, ...]


def resolve_resource(issuer, value, scopes: list[str], reached_at: str | None = None) -> list[str]:
    """RFC 8707 `resource` (a string or a list) → the token's audiences: each one of `audiences()` (a trailing
    `/` tolerated, the directory's spelling issued), and every scope accepted by one of them, every one of
    them accepting one of the scopes. Anything else → 400 invalid_target naming it and listing what is.
    No resource → [UNSPECIFIED], as real Maskinporten answers (the strict APIs then refuse the token with 401
    and say to ask with resource=)."""
    if value is None or value == "" or value == []:
        return [UNSPECIFIED]
    values = value if isinstance(value, list) else [value]
    known = issuer.audiences()
    targets: list[Audience] = []
    for raw in values:
        target = known.get(raw.rstrip("/")) if isinstance(raw, str) else None
        if target is None:
            raise TokenRequestError("invalid_target", f"resource {_quoted(raw)} is not an API of this sandbox. "
                                    + _hint(issuer, raw) + _accepted(issuer, reached_at))
        if target not in targets:
            targets.append(target)
    for scope in scopes:
        if not any(scope in t.scopes for t in targets):
            where = "; ".join(f"{t.url} ({t.label}) accepts {' or '.join(t.scopes)}" for t in targets)
            raise TokenRequestError("invalid_target", f"scope {scope} is not accepted by the API of the resource "
                                    f"asked for: {where}. " + _for_scope(issuer, scope))
    for target in targets:
        if not set(scopes) & set(target.scopes):
            raise TokenRequestError("invalid_target", f"resource {target.url} ({target.label}) accepts only "
                                    f"{' or '.join(target.scopes)}, and the request asks for none of them (scope "
                                    f"{' '.join(scopes)})")
    return [t.url for t in targets]


def _accepted(issuer, reached_at: str | None = None) -> str:
    """What `resource` may be, for an invalid_target description."""
    banks = [a for a in issuer.audiences().values() if a.scopes == BANK_SCOPES]
    listed = ", ".join(a.url for a in banks[:LISTED_BANKS])
    more = f" and {len(banks) - LISTED_BANKS} more" if len(banks) > LISTED_BANKS else ""
    text = (f"Accepted: {issuer.register_audience()} (the register; scope {' or '.join(REGISTER_SCOPES)})"
            + (f", or a bank's base URL as the directory ({issuer.public_url}/altinn/v1/directharvest/"
               f"Kontrollinformasjon) lists it: {listed}{more} (scope {' '.join(BANK_SCOPES)})" if banks else "")
            + ".")
    return text + _elsewhere(issuer, reached_at)


def _for_scope(issuer, scope: str) -> str:
    if scope in REGISTER_SCOPES:
        return f"Ask for {scope} with resource={issuer.register_audience()}."
    return f"Ask for {scope} with resource= a bank's base URL, e.g. {issuer.public_url}/banks/<orgnr>/v2."


def _hint(issuer, raw) -> str:
    """Why a near miss missed: the right path on another base URL (a host or port the APIs do not know)."""
    if not isinstance(raw, str):
        return "resource must be a URL (a string). "
    if not raw.startswith(("http://", "https://")):
        return "resource must be the absolute base URL of the API. "
    for url in issuer.audiences():
        path = url[len(issuer.public_url):]
        if raw.rstrip("/").endswith(path) and raw.rstrip("/") != url:
            return (f"Its path is right but this sandbox's APIs live under {issuer.public_url} (its --public-url), "
                    f"so its tokens carry aud {url} and the APIs compare aud with exactly that. ")
    return ""


def _elsewhere(issuer, reached_at: str | None) -> str:
    if reached_at and reached_at.rstrip("/") != issuer.public_url:
        return (f" (You reached this server as {reached_at.rstrip('/')}, but it names its APIs "
                f"{issuer.public_url}: use the directory's URLs, or start it with --public-url "
                f"{reached_at.rstrip('/')}.)")
    return ""


def _quoted(value) -> str:
    return repr(value[:200] if isinstance(value, str) else value)[:220]
