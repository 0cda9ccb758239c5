"""Who may use the workshop UI. Plain Python: no Flask.

Without `--admin-token` the UI is open, like the admin API it shows (a local sandbox). With it, the UI is part
of the admin surface: its pages show the request log, mint tokens and run cases, so they need the same token.
It is asked once, on `/login`, and kept in an HttpOnly, SameSite=Strict cookie for the browser session (the
cookie holds the token itself: this is a sandbox on a workshop network, not a bank). Stylesheets and scripts
stay open. The JSON API under /sandbox/v1 keeps its own check (sandbox/admin/guard.py): the UI never calls it
from the browser — the live traffic view reads the log through the UI's own `/ui/traffic.json`.
"""

from __future__ import annotations

import hmac

COOKIE = "dsop_sandbox_ui"


def required(settings) -> bool:
    return bool(settings.admin_token)


def allowed(settings, cookie: str | None) -> bool:
    """True when the UI is open, or the cookie carries the server's admin token."""
    expected = settings.admin_token
    if not expected:
        return True
    return bool(cookie) and hmac.compare_digest(cookie.encode(), expected.encode())


def safe_next(target: str | None) -> str:
    """Where to go after logging in: a path on this server only (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
