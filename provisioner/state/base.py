"""State: what provisioner last applied, per resource, plus intents of creates in flight.

The model (shared by every backend): an append-only journal of small records, each written and
made durable before the next write call starts, and a snapshot that compaction folds the journal
into. Reading the state = snapshot + replay of the journal. A lock guards every command that
writes; its holder (host, pid, user, command, started) is shown to whoever meets it.

Records never hold secrets: the engine stores only last-applied manifest properties with
sensitive values replaced by fingerprints.
"""

from __future__ import annotations

import getpass
import os
import re
import socket
import sys
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from ..errors import StateError

STATE_VERSION = 1


@dataclass
class ResourceRecord:
    """What we know about one managed resource after the last successful write."""

    name: str
    kind: str
    id: str  # provider identity (application UUID; "GB:447700900001" for a number)
    properties: dict[str, Any]  # last-applied, manifest-shaped, secrets fingerprinted
    attributes: dict[str, Any] = field(default_factory=dict)  # provider-assigned, referenceable
    options: dict[str, Any] = field(default_factory=dict)  # Options.to_json()
    dependencies: list[str] = field(default_factory=list)  # for delete ordering once removed
    status: str = "ready"  # "ready" | "pending" (async not yet converged)
    updated: str = ""

    def to_json(self) -> dict[str, Any]:
        # Shallow on purpose: callers serialise it at once. dataclasses.asdict deep-copies every
        # property and was ~10% of a large apply's CPU.
        return {
            "name": self.name,
            "kind": self.kind,
            "id": self.id,
            "properties": self.properties,
            "attributes": self.attributes,
            "options": self.options,
            "dependencies": self.dependencies,
            "status": self.status,
            "updated": self.updated,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ResourceRecord:
        return cls(**data)


@dataclass
class IntentRecord:
    """Written before a non-idempotent create; removed once the outcome is recorded."""

    name: str
    kind: str
    natural_id: str | None = None
    match: dict[str, Any] = field(default_factory=dict)
    started: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "natural_id": self.natural_id,
            "match": self.match,
            "started": self.started,
        }  # shallow, like ResourceRecord.to_json

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> IntentRecord:
        return cls(**data)


@dataclass
class Snapshot:
    """The state as of the latest journal record."""

    serial: int = 0
    resources: dict[str, ResourceRecord] = field(default_factory=dict)
    intents: dict[str, IntentRecord] = field(default_factory=dict)
    # Saved plans applied against this state (id → when), newest last: a plan applies once.
    applied_plans: dict[str, str] = field(default_factory=dict)

    def renamed(self, old: str, new: str) -> Snapshot:
        """This state with resource ``old`` called ``new`` (a new object: earlier reads share records).
        Other records' dependencies follow the rename, so delete ordering stays right."""
        resources = {(new if name == old else name): _renamed(r, old, new) for name, r in self.resources.items()}
        intents = {(new if name == old else name): i for name, i in self.intents.items()}
        if old in self.intents:
            intents[new] = replace(self.intents[old], name=new)
        return Snapshot(self.serial, resources, intents, self.applied_plans)


