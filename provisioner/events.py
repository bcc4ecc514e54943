"""``provision --json``: newline-delimited JSON events for tools to consume (``schemas/events.schema.json``).

One JSON object per line, each with ``event`` (its kind) and ``time`` (UTC, ISO 8601, milliseconds);
resource fields keep the names of the JSON documents (``type`` is a resource's kind):

    call            one HTTP attempt: provider, method, path (never the query), status or error, seconds
    retry           an attempt about to be repeated: status or error, attempt, retry_after
    throttle        a wait for the provider's rate limit: provider, bucket, seconds, reason
    planned_change  one resource's planned change (the plan document's resource_change)
    plan            the plan's summary, api_calls and refusals (after every planned_change)
    apply_start     a resource's change starts: name, type, action
    wait            a poll of an asynchronous operation: name, type, message, seconds
    apply_result    a resource's change ended: name, type, action, status, message, writes, seconds, id
    summary         the run's outcome: ok, counts, writes (apply), or the drift counts (drift)
    drift_item      one resource's drift status (the drift document's resource entry)
    message         a line of what the text output would say
    error           the error that ended the run: message, details, exit_code

Values come from the same redacted documents as the other outputs: secrets appear only as
fingerprints, and call paths carry ids, never credentials.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any


class EventStream:
    """Writes events as JSON lines; safe to call from the apply's worker threads."""

    def __init__(self, write: Callable[[str], None]) -> None:
        self._write = write
        self._lock = threading.Lock()

    def emit(self, event: str, **fields: Any) -> None:
        now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        line = json.dumps({"event": event, "time": now, **fields}, default=str, ensure_ascii=False)
        with self._lock:
            self._write(line)

    def listener(self, event: str, details: dict[str, Any]) -> None:
        """For ``CallCounter.listener``: HTTP attempts and retries."""
        self.emit(event, **details)
