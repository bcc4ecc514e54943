"""Controllable clock: wall time plus an offset that only moves forward (admin API).

The offset lives in SQLite so every process sharing a data dir sees the same sandbox time; async state
machines (template approval, number provisioning, ...) compare their deadlines against `now()`.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from .store import Store

_KEY = "clock_offset_seconds"


class Clock:
    def __init__(self, store: Store) -> None:
        self._store = store

    @property
    def offset(self) -> float:
        return float(self._store.meta_get(_KEY, "0") or 0)

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("advance_seconds must be >= 0 (sandbox time never goes backwards)")
        with self._store.transaction():
            offset = self.offset + seconds
            self._store.meta_set(_KEY, repr(offset))
        return offset

    def reset(self) -> None:
        self._store.meta_set(_KEY, "0")

    def iso(self, ts: float | None = None) -> str:
        """RFC 3339 UTC with milliseconds, e.g. 2024-05-01T12:00:00.000Z."""
        dt = datetime.fromtimestamp(self.now() if ts is None else ts, tz=UTC)
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"

    def snapshot(self) -> dict:
        now = self.now()
        return {"now": self.iso(now), "epoch": now, "offset_seconds": self.offset}
