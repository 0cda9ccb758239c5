"""A bounded cache of rendered bank bodies (issue 8). Plain Python: no Flask here.

Rendering a 1000-item transactions page and its JSON is slow next to a dict lookup, while the answer is a
pure function of the world (immutable), the sandbox's `today` (the clock can move it at run time) and the request:
which account for which party (the accountReference), the period, the page, the query repeated in the links,
and what the service withholds. So the bank rules render a body once, keep it with its JSON bytes
(dsop.wire.Rendered), and answer the same question again from here; JWE encryption still happens per request
on top of the bytes. The caller builds the key and must put everything that shapes the body in it — `today`
always.

Entries are evicted least recently used first, so that the bodies kept (the JSON bytes plus the dicts they were
made from) stay within `max_bytes`. What is inside a cached body is shared by every request that hits it: nobody
may change it (the rules withhold fields before caching, per withheld-field signature, never after).
"""

from __future__ import annotations

import threading
from array import array
from collections import OrderedDict
from collections.abc import Callable, Hashable
from itertools import accumulate, chain, count
from operator import add

from sandbox.dsop.wire import Rendered, text_runs
from sandbox.gc_pause import cyclic_gc_paused

#: A body held as a dict takes about 2.4 times the memory of its JSON (measured: 1.45 MB of Python objects for a
#: 600 kB page of 1000 transactions); an entry is charged for both, rounded up: 3.5 × its JSON size.
COST_FACTOR = 3.5


def cost(data: bytes) -> int:
    """What an entry with these JSON bytes is charged against the bound (bytes, an estimate of its memory)."""
    return int(len(data) * COST_FACTOR) + 256


