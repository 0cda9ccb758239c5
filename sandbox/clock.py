"""The sandbox's clock: what "today" is. The one place that reads the wall clock's date.

Two layers:

- `real_today()`: the real date, used only when neither the command line nor the scenario fixes one;
  generation code never reads the clock (DESIGN §2), so a scenario with a fixed `today` is byte-stable forever.
- `SandboxClock`: "today" at run time. It starts at the world's build date (`--today`, else the scenario's,
  else the real date) and can be set or advanced while the server runs (`POST /sandbox/v1/clock`). The value
  lives in the shared state store, so every gunicorn worker sees the same date; the world's history is not
  rebuilt, only what depends on "today" moves: `activeAccount`, account status, balances "now", pending
  items, which days are booked, the period windows (`toDate` may not pass today). Token times stay real.

`today: real` (scenario) or `--today real` (serve): the world is built for the real date, and the clock
*follows* the real date while the server runs — it moves by as many days as the real date has moved since the
server started, so a consumer whose default period ends on the real date (OED: toDate = today) is never refused
after midnight. What happens when the real date changes: the history (relative scenario dates such as `-30d`,
generated people) stays the one built for the start date, exactly as after `POST /sandbox/v1/clock` with
`advance`; a server started on the new date builds it for that date. Answers stay a pure function of
(scenario, seed, start date, today): two servers started on the same real date answer byte-identical bodies.
A date set through the admin API wins over following; `reset` goes back to following. Tests freeze the real
date by injecting `real=` (a callable), never by sleeping.

Every request reads the clock once and pins it (a context variable) for the whole request, so one response
never mixes two dates and a date set through one worker (or, on PostgreSQL, one replica) is seen by the next
request on any worker. Reading is the store's (`clock_get`): SQLite's costs one memory read of a change stamp
that every change rewrites (sandbox/state.py), PostgreSQL's one SELECT of a one-row table. Outside a request
(scripts, tests calling the rules) the value is cached for `ttl` seconds.
"""

from __future__ import annotations

import threading
import time
from contextvars import ContextVar
from datetime import UTC, date, datetime

MIN_DATE, MAX_DATE = date(1900, 1, 1), date(2199, 12, 31)

_pinned: ContextVar[date | None] = ContextVar("sandbox_today", default=None)

#: `--today real` / `today: real`: the sandbox's date is the real date and follows it (see the module docstring).
REAL = "real"


def real_today() -> date:
    return date.today()


def parse_today(text: str) -> date | str:
    """`real` or YYYY-MM-DD (the `--today` option); ValueError otherwise."""
    value = str(text).strip()
    if value.lower() == REAL:
        return REAL
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"'{text}' is not a date: expected YYYY-MM-DD or 'real'") from None


class ClockError(ValueError):
    """A date the clock cannot be set to; the message says what was expected."""


