"""The presenter board (`/ui/board`) and the rooms' own dates, on the workshop UI (sandbox/ui/views.py).

The board is the presenter's: with --admin-token only a browser logged in with the token opens it (a participant
in a room is sent to /login); without one the whole UI is open, the board included. One card per room: cases run,
requests, errors (4xx/5xx and dropped connections), the last request, the room's date; it refreshes itself every
few seconds (`/ui/board.json`). From the board the presenter creates rooms (with the agencies whose own clients'
calls belong to them), lets rooms run on their own dates, and sets a room's date. A participant sets its own
room's date from the room bar, only while the presenter allows room clocks.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, redirect, request, url_for

from sandbox.rooms import RoomError
from sandbox.web import json_response

from . import access, board, traffic
from .views import current_room, page, presenter, refuse, rooms, run_store

bp = Blueprint("ui_board", __name__)
PARTICIPANT_ENDPOINTS = ("ui_board.room_clock",)


@bp.before_request
def _guard():
    if presenter() or (request.endpoint in PARTICIPANT_ENDPOINTS and current_room() is not None):
        return None
    return refuse()


def _clock():
    return current_app.extensions["sandbox.clock"]


def _data() -> dict:
    return board.cards(rooms(), current_app.extensions.get("sandbox.audit"), run_store(), _clock().read())


def _board(problem: str | None = None):
    return page("board.html", data=_data(), problem=problem, active="ui_board.board_page", zone=traffic.ZONE_NAME)


@bp.get("/ui/board")
def board_page():
    """Every room's progress, large enough for a projector."""
    return _board()


@bp.get("/ui/board.json")
def board_json():
    """The board's cards (the page refreshes itself from here)."""
    return json_response(_data(), headers={"Cache-Control": "no-store"})


@bp.post("/ui/board/rooms")
def create_room():
    """Create a room, with the agencies (ids, client ids or org numbers, comma-separated) whose calls it gets."""
    consumers = [c.strip() for c in (request.form.get("consumers") or "").split(",") if c.strip()]
    try:
        rooms().create(request.form.get("name"), consumers)
    except RoomError as exc:  # 200 with the reason, like every form of the UI
        return _board(str(exc))
    return redirect(url_for("ui_board.board_page"))


@bp.post("/ui/board/clocks")
def room_clocks():
    """Let rooms run on their own dates, or put every room on the sandbox's date."""
    rooms().set_room_clocks(request.form.get("enabled") == "on")
    return redirect(url_for("ui_board.board_page"))


@bp.post("/ui/board/rooms/<name>/clock")
def set_room_clock(name: str):
    """The presenter sets a room's date."""
    problem = _set_date(name)
    return _board(problem) if problem else redirect(url_for("ui_board.board_page"))


@bp.post("/ui/room/clock")
def room_clock():
    """A participant sets its own room's date (only while the presenter allows room clocks)."""
    found, name = rooms(), current_room()
    target = access.safe_next(request.form.get("next"))
    if found.get(name) is None:
        found.create(name)
    if not found.snapshot().room_clocks:
        return page("error.html", 200, code=403, message="the presenter has not allowed room clocks", active=None)
    problem = _set_date(name)
    if problem:
        return page("error.html", 200, code=400, message=problem, active=None)
    return redirect(target)


def _set_date(name: str) -> str | None:
    """Set a room's date from the form (`today`, or `reset`); the reason when it cannot be set."""
    found = rooms()
    try:
        if request.form.get("reset"):
            found.set_offset(name, 0)
        else:
            day = date.fromisoformat(request.form.get("today") or "")
            found.set_offset(name, (day - _clock().read()).days)
    except ValueError as exc:  # RoomError too
        return str(exc) if isinstance(exc, RoomError) else "the room's date must be YYYY-MM-DD"
    return None
