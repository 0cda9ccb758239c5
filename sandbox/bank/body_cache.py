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
from itertools import compress, repeat
from operator import is_

from sandbox.dsop.wire import Rendered
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
    """Written list items (a transaction's JSON bytes), by key, shared by every page that lists them (issue 19).

    Windows of one account overlap: a caseworker asking for another period, or another page size of links, gets
    mostly transactions some earlier page already wrote. A page is then assembled from the bytes kept here and
    only the new ones are written (bank/item_json.py). The scope and key must fix everything an item's JSON
    depends on (the rules use the account and `today` as the scope, the transaction's id, unique within its
    account, as the key). The rules do not use it when the service withholds a field inside the items (those
    pages are built as dicts). Emptied when `max_items` is reached (0 = keep nothing), which bounds its memory:
    an item's JSON is about 850 bytes, a kept item about 1 kB with its key and the table's share."""

    def __init__(self, max_items: int):
        self.max_items = max(0, int(max_items))
        self._scopes: dict[Hashable, dict[Hashable, bytes]] = {}
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def page(self, scope: Hashable, sources: list, write_all: Callable, key_of: Callable) -> list:
        """The JSON of each of `sources`: each kept under (scope, key_of(source)); the ones not kept are written by
        one call `write_all(list of sources)` (a list of their JSON, in order). Without a cache (max_items 0):
        write_all(sources)."""
        if not self.max_items:
            return write_all(sources)
        kept = self._scopes.get(scope)
        if kept is None:
            kept = self._scopes[scope] = {}
        keys = list(map(key_of, sources))
        texts = list(map(kept.get, keys))  # the look-ups in C: on a page of kept items this is all there is
        if None not in texts:
            return texts
        if texts.count(None) == len(texts) and len(set(keys)) == len(keys):  # none kept (a first render)
            texts = write_all(sources)
            written = dict(zip(keys, texts, strict=True))
        else:
            places = list(compress(range(len(texts)), map(is_, texts, repeat(None))))  # the items not kept
            missing: dict = {}  # key → its first place on the page (an item may be listed twice)
            for n in places:
                missing.setdefault(keys[n], n)
            written = dict(zip(missing, write_all([sources[n] for n in missing.values()]), strict=True))
            for n in places:
                texts[n] = written[keys[n]]
        if len(written) > self.max_items:
            return texts  # more new items than the whole cache keeps: served, not kept
        if self._count + len(written) > self.max_items:
            self.clear()
            kept = self._scopes[scope] = {}
        kept.update(written)
        self._count += len(written)
        return texts

    def clear(self) -> None:
        self._scopes.clear()
        self._count = 0