def compaction_due(journal_records: int, resources: int, minimum: int) -> bool:
    """Fold the journal into a new snapshot once it holds more than ``minimum`` records and more
    than half as many as the state has resources. A compaction writes the whole state, so a fixed
    threshold would make each change cost O(state size / threshold); growing it with the state
    keeps the amortised cost of a change constant (at most ~2 records rewritten per change), while
    replay on read stays bounded by the snapshot's own size."""
    return journal_records > max(minimum, resources // 2)


def check_rename(snap: Snapshot, old: str, new: str, where: str) -> bool:
    """Whether renaming ``old`` to ``new`` in ``snap`` changes anything (False for a self-rename);
    a StateError when it cannot be done. Every backend asks this under its write lock."""
    if old not in snap.resources:
        raise StateError(f"cannot rename {old} to {new}: there is no {old} in state {where}")
    if new in snap.resources or new in snap.intents:
        raise StateError(
            f"cannot rename {old} to {new}: {new} already exists in state {where}; "
            f"`provision state rm {new}` first if it is stale"
        )
    return old != new


APPLIED_PLANS_KEPT = 50  # enough to recognise any plan still lying around in CI artifacts


def _renamed(record: ResourceRecord, old: str, new: str) -> ResourceRecord:
    deps = [new if d == old else d for d in record.dependencies]
    if record.name != old and deps == record.dependencies:
        return record
    return replace(record, name=new if record.name == old else record.name, dependencies=deps)


@dataclass(frozen=True)
class LockInfo:
    """Who holds (or wants) the lock."""

    host: str
    pid: int
    user: str
    command: str
    started: str

    @classmethod
    def current(cls, command: str | None = None) -> LockInfo:
        try:
            user = getpass.getuser()
        except Exception:  # no passwd entry in some containers
            user = str(os.getuid())
        return cls(
            host=socket.gethostname(),
            pid=os.getpid(),
            user=user,
            command=redact_secrets(command or " ".join(["provision", *sys.argv[1:]])),
            started=now_iso(),
        )

    def describe(self) -> str:
        return f"{self.user}@{self.host} pid {self.pid}, running `{self.command}` since {self.started}"


_URL_PASSWORD = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^\s:/@]*:)[^\s@/]*@")
_PARAM_PASSWORD = re.compile(r"(?i)\b(password=)[^\s&]*")


def redact_secrets(text: str) -> str:
    """`text` with URL passwords (``scheme://user:***@``, ``password=***``) hidden: a command line
    naming a state URL is stored in lock records that other users read."""
    return _PARAM_PASSWORD.sub(r"\1***", _URL_PASSWORD.sub(r"\1***@", text))


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class StateBackend(ABC):
    """Where state lives. Every mutating method is durable when it returns."""

    @abstractmethod
    def read(self) -> Snapshot:
        """The current state (snapshot + journal replay). Empty state if none exists yet."""

    @abstractmethod
    def put(self, record: ResourceRecord) -> None:
        """Record a resource after a write landed (also clears its intent)."""

    @abstractmethod
    def remove(self, name: str) -> None:
        """Forget a resource (deleted, or `state rm`). Clears its intent too."""

    @abstractmethod
    def add_intent(self, intent: IntentRecord) -> None:
        """Record that a non-idempotent create is about to be sent."""

    @abstractmethod
    def clear_intent(self, name: str) -> None:
        """Drop an intent without a record (the create failed cleanly)."""

    @abstractmethod
    def mark_plan_applied(self, plan_id: str) -> None:
        """Record that saved plan ``plan_id`` is being applied (before its first write)."""

    @abstractmethod
    def rename(self, old: str, new: str) -> None:
        """`state mv`: the record keeps everything but its name."""

    @abstractmethod
    def compact(self) -> None:
        """Fold the journal into the snapshot."""

    @abstractmethod
    @contextmanager
    def lock(self, info: LockInfo, *, timeout: float = 0.0) -> Iterator[None]:
        """Hold the state lock for the duration, waiting up to `timeout` seconds for it; raise
        StateLockedError naming the holder."""

    @abstractmethod
    def lock_holder(self) -> LockInfo | None:
        """Who holds the lock now, if anyone."""

    @abstractmethod
    def force_unlock(self) -> LockInfo | None:
        """Remove the lock whoever holds it; return the holder removed."""

    @property
    @abstractmethod
    def description(self) -> str:
        """Human description for messages (a path, or a redacted URL)."""

    def holder_alive(self, holder: LockInfo) -> bool | None:
        """Whether the run holding the lock as ``holder`` is still running: None when this backend
        cannot tell (e.g. a pid on another host), so the caller decides how careful to be."""
        return None

    def restore(self, snapshot: Snapshot) -> None:
        """Write ``snapshot``'s resources, intents and applied plans into this empty state (used by
        ``migrate_state``, with the lock held). This default goes through the public verbs, so the
        serial restarts here and applied plans carry the time of the copy; backends that can write
        a snapshot whole override it."""
        for record in snapshot.resources.values():
            self.put(record)
        for intent in snapshot.intents.values():  # after the puts: a put clears its name's intent
            self.add_intent(intent)
        for plan_id in snapshot.applied_plans:  # oldest first, so the newest stay when trimmed
            self.mark_plan_applied(plan_id)
        self.compact()
