"""The local state backend: a directory holding a snapshot, an append-only journal, and a lock.

Layout (``<dir>`` is usually ``.provision/`` beside the manifest)::

    <dir>/state/snapshot.json   {"version": 1, "serial": N, "resources": {...}, "intents": {...}}
    <dir>/state/journal.jsonl   one record per line: {"serial": n, "op": ..., ...}
    <dir>/state/lock.json       the LockInfo of the run holding the lock

Durability: each mutation appends one line and fsyncs before returning, so its cost is the size of
the record, not of the state. ``compact`` folds the journal into a new snapshot (atomic replace)
and only then truncates the journal; replay skips records whose serial the snapshot already
covers, so a crash at any point in between reads back the same state.

Concurrency: writers are expected to hold the lock (one writer at a time); readers need no lock.
Within one process the backend is thread-safe, since the engine records from worker threads.
"""

from __future__ import annotations

import dataclasses
import json
import os
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from copy import deepcopy
from pathlib import Path
from typing import Any

from ..errors import StateError, StateLockedError
from .base import (
    APPLIED_PLANS_KEPT,
    STATE_VERSION,
    IntentRecord,
    LockInfo,
    ResourceRecord,
    Snapshot,
    StateBackend,
    check_rename,
    compaction_due,
    now_iso,
)

DIR_MODE = 0o700
FILE_MODE = 0o600
COMPACT_AFTER = 1000  # journal records at least (base.compaction_due): replay stays short, writes stay O(changes)
LOCK_POLL_SECONDS = 0.1

_OPS = ("put", "remove", "intent", "clear_intent", "rename")


