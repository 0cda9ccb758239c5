"""The party page's timeline as SVG primitives (rect, line, text with an optional tooltip). Plain Python.

One row per account the party is tied to: the account's lifecycles as a grey track, the party's relations on
top (primary owner, co-owner, disposal right, co-borrower, guarantor), the cards the party holds as thin lines
below (ending where they were blocked or expire); then the guardianships; deaths and bankruptcies as vertical
lines; the selected period as a shaded band and today as a dashed line. A check mark at the right end marks the
accounts a request for the selected period lists. The template only draws what it gets.

Labels are large enough for a projector: `LABEL_PX` SVG units, so that at 1024 px of window (where the chart is
drawn at about 0.82 of its size) a label is still 15 px on the screen. Left of the axis each account has three
lines — number, bank, type (as the API answers it, v2.0) — so a bank name and a type each get the whole label
column and the default scenario's labels are never cut. A name too long even for that (a scenario's own) is cut
to the room it has (`fit`, with an ellipsis), never by a character count alone; every label carries the whole
text in its tooltip (an SVG <title>): bank, number, type, and the v2.1 Owners type where it differs.
"""

from __future__ import annotations

from datetime import date, timedelta

WIDTH = 1200
X0, X1 = 340, 1160  # the time axis; labels left of X0, the "listed" mark right of X1
TOP = 50  # room for the year ticks and, below them, the event labels
ROW = 66  # an account's three label lines
CARD = 10

RELATION_CLASS = {("owner", True): "rel-primary", ("owner", False): "rel-owner", ("role", False): "rel-role",
                  ("co_borrower", False): "rel-coborrower", ("guarantor", False): "rel-guarantor"}
RELATION_TEXT = {"rel-primary": "primary owner", "rel-owner": "co-owner (not primary)", "rel-role": "disposal right",
                 "rel-coborrower": "co-borrower", "rel-guarantor": "guarantor"}
LABEL_ROOM = X0 - 8 - 10  # SVG units from a label's start to the axis, less a margin
LABEL_PX = 18.5  # every label's font size in SVG units (ui.css .timeline text): ≥ 15 px on screen from 1024 px up
SUB_PX = LABEL_PX  # the .sub labels' font size
#: Advance widths in em of DejaVu Sans (the widest of the faces ui.css names; measured in Chromium, 0–6 % over), so a
#: label cut to fit never reaches the axis whichever face the browser picks.
_NARROW, _WIDE = set("iljI.,:;|!'·()[] -ftr"), set("mwMWÆŒ@%")


def text_width(text: str, px: float) -> float:
    """An upper estimate of `text`'s width at `px` pixels (SVG units) in the UI's sans-serif face."""
    em = 0.0
    for ch in text:
        if ch in _NARROW:
            em += 0.36
        elif ch in _WIDE:
            em += 1.0
        elif ch.isupper():
            em += 0.70
        elif ch.isdigit():
            em += 0.64
        else:
            em += 0.60
    return em * px


def fit(text: str, room: float, px: float) -> str:
    """`text`, cut with an ellipsis to fit in `room` SVG units at `px` (whole when it fits)."""
    if text_width(text, px) <= room:
        return text
    while text and text_width(text.rstrip() + "…", px) > room:
        text = text[:-1]
    return text.rstrip() + "…"


class _Axis:
    def __init__(self, start: date, end: date):
        self.start, self.end = start, end
        self.days = max(1, (end - start).days)

    def x(self, day: date) -> float:
        day = min(max(day, self.start), self.end)
        return round(X0 + (X1 - X0) * (day - self.start).days / self.days, 1)


def _range(world, accounts, window, guardianships) -> tuple[date, date]:
    today = world.today
    starts = [today - timedelta(days=365)]
    for row in accounts:
        a = row["account"]
        starts += [lc.start for lc in a.lifecycles] + [r.period.start for r in row["relationObjects"]]
        starts += [c.issued for c in row["cards"]]
    starts += [g.period.start for g in guardianships]
    if window is not None:
        starts.append(window.start)
    first = min(starts)
    return date(first.year, 1, 1), today + timedelta(days=200)


def _span(axis: _Axis, start: date, end: date | None, cap: date) -> tuple[float, float]:
    last = cap if end is None or end > cap else end
    x = axis.x(start)
    return x, max(2.0, round(axis.x(last + timedelta(days=1)) - x, 1))


