"""One table of provider objects with lazily-run state machines, shared by the emulators that need them.

A resource is one row: its wire object (the JSON the API returns), the sandbox's own bookkeeping (`internal`:
secrets, OTPs, owner links, pending transitions) and `due`, the sandbox time of its next pending transition.
Rows are partitioned by the provider's tenant (a Sinch project, an Infobip account). State machines run lazily:
before a kind is read, every row whose `due` has passed goes through that kind's settler, which applies what
happened meanwhile. No background threads: clock advances (POST /_sandbox/clock) take effect on the next read,
in every process sharing the data dir.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any, ClassVar

from .clock import Clock
from .store import Store

# A settler applies every transition due at or before `now` and sets rec.due to the next one (None if none);
# returning None deletes the record.
Settler = Callable[[Any, float], Any]


class ObjectTable:
    """Subclasses name the table, its partition column and their record type (fields: partition, kind, id,
    wire, internal, due, seq — in that order)."""

    table: ClassVar[str]
    partition: ClassVar[str]  # "project", "account"
    rec_type: ClassVar[type]

    def __init__(self, store: Store, clock: Clock, extra_schema: str = "") -> None:
        self.store = store
        self.clock = clock
        self.settlers: dict[str, Settler] = {}
        # kind -> kinds whose transitions change it (settled before it is read)
        self.depends: dict[str, tuple[str, ...]] = {}
        self._local = threading.local()  # kinds being settled by this thread (no re-entry)
        t, p = self.table, self.partition
        store.ensure_schema(
            f"""
CREATE TABLE IF NOT EXISTS {t} (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,  -- creation order
    {p} TEXT NOT NULL,
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    wire TEXT NOT NULL,
    internal TEXT NOT NULL,
    due REAL,                               -- next pending transition (sandbox epoch seconds), NULL = none
    UNIQUE ({p}, kind, id)
);
CREATE INDEX IF NOT EXISTS {t}_kind_id ON {t}(kind, id);
CREATE INDEX IF NOT EXISTS {t}_due ON {t}(kind, due) WHERE due IS NOT NULL;
"""
            + extra_schema
        )

    # -- lazy state machines -----------------------------------------------------------------------------------
    def settle(self, kind: str, part: str | None = None, now: float | None = None) -> None:
        now = self.clock.now() if now is None else now
        for dep in self.depends.get(kind, ()):
            self.settle(dep, part, now)
        settler = self.settlers.get(kind)
        if settler is None:
            return
        busy = self._local.__dict__.setdefault("busy", set())
        if kind in busy:  # a settler reading its own kind: the outer pass handles those rows
            return
        sql = f"SELECT * FROM {self.table} WHERE kind = ? AND due IS NOT NULL AND due <= ?"
        args: list = [kind, now]
        if part is not None:
            sql += f" AND {self.partition} = ?"
            args.append(part)
        with self.store.transaction():
            busy.add(kind)
            try:
                for row in self.store.all(sql, args):
                    rec = settler(self._rec(row), now)
                    if rec is None:
                        self.store.execute(f"DELETE FROM {self.table} WHERE seq = ?", (row["seq"],))
                    else:
                        self.save(rec)
            finally:
                busy.discard(kind)

    # -- records -----------------------------------------------------------------------------------------------
    def get(self, part: str, kind: str, id_: str) -> Any:
        self.settle(kind, part)
        row = self.store.one(
            f"SELECT * FROM {self.table} WHERE {self.partition} = ? AND kind = ? AND id = ?", (part, kind, id_)
        )
        return None if row is None else self._rec(row)

    def list(self, part: str, kind: str) -> list:
        """Every record of a kind in a partition, in creation order."""
        self.settle(kind, part)
        rows = self.store.all(
            f"SELECT * FROM {self.table} WHERE {self.partition} = ? AND kind = ? ORDER BY seq", (part, kind)
        )
        return [self._rec(r) for r in rows]

    def count(self, part: str, kind: str) -> int:
        self.settle(kind, part)
        return self.store.one(
            f"SELECT count(*) AS n FROM {self.table} WHERE {self.partition} = ? AND kind = ?", (part, kind)
        )["n"]

    def insert(self, rec: Any) -> bool:
        """False when (partition, kind, id) already exists."""
        cur = self.store.execute(
            f"INSERT OR IGNORE INTO {self.table}({self.partition}, kind, id, wire, internal, due) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (self._part(rec), rec.kind, rec.id, json.dumps(rec.wire), json.dumps(rec.internal), rec.due),
        )
        return cur.rowcount == 1

    def save(self, rec: Any) -> None:
        self.store.execute(
            f"UPDATE {self.table} SET wire = ?, internal = ?, due = ? "
            f"WHERE {self.partition} = ? AND kind = ? AND id = ?",
            (json.dumps(rec.wire), json.dumps(rec.internal), rec.due, self._part(rec), rec.kind, rec.id),
        )

    def delete(self, part: str, kind: str, id_: str) -> bool:
        cur = self.store.execute(
            f"DELETE FROM {self.table} WHERE {self.partition} = ? AND kind = ? AND id = ?", (part, kind, id_)
        )
        return cur.rowcount == 1

    def owner(self, kind: str, id_: str) -> str | None:
        """The partition holding `id_` of a kind unique across partitions (numbers, RCS sender names)."""
        self.settle(kind)
        row = self.store.one(f"SELECT {self.partition} FROM {self.table} WHERE kind = ? AND id = ?", (kind, id_))
        return None if row is None else row[self.partition]

    def taken_ids(self, kind: str) -> set[str]:
        self.settle(kind)
        return {r["id"] for r in self.store.all(f"SELECT id FROM {self.table} WHERE kind = ?", (kind,))}

    def _part(self, rec: Any) -> str:
        return getattr(rec, self.partition)

    def _rec(self, row: Any) -> Any:
        return self.rec_type(
            row[self.partition],
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
