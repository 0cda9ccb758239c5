"""How the "Run a case" page shows each HTTP exchange of a case: a label from its URL (which register, directory
or bank call, which account, which page), the request headers with tokens shortened and the Legal-Mandate decoded,
the status with an error code's meaning, the body pretty-printed (long lists cut, tokens shortened), the timing.

An answer the reference client read is shown as it read it (its Response keeps the decrypted plaintext and the
parsed JSON), so nothing is decrypted or parsed twice; only what it did not read (a retried attempt's answer) is
decrypted and parsed here. Plain Python.
"""

from __future__ import annotations

import json
import urllib.parse

import orjson

from sandbox import jwt_segments
from sandbox.client import decrypt

LIST_LIMIT = 8  # items of a long list shown in a response body
TEXT_LIMIT = 40_000  # characters of a pretty body

#: What an error code means, in one line, for the step list.
CODE_HINTS = {
    "ACC-001": "bad request: a header, parameter or period breaks the standard or the service's rules",
    "ACC-002": "unknown account reference at this bank",
    "ACC-003": "the reference is not valid for this party, period or service",
    "ACC-010": "no valid access token (missing, expired, wrong audience or issuer)",
    "ACC-011": "forbidden: the consumer may not use this service, or the subject does not qualify",
    "ACC-013": "Accept header not supported",
    "ACC-022": "too many requests: slow down (Retry-After)",
    "ACC-100": "the bank's back end failed (retry later)",
    "ERR-001": "the register refused the caller (token, scope or mandate)",
    "ERR-003": "the register refused the period",
    "ERR-006": "the register refused a header or parameter",
    "invalid_grant": "Maskinporten refused the client assertion",
    "invalid_scope": "Maskinporten refused the scope for this client",
}


# ---- describing the exchanges ------------------------------------------------------------------------------
def shorten(value: str, keep: int = 12) -> str:
    return value if len(value) <= 2 * keep + 3 else f"{value[:keep]}…{value[-keep:]}"


def _looks_like_token(value) -> bool:
    return isinstance(value, str) and len(value) > 60 and value.startswith("eyJ") and value.count(".") >= 2


def _tidy(node):
    """JSON for display: tokens shortened, long lists cut to their first items and a count."""
    if isinstance(node, dict):
        return {k: _tidy(v) for k, v in node.items()}
    if isinstance(node, list):
        head = [_tidy(v) for v in node[:LIST_LIMIT]]
        if len(node) > LIST_LIMIT:
            head.append(f"… {len(node) - LIST_LIMIT} more (of {len(node)})")
        return head
    if _looks_like_token(node):
        return shorten(node, 16)
    return node


def _claims(token: str) -> dict | None:
    return jwt_segments.payload(token)


def _pretty(node) -> str:
    tidy = _tidy(node)
    try:  # the text of json.dumps(indent=2, ensure_ascii=False) (exponents as 1e-7), a few times faster
        text = orjson.dumps(tidy, option=orjson.OPT_INDENT_2).decode()
    except TypeError:  # what orjson does not take (an int beyond 64 bits): the standard library's
        text = json.dumps(tidy, indent=2, ensure_ascii=False)
    return text if len(text) <= TEXT_LIMIT else text[:TEXT_LIMIT] + f"\n… ({len(text) - TEXT_LIMIT} more characters)"


def _headers(headers: dict) -> list[dict]:
    out = []
    for name, value in headers.items():
        shown, note = str(value), None
        if name.lower() == "authorization" and " " in shown:
            kind, _, token = shown.partition(" ")
            shown = f"{kind} {shorten(token)}"
        elif name.lower() == "additionalreferenceid" and len(shown) > 60:
            shown, note = shorten(shown), "the signed extradition order (compact JWS)"
        elif name.lower() == "legal-mandate":
            note = urllib.parse.unquote(shown)
        out.append({"name": name, "value": shown, "note": note})
    return out


def _request_body(x) -> str | None:
    if not x.request_body:
        return None
    text = x.request_body.decode("utf-8", "replace")
    if x.request_headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
        form = dict(urllib.parse.parse_qsl(text))
        if "assertion" in form:
            form["assertion (decoded claims)"] = _claims(form["assertion"])
        return _pretty(form)
    try:
        return _pretty(json.loads(text))
    except ValueError:
        return text[:2000]


def _page_numbers():
    """A counter of pages per paged request: the `page` cursor is opaque (D6), so a page's number is 1 + the
    position of its cursor among the distinct cursors seen for the same path and other query parameters (a
    retried page keeps its number)."""
    seen: dict[tuple, list[str]] = {}

    def number(path: str, query: list[tuple[str, str]]) -> int | None:
        cursor = next((v for k, v in query if k == "page"), None)
        if cursor is None:
            return None
        cursors = seen.setdefault((path, tuple(sorted((k, v) for k, v in query if k != "page"))), [])
        if cursor not in cursors:
            cursors.append(cursor)
        return cursors.index(cursor) + 2

    return number


