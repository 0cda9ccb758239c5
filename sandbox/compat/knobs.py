"""A production bank's deviation knobs (scenario `banks[].deviations`), decided and applied in one step after
the rules, on the body the bank would send (DESIGN D22; the table with sources is deviations.KNOBS). Plain
Python: the bank views call `Knobs.answer` from their one wire step (`_ok`), before JSON/JWE encoding.

Deterministic like sandbox/faults.py: each knob draws from a keyed hash (blake2b keyed by the world's seed) over
the knob, the bank, the endpoint and the request's CorrelationID, so the same request meets the same deviation
on every worker and every run, and a retry with a new CorrelationID draws again. Latency reuses the fault
distributions (sandbox.faults.Latency, schema sandbox/scenario/fault_schema.py).

Bodies the rules hand over may be shared with the body cache (sandbox/bank/body_cache.py: never change them),
so a knob that changes a body works on a fresh copy made from its JSON bytes.
"""

from __future__ import annotations

import hashlib
import struct
import time
from collections import deque
from dataclasses import dataclass, field
from itertools import repeat

import orjson

from sandbox.bank.errors import BackendFailure
from sandbox.dsop.wire import JsonItems, body_bytes
from sandbox.faults import Latency
from sandbox.gc_pause import cyclic_gc_paused
from sandbox.scenario.fault_schema import MAX_DELAY_MS

DEFAULT_ERROR_TEXT = "Teknisk feil. Vennligst prøv igjen senere."
PAGINATED = ("accounts", "transactions")

#: What `omit_optional` leaves out, per endpoint: fields reference/Bank_v2.yaml does not require, never the
#: identifiers, `servicer` or `balances` (the reference consumer dereferences those without a null check:
#: leaving them out would not be a deviation it survives but one it cannot, see docs/compatibility.md).
OPTIONAL = {
    "accounts": ("accounts[].name", "accounts[].primaryOwner", "accounts[].currency"),
    "details": ("account.name", "account.startDate", "account.primaryOwner", "account.balances[].registered",
                "account.balances[].creditLineAmount", "account.balances[].creditLineCurrency"),
    "transactions": ("transactions[].additionalInfo", "transactions[].merchant", "transactions[].valueDate",
                     "transactions[].references", "transactions[].counterParties"),
    "cards": ("paymentCards[].holderName", "paymentCards[].versionNumber"),
    "roles": ("roles[].name", "roles[].startDate"),
}


@dataclass(frozen=True)
class Outcome:
    """What the knobs made of one answer: the body (maybe changed), a delay, and notes for the request log."""

    body: dict
    delay_ms: float = 0
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Knobs:
    seed: str
    latency: Latency | None = None
    omit_optional: float = 0
    error_200: float = 0
    error_text: str = DEFAULT_ERROR_TEXT
    empty_links: float = 0
    slow_from_page: int = 2
    slow_delay_ms: float = 0
    empty_details: float = 0
    _key: bytes = field(default=b"", repr=False, compare=False)

    @classmethod
    def from_scenario(cls, seed, data: dict | None) -> Knobs | None:
        """`banks[].deviations` (validated by sandbox/scenario/compat_schema.py) → Knobs; None when absent."""
        if not data:
            return None
        lat = data.get("latency")
        error = data.get("error_200") or {}
        slow = data.get("slow_pages") or {}
        return cls(str(seed), Latency(**lat) if lat else None, float(data.get("omit_optional", 0)),
                   float(error.get("rate", 0)), error.get("message") or DEFAULT_ERROR_TEXT,
                   float(data.get("empty_links", 0)), int(slow.get("from_page", 2)), float(slow.get("delay_ms", 0)),
                   float(data.get("empty_details", 0)),
                   hashlib.sha256(f"dsop-sandbox-compat:{seed}".encode()).digest())

    def as_dict(self) -> dict:
        """The knobs as the admin API lists them (only those turned on)."""
        out: dict = {}
        if self.latency is not None:
            out["latency"] = {k: v for k, v in vars(self.latency).items() if v or k == "distribution"}
        for name in ("omit_optional", "empty_links", "empty_details"):
            if getattr(self, name):
                out[name] = getattr(self, name)
        if self.error_200:
            out["error_200"] = {"rate": self.error_200, "message": self.error_text}
        if self.slow_delay_ms:
            out["slow_pages"] = {"from_page": self.slow_from_page, "delay_ms": self.slow_delay_ms}
        return out

    def draw(self, *parts) -> float:
        """A uniform number in [0, 1) from a keyed hash of `parts`: the same parts give the same number."""
        digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), key=self._key, digest_size=8).digest()
        return struct.unpack(">Q", digest)[0] / 2.0**64

    def decide(self, bank_org: str, endpoint: str, correlation_id: str, body: dict,
               page: int | None = None) -> Outcome:
        """The knobs' verdict on one answer; a pure function of its arguments (no sleeping here)."""
        key = (bank_org, endpoint, correlation_id)
        notes, delay = [], 0.0
        if self.latency is not None:
            ms = self.latency.sample(self.draw("latency", *key))
            delay += ms
            notes.append(f"latency {ms:.0f} ms")
        if self.slow_delay_ms and endpoint in PAGINATED and (page or 1) >= self.slow_from_page:
            delay += self.slow_delay_ms
            notes.append(f"slow page {page or 1}: {self.slow_delay_ms:.0f} ms")
        delay = min(delay, MAX_DELAY_MS)
        if self.error_200 and self.draw("error_200", *key) < self.error_200:
            notes.append("200 with an error text")
            return Outcome(BackendFailure(self.error_text).body(), delay, tuple(notes))
        if endpoint == "details" and self.empty_details and self.draw("empty_details", *key) < self.empty_details:
            notes.append("empty details")
            return Outcome({"responseDetails": {"status": "complete"}}, delay, tuple(notes))
        omit = bool(self.omit_optional) and endpoint in OPTIONAL and self.draw("omit", *key) < self.omit_optional
        links = body.get("links")
        empty = (bool(self.empty_links) and endpoint in PAGINATED and isinstance(links, list)
                 and not any(link.get("rel") == "next" for link in links)
                 and self.draw("empty_links", *key) < self.empty_links)
        if omit or empty:
            with cyclic_gc_paused():  # a copy: the rules' body may be the body cache's
                body = _without(body, OPTIONAL[endpoint]) if omit else orjson.loads(body_bytes(body))
            if omit:
                notes.append("optional fields left out")
            if empty:
                body["links"] = []
                notes.append("links []")
        return Outcome(body, delay, tuple(notes))

    def answer(self, bank_org: str, endpoint: str, correlation_id: str, body: dict,
               page: int | None = None) -> Outcome:
        """decide(), then wait out the delay: what the bank's wire step calls."""
        outcome = self.decide(bank_org, endpoint, correlation_id, body, page)
        if outcome.delay_ms > 0:
            time.sleep(outcome.delay_ms / 1000)
        return outcome


