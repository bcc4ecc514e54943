"""Client-side rate limits: one budget per provider account and endpoint family, shared by every
thread and every client of the process that use the same account.

A *bucket* is one account × one family: Vonage ``applications`` / ``numbers``; Sinch
``provisioning`` / ``numbers`` / ``conversation``; Infobip one per operationId (its limits are
published per operation). ``Bucket.enter`` takes a concurrency slot, then waits for the call's turn
on the rate; ``Bucket.leave`` feeds the answer back.

Algorithm, per bucket:

1. Published limit. "N per T" is kept as a sliding log — never more than N sends in any T seconds,
   so no alignment of the provider's windows can refuse us (a token bucket of N refilled at N/T
   would let 2N through one window); "burst B, refill r/s" as a token bucket. A caller that must
   wait reserves its slot first, so concurrent callers queue in order.
2. Adaptive rate (pacing, even spacing). For a family with no published limit, the first 429 sets
   a ceiling: what the provider accepted from us in the last second (calls then in flight count
   when they succeed), its observed capacity. A 429 under a published limit, or at or below a
   learned ceiling, halves the rate (multiplicative decrease; floor 1/8 of the published or first
   learned rate; a learned ceiling is re-measured the same way, at most halved). The rate recovers
   linearly at 10% of its ceiling per second; back at the ceiling a published limit governs alone
   again, while a learned one holds for 10 s and then probes upward at 5% per second, so an
   underestimate does not last. A 429 while probing only confirms the ceiling: the rate dips to
   3/4 of it and the next probe waits twice as long.
3. AIMD concurrency. Calls in flight are capped by a limit that starts at 1, grows by 1/limit per
   answered call (one slot per round of successes, up to ``MAX_CONCURRENCY``) and halves, from what
   was in flight, on a 429. One throttling episode decreases once: answers to calls sent before the
   last decrease belong to it.
4. Pauses. ``Retry-After`` (seconds or an HTTP date) on a 429, or ``X-RateLimit-Remaining: 0`` with
   ``X-RateLimit-Reset`` (seconds, or an epoch) on any answer, pauses the whole bucket: every
   thread's next call waits, not only the caller's retry.

Without throttling a call costs two short lock holds and a few clock reads. All waiting goes
through ``wait.py``: timed waits on the injected Clock, waits for a slot with ``wait_turn``.

Default limits sit beside each provider's client (``RATES``), each citing its source; a family
without a published figure has no static limit and learns one (2.). ``PROVISION_RATE_LIMIT_<PROVIDER>``
overrides them (``parse_overrides``).
"""

from __future__ import annotations

import hashlib
import math
import re
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

from .errors import ProviderError
from .wait import SYSTEM_CLOCK, Clock, wait_turn

MAX_CONCURRENCY = 32  # the HTTP pool per host (http.py): more in flight would open connections it cannot keep
INITIAL_CONCURRENCY = 1.0  # slow start: a first 429 then finds few calls in flight
MARGIN = 0.01  # seconds added to a wait: loopback or network jitter must not land us a window early
RECOVERY = 0.1  # of the ceiling per second: from half back to full in 5 s
HOLD = 10.0  # seconds a learned ceiling is held before probing above it (doubles after a failed probe)
PROBE = 0.05  # of a learned ceiling per second, while probing
PROBE_DIP = 0.75  # of the ceiling, after a failed probe: lets the provider's burst refill
FLOOR = 1 / 8  # of the published or first learned rate: three halvings at most
LEARN_WINDOW = 1.0  # seconds of accepted calls a 429 measures the capacity from
MAX_PAUSE = 60.0  # a provider's pause is honoured up to a minute (as Retry-After in wait.py)

Report = Callable[[float, str], None]  # (seconds waited, reason)


