"""Vonage persistence: applications and phone numbers, partitioned by api_key (one account each).

Numbers live in one table: a row with api_key NULL is available inventory; a row with an api_key is owned by
that account and carries its wire object (`body`, the exact JSON /account/numbers lists). Columns the filters
need (country, type, features, app_id) are kept in step with the body on every write.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from . import inventory
from .store import Store

_SCHEMA = """
CREATE TABLE IF NOT EXISTS vonage_applications (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,  -- creation order = list order
    id TEXT NOT NULL UNIQUE,
    api_key TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS vonage_applications_account ON vonage_applications(api_key, seq);

CREATE TABLE IF NOT EXISTS vonage_numbers (
    msisdn TEXT PRIMARY KEY,
    country TEXT NOT NULL,
    type TEXT NOT NULL,
    features TEXT NOT NULL,          -- canonical 'VOICE,SMS'
    feature_bits INTEGER NOT NULL,   -- VOICE=1 SMS=2 MMS=4, for set filters
    cost TEXT NOT NULL,
    initial_price TEXT NOT NULL,
    api_key TEXT,                    -- NULL = available to buy
    app_id TEXT,
    body TEXT
);
CREATE INDEX IF NOT EXISTS vonage_numbers_available ON vonage_numbers(country, msisdn) WHERE api_key IS NULL;
CREATE INDEX IF NOT EXISTS vonage_numbers_owned ON vonage_numbers(api_key, msisdn);
CREATE INDEX IF NOT EXISTS vonage_numbers_linked ON vonage_numbers(api_key, app_id);
"""

FEATURE_BITS = {"VOICE": 1, "SMS": 2, "MMS": 4}

# Field order of an owned number on the wire (spec order); fields are left out when unset.
OWNED_FIELDS = (
    "country",
    "msisdn",
    "moHttpUrl",
    "type",
    "features",
    "messagesCallbackType",
    "messagesCallbackValue",
    "voiceCallbackType",
    "voiceCallbackValue",
    "voiceStatusCallback",
    "app_id",
)

_INVENTORY_SIZE_KEY = "vonage_inventory_size"
# Used when an account is given a number the inventory never had (admin API).
_DEFAULT_TYPE, _DEFAULT_FEATURES, _DEFAULT_PRICE = inventory.MOBILE, ("VOICE", "SMS"), ("0.90", "0.00")


def feature_bits(features: Iterable[str]) -> int:
    return sum(FEATURE_BITS.get(f, 0) for f in set(features))


def ordered_number(wire: dict) -> dict:
    out = {k: wire[k] for k in OWNED_FIELDS if k in wire and wire[k] is not None}
    out.update({k: v for k, v in wire.items() if k not in out and v is not None})
    return out


@dataclass
class NumberFilter:
    country: str | None = None
    pattern: str | None = None
    search_pattern: int = 0  # 0 starts with, 1 contains, 2 ends with
    type: str | None = None
    feature_bits: int = 0  # all of these features
    application_id: str | None = None
    has_application: bool | None = None

    def clauses(self) -> tuple[list[str], list]:
        where: list[str] = []
        args: list = []
        if self.country:
            where.append("country = ?")
            args.append(self.country)
        if self.pattern:
            if self.search_pattern == 0:  # range scan keeps the msisdn index usable
                where.append("msisdn >= ? AND msisdn < ?")
                args += [self.pattern, self.pattern + "\U0010ffff"]
            elif self.search_pattern == 1:
                where.append("instr(msisdn, ?) > 0")
                args.append(self.pattern)
            else:
                where.append("substr(msisdn, ?) = ?")
                args += [-len(self.pattern), self.pattern]
        if self.type:
            where.append("type = ?")
            args.append(self.type)
        if self.feature_bits:
            where.append("(feature_bits & ?) = ?")
            args += [self.feature_bits, self.feature_bits]
        if self.application_id is not None:
            where.append("app_id = ?")
            args.append(self.application_id)
        if self.has_application is True:
            where.append("app_id IS NOT NULL")
        elif self.has_application is False:
            where.append("app_id IS NULL")
        return where, args


class VonageData:
    def __init__(self, store: Store) -> None:
        self.store = store
        store.ensure_schema(_SCHEMA)

    # -- inventory ---------------------------------------------------------------------------------
    def seed_inventory(self, size: int) -> None:
        """Makes sure every country has its first `size` numbers; idempotent, cheap when already seeded."""
        if int(self.store.meta_get(_INVENTORY_SIZE_KEY, "0") or 0) >= size:
            return
        rows = [
            (
                n.msisdn,
                n.country,
                n.type,
                ",".join(n.features),
                feature_bits(n.features),
                n.cost,
                n.initial_price,
            )
            for country in inventory.countries()
            for n in inventory.generate(country, size)
        ]
        with self.store.transaction() as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO vonage_numbers(msisdn, country, type, features, feature_bits, "
                "cost, initial_price) VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            self.store.meta_set(_INVENTORY_SIZE_KEY, str(size))

    def search_available(self, flt: NumberFilter, offset: int, limit: int) -> tuple[int, list[dict]]:
        where, args = flt.clauses()
        sql_where = " AND ".join(["api_key IS NULL", *where])
        with self.store.lock:
            total = self.store.one(f"SELECT count(*) AS n FROM vonage_numbers WHERE {sql_where}", args)["n"]
            rows = self.store.all(
                f"SELECT country, msisdn, type, features, cost, initial_price FROM vonage_numbers "
                f"WHERE {sql_where} ORDER BY msisdn LIMIT ? OFFSET ?",
                [*args, limit, offset],
            )
        return total, [
            {
                "country": r["country"],
                "msisdn": r["msisdn"],
                "type": r["type"],
                "cost": r["cost"],
                "initialPrice": r["initial_price"],
                "features": r["features"].split(","),
            }
            for r in rows
        ]

    # -- owned numbers -----------------------------------------------------------------------------
    def list_owned(self, api_key: str, flt: NumberFilter, offset: int, limit: int) -> tuple[int, list[dict]]:
        where, args = flt.clauses()
        sql_where = " AND ".join(["api_key = ?", *where])
        args = [api_key, *args]
        with self.store.lock:
            total = self.store.one(f"SELECT count(*) AS n FROM vonage_numbers WHERE {sql_where}", args)["n"]
            rows = self.store.all(
                f"SELECT body FROM vonage_numbers WHERE {sql_where} ORDER BY msisdn LIMIT ? OFFSET ?",
                [*args, limit, offset],
            )
        return total, [ordered_number(json.loads(r["body"])) for r in rows]

    def get_owned(self, api_key: str, msisdn: str) -> dict | None:
        row = self.store.one(
            "SELECT body FROM vonage_numbers WHERE msisdn = ? AND api_key = ?", (msisdn, api_key)
        )
        return None if row is None else json.loads(row["body"])

    def buy(self, api_key: str, country: str, msisdn: str) -> bool:
        """Moves an available number to the account; False if it is owned (by anyone) or not in inventory."""
        with self.store.transaction() as conn:
            row = conn.execute(
                "SELECT country, type, features FROM vonage_numbers WHERE msisdn = ? AND api_key IS NULL",
                (msisdn,),
            ).fetchone()
            if row is None or row["country"] != country:
                return False
            body = {
                "country": row["country"],
                "msisdn": msisdn,
                "type": row["type"],
                "features": row["features"].split(",") if row["features"] else [],
            }
            conn.execute(
                "UPDATE vonage_numbers SET api_key = ?, app_id = NULL, body = ? WHERE msisdn = ?",
                (api_key, json.dumps(body), msisdn),
            )
            return True

    def cancel(self, api_key: str, country: str | None, msisdn: str) -> bool:
        """Returns an owned number to the inventory, forgetting its configuration; False if not owned."""
        sql = (
            "UPDATE vonage_numbers SET api_key = NULL, app_id = NULL, body = NULL "
            "WHERE msisdn = ? AND api_key = ?"
        )
        args: list = [msisdn, api_key]
        if country is not None:
            sql += " AND country = ?"
            args.append(country)
        return self.store.execute(sql, args).rowcount == 1

    def save_owned(self, api_key: str, wire: dict) -> None:
        """Writes an owned number's wire object back, keeping the filter columns in step."""
        features = wire.get("features") or []
        self.store.execute(
            "UPDATE vonage_numbers SET body = ?, country = ?, type = ?, features = ?, feature_bits = ?, "
            "app_id = ? WHERE msisdn = ? AND api_key = ?",
            (
                json.dumps(ordered_number(wire)),
                wire.get("country", ""),
                wire.get("type", ""),
                inventory.features_key(features) if isinstance(features, list) else "",
                feature_bits(features) if isinstance(features, list) else 0,
                wire.get("app_id") or None,
                wire["msisdn"],
                api_key,
            ),
        )

    def give(self, api_key: str, wire: dict) -> dict | None:
        """Assigns a number to an account directly (admin); None if someone already owns it."""
        msisdn = wire["msisdn"]
        with self.store.transaction() as conn:
            row = conn.execute("SELECT * FROM vonage_numbers WHERE msisdn = ?", (msisdn,)).fetchone()
            if row is not None and row["api_key"] is not None:
                return None
            if row is None:
                cost, initial = _DEFAULT_PRICE
                features = wire.get("features") or list(_DEFAULT_FEATURES)
                conn.execute(
                    "INSERT INTO vonage_numbers(msisdn, country, type, features, feature_bits, cost, "
                    "initial_price) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        msisdn,
                        wire["country"],
                        wire.get("type") or _DEFAULT_TYPE,
                        inventory.features_key(features),
                        feature_bits(features),
                        cost,
                        initial,
                    ),
                )
                row = conn.execute("SELECT * FROM vonage_numbers WHERE msisdn = ?", (msisdn,)).fetchone()
            body = {
                "country": row["country"],
                "msisdn": msisdn,
                "type": row["type"],
                "features": row["features"].split(",") if row["features"] else [],
                **wire,
            }
            conn.execute("UPDATE vonage_numbers SET api_key = ? WHERE msisdn = ?", (api_key, msisdn))
            self.save_owned(api_key, body)
            return ordered_number(body)

    def unlink_app(self, api_key: str, app_id: str) -> None:
        """Removes a link to `app_id` (and the app-type callbacks it set) from every number of the account."""
        with self.store.transaction() as conn:
            rows = conn.execute(
                "SELECT body FROM vonage_numbers WHERE api_key = ? AND app_id = ?", (api_key, app_id)
            ).fetchall()
            for row in rows:
                self.save_owned(api_key, without_link(json.loads(row["body"])))

    # -- applications ------------------------------------------------------------------------------
    def create_app(self, api_key: str, app: dict) -> None:
        self.store.execute(
            "INSERT INTO vonage_applications(id, api_key, body) VALUES (?, ?, ?)",
            (app["id"], api_key, json.dumps(app)),
        )

    def get_app(self, api_key: str, app_id: str) -> dict | None:
        row = self.store.one(
            "SELECT body FROM vonage_applications WHERE id = ? AND api_key = ?", (app_id, api_key)
        )
        return None if row is None else json.loads(row["body"])

    def replace_app(self, api_key: str, app: dict) -> bool:
        cur = self.store.execute(
            "UPDATE vonage_applications SET body = ? WHERE id = ? AND api_key = ?",
            (json.dumps(app), app["id"], api_key),
        )
        return cur.rowcount == 1

    def delete_app(self, api_key: str, app_id: str) -> bool:
        cur = self.store.execute(
            "DELETE FROM vonage_applications WHERE id = ? AND api_key = ?", (app_id, api_key)
        )
        return cur.rowcount == 1

    def list_apps(self, api_key: str, offset: int, limit: int) -> tuple[int, list[dict]]:
        with self.store.lock:
            total = self.store.one(
                "SELECT count(*) AS n FROM vonage_applications WHERE api_key = ?", (api_key,)
            )["n"]
            rows = self.store.all(
                "SELECT body FROM vonage_applications WHERE api_key = ? ORDER BY seq LIMIT ? OFFSET ?",
                (api_key, limit, offset),
            )
        return total, [json.loads(r["body"]) for r in rows]


def without_link(wire: dict) -> dict:
    """The number minus its app link and the app-type callbacks that point at the same application."""
    out = dict(wire)
    target = out.pop("app_id", None)
    if target:
        for kind in ("voice", "messages"):
            if out.get(f"{kind}CallbackType") == "app" and out.get(f"{kind}CallbackValue") == target:
                del out[f"{kind}CallbackType"], out[f"{kind}CallbackValue"]
    return out
