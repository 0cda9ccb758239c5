"""Paging of Accounts and Transactions (D6, R-18, Q-10): relative hrefs that repeat every original query parameter
plus an opaque `page` cursor; `next` only when another page exists; `prev` from page 2 on.

The cursor is opaque and tamper-evident, so the sandbox teaches what a real bank requires: follow links[].href
verbatim, with the same headers. It is 12 bytes written as URL-safe base64 without padding (16 characters):

    tag    = HMAC-SHA256(mac key, scope ‖ page number)[:8]
    masked = page number (4 bytes, big-endian) XOR HMAC-SHA256(pad key, tag)[:4]
    cursor = base64url(tag ‖ masked)

The scope is what the links were issued for: the bank, the base path (with the accountReference on
transactions), every other query parameter as sent (fromDate, toDate, OnlyPrimaryOwner, anything else; sorted,
so their order does not matter) and, on /accounts, the PartyID. The keys come from the world's seed as the
accountReference keys do (references.py), so the same scenario, seed and today give byte-identical links on every
worker and machine, and a cursor survives a restart. Nothing about the page number can be read from a cursor.

Page 1 has no cursor. A cursor that does not verify for this request — a page number built by hand, an altered
character, a cursor of another period, account, party or bank — is a 400 ACC-001 naming `page`. A verified cursor
past the last page (possible only when the items changed since, e.g. the clock moved) is an empty page, not an
error.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urlencode

import orjson

from .errors import BadRequest
from .formats import CURSOR_PATTERN

#: What a cursor looks like: 16 characters of the URL-safe base64 alphabet (12 bytes, no padding, no spare bits).
#: The request schema documents `page` from these (bank/schemas.py): the document and the parser cannot drift.
_CURSOR = re.compile(CURSOR_PATTERN)
#: The highest page number a cursor carries (10 million pages of one item).
MAX_PAGE = 10_000_000
BAD_CURSOR = ("page is not a cursor this bank issued for this request: follow links[].href verbatim (same path, "
              "query parameters and headers); do not build a page number or change the page cursor")


def href(base_path: str, query: dict, cursor: str | None) -> str:
    params = [(k, v) for k, v in query.items() if k != "page"]
    if cursor is not None:
        params.append(("page", cursor))
    return f"{base_path}?{urlencode(params)}" if params else base_path


class PageCursors:
    """Issues and checks the `page` cursors of one world (keys derived from its seed)."""

    def __init__(self, seed: str):
        secret = hashlib.sha256(f"dsop-sandbox:page-cursor:{seed}".encode()).digest()
        self._mac_key, self._pad_key = secret[:16], secret[16:]

    @staticmethod
    def scope(base_path: str, query: dict | None, *more: str) -> bytes:
        """The request a cursor is valid for: base path, the query parameters other than `page` as sent, `more`."""
        params = sorted((k, v) for k, v in (query or {}).items() if k != "page")
        return orjson.dumps([base_path, params, more])  # orjson, not json: this runs on every paged request

    def _tag(self, scope: bytes, number: int) -> bytes:
        return hmac.new(self._mac_key, scope + b"\0" + number.to_bytes(4, "big"), hashlib.sha256).digest()[:8]

    def _pad(self, tag: bytes) -> int:
        return int.from_bytes(hmac.new(self._pad_key, tag, hashlib.sha256).digest()[:4], "big")

    def encode(self, number: int, scope: bytes) -> str | None:
        """The cursor of page `number` (None for page 1: its links carry no `page`)."""
        if number <= 1:
            return None
        tag = self._tag(scope, number)
        return base64.urlsafe_b64encode(tag + (number ^ self._pad(tag)).to_bytes(4, "big")).decode("ascii")

    def peek(self, cursor: str | None) -> int | None:
        """The page number a well-formed cursor claims, NOT checked against any request (None: no cursor, or not
        one): for the fault plan, which decides before the view; the view checks it (number())."""
        if not cursor or not _CURSOR.fullmatch(cursor):
            return None
        raw = base64.urlsafe_b64decode(cursor)
        number = int.from_bytes(raw[8:], "big") ^ self._pad(raw[:8])
        return number if 2 <= number <= MAX_PAGE else None

    def number(self, cursor: str | None, scope: bytes) -> int:
        """The page number of `cursor`, checked against the request's scope; 1 without a cursor; else 400."""
        if cursor is None or cursor == "":
            return 1
        number = self.peek(cursor)
        if number is None or not hmac.compare_digest(self._tag(scope, number), base64.urlsafe_b64decode(cursor)[:8]):
            raise BadRequest(BAD_CURSOR)
        return number

    def paging(self, cursor: str | None, base_path: str, query: dict | None, *more: str) -> Paging:
        """The paging of one request: its page number (400 on a cursor it was not issued) and its links."""
        query = query or {}
        scope = self.scope(base_path, query, *more)
        return Paging(self, scope, base_path, query, self.number(cursor, scope))


@dataclass(frozen=True)
class Paging:
    cursors: PageCursors
    scope: bytes
    base_path: str
    query: dict
    number: int

    def href(self, number: int) -> str:
        """href(base path, query, cursor of page `number`): the query other than `page` encoded once per request
        for all its links (urlencode is Python per parameter); the cursor is URL-safe base64 without padding,
        which urlencode leaves as it is."""
        cursor = self.cursors.encode(number, self.scope)
        query = self._query
        if cursor is not None:
            query = f"{query}&page={cursor}" if query else f"page={cursor}"
        return f"{self.base_path}?{query}" if query else self.base_path

    @cached_property
    def _query(self) -> str:
        return urlencode([(k, v) for k, v in self.query.items() if k != "page"])


def paginate(items: list, paging: Paging, size: int):
    """(the items of the requested page, links). A page past the end is an empty page, not an error."""
    start = (paging.number - 1) * size
    return items[start:start + size], page_links(paging, size, len(items))


def page_links(paging: Paging, size: int, total: int) -> list[dict]:
    """The links of page `paging.number` of `total` items, `size` a page: self; next while items follow; prev
    from page 2 on."""
    number = paging.number
    links = [{"rel": "self", "href": paging.href(number)}]
    if number * size < total:
        links.append({"rel": "next", "href": paging.href(number + 1)})
    if number > 1:
        links.append({"rel": "prev", "href": paging.href(number - 1)})
    return links


def page_parts(parts: list, extra: list, start: int, stop: int) -> tuple[list, list]:
    """Items start..stop-1 of the items of `parts` ([(key, sequence, lo, hi)], each holding sequence[lo:hi]) and
    then `extra`, in the same form: (the parts trimmed to them, the slice of extra)."""
    out, at = [], 0
    for key, seq, lo, hi in parts:
        first, last = max(start - at, 0), min(stop - at, hi - lo)
        if first < last:
            out.append((key, seq, lo + first, lo + last))
        at += hi - lo
    return out, extra[max(start - at, 0):max(stop - at, 0)]