@dataclass(frozen=True)
class Rate:
    """A published limit: a window ("N per T": ``per_seconds`` set) or a token bucket (``capacity``
    calls at once, refilled at ``refill`` per second)."""

    capacity: float
    refill: float = 0.0
    per_seconds: float | None = None

    @classmethod
    def window(cls, requests: float, seconds: float) -> Rate:
        return cls(float(requests), per_seconds=seconds)

    @classmethod
    def bucket(cls, burst: float, refill: float) -> Rate:
        return cls(float(burst), refill=refill)

    @property
    def per_second(self) -> float:
        """The sustained rate."""
        return self.capacity / self.per_seconds if self.per_seconds else self.refill


class Bucket:
    """One account × family: published limit, adaptive pacing, AIMD concurrency and pauses."""

    def __init__(
        self,
        provider: str,
        name: str,
        rate: Rate | None,
        clock: Clock = SYSTEM_CLOCK,
        max_concurrency: int = MAX_CONCURRENCY,
    ) -> None:
        self.provider, self.name, self.rate, self.clock = provider, name, rate, clock
        self.max_concurrency = max_concurrency
        self.limit = min(INITIAL_CONCURRENCY, float(max_concurrency))
        self.in_flight = 0
        self.paused_until = -math.inf
        self.throttled = False  # a 429 was seen: slot waits count as throttling from then on
        self._cond = threading.Condition(threading.Lock())
        self._waiting = 0
        self._pause_reason = ""
        self._pauses = 0  # pauses set so far: bookings older than the last one are made again
        window = rate is not None and rate.per_seconds
        self._sent: deque[float] | None = deque(maxlen=max(1, int(rate.capacity))) if window else None
        self._tokens = rate.capacity if rate is not None else 0.0
        self._stamp: float | None = None
        # Pacing: None until a 429; then recovering from _low (at _since) towards _ceiling.
        self._ceiling: float | None = None
        self._low = 0.0
        self._since = 0.0
        self._base = rate.per_second if rate is not None else 0.0
        self._hold = HOLD
        self._next = -math.inf
        self._epoch = -math.inf  # when the concurrency and rate were last decreased
        self._lesson = math.nan  # when a first 429 set a learned ceiling (nan: never)
        self._accepted: deque[float] = deque(maxlen=4096)

    # ------------------------------------------------------------ call side
    def enter(self, report: Report | None = None) -> float:
        """Take a concurrency slot, then wait for this call's turn; returns the send time for ``leave``."""
        clock = self.clock
        with self._cond:
            now = clock.monotonic()
            fast = self.in_flight < int(self.limit) and self.paused_until <= now
            if fast:
                self.in_flight += 1
                start, booked = self._reserve(now), self._pauses
                if start <= now:
                    return now
            else:
                waited = self._take_slot() if self.in_flight >= int(self.limit) else 0.0
                self.in_flight += 1
        if not fast and waited > 0 and report is not None:
            report(waited, "concurrency")
        try:
            return self._sleep_until(start, booked, report) if fast else self._sleep_until(None, 0, report)
        except BaseException:
            self.leave(-math.inf, None)
            raise

    def _take_slot(self) -> float:
        """Wait (lock held) until a slot is free; the seconds waited once throttled, else 0."""
        started = self.clock.monotonic()
        self._waiting += 1
        try:
            wait_turn(self._cond, lambda: self.in_flight < int(self.limit))
        finally:
            self._waiting -= 1
        return self.clock.monotonic() - started if self.throttled else 0.0

    def pace(self, report: Report | None = None) -> float:
        """Wait for one call's turn on the rate and pauses only (no slot); returns the seconds waited."""
        started = self.clock.monotonic()
        self._sleep_until(None, 0, report)
        return self.clock.monotonic() - started

    def _sleep_until(self, start: float | None, booked: int, report: Report | None) -> float:
        """Sleep out pauses and this call's booking (``start``, made when ``booked`` pauses had been set;
        None: book here); the send time. A booking from before a pause is made again after it: kept,
        it would land together with the calls the pause held back."""
        clock = self.clock
        while True:
            with self._cond:
                now = clock.monotonic()
                if self.paused_until > now:
                    delay, reason, start = self.paused_until - now, self._pause_reason, None
                elif start is None or booked != self._pauses:
                    start, booked = self._reserve(now), self._pauses
                    delay, reason = start - now, "rate"
                elif start > now:
                    delay, reason = start - now, "rate"
                else:
                    return now
            if delay > 0:
                clock.sleep(delay)
                if report is not None:
                    report(delay, reason)

    def _reserve(self, now: float) -> float:
        """The earliest send time the published limit and the pacing allow; books it."""
        start = now
        rate = self.rate
        if rate is not None:
            if self._sent is not None:
                if len(self._sent) == self._sent.maxlen:
                    start = max(start, self._sent[0] + rate.per_seconds + MARGIN)  # type: ignore[operator]
            else:
                tokens = self._tokens_at(now)
                if tokens < 1:
                    start = max(start, now + (1 - tokens) / rate.refill + MARGIN)
        pace = self._pacing(now) if self._ceiling is not None else None
        if pace:
            start = max(start, self._next)
            self._next = start + 1 / pace
        if rate is not None:
            if self._sent is not None:
                self._sent.append(start)
            else:
                self._tokens, self._stamp = self._tokens_at(now) - 1, now  # may go negative: a waiter's booking
        return start

    def _tokens_at(self, now: float) -> float:
        assert self.rate is not None
        if self._stamp is None:
            return self._tokens
        return min(self.rate.capacity, self._tokens + (now - self._stamp) * self.rate.refill)

    # ------------------------------------------------------------ answer side
    def leave(self, sent: float, status: int | None, headers: Mapping[str, str] | None = None) -> float:
        """Feed back one answer (``status`` None: no answer). Returns the pause it set on the bucket."""
        pause, reason = pause_hint(status, headers) if headers is not None else (0.0, "")
        with self._cond:
            now = self.clock.monotonic()
            self.in_flight -= 1
            if status == 429:
                self.throttled = True
                if sent >= self._epoch:
                    self._decrease(now)
            elif status is not None and status < 500:
                self._accepted.append(now)
                if sent < self._epoch == self._lesson:  # accepted alongside the first 429: part of the lesson
                    self._learn(self._base + 1 / LEARN_WINDOW, now)
                if self.limit < self.max_concurrency:
                    self.limit = min(float(self.max_concurrency), self.limit + 1 / self.limit)
            if pause > 0:
                until = now + min(pause, MAX_PAUSE)
                if until > self.paused_until:
                    self.paused_until, self._pause_reason = until, reason
                    self._pauses += 1
                    self._next = until  # pacing restarts after the pause
            if self._waiting:
                self._cond.notify_all()
        return pause

    def _decrease(self, now: float) -> None:
        """Multiplicative decrease of concurrency and rate, once per throttling episode."""
        self._epoch = now
        self.limit = max(1.0, min(self.limit, self.in_flight + 1) / 2)
        ceiling, current = self._ceiling, self._pacing(now)
        if self.rate is not None:  # published: halve, recover to it
            if self._base > 0:
                self._set_pacing(self._base, max(self._base * FLOOR, (current or self._base) / 2), now)
            return
        accepted = sum(1 for t in reversed(self._accepted) if t >= now - LEARN_WINDOW) / LEARN_WINDOW
        if ceiling is None:  # the first lesson: the capacity it just showed us
            if accepted:  # no answer yet: nothing to learn from; the pause and backoff act alone
                self._lesson = now
                self._learn(accepted, now)
            return
        current = current or ceiling
        if current > ceiling:  # a probe failed: the ceiling stands; probe again later
            self._hold *= 2
            self._set_pacing(ceiling, ceiling * PROBE_DIP, now)
        else:  # throttled at or under it: the capacity fell (or is shared); re-measure, halve
            ceiling = max(self._base * FLOOR, current / 2, min(current, accepted))
            self._set_pacing(ceiling, max(self._base * FLOOR, ceiling / 2), now)

    def _learn(self, capacity: float, now: float) -> None:
        self._base = capacity
        self._set_pacing(capacity, capacity, now)

    def _set_pacing(self, ceiling: float, low: float, now: float) -> None:
        self._ceiling, self._low, self._since = ceiling, min(low, ceiling), now
        self._next = max(self._next, now)

    def _pacing(self, now: float) -> float | None:
        """The pacing rate now (calls per second), or None when only the published limit applies."""
        ceiling = self._ceiling
        if ceiling is None:
            return None
        recovered = self._since + (ceiling - self._low) / (ceiling * RECOVERY)
        if now < recovered:
            return self._low + ceiling * RECOVERY * (now - self._since)
        if self.rate is not None:
            return None
        return ceiling * (1 + PROBE * max(0.0, now - recovered - self._hold))

    def snapshot(self) -> dict[str, Any]:
        """State for tests and reports."""
        with self._cond:
            now = self.clock.monotonic()
            return {
                "limit": self.limit,
                "in_flight": self.in_flight,
                "pacing": self._pacing(now),
                "paused_for": max(0.0, self.paused_until - now),
            }


