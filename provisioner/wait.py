"""The only module that sleeps or polls. Everything else asks it to, with an injectable clock.

``until_ready`` is the one generic waiter (Terraform's StateChangeConf, reduced): a refresh
function returns a ``Readiness``; we poll with capped exponential backoff until it is ready,
failed, or the timeout passes. ``retry_pause`` spaces HTTP retries (full jitter), and
``wait_turn`` blocks a caller until another thread hands it a turn (rate limiter slots).
"""

from __future__ import annotations

import random
import threading
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


RETRY_INITIAL = 0.5  # seconds: the first retry's ceiling
RETRY_CAP = 10.0  # Sinch's guidance for automation: backoff ≤10 s (research/sinch.md §1.2)
MAX_RETRY_AFTER = 60.0  # a provider's own Retry-After is honoured up to a minute
_RNG = random.Random()


def full_jitter(attempt: int, rng: random.Random | None = None) -> float:
    """AWS "full jitter": uniform in [0, min(cap, initial·2^attempt)], so clients that failed together
    do not retry together. Deterministic under a seeded ``rng``."""
    return (rng or _RNG).uniform(0.0, min(RETRY_CAP, RETRY_INITIAL * 2.0**attempt))


def retry_pause(
    attempt: int, retry_after: float | None, clock: Clock = SYSTEM_CLOCK, rng: random.Random | None = None
) -> float:
    """Pause before retrying a throttled or failed call: honour Retry-After, else back off with full
    jitter. Returns the seconds paused."""
    delay = min(retry_after if retry_after is not None else full_jitter(attempt, rng), MAX_RETRY_AFTER)
    clock.sleep(delay)
    return delay


def wait_turn(condition: threading.Condition, ready: Callable[[], bool]) -> None:
    """Block (``condition`` held) until ``ready()``: another thread's release ends this wait, not time,
    so there is nothing for a clock to fake."""
    condition.wait_for(ready)


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
