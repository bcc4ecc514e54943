"""The postgres state backend: the local model (journal + snapshot + lock) in PostgreSQL tables,
so many CI runners can share one state.

URL: ``postgresql://[user[:password]@][host][:port]/dbname[?param=value&...]`` (or ``postgres://``).
Two parameters are ours; every other one goes to libpq unchanged (``sslmode``, ``host=/socket/dir``,
``connect_timeout``, ...):

    schema=NAME   the schema holding the tables (default ``provision``), created on first write
    state=NAME    which state in those tables (default ``default``): many states share one schema

Tables (in ``<schema>``)::

    meta(key PK, value)                    format_version = "1"; a newer version is refused
    states(name PK, serial, incarnation)   one row per state: the head serial. Every write locks
                                           it FOR UPDATE, so concurrent writers serialise
    journal(state, serial, op, body jsonb, written)   PK (state, serial); append-only. ``body`` is
                                           the record minus serial/op, as in journal.jsonl
    snapshots(state PK, serial, body jsonb, written)  the fold of every journal row <= serial
    locks(state PK, token, backend_pid, host, pid, user, command, started, ci_url,
          heartbeat_interval, acquired, heartbeat)     the lock holder, for humans and ``unlock``

Reading: one small query for (incarnation, head serial, snapshot serial). The in-process cache at
that serial answers alone; otherwise only journal rows above the cached serial are read (snapshot +
journal when compaction passed it or the state was recreated), in one REPEATABLE READ transaction.

Writing: one transaction locks the state's row, brings the cache up to date under that lock,
checks the operation against it, inserts journal row head+1 and bumps the head. Durable once the
commit returns; the primary key backs the serial up. ``compact`` folds the journal into the
snapshot row and deletes the folded rows, in one transaction.

Locking is a lease: ``pg_try_advisory_lock`` (a key derived from schema and state) on a dedicated
connection held for the lock's whole duration, plus a ``locks`` row naming the holder and its
session's ``backend_pid``, whose ``heartbeat`` a daemon thread refreshes every
``heartbeat_interval`` seconds (5; the interval is stored in the row, so observers judge each
holder by its own). A waiter polls every ``LOCK_POLL_SECONDS`` up to its timeout, then names the
holder. The server releases the advisory lock when the session ends, so a killed run never leaves
the state locked: a row whose ``backend_pid`` no longer holds the advisory lock is stale and ignored
(and overwritten by the next holder); the lock session turns on TCP keepalives so a vanished host's
session ends too. ``holder_alive`` is "the session still holds the lock and its heartbeat is
younger than ``STALE_AFTER`` intervals" (a hung or cut-off run is not alive). ``force_unlock`` ends
the holding session (``pg_terminate_backend``, which needs the same database role,
``pg_signal_backend`` or a superuser) and deletes the row; like the local backend, a run unlocked
that way is not stopped from recording writes that already landed. The lock needs a session-level
connection: behind a transaction-pooling proxy (pgbouncer ``pool_mode=transaction``) advisory locks
do not work. Command lines stored in the row have URL passwords replaced by ``***``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from copy import deepcopy
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

import psycopg
from psycopg import sql

from ..errors import StateError, StateLockedError
from ..wait import SYSTEM_CLOCK, Clock
from .base import (
    STATE_VERSION,
    IntentRecord,
    LockInfo,
    ResourceRecord,
    Snapshot,
    StateBackend,
    check_rename,
    compaction_due,
    now_iso,
    redact_secrets,
)
from .local import COMPACT_AFTER, _apply, _lock_info

FORMAT_VERSION = 1  # of the table layout (the snapshot body carries STATE_VERSION, as in local)
DEFAULT_SCHEMA = "provision"
DEFAULT_STATE = "default"
HEARTBEAT_SECONDS = 5.0
STALE_AFTER = 3  # heartbeats missed before a holder counts as gone
LOCK_POLL_SECONDS = 0.2
SETTLE_SECONDS = 1.0  # a new holder writes its row right after taking the advisory lock
CONNECT_TIMEOUT = 10

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
_OURS = ("schema", "state")
_DEFAULTS = {"application_name": "provision", "connect_timeout": CONNECT_TIMEOUT}
_SETUP_KEY = -0x70726F7669736E  # advisory key serialising table creation ("provisn")

_DDL = """
CREATE SCHEMA IF NOT EXISTS {s};
CREATE TABLE IF NOT EXISTS {s}.meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS {s}.states (
    name text PRIMARY KEY,
    serial bigint NOT NULL DEFAULT 0,
    incarnation text NOT NULL,
    created timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS {s}.journal (
    state text NOT NULL REFERENCES {s}.states (name) ON DELETE CASCADE,
    serial bigint NOT NULL,
    op text NOT NULL,
    body jsonb NOT NULL,
    written timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (state, serial));
CREATE TABLE IF NOT EXISTS {s}.snapshots (
    state text PRIMARY KEY REFERENCES {s}.states (name) ON DELETE CASCADE,
    serial bigint NOT NULL,
    body jsonb NOT NULL,
    written timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS {s}.locks (
    state text PRIMARY KEY,
    token text NOT NULL,
    backend_pid integer NOT NULL,
    host text NOT NULL,
    pid integer NOT NULL,
    "user" text NOT NULL,
    command text NOT NULL,
    started text NOT NULL,
    ci_url text,
    heartbeat_interval double precision NOT NULL,
    acquired timestamptz NOT NULL DEFAULT now(),
    heartbeat timestamptz NOT NULL DEFAULT now());
"""

_HEAD = "SELECT s.serial, s.incarnation, coalesce(sn.serial, 0) FROM {s}.states s LEFT JOIN {s}.snapshots sn ON sn.state = s.name WHERE s.name = %(state)s"  # noqa: E501

_HOLDER = """
SELECT a.pid, l.host, l.pid, l."user", l.command, l.started, l.ci_url, l.backend_pid,
       extract(epoch FROM now() - l.heartbeat)::float8, l.heartbeat_interval
FROM (SELECT (SELECT pid FROM pg_locks
              WHERE locktype = 'advisory' AND granted AND objsubid = 1
                AND classid = %(classid)s::oid AND objid = %(objid)s::oid
                AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
              LIMIT 1) AS pid) a
LEFT JOIN {s}.locks l ON l.state = %(state)s
"""


def _dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def ci_run_url(env: dict[str, str] | None = None) -> str | None:
    """The CI run this process belongs to, if the environment says (GitHub, GitLab, Jenkins)."""
    env = dict(os.environ) if env is None else env
    if env.get("GITHUB_RUN_ID") and env.get("GITHUB_REPOSITORY"):
        server = env.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
        return f"{server}/{env['GITHUB_REPOSITORY']}/actions/runs/{env['GITHUB_RUN_ID']}"
    return env.get("CI_JOB_URL") or env.get("BUILD_URL") or None


@dataclass(frozen=True)
class _Target:
    """A parsed state URL: what libpq gets, which state, and what may be shown."""

    conninfo: str
    schema: str
    state: str
    description: str
    secrets: tuple[str, ...]
    defaults: dict[str, Any]  # connection parameters the URL leaves out


def parse_url(url: str) -> _Target:
    """Split our parameters off `url`; the description has every password replaced by ``***``."""
    parts = urlsplit(url)
    kept, ours, shown, hidden = [], {}, [], []
    for piece in parts.query.split("&") if parts.query else []:
        key, _, value = piece.partition("=")
        key = unquote(key)
        if key == "password":
            hidden.append(value)
            shown.append(f"{key}=***")
            kept.append(piece)
            continue
        shown.append(piece)
        if key in _OURS:
            ours[key] = unquote(value)
        else:
            kept.append(piece)
    netloc = parts.netloc
    userinfo, at, hostport = netloc.rpartition("@")
    if at and ":" in userinfo:
        user, _, password = userinfo.partition(":")
        hidden.append(password)
        netloc = f"{user}:***@{hostport}"
    description = _join(parts.scheme, netloc, parts.path, shown)
    secret_values = tuple(v for p in hidden for v in {p, unquote(p)} if v)
    schema = ours.get("schema", DEFAULT_SCHEMA)
    state = ours.get("state", DEFAULT_STATE)
    if not _IDENT.fullmatch(schema):
        raise StateError(
            f"cannot open state {description}: schema {schema!r} is not a plain identifier "
            "(letters, digits and _, at most 63)"
        )
    if not state or len(state) > 200 or not state.isprintable():
        raise StateError(f"cannot open state {description}: state name {state!r} must be 1-200 printable characters")
    conninfo = _join(parts.scheme, parts.netloc, parts.path, kept)
    given = {unquote(piece.partition("=")[0]) for piece in kept}
    defaults = {k: v for k, v in _DEFAULTS.items() if k not in given}
    return _Target(conninfo, schema, state, description, secret_values, defaults)


def _join(scheme: str, netloc: str, path: str, query: list[str]) -> str:
    # Not urlunsplit: it drops an empty host ("postgresql:///db?host=/socket/dir" is common).
    return f"{scheme}://{netloc}{path}" + (f"?{'&'.join(query)}" if query else "")


def _lock_key(schema: str, state: str) -> int:
    digest = hashlib.blake2b(f"provision\0{schema}\0{state}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@dataclass
class _Lease:
    conn: psycopg.Connection
    token: str
    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None


@dataclass
class _Holder:
    """Who holds the advisory lock (``session``) and what the ``locks`` row says (``row``)."""

    session: int | None
    row: dict[str, Any] | None

    @property
    def current(self) -> bool:
        return self.row is not None and self.row["backend_pid"] == self.session


class PostgresState(StateBackend):
    """State in PostgreSQL. See the module docstring for the tables and the lock protocol."""

    def __init__(
        self,
        url: str,
        *,
        compact_after: int = COMPACT_AFTER,
        heartbeat_interval: float = HEARTBEAT_SECONDS,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.url = url
        self.target = parse_url(url)
        self.schema, self.state = self.target.schema, self.target.state
        self.compact_after = compact_after
        self.heartbeat_interval = heartbeat_interval
        self.clock = clock
        key = _lock_key(self.schema, self.state) & 0xFFFFFFFFFFFFFFFF
        self._key = key - (1 << 64) if key >= 1 << 63 else key
        self._key_parts = {"classid": key >> 32, "objid": key & 0xFFFFFFFF, "state": self.state}
        self._q = {name: sql.SQL(text).format(s=sql.Identifier(self.schema)) for name, text in _QUERIES.items()}
        self._mutex = threading.RLock()
        self._conn_: psycopg.Connection | None = None
        self._tables = False  # seen to exist, with a version we understand
        self._invalidate()

    @property
    def description(self) -> str:
        return self.target.description

    def reopened(self) -> PostgresState:
        """Another instance on the same state, with no cache: what another process would read."""
        return PostgresState(self.url, compact_after=self.compact_after, heartbeat_interval=self.heartbeat_interval)

    def close(self) -> None:
        with self._mutex:
            if self._conn_ is not None:
                self._conn_.close()
                self._conn_ = None

    # ------------------------------------------------------------------------------- connections

    def _connect(self, what: str) -> psycopg.Connection:
        try:
            return psycopg.connect(self.target.conninfo, autocommit=True, **self.target.defaults)
        except psycopg.Error as e:
            raise self._error(f"{what} {self.description}", e) from None

    def _conn(self, what: str) -> psycopg.Connection:
        """The data connection (caller holds the mutex), reopened if it broke."""
        if self._conn_ is None or self._conn_.closed or self._conn_.broken:
            if self._conn_ is not None:
                self._conn_.close()
            self._conn_ = self._connect(what)
        return self._conn_

    def _redact(self, text: str) -> str:
        text = redact_secrets(text)
        for secret in self.target.secrets:
            text = text.replace(secret, "***")
        return text

    def _error(self, head: str, e: BaseException) -> StateError:
        return StateError(f"{head}: {self._redact(' '.join(str(e).split()) or type(e).__name__)}")

    @contextmanager
    def _db(self, what: str) -> Iterator[psycopg.Connection]:
        """The data connection for one operation; database errors become StateErrors, and any
        failure drops the cache (a half-applied catch-up must not be trusted)."""
        with self._mutex:
            try:
                yield self._conn(what)
            except psycopg.Error as e:
                self._invalidate()
                self._tables = False  # dropped under us, perhaps: look again next time
                raise self._error(f"{what} {self.description}", e) from None
            except BaseException:
                self._invalidate()
                raise

    def _exec(self, conn: psycopg.Connection, name: str, params: Any = None) -> psycopg.Cursor:
        return conn.execute(self._q[name], params)

    # ---------------------------------------------------------------------------------- tables

    def _tables_exist(self, conn: psycopg.Connection) -> bool:
        """True if the tables exist; refuses a newer format. Creates nothing."""
        if self._tables:
            return True
        found = conn.execute("SELECT to_regclass(%s) IS NOT NULL", [f'"{self.schema}".meta']).fetchone()
        if not (found and found[0]):
            return False
        self._check_version(conn)
        self._tables = True
        return True

    def _check_version(self, conn: psycopg.Connection) -> None:
        row = self._exec(conn, "version").fetchone()
        version = row[0] if row else None
        if version is None or not version.isdigit() or int(version) > FORMAT_VERSION:
            raise StateError(
                f"cannot use state {self.description}: its tables in schema {self.schema!r} have format version "
                f"{version!r}, but this provisioner understands version {FORMAT_VERSION}; use the provisioner "
                "release that wrote them"
            )

    def _ensure_tables(self, conn: psycopg.Connection) -> None:
        if self._tables_exist(conn):
            return
        with conn.transaction():
            # Concurrent CREATE ... IF NOT EXISTS can still collide: one creator at a time.
            conn.execute("SELECT pg_advisory_xact_lock(%s)", [_SETUP_KEY])
            conn.execute(sql.SQL(_DDL).format(s=sql.Identifier(self.schema)))
            self._exec(conn, "init_version", {"v": str(FORMAT_VERSION)})
        self._check_version(conn)
        self._tables = True

    # ----------------------------------------------------------------------------------- reading

    def _invalidate(self) -> None:
        self._snap: Snapshot | None = None
        self._incarnation: str | None = None
        self._snap_serial = 0  # serial of the snapshot row the cache was built on (or last folded)

    def read(self) -> Snapshot:
        with self._db("cannot read state") as conn:
            if not self._tables_exist(conn):
                return Snapshot()
            head = self._exec(conn, "head", self._key_parts).fetchone()
            if head is None:
                self._invalidate()
                return Snapshot()
            if not self._cached_at(head):
                with conn.transaction():
                    conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    self._sync(conn, self._exec(conn, "head", self._key_parts).fetchone())
            snap = self._snap or Snapshot()
            # Fresh dicts so callers may add/remove keys; records are shared and must not be mutated.
            return Snapshot(snap.serial, dict(snap.resources), dict(snap.intents), dict(snap.applied_plans))

    def _cached_at(self, head: tuple[int, str, int]) -> bool:
        return self._snap is not None and self._incarnation == head[1] and self._snap.serial == head[0]

    def _sync(self, conn: psycopg.Connection, head: tuple[int, str, int] | None) -> None:
        """Bring the cache to `head`. The caller's view must be stable (REPEATABLE READ, or the
        state's row locked): compaction must not fold rows between the statements here."""
        if head is None:
            self._invalidate()
            return
        serial, incarnation, snap_serial = head
        snap = self._snap
        usable = snap is not None and self._incarnation == incarnation and snap_serial <= snap.serial <= serial
        if not usable:
            snap = self._load_snapshot(conn)
            self._snap, self._incarnation = snap, incarnation
        assert snap is not None
        self._snap_serial = snap_serial
        if snap.serial < serial:
            self._replay(conn, snap, serial)

    def _load_snapshot(self, conn: psycopg.Connection) -> Snapshot:
        row = self._exec(conn, "snapshot", self._key_parts).fetchone()
        if row is None:
            return Snapshot()
        serial, data = row
        where = f"state {self.description}: the snapshot row"
        version = data.get("version") if isinstance(data, dict) else None
        if version != STATE_VERSION:
            raise StateError(
                f"cannot read {where} has version {version!r}, but this provisioner understands version "
                f"{STATE_VERSION}; use the provisioner release that wrote it"
            )
        try:
            return Snapshot(
                serial=int(serial),
                resources={n: ResourceRecord.from_json(r) for n, r in data["resources"].items()},
                intents={n: IntentRecord.from_json(i) for n, i in data["intents"].items()},
                applied_plans=dict(data.get("applied_plans", {})),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise StateError(f"cannot read {where} is malformed ({e!r}); restore it from a backup") from e

    def _replay(self, conn: psycopg.Connection, snap: Snapshot, upto: int) -> None:
        rows = self._exec(conn, "journal", {"state": self.state, "after": snap.serial, "upto": upto})
        for serial, op, body in rows:
            where = f"state {self.description}: journal row {serial}"
            if serial != snap.serial + 1:
                raise StateError(
                    f"cannot read {where} follows {snap.serial} (rows are missing); restore the state from a "
                    "backup, then run `provision plan` to compare with what is live"
                )
            try:
                if not isinstance(body, dict):
                    raise TypeError("body is not a JSON object")
                _apply(snap, {**body, "serial": serial, "op": op})
            except (KeyError, TypeError, ValueError, AttributeError) as e:
                raise StateError(
                    f"cannot read {where} is invalid ({e}). Restore the state from a backup, then run "
                    "`provision plan` to compare with what is live"
                ) from e
        if snap.serial != upto:
            raise StateError(f"cannot read state {self.description}: journal rows up to {upto} are missing")

    # ----------------------------------------------------------------------------------- writing

    def put(self, record: ResourceRecord) -> None:
        self._commit("put", {"record": record.to_json()}, f"cannot record {record.name}")

    def remove(self, name: str) -> None:
        self._commit(
            "remove",
            {"name": name},
            f"cannot remove {name} from state",
            lambda snap: name in snap.resources or name in snap.intents,
        )

    def add_intent(self, intent: IntentRecord) -> None:
        self._commit("intent", {"intent": intent.to_json()}, f"cannot record intent {intent.name}")

    def clear_intent(self, name: str) -> None:
        self._commit("clear_intent", {"name": name}, f"cannot clear intent {name}", lambda snap: name in snap.intents)

    def mark_plan_applied(self, plan_id: str) -> None:
        self._commit("plan", {"id": plan_id, "at": now_iso()}, f"cannot record plan {plan_id}")

    def rename(self, old: str, new: str) -> None:
        def check(snap: Snapshot) -> bool:
            return check_rename(snap, old, new, self.description)

        self._commit("rename", {"old": old, "new": new}, f"cannot rename {old} to {new}", check)

    def _commit(self, op: str, body: dict[str, Any], what: str, check: Any = None) -> None:
        """Append one journal row in one transaction, then fold it into the cache.

        `check(snapshot)` runs under the state's row lock on the up-to-date state: False means
        there is nothing to write; a StateError refuses the write."""
        try:
            text = _dumps(body)
        except (TypeError, ValueError) as e:
            raise StateError(f"{what}: the record is not JSON-serialisable ({e})") from e
        with self._db(what) as conn:
            self._ensure_tables(conn)
            with conn.transaction():
                snap = self._lock_head(conn)
                if check is not None and not check(snap):
                    return
                serial = snap.serial + 1
                self._exec(conn, "append", {"state": self.state, "serial": serial, "op": op, "body": text})
            # Fold the re-parsed text, so the cache is not aliased to objects the caller may change.
            _apply(snap, {**json.loads(text), "serial": serial, "op": op})
            if compaction_due(serial - self._snap_serial, len(snap.resources), self.compact_after):
                self.compact()

    def _lock_head(self, conn: psycopg.Connection) -> Snapshot:
        """Inside a transaction: create the state's row if needed, lock it, and return the cache
        brought up to date under that lock (no other writer or compaction can move it now)."""
        head = self._exec(conn, "lock_head", self._key_parts).fetchone()
        if head is None:  # first write to this state
            self._exec(conn, "create_state", {"state": self.state, "incarnation": secrets.token_hex(8)})
            head = self._exec(conn, "lock_head", self._key_parts).fetchone()
        self._sync(conn, head)
        assert self._snap is not None
        return self._snap

    # -------------------------------------------------------------------------------- compaction

    def compact(self) -> None:
        with self._db("cannot compact state") as conn:
            if not self._tables_exist(conn):
                return
            with conn.transaction():
                if self._exec(conn, "head", self._key_parts).fetchone() is None:
                    return
                snap = self._lock_head(conn)
                if self._snap_serial == snap.serial:
                    return  # nothing to fold
                self._write_snapshot(conn, snap)
            self._snap_serial = snap.serial

    def _write_snapshot(self, conn: psycopg.Connection, snap: Snapshot) -> None:
        body = {
            "version": STATE_VERSION,
            "serial": snap.serial,
            "resources": {n: r.to_json() for n, r in snap.resources.items()},
            "intents": {n: i.to_json() for n, i in snap.intents.items()},
            "applied_plans": snap.applied_plans,
        }
        params = {"state": self.state, "serial": snap.serial, "body": _dumps(body)}
        self._exec(conn, "put_snapshot", params)
        self._exec(conn, "fold", params)
        self._exec(conn, "bump", params)

    def restore(self, snapshot: Snapshot) -> None:
        """Write `snapshot` whole, in one transaction, keeping applied plans' times. The serial
        becomes the source's (or the next one here, if higher), so saved plans stay bound."""
        with self._db("cannot restore state") as conn:
            self._ensure_tables(conn)
            with conn.transaction():
                here = self._lock_head(conn)
                if here.resources or here.intents or here.applied_plans:
                    raise StateError(f"cannot restore into state {self.description}: it is not empty")
                copy = Snapshot(
                    max(here.serial + 1, snapshot.serial),
                    {n: deepcopy(r) for n, r in snapshot.resources.items()},  # not aliased to the source's
                    {n: deepcopy(i) for n, i in snapshot.intents.items()},
                    dict(snapshot.applied_plans),
                )
                self._write_snapshot(conn, copy)
            self._snap, self._snap_serial = copy, copy.serial

    # ------------------------------------------------------------------------------------ locking

    @contextmanager
    def lock(self, info: LockInfo, *, timeout: float = 0.0) -> Iterator[None]:
        lease = self._acquire(info, timeout)
        try:
            yield
        finally:
            self._release(lease)

    def _acquire(self, info: LockInfo, timeout: float) -> _Lease:
        with self._db("cannot lock state") as conn:
            self._ensure_tables(conn)
        conn = self._connect("cannot lock state")
        try:
            self._tune_lock_session(conn)
            deadline = self.clock.monotonic() + max(timeout, 0.0)
            while not conn.execute("SELECT pg_try_advisory_lock(%s)", [self._key]).fetchone()[0]:
                holder = self._holder(conn, settle=True)
                if holder.session is None:
                    continue  # released between our attempt and the read: try again at once
                remaining = deadline - self.clock.monotonic()
                if remaining <= 0:
                    shown = self._holder_dict(holder)
                    raise StateLockedError(self._locked_message(shown, timeout), shown)
                self.clock.sleep(min(LOCK_POLL_SECONDS, remaining))
            lease = _Lease(conn, secrets.token_hex(16))
            row = {**asdict(info), "state": self.state, "token": lease.token, "ci_url": ci_run_url()}
            row["command"] = self._redact(info.command)  # others read it: never a password
            self._exec(conn, "take_lock", {**row, "interval": self.heartbeat_interval})
        except psycopg.Error as e:
            conn.close()
            raise self._error(f"cannot lock state {self.description}", e) from None
        except BaseException:
            conn.close()
            raise
        lease.thread = threading.Thread(target=self._beat, args=(lease,), name="provision-lock-heartbeat", daemon=True)
        lease.thread.start()
        return lease

    def _tune_lock_session(self, conn: psycopg.Connection) -> None:
        # The lock lives as long as this session: the server must not end it for idling, and
        # should notice a vanished client (TCP keepalives) so its lock is released.
        for name, value in (
            ("idle_session_timeout", "0"),
            ("tcp_keepalives_idle", "30"),
            ("tcp_keepalives_interval", "10"),
            ("tcp_keepalives_count", "3"),
        ):
            try:
                conn.execute("SELECT set_config(%s, %s, false)", [name, value])
            except psycopg.Error:
                pass  # an older server without the setting

    def _beat(self, lease: _Lease) -> None:
        """Refresh the heartbeat until released. Waiting on the stop event (not sleeping) lets
        release end the thread at once."""
        while not lease.stop.wait(self.heartbeat_interval):
            try:
                if self._exec(lease.conn, "beat", {"state": self.state, "token": lease.token}).rowcount == 0:
                    return  # the row was removed (`provision unlock`): nothing left to refresh
            except psycopg.Error:
                return  # the session ended; so did the advisory lock

    def _release(self, lease: _Lease) -> None:
        lease.stop.set()
        if lease.thread is not None:
            lease.thread.join()
        try:
            # Only our own row: after a forced unlock, the row may be another run's.
            self._exec(lease.conn, "drop_lock", {"state": self.state, "token": lease.token})
            lease.conn.execute("SELECT pg_advisory_unlock(%s)", [self._key])
        except psycopg.Error:
            pass  # session already gone: the server released the advisory lock with it
        finally:
            lease.conn.close()

    def _holder(self, conn: psycopg.Connection, *, settle: bool = False) -> _Holder:
        """Who holds the lock. With `settle`, give a brand-new holder a moment to write its row."""
        waited = 0.0
        while True:
            row = self._exec(conn, "holder", self._key_parts).fetchone()
            session, details = row[0], row[1:]
            found = None
            if details[0] is not None:
                keys = ("host", "pid", "user", "command", "started", "ci_url", "backend_pid", "heartbeat_age")
                found = dict(zip(keys, details[:8], strict=True)) | {"heartbeat_interval": details[8]}
            holder = _Holder(session, found)
            if not settle or session is None or holder.current or waited >= SETTLE_SECONDS:
                return holder
            self.clock.sleep(0.05)
            waited += 0.05

    def _holder_dict(self, holder: _Holder) -> dict[str, Any]:
        if holder.current:
            assert holder.row is not None
            return dict(holder.row)
        return {
            "host": "?",
            "pid": 0,
            "user": "?",
            "command": f"(a run that has not recorded itself; database session {holder.session})",
            "started": "?",
            "backend_pid": holder.session,
        }

    def _locked_message(self, holder: dict[str, Any], waited: float) -> str:
        info = _lock_info(holder)
        text = f"cannot lock state {self.description}: it is held by {info.describe()}"
        if holder.get("ci_url"):
            text += f" ({holder['ci_url']})"
        if waited > 0:
            text += f" (waited {waited:g}s)"
        age, interval = holder.get("heartbeat_age"), holder.get("heartbeat_interval")
        if age is not None and interval and age > STALE_AFTER * interval:
            return text + (
                f"; its heartbeat stopped {age:.0f}s ago, so that run is probably hung or cut off: check what it "
                "left half-done, then run `provision unlock` (which ends its database session)"
            )
        return text + "; wait for it to finish, or run `provision unlock` if that run is gone"

    def lock_holder(self) -> LockInfo | None:
        with self._db("cannot read the lock of state") as conn:
            if not self._tables_exist(conn):
                return None
            holder = self._holder(conn, settle=True)
        return None if holder.session is None else _lock_info(self._holder_dict(holder))

    def holder_alive(self, holder: LockInfo) -> bool | None:
        with self._db("cannot read the lock of state") as conn:
            if not self._tables_exist(conn):
                return False
            now = self._holder(conn)
        if not now.current or _lock_info(self._holder_dict(now)) != holder:
            return False  # that run does not hold the lock (any more)
        assert now.row is not None
        return now.row["heartbeat_age"] <= STALE_AFTER * now.row["heartbeat_interval"]

    def force_unlock(self) -> LockInfo | None:
        with self._db("cannot unlock state") as conn:
            if not self._tables_exist(conn):
                return None
            holder = self._holder(conn, settle=True)
            if holder.session is not None:
                self._end_session(conn, holder.session)
            self._exec(conn, "clear_lock", self._key_parts)
        return None if holder.session is None else _lock_info(self._holder_dict(holder))

    def _end_session(self, conn: psycopg.Connection, session: int) -> None:
        """Terminate the session holding the advisory lock and wait until the server let go of it."""
        try:
            ended = conn.execute("SELECT pg_terminate_backend(%s)", [session]).fetchone()[0]
        except psycopg.errors.InsufficientPrivilege as e:
            raise self._cannot_end(session, " ".join(str(e).split())) from None
        if not ended:
            raise self._cannot_end(session, "the server did not end it")
        waited = 0.0
        while self._holder(conn).session == session and waited < 10:
            self.clock.sleep(0.05)
            waited += 0.05

    def _cannot_end(self, session: int, cause: str) -> StateError:
        return StateError(
            f"cannot unlock state {self.description}: the lock is held by database session {session}, which this "
            f"database user cannot end ({cause}); ask an administrator to run SELECT pg_terminate_backend({session}) "
            "or to grant this user pg_signal_backend"
        )


_QUERIES = {
    "version": "SELECT value FROM {s}.meta WHERE key = 'format_version'",
    "init_version": "INSERT INTO {s}.meta (key, value) VALUES ('format_version', %(v)s) ON CONFLICT (key) DO NOTHING",
    "head": _HEAD,
    "lock_head": _HEAD + " FOR UPDATE OF s",
    "create_state": "INSERT INTO {s}.states (name, incarnation) VALUES (%(state)s, %(incarnation)s) "
    "ON CONFLICT (name) DO NOTHING",
    "snapshot": "SELECT serial, body FROM {s}.snapshots WHERE state = %(state)s",
    "journal": "SELECT serial, op, body FROM {s}.journal WHERE state = %(state)s AND serial > %(after)s "
    "AND serial <= %(upto)s ORDER BY serial",
    # One round trip: the row and the head move together.
    "append": "WITH appended AS (INSERT INTO {s}.journal (state, serial, op, body) "
    "VALUES (%(state)s, %(serial)s, %(op)s, %(body)s::jsonb)) "
    "UPDATE {s}.states SET serial = %(serial)s WHERE name = %(state)s",
    "bump": "UPDATE {s}.states SET serial = %(serial)s WHERE name = %(state)s",
    "put_snapshot": "INSERT INTO {s}.snapshots (state, serial, body) VALUES (%(state)s, %(serial)s, %(body)s::jsonb) "
    "ON CONFLICT (state) DO UPDATE SET serial = excluded.serial, body = excluded.body, written = now()",
    "fold": "DELETE FROM {s}.journal WHERE state = %(state)s AND serial <= %(serial)s",
    "holder": _HOLDER,
    "take_lock": """
        INSERT INTO {s}.locks (state, token, backend_pid, host, pid, "user", command, started, ci_url,
                               heartbeat_interval)
        VALUES (%(state)s, %(token)s, pg_backend_pid(), %(host)s, %(pid)s, %(user)s, %(command)s, %(started)s,
                %(ci_url)s, %(interval)s)
        ON CONFLICT (state) DO UPDATE SET token = excluded.token, backend_pid = excluded.backend_pid,
            host = excluded.host, pid = excluded.pid, "user" = excluded."user", command = excluded.command,
            started = excluded.started, ci_url = excluded.ci_url, heartbeat_interval = excluded.heartbeat_interval,
            acquired = now(), heartbeat = now()""",
    "beat": "UPDATE {s}.locks SET heartbeat = now() WHERE state = %(state)s AND token = %(token)s",
    "drop_lock": "DELETE FROM {s}.locks WHERE state = %(state)s AND token = %(token)s",
    "clear_lock": "DELETE FROM {s}.locks WHERE state = %(state)s",
}
