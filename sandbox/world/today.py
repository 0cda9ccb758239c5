"""`today` for objects whose date can follow the sandbox clock (World, Ledger).

History is built once for the scenario's date; only what depends on "today" (balances now, pending items,
period filters) follows a clock attached at run time (sandbox/clock.py).
"""

from __future__ import annotations

from datetime import date


class FollowsClock:
    _today_source = None  # a callable giving today; None = the date the object was built for

    @property
    def today(self) -> date:
        return self._today_source() if self._today_source is not None else self._today

    @today.setter
    def today(self, value: date) -> None:
        self._today = value

    def attach_clock(self, source) -> None:
        """Let `source()` say what today is."""
        self._today_source = source
