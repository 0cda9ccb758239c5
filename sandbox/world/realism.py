"""The realism report of a built world (`dsop-sandbox validate --realism`): figures that say whether its money
behaves like money in Norway (cards, calendar, salaries, interest, currencies) and, from other modules, whether
its people look like people.

A figure is a function `fn(world) -> {"name", "value", "unit", "expected", "ok"}`; each module in
FIGURE_MODULES lists its figures in a tuple `FIGURES`. Figures sample a bounded number of accounts and months
(`sample_accounts`, SAMPLE_MONTHS) so the whole report takes seconds on any world size.
"""

from __future__ import annotations

from . import realism_money, realism_people
from .realism_kit import figure, sample_accounts, window

FIGURE_MODULES = (realism_people, realism_money)
__all__ = ["FIGURE_MODULES", "figure", "format_report", "report", "sample_accounts", "window"]


def report(world) -> list[dict]:
    """Every figure of every module in FIGURE_MODULES, in order."""
    return [fn(world) for module in FIGURE_MODULES for fn in module.FIGURES]


def format_report(rows: list[dict]) -> list[str]:
    """The report as aligned text lines (name, value, unit, expected, ok)."""
    def show(value) -> str:
        return f"{value:.4g}" if isinstance(value, float) else str(value)
    cells = [(r["name"], show(r["value"]), r["unit"], r["expected"], "ok" if r["ok"] else "NOT OK") for r in rows]
    header = ("figure", "value", "unit", "expected", "")
    widths = [max(len(c[i]) for c in [header, *cells]) for i in range(4)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=False)).rstrip()]
    for c in cells:
        lines.append("  ".join([*(v.ljust(w) for v, w in zip(c[:4], widths, strict=True)), c[4]]))
    lines.append(f"{sum(r['ok'] for r in rows)} of {len(rows)} figures as expected")
    return lines
