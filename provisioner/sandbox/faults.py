"""Fault injection and per-API rate limits, applied to provider requests before routing.

Both live in memory (they are test scaffolding, not account data) and are changed through the admin API or
SandboxConfig.faults / .rate_limits.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


@dataclass
class Fault:
    """Fate of one request: wait, then drop the connection or answer `status` (None: answer normally)."""

    delay_s: float = 0.0
    status: int | None = None
    retry_after: int | None = None
    drop: bool = False
    after: bool = False  # act on the response after the request took effect


@dataclass
class FaultRule:
    api: str
    rate: float = 1.0  # probability that a request is hit
    status: int | None = None  # None with drop=False = latency only (delay_ms, then normal answer)
    retry_after: int | None = None  # seconds, sent as Retry-After with `status`
    delay_ms: int = 0
    drop: bool = False  # close the connection without answering
    seed: int = 0
    count: int | None = None  # hit at most this many requests, then the rule is spent
    # After the request took effect: the write lands, then the response is delayed, dropped or replaced
    # (a lost response: the case that makes weaker clients repeat a purchase).
    after: bool = False
    method: str | None = None  # only requests with this method ("POST"), or all but one ("!GET": writes)
    path: str | None = None  # only requests to this exact path (e.g. "/number/buy")
    # A weighted mix of faults instead of one: each hit draws one alternative (its own status /
    # retry_after / delay_ms / drop / after, and "weight", default 1) with the rule's seeded RNG, so
    # one rule gives an API every kind of failure at once.
    mix: list[dict] | None = None
    _rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    @classmethod
    def parse(cls, data: Mapping, api_names: Iterable[str]) -> FaultRule:
        if not isinstance(data, Mapping):
            raise ValueError("fault rule must be a JSON object")
        unknown = set(data) - {"api", "rate", "seed", "count", "method", "path", "mix", *_FAULT_FIELDS}
        if unknown:
            raise ValueError(f"unknown fault fields: {sorted(unknown)}")
        mix = data.get("mix")
        if mix is not None:
            if set(data) & set(_FAULT_FIELDS):
                raise ValueError(f"give either mix or {', '.join(_FAULT_FIELDS)}, not both")
            if not isinstance(mix, list) or not mix:
                raise ValueError("mix must be a non-empty list of faults")
            mix = [_alternative(m) for m in mix]
        api = data.get("api")
        if api not in set(api_names):
            raise ValueError(f"api must be one of {sorted(api_names)}")
        rate = float(data.get("rate", 1.0))
        if not 0.0 <= rate <= 1.0:
            raise ValueError("rate must be between 0 and 1")
        fault = _alternative({k: data[k] for k in _FAULT_FIELDS if k in data})
        count = data.get("count")
        if count is not None and (not isinstance(count, int) or count < 1):
            raise ValueError("count must be a positive integer")
        for key in ("method", "path"):
            if data.get(key) is not None and not isinstance(data[key], str):
                raise ValueError(f"{key} must be a string")
        return cls(
            api=api,
            rate=rate,
            status=fault["status"],
            retry_after=fault["retry_after"],
            delay_ms=fault["delay_ms"],
            drop=fault["drop"],
            seed=int(data.get("seed", 0)),
            count=count,
            after=fault["after"],
            method=data["method"].upper() if data.get("method") else None,
            path=data.get("path") or None,
            mix=mix,
        )

    def matches(self, method: str, path: str) -> bool:
        if self.method:
            same = method == self.method.lstrip("!")
            if same == self.method.startswith("!"):  # "!GET" skips GETs; "POST" skips all but POSTs
                return False
        return not self.path or self.path == path

    def draw(self) -> Fault:
        """This hit's fault: the rule's own, or one alternative of its mix, drawn by weight."""
        chosen: Mapping = vars(self)
        if self.mix:
            chosen = self._rng.choices(self.mix, weights=[m["weight"] for m in self.mix])[0]
        seconds = chosen["delay_ms"] / 1000.0
        return Fault(seconds, chosen["status"], chosen["retry_after"], chosen["drop"], chosen["after"])

    def as_dict(self) -> dict:
        return {
            "api": self.api,
            "rate": self.rate,
            "status": self.status,
            "retry_after": self.retry_after,
            "delay_ms": self.delay_ms,
            "drop": self.drop,
            "seed": self.seed,
            "count": self.count,
            "after": self.after,
            "method": self.method,
            "path": self.path,
            "mix": self.mix,
        }


_FAULT_FIELDS = ("status", "retry_after", "delay_ms", "drop", "after")


def _alternative(data: Mapping) -> dict:
    """One fault's fields, checked, with defaults (plus its weight, for a mix)."""
    if not isinstance(data, Mapping):
        raise ValueError("each fault of a mix must be a JSON object")
    unknown = set(data) - {*_FAULT_FIELDS, "weight"}
    if unknown:
        raise ValueError(f"unknown fault fields: {sorted(unknown)}")
    status = data.get("status")
    if status is not None and (not isinstance(status, int) or not 400 <= status <= 599):
        raise ValueError("status must be an HTTP error status (400-599)")
    retry_after = data.get("retry_after")
    if retry_after is not None and (not isinstance(retry_after, int) or retry_after < 0):
        raise ValueError("retry_after must be a non-negative integer (seconds)")
    delay_ms = data.get("delay_ms", 0)
    if not isinstance(delay_ms, int) or delay_ms < 0:
        raise ValueError("delay_ms must be a non-negative integer")
    weight = data.get("weight", 1)
    if not isinstance(weight, int | float) or isinstance(weight, bool) or weight <= 0:
        raise ValueError("weight must be a positive number")
    return {
        "status": status,
        "retry_after": retry_after,
        "delay_ms": delay_ms,
        "drop": bool(data.get("drop", False)),
        "after": bool(data.get("after", False)),
        "weight": weight,
    }