class SandboxClock:
    """Run-time "today", shared by all workers through the state store (None: this process only)."""

    def __init__(self, base: date, store=None, ttl: float = 0.5, *, real=None):
        """`real`: a callable giving the real date; when given, the clock follows it (base + the days the real
        date has moved since now). None: the clock stays at `base` until it is set."""
        self.base = base
        self.store = store
        self.ttl = ttl
        self._real = real
        self._real_at_start = real() if real is not None else None
        self._lock = threading.Lock()
        self._local_override: date | None = None
        self._cached: tuple[float, date] | None = None

    # ---- reading ---------------------------------------------------------------------------------
    def today(self) -> date:
        """Today as the current request sees it (pinned), else the stored value (cached `ttl` seconds)."""
        pinned = _pinned.get()
        if pinned is not None:
            return pinned
        cached = self._cached
        if cached is not None and time.monotonic() - cached[0] < self.ttl:
            return cached[1]
        return self.read()

    __call__ = today

    def read(self) -> date:
        """The stored date as of now (the store makes this cheap: sandbox/state.py)."""
        if self.store is None:
            value = self._local_override or self._unset()
        else:
            stored = self.store.clock_get()
            value = date.fromisoformat(stored) if stored else self._unset()
        self._cached = (time.monotonic(), value)
        return value

    @property
    def follows_real(self) -> bool:
        return self._real is not None

    def _unset(self) -> date:
        """Today when nobody has set the clock: the start date, moved as the real date moved when following."""
        if self._real is None:
            return self.base
        return self.base + (self._real() - self._real_at_start)

    def pin(self):
        """Fix today for the current request (a fresh read); returns the token for `unpin`."""
        return _pinned.set(self.read())

    @staticmethod
    def pin_day(day: date) -> None:
        """Re-pin today for the rest of the current request: a workshop room's own date (sandbox/rooms.py). The
        request's teardown (`unpin` with the token of `pin`) restores what was there before the request."""
        _pinned.set(day)

    @staticmethod
    def unpin(token) -> None:
        _pinned.reset(token)

    # ---- changing --------------------------------------------------------------------------------
    def set(self, day: date) -> date:
        if not isinstance(day, date) or not MIN_DATE <= day <= MAX_DATE:
            raise ClockError(f"the sandbox date must lie between {MIN_DATE} and {MAX_DATE}")
        if self.store is None:
            self._local_override = day
        else:
            stamp = datetime.now(UTC).isoformat(timespec="seconds")
            self.store.clock_set(day.isoformat(), stamp, self.base.isoformat())
        self._cached = None
        return self.read()

    def advance(self, expression: str) -> date:
        """Move today by an offset such as `+1d`, `3d`, `-2w`, `+1m`, `+1y6m` (calendar arithmetic)."""
        from sandbox.scenario.dates import parse_date_expr

        text = str(expression).strip()
        if text and text[0].isdigit():
            text = "+" + text
        try:
            expr = parse_date_expr(text)
        except ValueError:
            expr = None
        if expr is None or expr.absolute is not None or text == "today":
            raise ClockError(f"advance must be an offset such as +1d, 3d, -2w, +1m or +1y6m, not {expression!r}")
        with self._lock:
            return self.set(expr.resolve(self.read()))

    def reset(self) -> date:
        """Back to the date the server started with."""
        if self.store is None:
            self._local_override = None
        else:
            self.store.clock_clear()
        self._cached = None
        return self.read()

    def describe(self) -> dict:
        today = self.read()
        return {"today": today.isoformat(), "startedWith": self.base.isoformat(),
                "offsetDays": (today - self.base).days, "moved": today != self.base,
                "followsRealDate": self.follows_real}


def install(app, services) -> SandboxClock:
    """Attach a shared clock to the world and pin "today" once per request (before any other hook runs).
    Only hooks: its routes (sandbox/admin/clock.py) are registered by create_app with every other blueprint.

    The clock starts at the world's build date: a value left in the state directory by an earlier run is
    cleared, so `--today` (or the scenario's `today`) is what a fresh server answers with. On a shared store
    (PostgreSQL) a replica joining the others keeps the date they set, unless it was set for another start date
    (sandbox/state_postgres.py `clock_start`)."""
    from flask import g

    world = services.world
    store = getattr(services, "state", None)
    follows = getattr(getattr(world, "spec", None), "follows_real", False)
    clock = SandboxClock(world.today, store, real=(lambda: real_today()) if follows else None)
    if store is not None:
        store.clock_start(clock.base.isoformat())
    attach = getattr(world, "attach_clock", None)
    if attach is not None:
        attach(clock.today)
    app.extensions["sandbox.clock"] = clock

    @app.before_request
    def _pin_today():
        g._sandbox_clock_token = clock.pin()

    @app.teardown_request
    def _unpin_today(exc=None):
        token = g.pop("_sandbox_clock_token", None)
        if token is not None:
            try:
                clock.unpin(token)
            except ValueError:  # a token from another context (should not happen): drop the pin
                _pinned.set(None)

    return clock
