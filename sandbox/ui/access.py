"""Who may use the workshop UI. Plain Python: no Flask.

Without `--admin-token` the UI is open, like the admin API it shows (a local sandbox). With it, the UI is part
of the admin surface: its pages show the request log, mint tokens and run cases, so they need the same token.
It is asked once, on `/login`; the browser then keeps an HttpOnly, SameSite=Strict session cookie. The cookie
holds a value derived from the token, HMAC-SHA256(server key, admin token), never the token itself: a cookie
read off a shared workshop machine or a proxy log does not open the admin API (which takes only the token). The
server key is drawn when this module is imported, i.e. once in the gunicorn master before the workers fork, so
every worker accepts the same cookie; a restart (new key) ends every UI session. Stylesheets and scripts stay
open. The JSON API under /sandbox/v1 keeps its own check (sandbox/admin/guard.py): the UI never calls it from
the browser — the live traffic view reads the log through the UI's own `/ui/traffic.json`.

Workshop participants (sandbox/rooms.py) need no token: on a protected server a browser that joined one of the
rooms the presenter created (its room cookie) reaches every page but the board, and sees only its room's traffic,
cases and runs (sandbox/ui/views.py `_guard`, sandbox/ui/board_views.py).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

COOKIE = "dsop_sandbox_ui"
#: The per-server key of the session value (see the module docstring: drawn before the fork).
_SERVER_KEY = secrets.token_bytes(32)


def required(settings) -> bool:
    return bool(settings.admin_token)


def token_matches(settings, token: str | None) -> bool:
    """True when `token` (typed on /login) is the server's admin token; constant time."""
    expected = settings.admin_token
    return bool(expected) and bool(token) and hmac.compare_digest(token.encode(), expected.encode())


def session_value(settings) -> str:
    """The cookie value of a logged-in browser: derived from the admin token, which it does not reveal."""
    return hmac.new(_SERVER_KEY, b"dsop-sandbox ui session\0" + settings.admin_token.encode(),
                    hashlib.sha256).hexdigest()


def allowed(settings, cookie: str | None) -> bool:
    """True when the UI is open, or the cookie carries this server's session value (constant time)."""
    if not settings.admin_token:
        return True
    return bool(cookie) and hmac.compare_digest(cookie.encode(), session_value(settings).encode())


def safe_next(target: str | None) -> str:
    """Where to go after logging in: a path on this server only (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