class Account:
    """Every bucket of one provider account. Families not in ``rates`` get ``default`` (None: no
    published limit, learned on the first 429). ``acquire`` waits for a turn on the rate only: the
    per-operation throttle the Infobip client had, kept under that name."""

    def __init__(
        self,
        clock: Clock = SYSTEM_CLOCK,
        rates: Mapping[str, Rate | None] | None = None,
        *,
        provider: str = "",
        default: Rate | None = None,
        max_concurrency: int = MAX_CONCURRENCY,
    ) -> None:
        self.clock, self.provider, self.default = clock, provider, default
        self.rates: dict[str, Rate | None] = dict(rates or {})
        self.max_concurrency = max_concurrency
        self._buckets: dict[str, Bucket] = {}
        self._lock = threading.Lock()

    def bucket(self, family: str) -> Bucket:
        found = self._buckets.get(family)
        if found is not None:
            return found
        with self._lock:
            if family not in self._buckets:
                rate = self.rates.get(family, self.default)
                self._buckets[family] = Bucket(self.provider, family, rate, self.clock, self.max_concurrency)
            return self._buckets[family]

    def acquire(self, family: str) -> float:
        return self.bucket(family).pace()


# ---------------------------------------------------------------- one budget per account
# clock → account key → Account, held only while a client uses it: concurrent users of an account
# share one budget; a budget nobody holds any more (an earlier run in the same process) is forgotten.
_ACCOUNTS: weakref.WeakKeyDictionary[Any, weakref.WeakValueDictionary[str, Account]] = weakref.WeakKeyDictionary()
_ACCOUNTS_LOCK = threading.Lock()


