"""HTTP for the reference consumer: the standard library, polite retries, nothing DSOP-specific.

Retried (spec/protocol.md §3.7.1: "clients may retry 5xx automatically"; 429 ACC-022 means "slow down"):
500, 502, 503, 504 and 429 answers, dropped connections and timeouts. The client's own wait grows exponentially
with a little jitter, capped at `max_wait`. A server's `Retry-After` (RFC 9110 §10.2.3: delta-seconds or an
HTTP-date) is honoured in full — retrying sooner is exactly the hammering it asks us not to do. When it asks for
longer than `max_retry_after` (a scheduled outage answers 503 with `Retry-After: 3600`), waiting inside one case
is pointless and retrying early is rude, so the client does not retry: it returns that answer with `gave_up`
saying why, and the case records it as a refusal. Every attempt is a new technical request, so the caller's
header factory runs again (a fresh CorrelationID, a token that is still valid).

A Response keeps what is read from it: `json()` parses once (every call returns the same object), and when the
client decrypts a JWE answer it leaves the plaintext in `plaintext` (and `json()` reads that). An observer given as
`on_response` gets every Response as it is returned, so after the call — or the whole case — it can show what the
client decrypted and parsed without doing it again.
"""

from __future__ import annotations

import http.client
import json
import random
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC
from email.utils import parsedate_to_datetime

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class TransportError(Exception):
    """No HTTP answer at all after every attempt (connection refused, reset, closed, timed out)."""

    def __init__(self, url: str, reason: str, attempts: int):
        self.url, self.reason, self.attempts = url, reason, attempts
        super().__init__(f"{url}: {reason} (after {attempts} attempt(s))")


@dataclass
class Response:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes
    url: str
    elapsed: float  # seconds, all attempts included
    attempts: int = 1
    gave_up: str | None = None  # why a retryable answer was not retried (its Retry-After was too long)
    plaintext: bytes | None = None  # a JWE answer's decrypted JSON, once the client has decrypted it
    _json: object = field(default=None, init=False, repr=False, compare=False)
    _parsed: bool = field(default=False, init=False, repr=False, compare=False)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def retry_after(self) -> str | None:
        """The `Retry-After` header as the server sent it."""
        return self.headers.get("retry-after")

    def json(self):
        """The body as JSON — the decrypted `plaintext` once there is one — parsed once: every call returns the
        same object, so read it and do not change it. ValueError when it is not JSON (a JWE not yet decrypted)."""
        if not self._parsed:
            self._json = json.loads(self.body if self.plaintext is None else self.plaintext)
            self._parsed = True
        return self._json

    @property
    def parsed(self) -> bool:
        """Whether `json()` has already been read (and so costs nothing more)."""
        return self._parsed


def retry_after_seconds(value: str | None, now: float) -> float | None:
    """RFC 9110 §10.2.3: `Retry-After` as delta-seconds or an HTTP-date (IMF-fixdate, RFC 850 or asctime, the
    last read as GMT) → seconds from `now` (epoch seconds), never negative; None when absent or unreadable."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(int(text))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)


@dataclass
class RetryPolicy:
    attempts: int = 4  # in all, the first one included
    backoff: float = 0.25  # seconds before the first retry; doubles each time
    max_wait: float = 10.0  # cap for the client's own backoff (a server's Retry-After is not cut short)
    jitter: float = 0.1  # ± fraction of the backoff
    max_retry_after: float = 30.0  # a longer Retry-After is not waited for: the answer is returned, not retried

    def backoff_wait(self, retry: int, rng: random.Random) -> float:
        """The client's own wait before retry number `retry` (1 = the first retry)."""
        seconds = self.backoff * (2 ** (retry - 1)) * (1 + rng.uniform(-self.jitter, self.jitter))
        return max(0.0, min(seconds, self.max_wait))

    def wait(self, retry: int, retry_after: float | None, rng: random.Random) -> float:
        """Seconds before retry number `retry`: the backoff, or the server's Retry-After (seconds) when longer."""
        seconds = self.backoff_wait(retry, rng)
        return seconds if retry_after is None else max(seconds, retry_after)

    def waits_for(self, retry_after: float | None) -> bool:
        """Whether the client will wait as long as the server asked (else it gives up instead of retrying)."""
        return retry_after is None or retry_after <= self.max_retry_after