def _label(world, x, refs: dict[str, str], page_number) -> tuple[str, str]:
    """(kind, label) of one exchange from its URL."""
    split = urllib.parse.urlsplit(x.url)
    path, pairs = split.path, urllib.parse.parse_qsl(split.query)
    number = page_number(path, pairs)
    page = f" (page {number})" if number is not None else ""
    if path.endswith("/oauth-authorization-server"):
        return "token", "Maskinporten: metadata"
    if path.startswith("/maskinporten/token"):
        form = dict(urllib.parse.parse_qsl((x.request_body or b"").decode("utf-8", "replace")))
        claims = _claims(form.get("assertion", "")) or {}
        audience = str(claims.get("resource") or form.get("resource") or "")
        where = "register" if "/kar-ws/" in audience else next(
            (b.name for b in world.banks.values() if f"/banks/{b.org_number}/" in audience + "/"), audience)
        return "token", f"Maskinporten: token {claims.get('scope', form.get('scope', ''))} for {where}"
    if path.startswith("/kar-ws/"):
        return "register", "Register: " + path.rsplit("/", 1)[-1]
    if path.startswith("/altinn/"):
        return "directory", "Directory: Kontrollinformasjon"
    if path.startswith("/sandbox/v1/politi/orders"):
        return "admin", "Police: sign an extradition order"
    if path.startswith("/banks/"):
        parts = path.split("/")  # '', banks, org, v2, accounts, [ref], [endpoint]
        bank = world.bank_by_org.get(parts[2])
        name = bank.name if bank else parts[2]
        if len(parts) <= 5:
            return "bank", f"{name}: accounts{page}"
        ref = urllib.parse.unquote(parts[5])
        endpoint = parts[6] if len(parts) > 6 else "details"
        return "bank", f"{name} {refs.get(ref, ref if ref.isdigit() else shorten(ref, 6))}: {endpoint}{page}"
    return "other", f"{x.method} {path}"


def describe(world, exchanges: list, case, key) -> list[dict]:
    """Every exchange as the page shows it: label, request, status, error code and why, body, timing. An answer
    the client read is shown as it read it (its Response: the decrypted plaintext, the parsed JSON); only what it
    did not read (a retried attempt's answer) is decrypted and parsed here."""
    refs = {a.reference: a.number for a in (case.accounts if case is not None else []) if a.number}
    steps, page_number = [], _page_numbers()
    for x in exchanges:
        kind, label = _label(world, x, refs, page_number)
        ctype = x.response_headers.get("content-type", "").split(";")[0].strip()
        body, decrypted, parsed = None, False, None
        r = x.response
        if x.body:
            raw = x.body
            if r is not None and r.plaintext is not None:  # the client decrypted it
                raw, decrypted = r.plaintext, True
            elif ctype == "application/jose" and key is not None:
                try:
                    raw, decrypted = decrypt(raw, key), True
                except Exception:  # noqa: BLE001 - shown as it came
                    pass
            try:  # what the client parsed, as it parsed it; else orjson (a few times faster than json)
                parsed = r.json() if r is not None and r.parsed else orjson.loads(raw)
                body = _pretty(parsed)
            except ValueError:  # orjson.JSONDecodeError is one
                text = raw.decode("utf-8", "replace")
                body = shorten(text, 40) if _looks_like_token(text.strip()) else text[:2000]
        code = message = None
        if x.status >= 400 and isinstance(parsed, dict):
            code = parsed.get("code") or parsed.get("errorCode") or parsed.get("error")
            message = parsed.get("message") or parsed.get("errorMessage") or parsed.get("error_description")
        if x.error:
            message = f"no answer: {x.error}"
        steps.append({"n": x.n, "kind": kind, "label": label, "method": x.method, "url": x.url,
                      "caseId": "AccountInfoRequestID" in x.request_headers,
                      "headers": _headers(x.request_headers), "requestBody": _request_body(x),
                      "status": x.status, "contentType": ctype, "decrypted": decrypted, "body": body,
                      "ms": round(x.ms, 1), "code": None if code is None else str(code), "message": message,
                      "hint": CODE_HINTS.get(str(code)) if code else None,
                      "responseHeaders": {k: v for k, v in x.response_headers.items()
                                          if k in ("content-type", "correlationid", "retry-after", "sandbox-fault",
                                                   "www-authenticate", "sandbox-auth")}})
    return steps
