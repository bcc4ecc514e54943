"""Sinch persistence: OAuth tokens and every project-scoped resource, partitioned by projectId.

A resource is one row of `sinch_objects`: its wire object (the exact JSON the API returns), the sandbox's own
bookkeeping (`internal`: secrets, OTPs, pending transitions) and `due`, the sandbox time of its next pending
transition. State machines run lazily: before a kind is read, every row whose `due` has passed is handed to that
kind's settler, which applies the transitions that happened meanwhile. No background threads; clock advances
(POST /_sandbox/clock) take effect on the next read, and every process sharing a data dir agrees.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from .clock import Clock
from .store import Store

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sinch_tokens (
    token TEXT PRIMARY KEY,
    key_id TEXT NOT NULL,
    expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS sinch_objects (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,  -- creation order
    project TEXT NOT NULL,
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    wire TEXT NOT NULL,
    internal TEXT NOT NULL,
    due REAL,                               -- next pending transition (sandbox epoch seconds), NULL = none
    UNIQUE (project, kind, id)
);
CREATE INDEX IF NOT EXISTS sinch_objects_kind_id ON sinch_objects(kind, id);
CREATE INDEX IF NOT EXISTS sinch_objects_due ON sinch_objects(kind, due) WHERE due IS NOT NULL;
"""

# Kinds (the `kind` column).
NUMBER = "number"  # id = +E164; at most one project holds a number
CALLBACK_CONFIG = "callback_config"  # id = "" (one per project)
PAPI_WEBHOOK = "papi_webhook"
TEMPLATE = "template"  # id = name/LANGUAGE
TOMBSTONE = "template_tombstone"  # id = name/LANGUAGE, due = end of the lock
WA_SENDER = "wa_sender"
RCS_SENDER = "rcs_sender"
APP = "conv_app"
CONV_WEBHOOK = "conv_webhook"


@dataclass
class Rec:
    project: str
    kind: str
    id: str
    wire: dict
    internal: dict = field(default_factory=dict)
    due: float | None = None
    seq: int | None = None


# A settler applies every transition due at or before `now` and sets rec.due to the next one (None if none);
# returning None deletes the record.
Settler = Callable[[Rec, float], "Rec | None"]


class SinchData:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self.settlers: dict[str, Settler] = {}
        store.ensure_schema(_SCHEMA)

    # -- lazy state machines -----------------------------------------------------------------------------
    def settle(self, kind: str, project: str | None = None, now: float | None = None) -> None:
        settler = self.settlers.get(kind)
        if settler is None:
            return
        now = self.clock.now() if now is None else now
        sql = "SELECT * FROM sinch_objects WHERE kind = ? AND due IS NOT NULL AND due <= ?"
        args: list = [kind, now]
        if project is not None:
            sql += " AND project = ?"
            args.append(project)
        with self.store.transaction():
            for row in self.store.all(sql, args):
                rec = settler(_rec(row), now)
                if rec is None:
                    self.store.execute("DELETE FROM sinch_objects WHERE seq = ?", (row["seq"],))
                else:
                    self.save(rec)

    # -- records -------------------------------------------------------------------------------------------
    def get(self, project: str, kind: str, id_: str) -> Rec | None:
        self.settle(kind, project)
        row = self.store.one(
            "SELECT * FROM sinch_objects WHERE project = ? AND kind = ? AND id = ?", (project, kind, id_)
        )
        return None if row is None else _rec(row)

    def list(self, project: str, kind: str) -> list[Rec]:
        """Every record of a kind in a project, in creation order."""
        self.settle(kind, project)
        rows = self.store.all(
            "SELECT * FROM sinch_objects WHERE project = ? AND kind = ? ORDER BY seq", (project, kind)
        )
        return [_rec(r) for r in rows]

    def count(self, project: str, kind: str) -> int:
        self.settle(kind, project)
        return self.store.one(
            "SELECT count(*) AS n FROM sinch_objects WHERE project = ? AND kind = ?", (project, kind)
        )["n"]

    def insert(self, rec: Rec) -> bool:
        """False when (project, kind, id) already exists."""
        cur = self.store.execute(
            "INSERT OR IGNORE INTO sinch_objects(project, kind, id, wire, internal, due) VALUES (?, ?, ?, ?, ?, ?)",
            (rec.project, rec.kind, rec.id, json.dumps(rec.wire), json.dumps(rec.internal), rec.due),
        )
        return cur.rowcount == 1

    def save(self, rec: Rec) -> None:
        self.store.execute(
            "UPDATE sinch_objects SET wire = ?, internal = ?, due = ? WHERE project = ? AND kind = ? AND id = ?",
            (json.dumps(rec.wire), json.dumps(rec.internal), rec.due, rec.project, rec.kind, rec.id),
        )

    def delete(self, project: str, kind: str, id_: str) -> bool:
        cur = self.store.execute(
            "DELETE FROM sinch_objects WHERE project = ? AND kind = ? AND id = ?", (project, kind, id_)
        )
        return cur.rowcount == 1

    def owner(self, kind: str, id_: str) -> str | None:
        """The project holding `id_` of a globally unique kind (phone numbers)."""
        self.settle(kind)
        row = self.store.one("SELECT project FROM sinch_objects WHERE kind = ? AND id = ?", (kind, id_))
        return None if row is None else row["project"]

    def taken_ids(self, kind: str) -> set[str]:
        self.settle(kind)
        return {r["id"] for r in self.store.all("SELECT id FROM sinch_objects WHERE kind = ?", (kind,))}

    # -- OAuth tokens --------------------------------------------------------------------------------------
    def add_token(self, token: str, key_id: str, expires_at: float) -> None:
        self.store.execute(
            "INSERT INTO sinch_tokens(token, key_id, expires_at) VALUES (?, ?, ?)", (token, key_id, expires_at)
        )

    def token(self, token: str) -> tuple[str, float] | None:
        row = self.store.one("SELECT key_id, expires_at FROM sinch_tokens WHERE token = ?", (token,))
        return None if row is None else (row["key_id"], row["expires_at"])


def _rec(row) -> Rec:
    return Rec(
        row["project"],
        row["kind"],
        row["id"],
        json.loads(row["wire"]),
        json.loads(row["internal"]),
        row["due"],
        row["seq"],
    )


def next_due(*times: float | None) -> float | None:
    pending = [t for t in times if t is not None]
    return min(pending) if pending else None
