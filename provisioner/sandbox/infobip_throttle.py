"""Per-operation throttling from the specs' `x-throttling-info` (infobip.md §1.4), per account.

Two kinds, as published:
- `{"type":"time","numberOfRequests":N,"numberOfTimeUnits":k,"timeUnit":"s|m|h"}`: a fixed window of k units
  (`numberOfTimeUnits: 0` means one unit) that allows N requests; the window opens with its first request.
- `{"type":"token","replenishRate":r,"requestedTokens":t,"burstCapacity":b}`: a token bucket of b tokens refilled at
  r per second; each request takes t.
Operations without x-throttling-info (2FA message templates, Subscriptions, Number Masking) are never throttled.

Sandbox choices (InfobipChoices): throttling is on by default but every limit is multiplied by `throttle_scale`
(1000) so test suites never meet it; `throttle_scale=1.0` gives the published limits, `throttle_overrides` sets exact
limits per operationId, `throttling=False` turns it off. Time is the sandbox clock (wall time plus the admin offset),
so POST /_sandbox/clock also opens new windows and refills buckets. State is in memory, cleared by
POST /_sandbox/reset. A 429 carries no Retry-After (none is documented) unless `throttle_retry_after`.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping, Sequence

from .context import Context


def _time(n: int, units: int, unit: str) -> dict:
    return {"type": "time", "numberOfRequests": n, "numberOfTimeUnits": units, "timeUnit": unit}


def _token(rate: float, burst: int) -> dict:
    return {"type": "token", "replenishRate": rate, "requestedTokens": 1, "burstCapacity": burst}


PER_SECOND = [_time(1, 0, "s")]
# operationId -> x-throttling-info, copied from the specs (shared/specs/infobip, v3.210.0) for the emulated routes.
LIMITS: dict[str, list[dict]] = {
    # Numbers
    "get-available-numbers": [_token(1, 2)],
    "list-owned-numbers": [_token(1, 2)],
    "purchase-number": PER_SECOND,
    "get-single-owned-number": [_time(10, 0, "s")],
    "update-owned-number": PER_SECOND,
    "cancel-number": PER_SECOND,
    # Inbound message configurations
    "get-inbound-configurations": [_time(2, 0, "s")],
    "manage-inbound-configuration": [_token(2, 10)],
    "delete-inbound-configuration": PER_SECOND,
    # Resource requests
    "get-resource-requests": [_time(10, 0, "s")],
    "get-resource-request": [_time(10, 0, "s")],
    "submit-resource-request": PER_SECOND,
    "update-resource-request": PER_SECOND,
    "cancel-resource-request": PER_SECOND,
    # Applications & entities
    **{
        op: PER_SECOND
        for op in (
            "get-applications",
            "create-application",
            "get-application",
            "modify-application",
            "delete-application",
            "get-entities",
            "create-entity",
            "get-entity",
            "modify-entity",
            "delete-entity",
        )
    },
    # 2FA
    "get-2fa-applications": [_time(50, 10, "m")],
    "create-2fa-application": [_time(20, 10, "m")],
    "get-2fa-application": [_time(100, 10, "m")],
    "update-2fa-application": [_time(40, 10, "m")],
    "create-2fa-email-message-template": [_time(20, 10, "m")],
    "update-2fa-email-message-template": [_time(40, 10, "m")],
    # WhatsApp templates
    "get-whatsapp-templates": [_time(2500, 0, "s")],
    "get-whatsapp-template": [_time(2500, 0, "s")],
    "create-whatsapp-template": [_time(1000, 0, "h")],
    "edit-whatsapp-template": [_time(100, 0, "h")],
    "delete-whatsapp-template": [_time(200, 0, "h")],
    # Calls configurations
    "get-calls-configurations": [_time(100, 0, "s")],
    "create-calls-configuration": [_time(100, 0, "m")],
    "get-calls-configuration": [_time(100, 0, "s")],
    "update-calls-configuration": [_time(100, 0, "s")],
    "delete-calls-configuration": [_time(100, 0, "s")],
    # RCS senders
    "get-rcs-senders": [_time(10, 0, "s")],
    "get-rcs-sender": [_time(10, 0, "s")],
    "get-rcs-sender-launch-status": [_time(10, 0, "s")],
    "create-rcs-sender": PER_SECOND,
    "update-rcs-sender": PER_SECOND,
    "update-rcs-sender-platform-parameters": PER_SECOND,
    # Auth
    "create-session": [_time(10, 0, "s")],
    "destroy-session": [_time(10, 0, "s")],
    "create-oauth2-token": [_time(10, 0, "s")],
}

_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


class Throttle:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.choices = ctx.config.infobip
        self._lock = threading.Lock()
        self._state: dict[tuple[str, str, int], list[float]] = {}  # (account, op, i) -> [a, b]
        ctx.on_reset(self.clear)

    def clear(self) -> None:
        with self._lock:
            self._state.clear()

    def limits(self, op: str) -> tuple[Sequence[Mapping], float]:
        overrides = self.choices.throttle_overrides or {}
        if op in overrides:
            return overrides[op], 1.0
        return LIMITS.get(op, []), float(self.choices.throttle_scale)

    def acquire(self, account: str, op: str) -> int | None:
        """None if the request may pass; else the seconds until it could (for an optional Retry-After)."""
        if not self.choices.throttling:
            return None
        limits, scale = self.limits(op)
        if not limits:
            return None
        now = self.ctx.clock.now()
        with self._lock:
            waits = []
            updates = []
            for i, limit in enumerate(limits):
                key = (account, op, i)
                if limit.get("type") == "token":
                    rate = float(limit.get("replenishRate", 1)) * scale
                    burst = float(limit.get("burstCapacity", 1)) * scale
                    need = float(limit.get("requestedTokens", 1))
                    tokens, stamp = self._state.get(key, [burst, now])
                    tokens = min(burst, tokens + max(0.0, now - stamp) * rate)
                    if tokens < need:
                        waits.append(math.ceil((need - tokens) / rate) if rate > 0 else 1)
                    updates.append((key, [tokens - need, now], [tokens, now]))
                else:
                    length = max(1, int(limit.get("numberOfTimeUnits") or 0)) * _UNIT_SECONDS.get(
                        str(limit.get("timeUnit", "s")), 1.0
                    )
                    allowed = max(1, int(float(limit.get("numberOfRequests", 1)) * scale))
                    start, count = self._state.get(key, [now, 0.0])
                    if now >= start + length:
                        start, count = now, 0.0
                    if count >= allowed:
                        waits.append(max(1, math.ceil(start + length - now)))
                    updates.append((key, [start, count + 1], [start, count]))
            if waits:
                for key, _, unchanged in updates:
                    self._state[key] = unchanged
                return max(waits)
            for key, taken, _ in updates:
                self._state[key] = taken
            return None
