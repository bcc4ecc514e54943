"""Shared httpx plumbing for provider clients: one pooled client per API host, call counting,
bounded retries of throttled or transient failures, and no credential ever in a message.

Retry policy (safe to repeat by construction):
* 429 is retried for every method: the provider rejected the call before doing anything.
* 5xx and connection errors are retried only for idempotent methods (GET, PUT, DELETE).
  A POST that may have landed is never blindly repeated: the engine re-observes instead.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from . import __version__
from .errors import ProviderAPIError
from .wait import SYSTEM_CLOCK, Clock, retry_pause

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
MAX_RETRIES = 3  # Sinch's guidance for automation, applied to every provider: 3 retries, ≤10 s backoff


@dataclass
class CallCounter:
    """Counts the API calls a run makes (reads = GET, writes = everything else)."""

    reads: int = 0
    writes: int = 0
    retries: int = 0
    # Called with ("call" | "retry", details) for every attempt: ``--json`` event streams. Details
    # hold the method, the path without its query (some APIs take credentials there) and status.
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

    def notify(self, event: str, details: dict[str, Any]) -> None:
        if self.listener is not None:
            self.listener(event, details)


class ApiHost:
    """One provider API host (base URL) with its auth, a pooled connection and the counter."""

    def __init__(
        self,
        provider: str,
        base_url: str,
        *,
        auth: httpx.Auth | None = None,
        counter: CallCounter,
        clock: Clock = SYSTEM_CLOCK,
        timeout: float = 30.0,
        read_only: bool = False,
        max_retries: int = MAX_RETRIES,
    ) -> None:
        self.provider = provider
        self.max_retries = max_retries
        self.base_url = base_url.rstrip("/")
        self.counter = counter
        self.clock = clock
        self.read_only = read_only
        self._client = httpx.Client(
            base_url=self.base_url,
            auth=auth,
            timeout=timeout,
            headers={"User-Agent": f"provisioner/{__version__}", "Accept": "application/json"},
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=32),
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
    ) -> httpx.Response:
        """Send one logical call, retrying only where repeating is safe. Returns any response;
        the provider client decides what its statuses mean."""
        if self.read_only and method not in ("GET", "HEAD"):
            raise ProviderAPIError(
                f"refusing {method} {path}: this run is read-only", self.provider, method=method, url=path
            )
        attempt = 0
        where = {"provider": self.provider, "method": method, "path": path.split("?", 1)[0]}
        while True:
            self.counter.count(method)
            started = time.monotonic()
            try:
                response = self._client.request(method, path, params=params, json=json, data=data)
            except httpx.TransportError as exc:
                failure = {**where, "error": type(exc).__name__, "attempt": attempt + 1}
                self.counter.notify("call", {**failure, "seconds": round(time.monotonic() - started, 4)})
                if method in IDEMPOTENT and attempt < self.max_retries:
                    self.counter.retried()
                    self.counter.notify("retry", failure)
                    retry_pause(attempt, None, self.clock)
                    attempt += 1
                    continue
                raise ProviderAPIError(
                    f"{self.provider} API at {self.base_url} did not answer {method} {path}: "
                    f"{type(exc).__name__}; check the base URL and your network, then re-run",
                    self.provider,
                    method=method,
                    url=path,
                ) from exc
            status = response.status_code
            seconds = round(time.monotonic() - started, 4)
            self.counter.notify("call", {**where, "status": status, "attempt": attempt + 1, "seconds": seconds})
            retryable = status == 429 or (status >= 500 and method in IDEMPOTENT)
            if retryable and attempt < self.max_retries:
                self.counter.retried()
                after = _retry_after(response)
                self.counter.notify("retry", {**where, "status": status, "attempt": attempt + 1, "retry_after": after})
                retry_pause(attempt, after, self.clock)
                attempt += 1
                continue
            return response


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def body_excerpt(response: httpx.Response, limit: int = 300) -> str:
    text = response.text
    return text if len(text) <= limit else text[:limit] + "…"
