"""Wire formats shared by every API: dates, date-times, amounts (DESIGN D5).

Amounts are integer øre inside the sandbox and JSON numbers with at most two decimals on the wire; dates are
YYYY-MM-DD, date-times RFC 3339 in UTC with `Z`, card months YYYY-MM.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import orjson

OSLO = ZoneInfo("Europe/Oslo")


def money(minor: int) -> float | int:
    """øre → a JSON number: whole kroner as an integer-valued number, else two decimals."""
    value = abs(minor)
    return value // 100 if value % 100 == 0 else round(value / 100, 2)


def day(d: date) -> str:
    return d.isoformat()


def month(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def datetime_z(dt: datetime) -> str:
    if dt.tzinfo is UTC:  # every ledger timestamp is UTC already: no conversion, no strftime
        return dt.isoformat(timespec="seconds")[:19] + "Z"
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def midnight_z(d: date) -> str:
    """bookingDate/valueDate: the day at 00:00 UTC (D5 requires an offset; Q-12)."""
    return f"{d.isoformat()}T00:00:00Z"


def end_of_day_oslo(d: date) -> str:
    """Q-08: a historical balance is registered at the end of `d` in Oslo, written in UTC."""
    return datetime_z(datetime.combine(d, time(23, 59, 59), OSLO))


def sandbox_instant(today: date) -> datetime:
    """The sandbox clock's "now": noon UTC on today, so bodies are byte-stable (D15)."""
    return datetime.combine(today, time(12), UTC)


def sandbox_now(today: date) -> str:
    """The sandbox clock's "now" for body timestamps, written as every date-time is (RFC 3339 in UTC with Z)."""
    return datetime_z(sandbox_instant(today))


def body_bytes(body) -> bytes:
    """A response body's JSON bytes: what every API sends (orjson, no options). A Rendered body brings its own."""
    if type(body) is Rendered and body.json is not None:
        return body.json
    return dumps_body(body)


def dumps_body(body) -> bytes:
    """orjson.dumps(body), byte for byte, with each top-level JsonItems not read yet joined in by one b"".join.

    orjson writes a body into a buffer it grows as it goes: for an 800 kB transactions page that is about ten
    reallocations, which copy what is written so far, on top of copying each chunk in (callgrind of distinct
    pages: the two copies were 40 % of a request's instructions). Here orjson writes the body with a mark in
    place of each such list, a NUL byte (which orjson never writes: it escapes control characters in strings),
    and the pieces and the lists' chunks are joined into one buffer of the final size: one copy."""
    if not isinstance(body, dict):  # a list body (the API directory's), a string …
        return orjson.dumps(body)
    lists = {key: chunks for key, value in body.items()
             if type(value) is JsonItems and (chunks := value.unread_chunks()) is not None}
    if not lists:
        return orjson.dumps(body)
    marked = dict(body)
    for key in lists:
        marked[key] = _MARK
    pieces = orjson.dumps(marked).split(b"\0")  # in the order of the keys: orjson keeps a dict's order
    parts = [pieces[0]]
    for chunks, piece in zip(lists.values(), pieces[1:], strict=True):
        parts.append(b"[")
        if chunks:
            joined = [b","] * (2 * len(chunks) - 1)  # chunk, comma, chunk, …
            joined[::2] = chunks
            parts += joined
        parts += (b"]", piece)
    return b"".join(parts)