class BodyCache:
    """Rendered bodies by key, least recently used evicted first, within `max_bytes` (0 = cache nothing)."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max(0, int(max_bytes))
        self.size = 0  # the sum of the entries' costs
        self.hits = self.misses = 0
        self._entries: OrderedDict[Hashable, tuple[Rendered, int]] = OrderedDict()
        self._lock = threading.Lock()  # gunicorn's sync workers are single-threaded; the dev server is not

    def __len__(self) -> int:
        return len(self._entries)

    def get_or_render(self, key: Hashable, render: Callable[[], dict]) -> Rendered:
        """The body cached under `key`, else `render()` turned into a Rendered body and kept if it fits. Always a
        shallow copy of the kept one: a caller may replace its top-level keys (that forgets the copy's bytes),
        never change the values inside."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return entry[0].copy()
            self.misses += 1
        # outside the lock: a slow render does not hold up other threads' hits; the collector paused: a page's
        # thousands of short-lived objects would set off collections (sandbox/gc_pause.py)
        with cyclic_gc_paused():
            body = render()
            rendered = body if type(body) is Rendered else Rendered(body)  # a body may bring its bytes
        self._put(key, rendered)
        return rendered.copy()

    def _put(self, key: Hashable, rendered: Rendered) -> None:
        charge = cost(rendered.json)
        if charge > self.max_bytes:
            return  # larger than the whole cache: served, not kept
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.size -= old[1]
            while self._entries and self.size + charge > self.max_bytes:
                _, (_, evicted) = self._entries.popitem(last=False)
                self.size -= evicted
            self._entries[key] = (rendered, charge)
            self.size += charge

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.size = 0


class ItemCache:
    """Written list items (transactions' JSON), kept by month and shared by every page that lists them (issue 19).

    Windows of one account overlap: a caseworker asking for another period, or another page size of links, gets
    mostly transactions some earlier page already wrote. The ledger hands a window out month by month, the same
    month tuple for every window (world/ledger.py booked_months), so the items are kept as a month's texts: its
    items' JSON joined with commas in one `bytes` (`MonthText`), with where each item ends. A page is then the
    kept months as they are (the body's JsonItems holds each as an orjson.Fragment, which does not copy it) and
    a slice of the two edge months: no look-up, reference or copy per item. Only the months not kept are written
    (one write_all call for all of them). The scope and month key must fix everything an item's JSON depends on
    (the rules use the account and `today` as the scope, (year, month) as the key). The rules do not use it when
    the service withholds a field inside the items (those pages are built as dicts). Emptied when `max_items`
    items are kept (0 = keep nothing), which bounds its memory: a kept item is about its JSON, ~850 bytes."""

    def __init__(self, max_items: int):
        self.max_items = max(0, int(max_items))
        self._scopes: dict[Hashable, dict[Hashable, MonthText]] = {}
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def page(self, scope: Hashable, parts: list, write_all: Callable, extra: list = ()) -> tuple[list[bytes], int]:
        """(chunks, count): the JSON of the items of `parts` and then of `extra`, in order, as chunks of texts joined
        by commas (none empty; `count` items in all). `parts`: [(key, the month's sources, lo, hi)], the page holding
        sources[lo:hi] of each; each month is kept whole under (scope, key). `extra` (pending items: not a month's)
        is written each time. `write_all(list of sources)` → a list of their JSON, in order. Without a cache
        (max_items 0) only the page's own items are written."""
        if not self.max_items:
            sources = list(chain.from_iterable(txs[lo:hi] for _, txs, lo, hi in parts))
            sources += extra
            texts = write_all(sources)
            return text_runs(texts), len(texts)
        kept = self._scopes.get(scope)
        if kept is None:
            kept = self._scopes[scope] = {}
        months = [kept.get(key) for key, _, _, _ in parts]
        if None in months:
            months = self._write(scope, kept, parts, months, write_all)
        chunks, items = [], 0
        for (_, txs, lo, hi), month in zip(parts, months, strict=True):
            chunks.append(month.blob if lo == 0 and hi == len(txs) else month.between(lo, hi))
            items += hi - lo
        if extra:
            chunks.append(b",".join(write_all(list(extra))))
            items += len(extra)
        return chunks, items

    def _write(self, scope, kept: dict, parts: list, months: list, write_all: Callable) -> list:
        """Write the months not kept, all in one write_all call; keep them (emptying the cache first when they would
        not fit, or not at all when they alone do not)."""
        missing = [(n, txs) for n, ((_, txs, _, _), month) in enumerate(zip(parts, months, strict=True))
                   if month is None]
        texts = write_all(list(chain.from_iterable(txs for _, txs in missing)))
        months = list(months)
        start, written = 0, 0
        for n, txs in missing:
            months[n] = MonthText.of(texts[start:start + len(txs)])
            start += len(txs)
            written += len(txs)
        if written > self.max_items:
            return months  # more new items than the whole cache keeps: served, not kept
        if self._count + written > self.max_items:
            self.clear()
            kept = self._scopes[scope] = {}
        for n, _ in missing:
            kept[parts[n][0]] = months[n]
        self._count += written
        return months

    def clear(self) -> None:
        self._scopes.clear()
        self._count = 0


class MonthText:
    """A month's items' JSON joined with commas (`blob`), and where each item ends in it (`ends[i]`: the offset
    just past item i; item i + 1 starts one comma later)."""

    __slots__ = ("blob", "ends")

    def __init__(self, blob: bytes, ends: array):
        self.blob, self.ends = blob, ends

    @classmethod
    def of(cls, texts: list[bytes]) -> MonthText:
        # item i ends after the lengths of items 0..i and the i commas before it; 8 bytes an offset in an array
        # (a list would hold an int object per item, and be one more container for the collector)
        return cls(b",".join(texts), array("q", map(add, accumulate(map(len, texts)), count())))

    def between(self, lo: int, hi: int) -> bytes:
        """Items lo..hi-1 (hi > lo), joined with commas."""
        return self.blob[self.ends[lo - 1] + 1 if lo else 0:self.ends[hi - 1]]
