"""`/sandbox/v1/rooms`: the presenter's side of workshop rooms (sandbox/rooms.py). Behind the admin token like every
`/sandbox/v1` route.

- `GET /sandbox/v1/rooms`: every room (its consumers, clock offset and date) and whether room clocks are on.
- `POST /sandbox/v1/rooms` `{"name": "team-1", "consumers": ["skatteetaten"]}`: create a room, or give an existing
  one its consumers (id, client id or org number; a consumer belongs to one room).
- `DELETE /sandbox/v1/rooms/{name}`: remove a room (its request log rows keep their room name).
- `POST /sandbox/v1/rooms/clocks` `{"enabled": true}`: let rooms run on their own dates (or not).
- `POST /sandbox/v1/rooms/{name}/clock` `{"offsetDays": 30}`, `{"today": "2025-08-01"}` or `{"reset": true}`: a
  room's date, as an offset on top of the sandbox clock.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, request

from sandbox.rooms import RoomError
from sandbox.web import json_response

from .errors import AdminError

bp = Blueprint("admin_rooms", __name__, url_prefix="/sandbox/v1")


@bp.errorhandler(AdminError)
def _refused(exc: AdminError):
    return json_response(exc.body(), exc.status)


@bp.errorhandler(RoomError)
def _room_refused(exc: RoomError):
    return _refused(AdminError(exc.status, str(exc)))


def _rooms():
    rooms = current_app.extensions.get("sandbox.rooms")
    if rooms is None:
        raise AdminError(404, "workshop rooms need the state store")
    return rooms


def _today() -> date:
    return current_app.extensions["sandbox.clock"].read()


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise AdminError(400, "send a JSON object")
    return body


@bp.get("/rooms")
def list_rooms():
    """Every room and whether room clocks are on."""
    return json_response(_rooms().describe(_today()))


@bp.post("/rooms")
def create_room():
    """Create a room, or set an existing room's consumers."""
    body = _body()
    consumers = body.get("consumers")
    if consumers is not None and not (isinstance(consumers, list) and all(isinstance(c, str) for c in consumers)):
        raise AdminError(400, "consumers: a list of consumer ids, client ids or org numbers")
    _rooms().create(body.get("name"), consumers)
    return json_response(_rooms().describe(_today()))


@bp.delete("/rooms/<name>")
def delete_room(name: str):
    """Remove a room."""
    if not _rooms().delete(name):
        raise AdminError(404, f"no room {name[:40]!r}")
    return json_response(_rooms().describe(_today()))


@bp.post("/rooms/clocks")
def room_clocks():
    """Let rooms run on their own dates, or put every room back on the sandbox's date."""
    enabled = _body().get("enabled")
    if not isinstance(enabled, bool):
        raise AdminError(400, 'enabled: true or false (e.g. {"enabled": true})')
    _rooms().set_room_clocks(enabled)
    return json_response(_rooms().describe(_today()))


@bp.post("/rooms/<name>/clock")
def room_clock(name: str):
    """Set a room's date: an offset in days, a date (kept as the offset from today's sandbox date), or reset."""
    body = _body()
    rooms = _rooms()
    if body.get("reset") is True:
        rooms.set_offset(name, 0)
    elif "offsetDays" in body:
        rooms.set_offset(name, body["offsetDays"])
    elif "today" in body:
        rooms.set_offset(name, offset_to(body["today"], _today()))
    else:
        raise AdminError(400, 'send {"offsetDays": 30}, {"today": "YYYY-MM-DD"} or {"reset": true}')
    return json_response(rooms.describe(_today()))


def offset_to(value, today: date) -> int:
    """Days from the sandbox's date to the date `value` (YYYY-MM-DD)."""
    try:
        return (date.fromisoformat(str(value)) - today).days
    except ValueError:
        raise RoomError("today: a date YYYY-MM-DD") from None
