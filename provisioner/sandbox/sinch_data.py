"""Sinch persistence: OAuth tokens and every project-scoped resource, partitioned by projectId.

Resources live in one `ObjectTable` (objects.py: wire object, sandbox bookkeeping, lazily-run state machines).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .clock import Clock
from .objects import ObjectTable, Settler, next_due
from .store import Store

__all__ = ["Rec", "Settler", "SinchData", "next_due"]

_TOKENS = """
CREATE TABLE IF NOT EXISTS sinch_tokens (
    token TEXT PRIMARY KEY,
    key_id TEXT NOT NULL,
    expires_at REAL NOT NULL
);
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


class SinchData(ObjectTable):
    table = "sinch_objects"
    partition = "project"
    rec_type = Rec

    def __init__(self, store: Store, clock: Clock) -> None:
        super().__init__(store, clock, _TOKENS)

    # -- OAuth tokens --------------------------------------------------------------------------------------
    def add_token(self, token: str, key_id: str, expires_at: float) -> None:
        self.store.execute(
            "INSERT INTO sinch_tokens(token, key_id, expires_at) VALUES (?, ?, ?)", (token, key_id, expires_at)
        )

    def token(self, token: str) -> tuple[str, float] | None:
        row = self.store.one("SELECT key_id, expires_at FROM sinch_tokens WHERE token = ?", (token,))
        return None if row is None else (row["key_id"], row["expires_at"])
