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
from collections import OrderedDict
from collections.abc import Callable, Hashable

from sandbox.dsop.wire import Rendered

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
        rendered = Rendered(render())  # outside the lock: a slow render does not hold up other threads' hits
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
    """Rendered list items (a transaction's JSON shape) by key, shared by every page that lists them (issue 19).

    Windows of one account overlap: a caseworker asking for another period, or another page size of links, gets
    mostly transactions some earlier page already rendered. A page is then assembled from the items kept here
    and only the new ones are rendered. The key must fix everything an item's shape depends on (the rules use
    the account, the transaction's id, unique within its account, and `today`). Items are shared by the bodies
    that list them, so nobody may change one: the rules render without this cache when the service withholds a
    field inside the items (Grant.withhold deletes keys in place). Emptied when `max_items` is reached (0 = keep
    nothing), which bounds its memory (about 1.5 kB per item)."""

    def __init__(self, max_items: int):
        self.max_items = max(0, int(max_items))
        self._entries: dict[Hashable, dict] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def renderer(self, scope: Hashable, render: Callable, key_of: Callable) -> Callable:
        """`render` through this cache: an item is kept under (scope, key_of(item source))."""
        if not self.max_items:
            return render
        entries, limit = self._entries, self.max_items

        def cached(source):
            key = (scope, key_of(source))
            item = entries.get(key)
            if item is None:
                item = render(source)
                if len(entries) >= limit:
                    entries.clear()
                entries[key] = item
            return item

        return cached

    def clear(self) -> None:
        self._entries.clear()