def _without(body: dict, paths: tuple[str, ...]) -> dict:
    """A copy of `body` without `paths` (the body itself is never changed). A list the rules hand over as item
    texts (dsop.wire.JsonItems: a transactions page, in chunks such as the months the bank keeps) is not loaded
    whole: each chunk is read, changed and written again by itself, and kept (_Left), so a page whose months were
    left out before (the same page again, or an overlapping window) costs a look-up per month, not 1000 dicts
    loaded and dumped (issue 19)."""
    chunks = {name: value.unread_chunks() for name, value in body.items() if type(value) is JsonItems}
    chunks = {name: kept for name, kept in chunks.items() if kept is not None}
    rest = orjson.loads(body_bytes({k: v for k, v in body.items() if k not in chunks}) if chunks else body_bytes(body))
    inside: dict[str, list] = {}  # a list of item texts → the paths inside its items (left out in one pass)
    for path in paths:
        name, _, inner = path.partition("[].")
        if name in chunks and inner:
            inside.setdefault(name, []).append(tuple(inner.split(".")))
        else:
            _drop(rest, path.split("."))
    for name, inner in inside.items():
        chunks[name] = _LEFT.chunks_without(chunks[name], tuple(inner))
    if not chunks:
        return rest
    return {k: JsonItems(chunks[k], len(body[k])) if k in chunks else rest[k] for k in body if k in chunks or k in rest}


class _Left:
    """Chunks of item texts without some paths inside their items, kept per (paths, chunk): the chunks are the
    bank's kept months, shared by every page that lists them. Emptied past `limit` bytes of chunks held."""

    def __init__(self, limit: int):
        self.limit, self.held = limit, 0
        self.kept: dict[tuple, dict[bytes, bytes]] = {}

    def chunks_without(self, chunks: list[bytes], paths: tuple[tuple[str, ...], ...]) -> list[bytes]:
        kept = self.kept.get(paths)
        if kept is None:
            kept = self.kept[paths] = {}
        out = list(map(kept.get, chunks))
        for n, done in enumerate(out):
            if done is None:
                items = orjson.loads(b"[" + chunks[n] + b"]")
                for parts in paths:
                    if len(parts) == 1:  # a key of the item itself: dict.pop on every item, in C
                        deque(map(dict.pop, items, repeat(parts[0]), repeat(None)), maxlen=0)
                    else:
                        for item in items:
                            _drop(item, list(parts))
                out[n] = orjson.dumps(items)[1:-1]
                if self.held + len(chunks[n]) > self.limit:
                    self.kept.clear()
                    self.held = 0
                    kept = self.kept[paths] = {}
                kept[chunks[n]] = out[n]
                self.held += len(chunks[n])
        return out


#: about 40 000 items' texts at most, with what is kept of them (~60 MB)
_LEFT = _Left(32 * 2**20)


def _drop(node, parts: list[str]) -> None:
    """Remove a dotted path from a body; `name[]` walks a list."""
    if not isinstance(node, dict):
        return
    head, rest = parts[0], parts[1:]
    many = head.endswith("[]")
    name = head[:-2] if many else head
    if name not in node:
        return
    if not rest:
        del node[name]
        return
    for item in (node[name] if many and isinstance(node[name], list) else [node[name]]):
        _drop(item, rest)
