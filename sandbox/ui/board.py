"""The presenter board's data: one card per workshop room (sandbox/rooms.py) with its progress at a glance — cases
run, requests, errors, the last request — and its date. Plain Python: no Flask.

Rooms are the presenter's (created on the board or through the admin API) and any name participants picked or
sent in a `Sandbox-Room` header: a room with traffic shows up even if nobody created it.
"""

from __future__ import annotations

from .traffic import local_time


def cards(rooms, audit, runs, today) -> dict:
    """`{"roomClocks", "today", "rooms": [card, ...]}`: the presenter's rooms first (by name), then the others."""
    snap = rooms.snapshot()
    stats = audit.by_room() if audit is not None else {}
    ran = runs.count_by_room() if runs is not None else {}
    extra = sorted((set(stats) | set(ran)) - set(snap.rooms))
    out = []
    for name in [*snap.rooms, *extra]:
        room = snap.rooms.get(name)
        s = stats.get(name) or {}
        last = s.get("last")
        out.append({
            "name": name, "known": room is not None, "consumers": list(room.consumers) if room else [],
            "cases": s.get("cases", 0), "requests": s.get("requests", 0), "errors": s.get("errors", 0),
            "uiRuns": ran.get(name, 0), "today": rooms.today_of(name, today).isoformat(),
            "clockOffsetDays": room.clock_offset if room else 0,
            "last": {"clock": local_time(last["time"]), "api": last["api"], "endpoint": last["endpoint"],
                     "status": last["status"], "errorCode": last["error_code"]} if last else None,
        })
    return {"roomClocks": snap.room_clocks, "today": today.isoformat(), "rooms": out}