def chart(world, party, accounts: list[dict], window, listed: set[str]) -> dict:
    today = world.today
    guardianships = [g for g in world.guardianships if party.id in (g.ward_id, g.guardian_id)]
    axis = _Axis(*_range(world, accounts, window, guardianships))
    shapes: list[dict] = []
    y = TOP
    for row in accounts:
        a = row["account"]
        height = ROW + CARD * len(row["cards"])
        listed_here = a.number in listed
        shapes.append({"t": "text", "x": 8, "y": y + 19, "text": a.number, "cls": "lbl" + (" listed" if listed_here else "")})
        kind = row["type"] + (f" (v2.1 Owners: {row['v21']})" if row.get("v21") else "")
        title = f"{row['bank']} · {a.number} · {kind}"
        shapes.append({"t": "text", "x": 8, "y": y + 39, "text": fit(row["bank"], LABEL_ROOM, SUB_PX), "cls": "sub",
                       "title": title})
        shapes.append({"t": "text", "x": 8, "y": y + 59, "text": fit(row["type"], LABEL_ROOM, SUB_PX),
                       "cls": "sub type", "title": title})
        for lc in a.lifecycles:
            x, w = _span(axis, lc.start, lc.end, today)
            shapes.append({"t": "rect", "x": x, "y": y + 6, "w": w, "h": 24, "cls": "track",
                           "title": f"{a.number} open {lc.start}–{lc.end or 'today'}"})
        for r in sorted(row["relationObjects"], key=lambda r: r.period.start):
            cls = RELATION_CLASS.get((r.kind, bool(r.primary)), "rel-owner")
            x, w = _span(axis, r.period.start, r.period.end, today)
            what = RELATION_TEXT[cls] + (f" ({r.permission})" if r.permission else "")
            shapes.append({"t": "rect", "x": x, "y": y + 11, "w": w, "h": 14, "cls": cls,
                           "title": f"{party.name}: {what}, {r.period.start}–{r.period.end or 'today'}"})
        for i, c in enumerate(row["cards"]):
            end = min([d for d in (c.blocked_on, c.expires) if d is not None])
            cy = y + ROW - 4 + CARD * i
            x, w = _span(axis, c.issued, end, max(today, end))
            state = c.status_on(today)
            shapes.append({"t": "rect", "x": x, "y": cy - 3, "w": w, "h": 6, "cls": f"card card-{state}",
                           "title": f"card •••• {c.number[-4:]} {c.type} v{c.version}, from {c.issued:%Y-%m} "
                                    f"{'blocked ' + str(c.blocked_on) if c.blocked_on else 'expires ' + format(c.expires, '%Y-%m')}"})
        if listed_here:
            shapes.append({"t": "text", "x": X1 + 12, "y": y + 24, "text": "✓", "cls": "check",
                           "title": "listed by /accounts for the selected period"})
        y += height
    for g in guardianships:
        ward = world.parties[g.ward_id]
        guardian = world.parties[g.guardian_id]
        label = f"guardian: {guardian.name}" if g.ward_id == party.id else f"ward: {ward.name}"
        shapes.append({"t": "text", "x": 8, "y": y + 24, "text": fit(label, LABEL_ROOM, SUB_PX), "cls": "sub",
                       "title": label})
        x, w = _span(axis, g.period.start, g.period.end, today)
        shapes.append({"t": "rect", "x": x, "y": y + 11, "w": w, "h": 14, "cls": "guardianship",
                       "title": f"guardianship of {ward.name} by {guardian.name}, {g.period.start}–{g.period.end or 'today'}"})
        y += ROW
    height = max(y + 10, TOP + ROW)
    background: list[dict] = []
    step = 1 if (axis.end.year - axis.start.year) <= 12 else 2
    for year in range(axis.start.year, axis.end.year + 1):
        day = date(year, 1, 1)
        if day < axis.start or day > axis.end:
            continue
        x = axis.x(day)
        background.append({"t": "line", "x1": x, "y1": TOP - 6, "x2": x, "y2": height, "cls": "grid"})
        if (year - axis.start.year) % step == 0 and x + 3 + text_width(str(year), LABEL_PX) <= WIDTH:  # never clipped
            background.append({"t": "text", "x": x + 3, "y": 18, "text": str(year), "cls": "tick"})
    if window is not None:
        x, w = _span(axis, window.start, window.end, window.end)
        background.append({"t": "rect", "x": x, "y": TOP - 8, "w": w, "h": height - TOP + 8, "cls": "window",
                           "title": f"selected period {window.start}–{window.end}"})
    events = [(today, "today", "today")]
    if party.death_date:
        events.append((party.death_date, f"† {party.death_date}", "event"))
    if party.bankruptcy_date:
        events.append((party.bankruptcy_date, f"bankrupt {party.bankruptcy_date}", "event"))
    for day, text, cls in events:  # today's label right of its line (left when no room), the events' left of theirs
        x = axis.x(day)
        shapes.append({"t": "line", "x1": x, "y1": TOP - 8, "x2": x, "y2": height, "cls": cls})
        right = cls == "today" and x + 4 + text_width(text, LABEL_PX) <= WIDTH
        shapes.append({"t": "text", "x": x + 4 if right else x - 4, "y": 40, "text": text,
                       "cls": f"{cls}-label", "anchor": "start" if right else "end"})
    return {"width": WIDTH, "height": height, "shapes": background + shapes, "empty": not accounts and not guardianships}
