"""Infobip persistence: auth tokens and every account-scoped resource, partitioned by account (one API key = one
account, infobip_auth.py).

Resources live in one `ObjectTable` (objects.py: wire object, sandbox bookkeeping such as owner links, pending
transitions and edit history, lazily-run state machines).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .clock import Clock
from .objects import ObjectTable, Settler, next_due
from .store import Store

__all__ = ["InfobipData", "Rec", "Settler", "next_due"]

_TOKENS = """
CREATE TABLE IF NOT EXISTS infobip_tokens (
    token TEXT PRIMARY KEY,
    kind TEXT NOT NULL,                     -- "oauth" (Bearer) | "session" (IBSSO)
    account TEXT NOT NULL,
    expires_at REAL NOT NULL                -- sandbox epoch seconds
);
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


class InfobipData(ObjectTable):
    table = "infobip_objects"
    partition = "account"
    rec_type = Rec

    def __init__(self, store: Store, clock: Clock) -> None:
        super().__init__(store, clock, _TOKENS)

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
