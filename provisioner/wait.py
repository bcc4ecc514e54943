"""The only module that sleeps or polls. Everything else asks it to, with an injectable clock.

``until_ready`` is the one generic waiter (Terraform's StateChangeConf, reduced): a refresh
function returns a ``Readiness``; we poll with capped exponential backoff until it is ready,
failed, or the timeout passes.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from .errors import WaitTimeoutError
from .model import Readiness, ReadinessState


class Clock:
    """Real time. Tests pass a fake with the same two methods."""

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


SYSTEM_CLOCK = Clock()


@dataclass(frozen=True)
class Backoff:
    """Capped exponential backoff with jitter (full jitter on the upper half)."""

    initial: float = 0.5
    factor: float = 2.0
    maximum: float = 30.0

    def delay(self, attempt: int) -> float:
        base = min(self.maximum, self.initial * (self.factor**attempt))
        return base / 2 + random.random() * base / 2


def retry_pause(attempt: int, retry_after: float | None, clock: Clock = SYSTEM_CLOCK) -> None:
    """Pause before retrying a throttled or failed call: honour Retry-After, else back off."""
    delay = retry_after if retry_after is not None else Backoff(initial=0.5, maximum=10.0).delay(attempt)
    clock.sleep(min(delay, 60.0))  # a provider's own Retry-After is honoured up to a minute


def until_ready(
    refresh: Callable[[], Readiness],
    *,
    timeout: float,
    address: str,
    clock: Clock = SYSTEM_CLOCK,
    backoff: Backoff = Backoff(),
    on_tick: Callable[[Readiness, float], None] | None = None,
) -> Readiness:
    """Poll ``refresh`` until READY (returned) or FAILED (returned); raise on timeout."""
    started = clock.monotonic()
    attempt = 0
    while True:
        status = refresh()
        if status.state is not ReadinessState.PENDING:
            return status
        elapsed = clock.monotonic() - started
        if on_tick:
            on_tick(status, elapsed)
        if elapsed >= timeout:
            raise WaitTimeoutError(
                f"cannot wait for {address}: still {status.message or 'pending'} after {timeout:.0f}s; "
                "raise options.timeouts.ready or re-run later (the next run re-checks it)",
                address=address,
                last_status=status.message,
            )
        clock.sleep(min(backoff.delay(attempt), max(0.0, timeout - elapsed)))
        attempt += 1