def identity(*parts: object) -> str:
    """A digest naming an account (base URL, key id, ...): budgets are keyed by it, so no credential
    is ever kept here."""
    text = "\0".join(str.__str__(p) if isinstance(p, str) else repr(p) for p in parts)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def account(
    provider: str,
    who: str,
    rates: Mapping[str, Rate | None],
    *,
    clock: Clock = SYSTEM_CLOCK,
    env: Mapping[str, str] | None = None,
) -> Account:
    """The process-wide budget of one account (``who`` from ``identity``): every client and thread
    using it shares its buckets. ``PROVISION_RATE_LIMIT_<PROVIDER>`` in ``env`` overrides ``rates``."""
    variable = f"PROVISION_RATE_LIMIT_{provider.upper()}"
    table, default = dict(rates), None
    text = (env or {}).get(variable)
    if text:
        try:
            overrides = parse_overrides(text)
        except ValueError as exc:
            raise ProviderError(f"cannot configure provider {provider}: {variable}: {exc}", provider) from None
        if "*" in overrides:
            default = overrides.pop("*")
            table = dict.fromkeys(table, default)
        table.update(overrides)
    with _ACCOUNTS_LOCK:
        try:
            accounts = _ACCOUNTS.setdefault(clock, weakref.WeakValueDictionary())
        except TypeError:  # a clock that cannot be a weak key: a budget of its own
            return Account(clock, table, provider=provider, default=default)
        found = accounts.get(f"{provider}:{who}")
        if found is None or found.rates != table or found.default != default:
            found = Account(clock, table, provider=provider, default=default)
            accounts[f"{provider}:{who}"] = found
        return found


