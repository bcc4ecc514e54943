"""SQLite persistence shared by all emulated APIs: one connection guarded by a lock.

In-memory by default; with a data dir the file `<dir>/sandbox.db` (WAL) survives restarts and is shared by
commands running in separate processes one after another.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

_CORE_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS request_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    api TEXT NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL, query TEXT NOT NULL, status INTEGER
);
CREATE INDEX IF NOT EXISTS request_log_api ON request_log(api, seq);
"""

# Tables that survive POST /_sandbox/reset: the key pool is infrastructure, not account data.
KEEP_ON_RESET = frozenset({"key_pool", "sqlite_sequence"})


class Store:
    def __init__(self, data_dir: Path | str | None) -> None:
        self.path = None if data_dir is None else Path(data_dir) / "sandbox.db"
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.lock = threading.RLock()
        # Autocommit mode; write groups use transaction() explicitly.
        self._conn = sqlite3.connect(
            str(self.path) if self.path else ":memory:", check_same_thread=False, isolation_level=None
        )
        self._conn.row_factory = sqlite3.Row
        if self.path is not None:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute(
                "PRAGMA synchronous=NORMAL"
            )  # durable enough for an emulator, no fsync per request
            self._conn.execute("PRAGMA busy_timeout=5000")  # another process may hold the write lock briefly
        self.ensure_schema(_CORE_SCHEMA)

    # -- primitives --------------------------------------------------------------------------------
    def ensure_schema(self, ddl: str) -> None:
        with self.lock:
            self._conn.executescript(ddl)

    def execute(self, sql: str, params: Sequence = ()) -> sqlite3.Cursor:
        with self.lock:
            return self._conn.execute(sql, params)

    def executemany(self, sql: str, rows) -> None:
        with self.transaction() as conn:
            conn.executemany(sql, rows)

    def all(self, sql: str, params: Sequence = ()) -> list[sqlite3.Row]:
        with self.lock:
            return self._conn.execute(sql, params).fetchall()

    def one(self, sql: str, params: Sequence = ()) -> sqlite3.Row | None:
        with self.lock:
            return self._conn.execute(sql, params).fetchone()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Serialises a group of statements; nested use joins the outer transaction."""
        with self.lock:
            if self._conn.in_transaction:
                yield self._conn
                return
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def close(self) -> None:
        with self.lock:
            self._conn.close()

    # -- meta key/value ----------------------------------------------------------------------------
    def meta_get(self, key: str, default: str | None = None) -> str | None:
        row = self.one("SELECT value FROM meta WHERE key = ?", (key,))
        return default if row is None else row["value"]

    def meta_set(self, key: str, value: str) -> None:
        self.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    # -- request log -------------------------------------------------------------------------------
    def log_request(self, api: str, method: str, path: str, query: dict, status: int | None) -> None:
        self.execute(
            "INSERT INTO request_log(api, method, path, query, status) VALUES (?, ?, ?, ?, ?)",
            (api, method, path, json.dumps(query, separators=(",", ":")), status),
        )

    def requests(self, api: str | None = None) -> list[dict]:
        if api is None:
            rows = self.all("SELECT api, method, path, query, status FROM request_log ORDER BY seq")
        else:
            rows = self.all(
                "SELECT api, method, path, query, status FROM request_log WHERE api = ? ORDER BY seq", (api,)
            )
        return [
            {
                "api": r["api"],
                "method": r["method"],
                "path": r["path"],
                "query": json.loads(r["query"]),
                "status": r["status"],
            }
            for r in rows
        ]

    def clear_requests(self) -> None:
        self.execute("DELETE FROM request_log")

    # -- reset -------------------------------------------------------------------------------------
    def wipe(self) -> None:
        """Deletes every row of every table except KEEP_ON_RESET."""
        with self.transaction() as conn:
            tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            for table in tables:
                if table not in KEEP_ON_RESET:
                    conn.execute(f'DELETE FROM "{table}"')
