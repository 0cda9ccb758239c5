"""The one place that reads the wall clock's date.

Only "today" when neither the command line nor the scenario fixes one comes from here; generation code never
reads the clock (DESIGN §2), so a scenario with a fixed `today` is byte-stable forever.
"""

from __future__ import annotations

from datetime import date


def real_today() -> date:
    return date.today()