class JsonItems(list):
    """A body's list of JSON objects held as their JSON texts until Python code reads it (issue 19).

    A 1000-item transactions page is written straight to JSON (bank/item_json.py): building its 1000 dicts only
    to serialise them was most of a first render. So the list holds, until then, orjson.Fragments of chunks of
    its items' texts (each chunk one or more whole items joined by commas: a month of a page as the bank keeps
    it, bank/body_cache.py ItemCache), and orjson.dumps of a body that holds it writes exactly the items' JSON
    with a comma between each two. Any Python-level read (len excepted, which is known) first loads the items as
    dicts (orjson.loads: equal values, the same bytes again), and from then on it is an ordinary list;
    json.dumps, list(), sorted() and copies read it that way too. Only C code that looks at a list's storage
    directly sees the Fragments: orjson (which writes its bytes, as it should) and `plain_list + items` (write
    `[*plain_list, *items]`). A copy (copy, deepcopy, pickle) is a plain list."""

    __slots__ = ("_chunks", "_count")

    def __init__(self, chunks: list[bytes], count: int):
        """`chunks`: the items' texts in chunks (none empty) that hold `count` items in all. A Fragment holds its
        bytes without copying them: a month the bank keeps is written into the body straight from where it is
        kept."""
        super().__init__(map(orjson.Fragment, chunks))
        self._chunks, self._count = chunks, count

    @classmethod
    def of(cls, texts: list[bytes]) -> JsonItems:
        """From one text per item (in runs: text_runs)."""
        return cls(text_runs(texts), len(texts))

    def load(self) -> JsonItems:
        """Replace the Fragments by the items as dicts (done once, by the first read; a cached body's list is shared
        by the threads of the dev server, hence the lock)."""
        if self._count is not None:
            items = orjson.loads(b"[" + b",".join(self._chunks) + b"]")
            with _LOADING:
                if self._count is not None:
                    list.clear(self)
                    list.extend(self, items)
                    self._count = None
        return self

    def __len__(self) -> int:
        return list.__len__(self) if self._count is None else self._count

    def unread_chunks(self) -> list[bytes] | None:
        """The items' JSON texts in their chunks while no Python code has read the list (None once it has: then it
        holds dicts, which may have been changed since). Read them, never change them: they are shared."""
        return self._chunks if self._count is not None else None

    def __reduce_ex__(self, protocol):
        return list, (list(self),)


def text_runs(texts: list[bytes]) -> list[bytes]:
    """Items' texts as JsonItems chunks: runs of _RUN items joined with commas. Not one chunk per item (making 1000
    Fragments was 6 % of a first render's instructions), not one for the whole page (that joins 800 kB into one
    more fresh buffer before the body copies it; a run of ~50 kB is copied while it is still in the cache)."""
    return [b",".join(texts[i:i + _RUN]) for i in range(0, len(texts), _RUN)]


_LOADING = threading.Lock()
_MARK = orjson.Fragment(b"\0")  # where dumps_body joins a list in
_RUN = 64  # items per chunk of text_runs


def _loading(name: str):
    method = getattr(list, name)

    def read(self, *args, **kwargs):
        if self._count is not None:
            self.load()
        for other in args:  # the list methods read another list's storage directly: compare, add, extend
            if type(other) is JsonItems and other._count is not None:
                other.load()
        return method(self, *args, **kwargs)

    read.__name__ = read.__qualname__ = name
    return read


for _name in ("__iter__", "__reversed__", "__getitem__", "__contains__", "__eq__", "__ne__", "__lt__", "__le__",
              "__gt__", "__ge__", "__repr__", "__add__", "__mul__", "__rmul__", "__iadd__", "__imul__", "__setitem__",
              "__delitem__", "append", "extend", "insert", "pop", "remove", "sort", "reverse", "clear", "copy",
              "index", "count"):
    setattr(JsonItems, _name, _loading(_name))


class Rendered(dict):
    """A response body that carries its JSON bytes (`json`), made once and then shared by every request that asks
    for the same thing (sandbox/bank/body_cache.py hands out a shallow copy each time).

    The values inside are shared with the cache: read them, never change them. Changing the body itself (setting,
    deleting or replacing a top-level key, as the OpenAPI examples do) forgets the bytes, so they are made again
    from the changed body."""

    __slots__ = ("json",)

    def __init__(self, body: dict, data: bytes | None = None):
        super().__init__(body)
        self.json = dumps_body(body) if data is None else data

    def copy(self) -> Rendered:
        return Rendered(self, self.json)

    # Every way of changing the body itself forgets the bytes.
    def __setitem__(self, key, value):
        self.json = None
        super().__setitem__(key, value)

    def __delitem__(self, key):
        self.json = None
        super().__delitem__(key)

    def __ior__(self, other):
        self.json = None
        return super().__ior__(other)

    def pop(self, *args):
        self.json = None
        return super().pop(*args)

    def popitem(self):
        self.json = None
        return super().popitem()

    def setdefault(self, key, default=None):
        self.json = None
        return super().setdefault(key, default)

    def update(self, *args, **kwargs):
        self.json = None
        super().update(*args, **kwargs)

    def clear(self):
        self.json = None
        super().clear()
