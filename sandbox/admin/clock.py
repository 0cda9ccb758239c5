"""`GET /sandbox/v1/clock` and `POST /sandbox/v1/clock`: read, set, advance or reset the sandbox's date.

The date is shared by every gunicorn worker (sandbox/clock.py). Moving it changes only what depends on
"today" (activeAccount, balances "now", pending items, status, the period windows); the history stays.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, request

from sandbox.web import json_response

bp = Blueprint("admin_clock", __name__, url_prefix="/sandbox/v1")


def _clock():
    return current_app.extensions["sandbox.clock"]


@bp.get("/clock")
def show_clock():
    """The sandbox's date, the date the server started with, and the offset between them."""
    return json_response(_clock().describe())


@bp.post("/clock")
def change_clock():
    """Set (`{"today": "2025-07-01"}`), advance (`{"advance": "+1d"}`) or reset (`{"reset": true}`) the date."""
    from sandbox.clock import ClockError

    body = request.get_json(silent=True)
    if not isinstance(body, dict) or len([k for k in ("today", "advance", "reset") if k in body]) != 1 \
            or set(body) - {"today", "advance", "reset"}:
        return _bad('send a JSON object with exactly one of {"today": "YYYY-MM-DD"}, {"advance": "+1d"} '
                    'or {"reset": true}')
    clock = _clock()
    try:
        if "today" in body:
            try:
                day = date.fromisoformat(str(body["today"]))
            except ValueError:
                return _bad(f"today must be a date YYYY-MM-DD, not {str(body['today'])[:40]!r}")
            clock.set(day)
        elif "advance" in body:
            clock.advance(str(body["advance"]))
        elif body["reset"] is True:
            clock.reset()
        else:
            return _bad('reset must be true')
    except ClockError as exc:
        return _bad(str(exc))
    return json_response(clock.describe())


def _bad(message: str):
    return json_response({"error": 400, "message": message}, 400)
