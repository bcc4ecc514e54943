"""Infobip persistence: auth tokens and every account-scoped resource, partitioned by account (one API key = one
account, infobip_auth.py).

A resource is one row of `infobip_objects`: its wire object (the JSON the API returns), the sandbox's bookkeeping
(`internal`: owner links, pending transitions, edit history) and `due`, the sandbox time of its next pending
transition. State machines run lazily: before a kind is read, every row whose `due` has passed goes through that
kind's settler, which applies what happened meanwhile. No background threads: clock advances (POST /_sandbox/clock)
take effect on the next read, in every process sharing the data dir.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from .clock import Clock
from .store import Store

_SCHEMA = """
CREATE TABLE IF NOT EXISTS infobip_tokens (
    token TEXT PRIMARY KEY,
    kind TEXT NOT NULL,                     -- "oauth" (Bearer) | "session" (IBSSO)
    account TEXT NOT NULL,
    expires_at REAL NOT NULL                -- sandbox epoch seconds
);
CREATE TABLE IF NOT EXISTS infobip_objects (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,  -- creation order
    account TEXT NOT NULL,
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    wire TEXT NOT NULL,
    internal TEXT NOT NULL,
    due REAL,                               -- next pending transition (sandbox epoch seconds), NULL = none
    UNIQUE (account, kind, id)
);
CREATE INDEX IF NOT EXISTS infobip_objects_kind_id ON infobip_objects(kind, id);
CREATE INDEX IF NOT EXISTS infobip_objects_due ON infobip_objects(kind, due) WHERE due IS NOT NULL;
"""

# Kinds (the `kind` column) and their ids.
NUMBER = "number"  # numberKey; a number belongs to at most one account
INBOUND = "inbound_config"  # configurationKey
APPLICATION = "application"  # applicationId (client-chosen)
ENTITY = "entity"  # entityId (client-chosen)
CALLS_CONFIG = "calls_config"  # id (client-chosen or generated)
MASKING = "masking_config"  # key
TFA_APP = "tfa_app"  # applicationId
TFA_MESSAGE = "tfa_message"  # messageId
WA_TEMPLATE = "wa_template"  # numeric id; one WABA per account
WA_NAME_BLOCK = "wa_name_block"  # template name, due = end of the block
WA_SENDER = "wa_sender"  # sender number registered out of band (admin)
SECURITY = "security"  # authId
PROFILE = "profile"  # profileId
SUBSCRIPTION = "subscription"  # "{channel}/{subscriptionId}"
RCS_SENDER = "rcs_sender"  # senderName; unique across accounts
RESOURCE_REQUEST = "resource_request"  # uuid


@dataclass
class Rec:
    account: str
    kind: str
    id: str
    wire: dict
    internal: dict = field(default_factory=dict)
    due: float | None = None
    seq: int | None = None


# A settler applies every transition due at or before `now` and sets rec.due to the next one (None if none);
# returning None deletes the record.
Settler = Callable[[Rec, float], "Rec | None"]


class InfobipData:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self.settlers: dict[str, Settler] = {}
        # kind -> kinds whose transitions change it (settled before it is read)
        self.depends: dict[str, tuple[str, ...]] = {}
        self._local = threading.local()  # kinds being settled by this thread (no re-entry)
        store.ensure_schema(_SCHEMA)

    # -- lazy state machines -----------------------------------------------------------------------------------
    def settle(self, kind: str, account: str | None = None, now: float | None = None) -> None:
        now = self.clock.now() if now is None else now
        for dep in self.depends.get(kind, ()):
            self.settle(dep, account, now)
        settler = self.settlers.get(kind)
        if settler is None:
            return
        busy = self._local.__dict__.setdefault("busy", set())
        if kind in busy:  # a settler reading its own kind: the outer pass handles those rows
            return
        sql = "SELECT * FROM infobip_objects WHERE kind = ? AND due IS NOT NULL AND due <= ?"
        args: list = [kind, now]
        if account is not None:
            sql += " AND account = ?"
            args.append(account)
        with self.store.transaction():
            busy.add(kind)
            try:
                for row in self.store.all(sql, args):
                    rec = settler(_rec(row), now)
                    if rec is None:
                        self.store.execute("DELETE FROM infobip_objects WHERE seq = ?", (row["seq"],))
                    else:
                        self.save(rec)
            finally:
                busy.discard(kind)

    # -- records -----------------------------------------------------------------------------------------------
    def get(self, account: str, kind: str, id_: str) -> Rec | None:
        self.settle(kind, account)
        row = self.store.one(
            "SELECT * FROM infobip_objects WHERE account = ? AND kind = ? AND id = ?", (account, kind, id_)
        )
        return None if row is None else _rec(row)

    def list(self, account: str, kind: str) -> list[Rec]:
        """Every record of a kind in an account, in creation order."""
        self.settle(kind, account)
        rows = self.store.all(
            "SELECT * FROM infobip_objects WHERE account = ? AND kind = ? ORDER BY seq", (account, kind)
        )
        return [_rec(r) for r in rows]

    def insert(self, rec: Rec) -> bool:
        """False when (account, kind, id) already exists."""
        cur = self.store.execute(
            "INSERT OR IGNORE INTO infobip_objects(account, kind, id, wire, internal, due) VALUES (?, ?, ?, ?, ?, ?)",
            (rec.account, rec.kind, rec.id, json.dumps(rec.wire), json.dumps(rec.internal), rec.due),
        )
        return cur.rowcount == 1

    def save(self, rec: Rec) -> None:
        self.store.execute(
            "UPDATE infobip_objects SET wire = ?, internal = ?, due = ? WHERE account = ? AND kind = ? AND id = ?",
            (json.dumps(rec.wire), json.dumps(rec.internal), rec.due, rec.account, rec.kind, rec.id),
        )

    def delete(self, account: str, kind: str, id_: str) -> bool:
        cur = self.store.execute(
            "DELETE FROM infobip_objects WHERE account = ? AND kind = ? AND id = ?", (account, kind, id_)
        )
        return cur.rowcount == 1

    def owner(self, kind: str, id_: str) -> str | None:
        """The account holding `id_` of a kind unique across accounts (numbers, RCS sender names)."""
        self.settle(kind)
        row = self.store.one("SELECT account FROM infobip_objects WHERE kind = ? AND id = ?", (kind, id_))
        return None if row is None else row["account"]

    def taken_ids(self, kind: str) -> set[str]:
        self.settle(kind)
        return {r["id"] for r in self.store.all("SELECT id FROM infobip_objects WHERE kind = ?", (kind,))}

    def next_seq(self, name: str, start: int) -> int:
        """A counter kept in the meta table (reset with the sandbox), e.g. WhatsApp template ids."""
        with self.store.transaction():
            value = int(self.store.meta_get(f"infobip_seq:{name}", str(start - 1)) or start - 1) + 1
            self.store.meta_set(f"infobip_seq:{name}", str(value))
        return value

    # -- tokens --------------------------------------------------------------------------------------------------
    def add_token(self, token: str, kind: str, account: str, expires_at: float) -> None:
        self.store.execute(
            "INSERT INTO infobip_tokens(token, kind, account, expires_at) VALUES (?, ?, ?, ?)",
            (token, kind, account, expires_at),
        )

    def token(self, token: str, kind: str) -> tuple[str, float] | None:
        row = self.store.one(
            "SELECT account, expires_at FROM infobip_tokens WHERE token = ? AND kind = ?", (token, kind)
        )
        return None if row is None else (row["account"], row["expires_at"])

    def touch_token(self, token: str, expires_at: float) -> None:
        self.store.execute("UPDATE infobip_tokens SET expires_at = ? WHERE token = ?", (expires_at, token))

    def drop_token(self, token: str) -> bool:
        return self.store.execute("DELETE FROM infobip_tokens WHERE token = ?", (token,)).rowcount == 1


def _rec(row) -> Rec:
    return Rec(
        row["account"],
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
