"""Shared HTTP plumbing for provider clients: one pooled client per API host, call counting,
client-side rate limits (``ratelimit.py``), bounded retries of throttled or transient failures,
and no credential ever in a message.

Retry policy (safe to repeat by construction), at most ``MAX_RETRIES`` times:
* 429 is retried for every method: the provider rejected the call before doing anything. Its
  Retry-After pauses the whole bucket (every thread); without one the caller backs off alone.
* 5xx, timeouts and dropped connections are retried only for idempotent methods (GET, PUT,
  DELETE). A POST that may have landed is never blindly repeated: the engine re-observes instead.
  A connection that never opened carried nothing, so that is retried for any method.
* Backoff is bounded exponential with full jitter (``wait.full_jitter``); a Retry-After is honoured.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import __version__, httpclient
from .errors import ProviderAPIError
from .ratelimit import Account, Bucket, retry_after
from .wait import SYSTEM_CLOCK, Clock, full_jitter, retry_pause

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
MAX_RETRIES = 3  # Sinch's guidance for automation, applied to every provider: 3 retries, ≤10 s backoff
# Transport failures worth another try: timeouts, resets and connections dropped mid-answer.
TRANSIENT = (
    httpclient.TimeoutException,
    httpclient.NetworkError,
    httpclient.RemoteProtocolError,
    ConnectionError,
    TimeoutError,
)
# ... of which these never sent the request (no connection was made): safe to repeat for any method.
NOT_SENT = (httpclient.ConnectError, httpclient.ConnectTimeout, httpclient.PoolTimeout)


@dataclass
class CallCounter:
    """Counts the API calls a run makes (reads = GET, writes = everything else)."""

    reads: int = 0
    writes: int = 0
    retries: int = 0
    throttled_seconds: float = 0.0  # time calls were held back by rate limits (summed over threads)
    throttle_waits: int = 0
    # Called with ("call" | "retry" | "throttle", details): ``--json`` event streams. Call details
    # hold the method, the path without its query (some APIs take credentials there) and status;
    # throttle details the provider, bucket, seconds and reason.
    listener: Callable[[str, dict[str, Any]], None] | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _local: threading.local = field(default_factory=threading.local, repr=False)

    def count(self, method: str) -> None:
        with self._lock:
            if method in ("GET", "HEAD"):
                self.reads += 1
            else:
                self.writes += 1
                self._local.writes = self.thread_writes() + 1

    def thread_writes(self) -> int:
        """Writes made by the calling thread (per-step accounting under concurrency)."""
        return getattr(self._local, "writes", 0)

    def retried(self) -> None:
        with self._lock:
            self.retries += 1

    def throttled(self, provider: str, bucket: str, seconds: float, reason: str) -> None:
        """A call waited ``seconds`` for ``reason``: rate, retry_after, reset, concurrency or backoff."""
        with self._lock:
            self.throttled_seconds += seconds
            self.throttle_waits += 1
        details = {"provider": provider, "bucket": bucket, "seconds": round(seconds, 4), "reason": reason}
        self.notify("throttle", details)

    def notify(self, event: str, details: dict[str, Any]) -> None:
        if self.listener is not None:
            self.listener(event, details)


class ApiHost:
    """One provider API host (base URL) with its auth, a pooled connection, the counter, and the
    account's rate-limit buckets (``family`` by default; a call may name another)."""

    def __init__(
        self,
        provider: str,
        base_url: str,
        *,
        auth: httpclient.Auth | None = None,
        counter: CallCounter,
        clock: Clock = SYSTEM_CLOCK,
        timeout: float = 30.0,
        read_only: bool = False,
        max_retries: int = MAX_RETRIES,
        limits: Account | None = None,
        family: str = "default",
        rng: random.Random | None = None,
    ) -> None:
        self.provider = provider
        self.max_retries = max_retries
        self.base_url = base_url.rstrip("/")
        self.counter = counter
        self.clock = clock
        self.read_only = read_only
        self.limits = limits if limits is not None else Account(clock, provider=provider)
        self.family = family
        self.rng = rng
        self._client = httpclient.Client(
            base_url=self.base_url,
            auth=auth,
            timeout=timeout,
            headers={"User-Agent": f"provisioner/{__version__}", "Accept": "application/json"},
            max_idle=32,
        )

    def close(self) -> None:
        self._client.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        family: str | None = None,
    ) -> httpclient.Response:
        """Send one logical call within ``family``'s rate limits, retrying only where repeating is
        safe. Returns any response; the provider client decides what its statuses mean."""
        if self.read_only and method not in ("GET", "HEAD"):
            raise ProviderAPIError(
                f"refusing {method} {path}: this run is read-only", self.provider, method=method, url=path
            )
        bucket = self.limits.bucket(family or self.family)
        report = self._reporter(bucket)
        attempt = 0
        where = {"provider": self.provider, "method": method, "path": path.split("?", 1)[0]}
        while True:
            sent = bucket.enter(report)
            self.counter.count(method)
            started = time.monotonic()
            try:
                response = self._client.request(method, path, params=params, json=json, data=data)
            except TRANSIENT as exc:
                bucket.leave(sent, None)
                failure = {**where, "error": type(exc).__name__, "attempt": attempt + 1}
                self.counter.notify("call", {**failure, "seconds": round(time.monotonic() - started, 4)})
                if (method in IDEMPOTENT or isinstance(exc, NOT_SENT)) and attempt < self.max_retries:
                    self.counter.retried()
                    self.counter.notify("retry", failure)
                    retry_pause(attempt, None, self.clock, self.rng)
                    attempt += 1
                    continue
                raise self._unanswered(method, path, exc) from exc
            except BaseException as exc:
                bucket.leave(sent, None)
                if isinstance(exc, httpclient.TransportError):  # not transient (a bad URL, a proxy): no retry
                    raise self._unanswered(method, path, exc) from exc
                raise
            status = response.status_code
            paused = bucket.leave(sent, status, response.headers)
            seconds = round(time.monotonic() - started, 4)
            self.counter.notify("call", {**where, "status": status, "attempt": attempt + 1, "seconds": seconds})
            retryable = status == 429 or (status >= 500 and method in IDEMPOTENT)
            if retryable and attempt < self.max_retries:
                self.counter.retried()
                after = retry_after(response.headers.get("Retry-After"))
                self.counter.notify("retry", {**where, "status": status, "attempt": attempt + 1, "retry_after": after})
                if status != 429:
                    retry_pause(attempt, after, self.clock, self.rng)
                elif not paused and after is None:  # no hint from the provider: this caller backs off alone
                    delay = full_jitter(attempt, self.rng)
                    self.clock.sleep(delay)
                    report(delay, "backoff")
                # else the bucket is paused for every thread: the next enter() waits it out
                attempt += 1
                continue
            return response

    def _reporter(self, bucket: Bucket) -> Callable[[float, str], None]:
        def report(seconds: float, reason: str) -> None:
            self.counter.throttled(self.provider, bucket.name, seconds, reason)

        return report

    def _unanswered(self, method: str, path: str, exc: Exception) -> ProviderAPIError:
        return ProviderAPIError(
            f"{self.provider} API at {self.base_url} did not answer {method} {path}: "
            f"{type(exc).__name__}; check the base URL and your network, then re-run",
            self.provider,
            method=method,
            url=path,
        )


def body_excerpt(response: httpclient.Response, limit: int = 300) -> str:
    text = response.text
    return text if len(text) <= limit else text[:limit] + "…"
