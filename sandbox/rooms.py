"""Workshop rooms: one server, many participants, each seeing only its own traffic, cases and runs.

A room is a name (`team-3`, `Kari`). The mapping from a request to its room, first match wins:

1. the `Sandbox-Room` header: what the workshop UI's Run a case page sends with every request of a case run in a
   room (and what a participant's own code may send to file its calls in a room);
2. the room cookie (`dsop_sandbox_room`), set when a participant picks a room on the UI: the UI's own pages, and
   calls a browser makes on this origin (Swagger UI's "try it out");
3. the request's consumer (the org number of its Maskinporten token, as the request log records it) when the
   presenter gave that consumer to a room (`POST /sandbox/v1/rooms` with `consumers`): a participant's own
   client, with its own client id, lands in its room without sending anything special.

Everything else belongs to no room (the presenter's own calls). The room is recorded on every request log row
(`room`), and the UI filters its live traffic, its case pages and its run history by the room of the browser.

Rooms live in the shared state store (every gunicorn worker sees the same list). Without `--admin-token` a
participant creates a room by picking a new name on the UI; with it, participants pick one of the rooms the
presenter created (the admin API or the board), and only the admin token opens the board and the other rooms.

Room clocks: when the presenter allows it (`room_clocks`), a room may run on its own date, an offset in days on top
of the sandbox clock (sandbox/clock.py), so it moves when the sandbox clock moves. The request's "today" is pinned
to the room's date before any view runs, so the world's answers (balances now, period windows, pending items —
and the bank body cache, which keys on `today`) are the room's for that request. Switching room clocks off makes
every room use the sandbox's date again; the offsets are kept for when they are switched back on.

Reading the room list costs one memory read of the store's change stamp per request (as the clock); the table
is read again only after a change. Plain Python: `install` adds the Flask hooks.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sandbox import jwt_segments

HEADER = "Sandbox-Room"
ENVIRON_HEADER = "HTTP_SANDBOX_ROOM"
COOKIE = "dsop_sandbox_room"
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,39}$")
_ENVIRON_KEY = "sandbox.rooms.snapshot"
NAME_RULE = "1–40 letters, digits, spaces, dots, dashes or underscores, starting with a letter or digit"
MAX_OFFSET_DAYS = 3660  # ten years either way: what the period windows can use

SCHEMA = """
CREATE TABLE IF NOT EXISTS workshop_rooms (
    name TEXT PRIMARY KEY,
    consumers TEXT NOT NULL DEFAULT '',
    clock_offset INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS workshop_settings (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    room_clocks INTEGER NOT NULL DEFAULT 0
);
"""


class RoomError(ValueError):
    """A room request that cannot be honoured (bad name, unknown room or consumer, a consumer in two rooms)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Room:
    name: str
    consumers: tuple[str, ...] = ()  # org numbers
    clock_offset: int = 0  # days on top of the sandbox clock (used only while room clocks are on)
    created_at: str = ""


@dataclass(frozen=True)
class Snapshot:
    rooms: dict[str, Room] = field(default_factory=dict)
    by_consumer: dict[str, str] = field(default_factory=dict)
    room_clocks: bool = False

    @property
    def any_offset(self) -> bool:
        return self.room_clocks and any(r.clock_offset for r in self.rooms.values())


def valid_name(value) -> str | None:
    """The room name, stripped, when it is one; else None."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value if NAME.match(value) else None


class Rooms:
    """The room list in the state store, and the room of a request."""

    def __init__(self, store, world):
        self.store = store
        self.world = world
        self._lock = threading.Lock()
        # The SQLite store's change stamp (a memory read per request, shared with the clock: sandbox/state.py); a
        # database shared by replicas has none: the list is then read again at most once a second (another
        # replica's change shows within 1 s).
        self._stamped = store.directory is not None and hasattr(store, "stamp")
        self._cached: tuple[tuple | None, Snapshot] | None = None
        store.add_schema(SCHEMA)

    # ---- reading ---------------------------------------------------------------------------------
    def snapshot(self, environ=None) -> Snapshot:
        """The room list as of now (the table is read again only after a change). Given the request's
        WSGI environ, read once per request: the clock hook and the request log's row share it."""
        if environ is not None:
            found = environ.get(_ENVIRON_KEY)
            if found is None:
                found = environ[_ENVIRON_KEY] = self.snapshot()
            return found
        key = self._version()
        cached = self._cached
        if cached is not None and key is not None and cached[0] == key:
            return cached[1]
        rooms = {}
        for name, consumers, offset, created in self.store.sql(
                "SELECT name, consumers, clock_offset, created_at FROM workshop_rooms ORDER BY name").fetchall():
            rooms[name] = Room(name, tuple(c for c in consumers.split(",") if c), int(offset), created)
        row = self.store.sql("SELECT room_clocks FROM workshop_settings WHERE id = 1").fetchone()
        snap = Snapshot(rooms, {c: r.name for r in rooms.values() for c in r.consumers}, bool(row and row[0]))
        self._cached = (key, snap) if key is not None else None
        return snap

    def _version(self):
        """What changes when the room list changes: the store's change stamp, or (no stamp: a database shared by
        replicas) the current second."""
        if not self._stamped:
            return ("second", int(time.monotonic()))
        return self.store.stamp()

    def get(self, name: str | None) -> Room | None:
        return self.snapshot().rooms.get(name) if name else None

    def names(self) -> list[str]:
        return list(self.snapshot().rooms)

    def room_of(self, environ, consumer: str | None = None) -> str | None:
        """The room of a request (see the module docstring): header, cookie, then the consumer's room."""
        explicit = self.explicit(environ)
        if explicit is not None:
            return explicit
        return self.snapshot(environ).by_consumer.get(consumer) if consumer else None

    @staticmethod
    def explicit(environ) -> str | None:
        """The room the request names itself: the `Sandbox-Room` header, else the UI's room cookie."""
        named = valid_name(environ.get(ENVIRON_HEADER))
        if named is not None:
            return named
        cookies = environ.get("HTTP_COOKIE") or ""
        if COOKIE not in cookies:
            return None
        from http.cookies import SimpleCookie

        jar = SimpleCookie()
        try:
            jar.load(cookies)
        except Exception:  # noqa: BLE001 - a malformed Cookie header names no room
            return None
        morsel = jar.get(COOKIE)
        return valid_name(morsel.value) if morsel is not None else None

    def today_of(self, room: str | None, base: date, environ=None) -> date:
        """The date a room's requests see: the sandbox's, moved by the room's offset while room clocks are on."""
        snap = self.snapshot(environ)
        found = snap.rooms.get(room) if room else None
        if not snap.room_clocks or found is None or not found.clock_offset:
            return base
        return base + timedelta(days=found.clock_offset)

    def clock_room(self, environ) -> str | None:
        """The room whose clock a request runs on. The consumer comes from the bearer token's claims read without
        verifying them: the token check still decides whether the call is answered, this only picks the date."""
        room = self.explicit(environ)
        if room is not None:
            return room
        kind, _, token = (environ.get("HTTP_AUTHORIZATION") or "").partition(" ")
        if kind.lower() != "bearer" or not token:
            return None
        claims = jwt_segments.payload(token.strip()) or {}
        consumer = (claims.get("consumer") or {}).get("ID") if isinstance(claims.get("consumer"), dict) else None
        if not isinstance(consumer, str):
            return None
        return self.snapshot(environ).by_consumer.get(consumer.split(":")[-1])

    # ---- changing --------------------------------------------------------------------------------
    def _org(self, value: str) -> str:
        """A consumer given by id, client id or org number → its org number."""
        world = self.world
        value = str(value).strip()
        consumer = world.consumers.get(value) or next(
            (c for c in world.consumers.values() if value in (c.org_number, getattr(c, "client_id", None))), None)
        if consumer is not None:
            return consumer.org_number
        if value.isdigit() and len(value) == 9:
            return value
        raise RoomError(f"no consumer {value[:40]!r} in this scenario (give its id, client id or org number)")

    def create(self, name, consumers=None) -> Room:
        """Create a room (or give an existing one its consumers). A consumer belongs to one room at most."""
        clean = valid_name(name)
        if clean is None:
            raise RoomError(f"a room name is {NAME_RULE}")
        orgs = None if consumers is None else tuple(dict.fromkeys(self._org(c) for c in consumers))
        with self._lock:
            snap = self.snapshot()
            for org in orgs or ():
                owner = snap.by_consumer.get(org)
                if owner is not None and owner != clean:
                    raise RoomError(f"consumer {org} is in room {owner!r} already: a consumer belongs to one room", 409)
            now = datetime.now(UTC).isoformat(timespec="seconds")
            self.store.sql("INSERT INTO workshop_rooms (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                         (clean, now))
            if orgs is not None:
                self.store.sql("UPDATE workshop_rooms SET consumers = ? WHERE name = ?", (",".join(orgs), clean))
            self._touch()
        return self.snapshot().rooms[clean]

    def delete(self, name: str) -> bool:
        gone = self.store.sql("DELETE FROM workshop_rooms WHERE name = ?", (name,)).rowcount
        self._touch()
        return bool(gone)

    def set_room_clocks(self, enabled: bool) -> None:
        self.store.sql(
            "INSERT INTO workshop_settings (id, room_clocks) VALUES (1, ?) "
            "ON CONFLICT (id) DO UPDATE SET room_clocks = excluded.room_clocks", (1 if enabled else 0,))
        self._touch()

    def set_offset(self, name: str, days: int) -> Room:
        if self.get(name) is None:
            raise RoomError(f"no room {name[:40]!r}", 404)
        if not isinstance(days, int) or isinstance(days, bool) or abs(days) > MAX_OFFSET_DAYS:
            raise RoomError(f"a room's clock offset is a whole number of days within ±{MAX_OFFSET_DAYS}")
        self.store.sql("UPDATE workshop_rooms SET clock_offset = ? WHERE name = ?", (days, name))
        self._touch()
        return self.snapshot().rooms[name]

    def _touch(self) -> None:
        self._cached = None
        if self._stamped:
            self.store.touch()

    def describe(self, base: date) -> dict:
        snap = self.snapshot()
        return {"roomClocks": snap.room_clocks, "rooms": [
            {"name": r.name, "consumers": list(r.consumers), "clockOffsetDays": r.clock_offset,
             "today": self.today_of(r.name, base).isoformat(), "createdAt": r.created_at}
            for r in snap.rooms.values()]}


def install(app, services) -> Rooms | None:
    """Attach the room list (needs the state store) and pin a room's date for its requests when room clocks are on.
    Registered after the clock's hook, so the sandbox's date is pinned first and the room's offset goes on top."""
    store = getattr(services, "state", None)
    if store is None:
        return None
    from flask import request

    rooms = Rooms(store, services.world)
    app.extensions["sandbox.rooms"] = rooms
    clock = app.extensions.get("sandbox.clock")

    @app.before_request
    def _room_today():
        environ = request.environ
        if clock is None or not rooms.snapshot(environ).any_offset:  # the usual case: one stat(), nothing else
            return
        base = clock.today()
        day = rooms.today_of(rooms.clock_room(environ), base, environ)
        if day != base:
            clock.pin_day(day)

    return rooms