def _dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def _sig(st: os.stat_result | None) -> tuple[int, int, int, int] | None:
    # Identity + size + mtime: a replaced or rewritten file changes at least one of these.
    return None if st is None else (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _stat(path: Path) -> os.stat_result | None:
    try:
        return os.stat(path)
    except FileNotFoundError:
        return None


def _fsync_dir(path: Path) -> None:
    # Makes a create/rename/unlink in `path` durable; not possible on every platform.
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _pid_alive(pid: int) -> bool | None:
    """True/False for a pid on this host; None when we cannot tell."""
    if pid <= 0:
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    except OSError:
        return None
    return True


def _apply(snap: Snapshot, entry: dict[str, Any]) -> None:
    """Fold one journal record into `snap`. Raises ValueError/KeyError/TypeError if malformed."""
    op = entry["op"]
    if op == "put":
        record = ResourceRecord.from_json(entry["record"])
        snap.resources[record.name] = record
        snap.intents.pop(record.name, None)
    elif op == "remove":
        name = entry["name"]
        snap.resources.pop(name, None)
        snap.intents.pop(name, None)
    elif op == "intent":
        intent = IntentRecord.from_json(entry["intent"])
        snap.intents[intent.name] = intent
    elif op == "clear_intent":
        snap.intents.pop(entry["name"], None)
    elif op == "plan":
        snap.applied_plans = {**snap.applied_plans, entry["id"]: entry["at"]}
        while len(snap.applied_plans) > APPLIED_PLANS_KEPT:
            snap.applied_plans.pop(next(iter(snap.applied_plans)))
    elif op == "rename":
        old, new = entry["old"], entry["new"]
        if old not in snap.resources or new in snap.resources:
            raise ValueError(f"rename {old!r} -> {new!r} does not fit the state before it")
        renamed = snap.renamed(old, new)
        snap.resources, snap.intents = renamed.resources, renamed.intents
    else:
        raise ValueError(f"unknown op {op!r} (written by a newer provisioner?)")
    snap.serial = entry["serial"]


class LocalState(StateBackend):
    """State in a local directory. See the module docstring for the layout and guarantees."""

    def __init__(self, directory: Path | str, *, compact_after: int = COMPACT_AFTER) -> None:
        self.directory = Path(directory)
        self.state_dir = self.directory / "state"
        self.snapshot_path = self.state_dir / "snapshot.json"
        self.journal_path = self.state_dir / "journal.jsonl"
        self.lock_path = self.state_dir / "lock.json"
        self.compact_after = compact_after
        self._mutex = threading.RLock()
        self._invalidate()

    @property
    def description(self) -> str:
        return str(self.directory)

    # ----------------------------------------------------------------------------------- reading

    def read(self) -> Snapshot:
        with self._mutex:
            snap = self._load()
            # Fresh dicts so callers may add/remove keys; records are shared and must not be mutated.
            return Snapshot(
                serial=snap.serial,
                resources=dict(snap.resources),
                intents=dict(snap.intents),
                applied_plans=dict(snap.applied_plans),
            )

    def _invalidate(self) -> None:
        self._snap: Snapshot | None = None
        self._snap_sig: tuple[int, int, int, int] | None = None
        self._j_id: tuple[int, int] | None = None  # (dev, ino) of the journal we have read
        self._j_offset = 0  # bytes of complete, applied records
        self._j_lines = 0  # lines in those bytes, for error locations
        self._j_records = 0  # records in the journal (also those the snapshot covers)
        self._j_seen: tuple[int, int] | None = None  # (size, mtime_ns) when last read

    def _load(self) -> Snapshot:
        """The cached state, brought up to date with the files if they changed since last time."""
        for _ in range(10):
            before = _sig(_stat(self.snapshot_path))
            try:
                if self._snap is None or before != self._snap_sig:
                    self._full_load()
                else:
                    self._catch_up()
            except BaseException:
                self._invalidate()
                raise
            # A compaction between reading the snapshot and the journal would hide records: retry.
            if _sig(_stat(self.snapshot_path)) == self._snap_sig:
                assert self._snap is not None
                return self._snap
            self._invalidate()
        raise StateError(
            f"cannot read state {self.directory}: the snapshot keeps changing while being read; "
            "is another process compacting in a loop?"
        )

    def _full_load(self) -> None:
        self._invalidate()
        snap, sig = self._read_snapshot()
        self._snap, self._snap_sig = snap, sig
        self._read_journal()

    def _catch_up(self) -> None:
        st = _stat(self.journal_path)
        if st is None:
            if self._j_id is not None:  # journal vanished under us: start over
                self._full_load()
            return
        if (self._j_id is not None and (st.st_dev, st.st_ino) != self._j_id) or st.st_size < self._j_offset:
            self._full_load()
        elif (st.st_size, st.st_mtime_ns) != self._j_seen:
            self._read_journal()

    def _read_snapshot(self) -> tuple[Snapshot, tuple[int, int, int, int] | None]:
        path = self.snapshot_path
        try:
            with open(path, "rb") as f:
                sig = _sig(os.fstat(f.fileno()))
                raw = f.read()
        except FileNotFoundError:
            return Snapshot(), None
        except OSError as e:
            raise StateError(f"cannot read state {path}: {e.strerror}") from e
        try:
            data = json.loads(raw)
            version = data.get("version") if isinstance(data, dict) else None
        except (ValueError, UnicodeDecodeError) as e:
            raise StateError(
                f"cannot read state {path}: the snapshot is not valid JSON ({e}); "
                "restore it from a backup (snapshots are replaced atomically, so this is not a crash)"
            ) from e
        if version != STATE_VERSION:
            raise StateError(
                f"cannot read state {path}: it has version {version!r}, but this provisioner understands "
                f"version {STATE_VERSION}; use the provisioner release that wrote it"
            )
        try:
            snap = Snapshot(
                serial=int(data["serial"]),
                resources={n: ResourceRecord.from_json(r) for n, r in data["resources"].items()},
                intents={n: IntentRecord.from_json(i) for n, i in data["intents"].items()},
                applied_plans=dict(data.get("applied_plans", {})),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise StateError(
                f"cannot read state {path}: the snapshot is malformed ({e!r}); restore it from a backup"
            ) from e
        return snap, sig

    def _read_journal(self) -> None:
        """Apply the journal from the consumed offset on. A bad final line is a torn append."""
        assert self._snap is not None
        path = self.journal_path
        try:
            with open(path, "rb") as f:
                st = os.fstat(f.fileno())
                if self._j_id is not None and (st.st_dev, st.st_ino) != self._j_id:
                    return self._full_load()  # replaced between stat and open
                f.seek(self._j_offset)
                data = f.read()
        except FileNotFoundError:
            return
        except OSError as e:
            raise StateError(f"cannot read state {path}: {e.strerror}") from e
        self._j_id = (st.st_dev, st.st_ino)
        self._j_seen = (st.st_size, st.st_mtime_ns)

        base, pos, lineno = self._j_offset, 0, self._j_lines
        while True:
            end = data.find(b"\n", pos)
            if end == -1:
                # Unterminated tail: an append still in progress, or torn by a crash. Either way
                # it was never acknowledged; the next write truncates it.
                break
            lineno += 1
            line = data[pos:end]
            if line.strip(b" \t\r\0"):
                try:
                    entry = json.loads(line)
                except (ValueError, UnicodeDecodeError) as e:
                    if not data[end + 1 :].strip(b" \t\r\n\0"):
                        break  # torn final line (e.g. zero-filled after a crash): ignore it
                    raise StateError(
                        f"cannot read state {path}:{lineno}: the journal record on that line is corrupt "
                        f"({e}) and later records build on it. Restore the state directory from a backup "
                        "(or repair that line if you know what it held), then run `provision plan` to "
                        "compare with what is live"
                    ) from e
                self._apply_entry(entry, f"{path}:{lineno}")
                self._j_records += 1
            pos = end + 1
            self._j_offset, self._j_lines = base + pos, lineno

    def _apply_entry(self, entry: Any, where: str) -> None:
        assert self._snap is not None
        try:
            if not isinstance(entry, dict):
                raise TypeError("not a JSON object")
            serial = entry["serial"]
            if not isinstance(serial, int):
                raise TypeError("serial is not an integer")
            if serial <= self._snap.serial:
                return  # already in the snapshot (a crash between compaction's replace and truncate)
            _apply(self._snap, entry)
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise StateError(
                f"cannot read state {where}: the journal record on that line is invalid ({e}). Restore "
                "the state directory from a backup, then run `provision plan` to compare with what is live"
            ) from e

    # ----------------------------------------------------------------------------------- writing

    def put(self, record: ResourceRecord) -> None:
        with self._mutex:
            self._commit({"op": "put", "record": record.to_json()}, f"cannot record {record.name}")

    def remove(self, name: str) -> None:
        with self._mutex:
            snap = self._load()
            if name in snap.resources or name in snap.intents:
                self._commit({"op": "remove", "name": name}, f"cannot remove {name} from state")

    def add_intent(self, intent: IntentRecord) -> None:
        with self._mutex:
            self._commit({"op": "intent", "intent": intent.to_json()}, f"cannot record intent {intent.name}")

    def clear_intent(self, name: str) -> None:
        with self._mutex:
            if name in self._load().intents:
                self._commit({"op": "clear_intent", "name": name}, f"cannot clear intent {name}")

    def mark_plan_applied(self, plan_id: str) -> None:
        with self._mutex:
            self._commit({"op": "plan", "id": plan_id, "at": now_iso()}, f"cannot record plan {plan_id}")

    def rename(self, old: str, new: str) -> None:
        with self._mutex:
            if not check_rename(self._load(), old, new, str(self.directory)):
                return
            self._commit({"op": "rename", "old": old, "new": new}, f"cannot rename {old} to {new}")

    def _commit(self, body: dict[str, Any], what: str) -> None:
        """Append one record durably, then fold it into the cache. Caller holds the mutex."""
        for _ in range(10):
            snap = self._load()
            entry = {"serial": snap.serial + 1, **body}
            try:
                line = (_dumps(entry) + "\n").encode()
            except (TypeError, ValueError) as e:
                raise StateError(f"{what}: the record is not JSON-serialisable ({e})") from e
            try:
                appended = self._append(line)
            except OSError as e:
                self._invalidate()
                raise StateError(f"{what}: cannot write {self.journal_path}: {e.strerror or e}") from e
            if appended:
                break
            self._invalidate()  # the journal changed under us (another writer): re-read, new serial
        else:
            raise StateError(
                f"{what}: the journal {self.journal_path} keeps changing under this run; is another run "
                "writing without the lock?"
            )
        # Fold the re-parsed line, so the cache is exactly what another process would replay
        # (and is not aliased to objects the caller may still change).
        _apply(snap, json.loads(line))
        if compaction_due(self._j_records, len(snap.resources), self.compact_after):
            self.compact()

    def _append(self, line: bytes) -> bool:
        """Append and fsync; False (nothing written) if the journal is not as last read."""
        self._ensure_dirs()
        created = self._j_id is None
        fd = os.open(self.journal_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
        try:
            st = os.fstat(fd)
            if st.st_mode & 0o077:  # created under an odd umask, or loosened by hand
                os.fchmod(fd, FILE_MODE)
            if ((st.st_dev, st.st_ino) != self._j_id and not created) or st.st_size < self._j_offset:
                return False
            if st.st_size > self._j_offset:
                # Bytes past the last complete record are a torn append; appending after them
                # would glue the new record onto garbage.
                os.ftruncate(fd, self._j_offset)
            _write_all(fd, line)
            os.fsync(fd)
            after = os.fstat(fd)
        finally:
            os.close(fd)
        if created:
            _fsync_dir(self.state_dir)  # the journal's directory entry must survive a crash too
        if after.st_size != self._j_offset + len(line):
            # Someone else wrote concurrently (without the lock): ours landed, but re-read all.
            self._invalidate()
            return True
        self._j_id = (after.st_dev, after.st_ino)
        self._j_offset = after.st_size
        self._j_lines += 1
        self._j_records += 1
        self._j_seen = (after.st_size, after.st_mtime_ns)
        return True

    def _ensure_dirs(self) -> None:
        for path in (self.directory, self.state_dir):
            if path.is_dir():
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.mkdir(path, DIR_MODE)
            except FileExistsError:
                continue
            os.chmod(path, DIR_MODE)  # umask may have taken bits away; we want exactly 0700

    # -------------------------------------------------------------------------------- compaction

    def restore(self, snapshot: Snapshot) -> None:
        """Write ``snapshot`` whole, as one atomic snapshot file, into this empty state (``state
        migrate``, lock held). Its serial (or the next one here, if higher) and the times of its
        applied plans survive, so saved plans made against the source still bind, as with postgres."""
        with self._mutex:
            here = self._load()
            if here.resources or here.intents or here.applied_plans:
                raise StateError(f"cannot restore into state {self.directory}: it is not empty")
            copy = Snapshot(
                max(here.serial + 1, snapshot.serial),
                {n: deepcopy(r) for n, r in snapshot.resources.items()},  # not aliased to the source's
                {n: deepcopy(i) for n, i in snapshot.intents.items()},
                dict(snapshot.applied_plans),
            )
            self._ensure_dirs()
            self._write_snapshot(copy, "restore")
            _fsync_dir(self.state_dir)
            # Journal records left here (an emptied state) are all older than the new serial:
            # replay skips them. Re-read from storage next time.
            self._invalidate()

    def _write_snapshot(self, snap: Snapshot, verb: str) -> tuple[int, int, int, int] | None:
        """Replace snapshot.json atomically with ``snap``; the new file's signature."""
        data = _dumps(
            {
                "version": STATE_VERSION,
                "serial": snap.serial,
                "resources": {n: r.to_json() for n, r in snap.resources.items()},
                "intents": {n: i.to_json() for n, i in snap.intents.items()},
                "applied_plans": snap.applied_plans,
            }
        ).encode()
        tmp = self.state_dir / f".snapshot.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
            try:
                os.fchmod(fd, FILE_MODE)
                _write_all(fd, data)
                os.fsync(fd)
                new_sig = _sig(os.fstat(fd))  # rename keeps inode and mtime
            finally:
                os.close(fd)
            os.replace(tmp, self.snapshot_path)
        except OSError as e:
            tmp.unlink(missing_ok=True)
            self._invalidate()
            raise StateError(f"cannot {verb} state {self.directory}: {e.strerror or e}") from e
        return new_sig

    def compact(self) -> None:
        with self._mutex:
            snap = self._load()
            journal = _stat(self.journal_path)
            if journal is None or (journal.st_size == 0 and self._snap_sig is not None):
                return  # nothing to fold
            folded_size = journal.st_size
            self._ensure_dirs()
            new_sig = self._write_snapshot(snap, "compact")
            _fsync_dir(self.state_dir)
            # From here the snapshot alone is the state; the journal's records are all <= its
            # serial, so a crash before the truncate below only leaves records replay skips.
            truncated = None
            try:
                fd = os.open(self.journal_path, os.O_WRONLY)
                try:
                    # Only truncate what we folded: a record appended meanwhile must survive.
                    if os.fstat(fd).st_size == folded_size:
                        os.ftruncate(fd, 0)
                        os.fsync(fd)
                        truncated = os.fstat(fd)
                finally:
                    os.close(fd)
            except OSError as e:
                self._invalidate()
                raise StateError(f"cannot compact state {self.directory}: {e.strerror or e}") from e
            if truncated is None:
                self._invalidate()
                return
            # The cache already holds exactly the folded state: just point it at the new files.
            self._snap_sig = new_sig
            self._j_id = (truncated.st_dev, truncated.st_ino)
            self._j_offset = self._j_lines = self._j_records = 0
            self._j_seen = (truncated.st_size, truncated.st_mtime_ns)

    # ------------------------------------------------------------------------------------ locking

    @contextmanager
    def lock(self, info: LockInfo, *, timeout: float = 0.0) -> Iterator[None]:
        mine = dataclasses.asdict(info)
        self._acquire(mine, timeout)
        try:
            yield
        finally:
            self._release(mine)

    def _acquire(self, mine: dict[str, Any], timeout: float) -> None:
        self._ensure_dirs()
        payload = (_dumps(mine) + "\n").encode()
        deadline = time.monotonic() + max(timeout, 0.0)
        while True:
            try:
                fd = os.open(self.lock_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
            except FileExistsError:
                holder = self._read_lock(settle=True)
                if holder is None:
                    continue  # released between our attempt and the read: try again at once
                if time.monotonic() >= deadline:
                    raise StateLockedError(self._locked_message(holder, timeout), holder) from None
                time.sleep(LOCK_POLL_SECONDS)
                continue
            except OSError as e:
                raise StateError(f"cannot lock state {self.directory}: {e.strerror or e}") from e
            try:
                os.fchmod(fd, FILE_MODE)
                _write_all(fd, payload)
                os.fsync(fd)
            except BaseException:
                os.close(fd)
                self.lock_path.unlink(missing_ok=True)
                raise
            os.close(fd)
            _fsync_dir(self.state_dir)
            return

    def _release(self, mine: dict[str, Any]) -> None:
        # If someone ran `unlock` and another run took the lock, that lock is not ours to remove.
        if self._read_lock() == mine:
            self.lock_path.unlink(missing_ok=True)
            _fsync_dir(self.state_dir)

    def _read_lock(self, settle: bool = False) -> dict[str, Any] | None:
        """The holder as a dict; None if unlocked. {} if the file cannot be made sense of."""
        # The holder writes its details right after creating the file; give it a moment.
        for attempt in range(20 if settle else 1):
            try:
                raw = self.lock_path.read_bytes()
            except FileNotFoundError:
                return None
            except OSError as e:
                raise StateError(f"cannot read lock {self.lock_path}: {e.strerror or e}") from e
            try:
                data = json.loads(raw)
                if isinstance(data, dict):
                    return data
            except (ValueError, UnicodeDecodeError):
                pass
            if attempt < 19 and settle:
                time.sleep(0.01)
        return {}

    def _locked_message(self, holder: dict[str, Any], waited: float) -> str:
        head = f"cannot lock state {self.directory}: "
        if not holder:
            return head + (
                f"{self.lock_path} exists but is unreadable (a run may have died while taking the lock); "
                "run `provision unlock` once you are sure no other run is using this state"
            )
        info = _lock_info(holder)
        text = head + f"it is held by {info.describe()}"
        if waited > 0:
            text += f" (waited {waited:g}s)"
        if info.host == socket.gethostname() and _pid_alive(info.pid) is False:
            return text + (
                "; the holding process is no longer running, so that run probably crashed: check what it "
                "left half-done, then run `provision unlock`"
            )
        return text + "; wait for it to finish, or run `provision unlock` if that run is gone"

    def lock_holder(self) -> LockInfo | None:
        holder = self._read_lock(settle=True)
        return None if holder is None else _lock_info(holder)

    def holder_alive(self, holder: LockInfo) -> bool | None:
        # A pid means something only on its own host; elsewhere we cannot tell.
        if holder.host != socket.gethostname():
            return None
        return _pid_alive(holder.pid)

    def force_unlock(self) -> LockInfo | None:
        with self._mutex:
            holder = self.lock_holder()
            if holder is not None:
                self.lock_path.unlink(missing_ok=True)
                _fsync_dir(self.state_dir)
            return holder


def _lock_info(holder: dict[str, Any]) -> LockInfo:
    # Tolerate missing/extra keys: a lock written by another version must still be shown and cleared.
    def text(key: str) -> str:
        value = holder.get(key)
        return "?" if value is None else str(value)

    pid = holder.get("pid")
    return LockInfo(
        host=text("host"),
        pid=pid if isinstance(pid, int) else 0,
        user=text("user"),
        command=text("command") if holder else "(unreadable lock file)",
        started=text("started"),
    )