_UNITS = {"s": 1.0, "sec": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}
_RATE = re.compile(r"^(\d+(?:\.\d+)?)\s*/\s*(\d*(?:\.\d+)?)\s*(s|sec|m|min|h)$")


def parse_overrides(text: str) -> dict[str, Rate | None]:
    """``PROVISION_RATE_LIMIT_<PROVIDER>``: comma-separated ``[family=]LIMIT``; a bare LIMIT applies to
    every family of the provider. LIMIT is ``N/s``, ``N/m``, ``N/h`` or ``N/<k><unit>`` (``20/10m``),
    a window of N calls, or ``off`` (no static limit; 429s are still learned from). Examples:
    ``5/s``; ``applications=5/s,numbers=1/s``; ``off,conversation=100/s``."""
    out: dict[str, Rate | None] = {}
    for item in (i.strip() for i in text.split(",")):
        if not item:
            continue
        family, _, value = item.rpartition("=")
        family, value = family.strip() or "*", value.strip().lower()
        if value in ("off", "none"):
            out[family] = None
            continue
        match = _RATE.match(value)
        if not match or float(match.group(1)) <= 0 or (match.group(2) and float(match.group(2)) <= 0):
            raise ValueError(f"{item!r} is not a limit; write N/s, N/m, N/h, N/10m or off, e.g. applications=5/s")
        count, seconds = float(match.group(1)), float(match.group(2) or 1) * _UNITS[match.group(3)]
        # A window counts whole calls: 0.5/s is one call per 2 s, 2.5/s three per 1.2 s.
        whole = count if count.is_integer() else math.ceil(count) if count > 1 else 1.0
        out[family] = Rate.window(whole, seconds * whole / count)
    return out


# ---------------------------------------------------------------- what an answer says about pauses
def pause_hint(status: int | None, headers: Mapping[str, str], wall: float | None = None) -> tuple[float, str]:
    """Seconds the whole bucket should wait and why: Retry-After on a 429, else a depleted
    ``X-RateLimit-Remaining`` / ``RateLimit-Remaining`` with its reset."""
    if status == 429:
        after = retry_after(headers.get("Retry-After"), wall)
        if after is not None:
            return after, "retry_after"
    remaining = headers.get("X-RateLimit-Remaining") or headers.get("RateLimit-Remaining")
    if remaining is None:
        return 0.0, ""
    try:
        depleted = float(remaining) <= 0
    except ValueError:
        return 0.0, ""
    reset = reset_after(headers.get("X-RateLimit-Reset") or headers.get("RateLimit-Reset"), wall)
    return (reset, "reset") if depleted and reset else (0.0, "")


def retry_after(value: str | None, wall: float | None = None) -> float | None:
    """``Retry-After``: delay-seconds or an HTTP date (RFC 9110 §10.2.3); None if absent or unreadable."""
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return _until_date(value, wall)


def reset_after(value: str | None, wall: float | None = None) -> float | None:
    """``X-RateLimit-Reset``: seconds from now, or an epoch (seconds or milliseconds), or an HTTP date."""
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return _until_date(value, wall)
    now = time.time() if wall is None else wall
    if number > 1e12:  # epoch milliseconds
        number = number / 1000 - now
    elif number > 1e9:  # epoch seconds
        number -= now
    return max(0.0, number)


def _until_date(value: str, wall: float | None) -> float | None:
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if wall is None else wall))
