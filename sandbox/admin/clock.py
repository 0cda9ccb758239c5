"""`GET /sandbox/v1/clock` and `POST /sandbox/v1/clock`: read, set, advance or reset the sandbox's date.

The date is shared by every gunicorn worker (sandbox/clock.py). Moving it changes only what depends on
"today" (activeAccount, balances "now", pending items, status, the period windows); the history stays.
"""

from __future__ import annotations

from flask import Blueprint, current_app, request

from sandbox.clock import ClockError
from sandbox.web import json_response

from .errors import error_body
from .schemas import CLOCK_CHANGE, InputError, load

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
    try:
        change = load(CLOCK_CHANGE, request.get_json(silent=True))
    except InputError as exc:
        return _bad(str(exc))
    clock = _clock()
    try:
        if "today" in change:
            clock.set(change["today"])
        elif "advance" in change:
            clock.advance(change["advance"])
        else:
            clock.reset()
    except ClockError as exc:
        return _bad(str(exc))
    return json_response(clock.describe())


def _bad(message: str):
    return json_response(error_body(400, message), 400)