class Faults:
    """One rule per API; a new rule for the same API replaces the old one (and restarts its RNG)."""

    def __init__(self, api_names: Iterable[str]) -> None:
        self._api_names = tuple(api_names)
        self._rules: dict[str, FaultRule] = {}
        self._lock = threading.Lock()

    def set(self, data: Mapping) -> dict:
        rule = FaultRule.parse(data, self._api_names)
        with self._lock:
            self._rules[rule.api] = rule
        return rule.as_dict()

    def clear(self, api: str | None = None) -> None:
        with self._lock:
            if api is None:
                self._rules.clear()
            else:
                self._rules.pop(api, None)

    def listing(self) -> list[dict]:
        with self._lock:
            return [r.as_dict() for r in self._rules.values()]

    def decide(self, api: str, method: str = "", path: str = "") -> Fault | None:
        with self._lock:
            rule = self._rules.get(api)
            if rule is None or not rule.matches(method, path):
                return None
            if rule._rng.random() >= rule.rate:
                return None
            if rule.count is not None:
                rule.count -= 1
                if rule.count <= 0:
                    del self._rules[api]
            return rule.draw()


@dataclass
class _Bucket:
    rps: float
    burst: float
    tokens: float
    stamp: float


class RateLimits:
    """Token bucket per API: `rps` tokens per second, up to `burst` (default max(1, rps)) saved up.

    Real (monotonic) time, not the sandbox clock: throttling is about the client's actual request rate.
    """

    def __init__(self, api_names: Iterable[str]) -> None:
        self._api_names = tuple(api_names)
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def set(self, data: Mapping) -> dict:
        if not isinstance(data, Mapping):
            raise ValueError("rate limit must be a JSON object")
        api = data.get("api")
        if api not in self._api_names:
            raise ValueError(f"api must be one of {sorted(self._api_names)}")
        rps = data.get("rps")
        if not isinstance(rps, int | float) or isinstance(rps, bool) or rps <= 0:
            raise ValueError("rps must be a positive number")
        burst = data.get("burst", max(1.0, float(rps)))
        if not isinstance(burst, int | float) or burst < 1:
            raise ValueError("burst must be a number >= 1")
        with self._lock:
            self._buckets[api] = _Bucket(float(rps), float(burst), float(burst), time.monotonic())
        return {"api": api, "rps": rps, "burst": burst}

    def clear(self, api: str | None = None) -> None:
        with self._lock:
            if api is None:
                self._buckets.clear()
            else:
                self._buckets.pop(api, None)

    def listing(self) -> list[dict]:
        with self._lock:
            return [{"api": a, "rps": b.rps, "burst": b.burst} for a, b in self._buckets.items()]

    def acquire(self, api: str) -> int | None:
        """None if the request may pass; else the whole seconds to wait (for Retry-After, at least 1)."""
        with self._lock:
            bucket = self._buckets.get(api)
            if bucket is None:
                return None
            now = time.monotonic()
            bucket.tokens = min(bucket.burst, bucket.tokens + (now - bucket.stamp) * bucket.rps)
            bucket.stamp = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return None
            return max(1, math.ceil((1.0 - bucket.tokens) / bucket.rps))