@dataclass
class Transport:
    timeout: float = 30.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    user_agent: str = "dsop-sandbox-reference-client"
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time  # epoch seconds: "now" for an HTTP-date Retry-After
    requests: int = 0  # technical requests sent
    retries: int = 0  # of which retries
    on_retry: Callable[[str, int, str, float], None] | None = None  # (url, attempt that failed, why, wait)
    on_response: Callable[[Response], None] | None = None  # every Response, as request() returns it
    misbehave: frozenset[str] = frozenset()  # retry mistakes asked for (sandbox/client/misbehave.py)

    def __post_init__(self):
        self._rng = random.Random()

    def request(self, method: str, url: str, headers: dict | Callable[[], dict] | None = None,
                data: bytes | Callable[[], bytes] | None = None, *, retry: bool = True) -> Response:
        """Send, retrying what may be retried; → the last Response, or TransportError if nothing answered."""
        started = time.perf_counter()
        attempt, last_reason = 0, ""
        while True:
            attempt += 1
            self.requests += 1
            if attempt > 1:
                self.retries += 1
            hdrs = headers() if callable(headers) else dict(headers or {})
            hdrs.setdefault("User-Agent", self.user_agent)
            body = data() if callable(data) else data
            try:
                status, got, payload = self._once(method, url, hdrs, body)
            except (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError, OSError) as exc:
                last_reason = _reason(exc)
                if not retry or attempt >= self.retry.attempts:
                    raise TransportError(url, last_reason, attempt) from None
                self._pause(url, attempt, last_reason, self.retry.wait(attempt, None, self._rng))
                continue
            gave_up = None
            if self.misbehave and retry and self._misbehaves(status, attempt):
                continue
            if retry and status in RETRY_STATUSES and attempt < self.retry.attempts:
                asked = retry_after_seconds(got.get("retry-after"), self.clock())
                if self.retry.waits_for(asked):
                    why = f"HTTP {status}" + (f", Retry-After {got['retry-after']}" if "retry-after" in got else "")
                    self._pause(url, attempt, why, self.retry.wait(attempt, asked, self._rng))
                    continue
                gave_up = (f"not retried: the server asked to wait {asked:.0f} s (Retry-After: "
                           f"{got['retry-after'].strip()}), longer than this client waits "
                           f"(max_retry_after {self.retry.max_retry_after:g} s)")
            response = Response(status, got, payload, url, time.perf_counter() - started, attempt, gave_up)
            if self.on_response is not None:
                self.on_response(response)
            return response

    def _misbehaves(self, status: int, attempt: int) -> bool:
        """Whether a retry mistake asked for sends the request again now: a 4xx once more unchanged
        (`retry-4xx`); a 5xx/429 at once, whatever Retry-After said (`ignore-retry-after`: the client's own
        short backoff; `retry-storm`: no wait, up to 12 attempts)."""
        bad = self.misbehave
        if "retry-4xx" in bad and 400 <= status < 500 and status != 429 and attempt == 1:
            return True
        if status not in RETRY_STATUSES:
            return False
        if "retry-storm" in bad and attempt < 12:
            return True
        if "ignore-retry-after" in bad and attempt < self.retry.attempts:
            self.sleep(self.retry.backoff_wait(attempt, self._rng) / 4)
            return True
        return False

    def _pause(self, url: str, attempt: int, why: str, seconds: float) -> None:
        if self.on_retry is not None:
            self.on_retry(url, attempt, why, seconds)
        self.sleep(seconds)

    def _once(self, method: str, url: str, headers: dict, data: bytes | None) -> tuple[int, dict, bytes]:
        req = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as r:
                return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
        except urllib.error.HTTPError as e:
            with e:
                return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


def _reason(exc: BaseException) -> str:
    inner = getattr(exc, "reason", None)
    if isinstance(inner, BaseException):
        exc = inner
    text = str(exc) or exc.__class__.__name__
    return f"{exc.__class__.__name__}: {text}" if text != exc.__class__.__name__ else text
