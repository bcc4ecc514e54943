"""Records, replay, torn/corrupt journals, compaction and caching of the local backend."""

from __future__ import annotations

import json
import os
import shutil
import threading
from pathlib import Path

import pytest

from provisioner.errors import StateError
from provisioner.state import LocalState, ResourceRecord, open_state

from .helpers import intent, rec


def fresh(state_dir: Path) -> LocalState:
    """Another process's view: no shared cache."""
    return LocalState(state_dir)


def journal_lines(state_dir: Path) -> list[dict]:
    text = (state_dir / "state" / "journal.jsonl").read_text()
    return [json.loads(line) for line in text.splitlines() if line]


def test_empty_state_reads_empty_and_creates_nothing(state, state_dir):
    snap = state.read()
    assert (snap.serial, snap.resources, snap.intents) == (0, {}, {})
    assert not state_dir.exists()


def test_round_trip_across_instances(state, state_dir):
    state.put(rec("app", attributes={"id": "u-1"}, options={"protect": True}, dependencies=[]))
    state.put(rec("num", kind="vonage.number", dependencies=["app"], status="pending"))
    state.put(rec("gone"))
    state.add_intent(intent("buy", natural_id="GB:447700900001", match={"msisdn": "447700900001"}))
    state.add_intent(intent("dropped"))
    state.remove("gone")
    state.clear_intent("dropped")
    state.rename("app", "application")

    snap = fresh(state_dir).read()
    assert set(snap.resources) == {"application", "num"}
    assert snap.resources["application"] == rec(
        "application",
        id="id-app",
        properties={"name": "app"},
        attributes={"id": "u-1"},
        options={"protect": True},
    )
    # Delete ordering keeps pointing at the renamed resource.
    assert snap.resources["num"].dependencies == ["application"]
    assert snap.resources["num"].status == "pending"
    buy = intent("buy", natural_id="GB:447700900001", match={"msisdn": "447700900001"})
    assert snap.intents == {"buy": buy}
    assert snap.serial == state.read().serial == 8
    assert [r["serial"] for r in journal_lines(state_dir)] == list(range(1, 9))
    assert [r["op"] for r in journal_lines(state_dir)] == [
        "put",
        "put",
        "put",
        "intent",
        "intent",
        "remove",
        "clear_intent",
        "rename",
    ]


def test_put_clears_intent_and_remove_drops_both(state, state_dir):
    state.add_intent(intent("a"))
    state.add_intent(intent("b"))
    state.put(rec("a"))
    state.put(rec("b"))
    state.add_intent(intent("b"))  # e.g. a replace in flight
    state.remove("b")
    snap = fresh(state_dir).read()
    assert set(snap.resources) == {"a"} and snap.intents == {}


def test_remove_and_clear_of_unknown_names_write_nothing(state, state_dir):
    state.put(rec("a"))
    state.remove("nope")
    state.clear_intent("nope")
    assert len(journal_lines(state_dir)) == 1


def test_rename_refuses_missing_or_existing(state):
    state.put(rec("a"))
    state.put(rec("b"))
    with pytest.raises(StateError, match="no missing"):
        state.rename("missing", "c")
    with pytest.raises(StateError, match="b already exists"):
        state.rename("a", "b")
    assert set(state.read().resources) == {"a", "b"}


def test_rename_carries_the_intent(state, state_dir):
    state.put(rec("a"))
    state.add_intent(intent("a"))
    state.rename("a", "z")
    snap = fresh(state_dir).read()
    assert set(snap.intents) == {"z"} and snap.intents["z"].name == "z"


def test_caller_mutating_its_record_after_put_does_not_change_state(state):
    r = rec("a", properties={"tags": ["x"]})
    state.put(r)
    r.properties["tags"].append("y")
    r.id = "changed"
    got = state.read().resources["a"]
    assert got.properties == {"tags": ["x"]} and got.id == "id-a"


def test_unserialisable_record_is_refused_and_nothing_written(state, state_dir):
    state.put(rec("a"))
    with pytest.raises(StateError, match="cannot record b"):
        state.put(rec("b", properties={"when": object()}))
    assert len(journal_lines(state_dir)) == 1
    assert set(fresh(state_dir).read().resources) == {"a"}


def test_journal_replays_on_top_of_snapshot(state, state_dir):
    state.put(rec("a"))
    state.put(rec("b"))
    state.compact()
    state.put(rec("c"))
    state.remove("a")
    snap = fresh(state_dir).read()
    assert set(snap.resources) == {"b", "c"} and snap.serial == 4
    on_disk = json.loads((state_dir / "state" / "snapshot.json").read_text())
    assert on_disk["version"] == 1 and on_disk["serial"] == 2 and set(on_disk["resources"]) == {"a", "b"}


def test_torn_final_line_is_ignored_and_the_next_write_replaces_it(state, state_dir):
    state.put(rec("a"))
    journal = state_dir / "state" / "journal.jsonl"
    whole = json.dumps({"serial": 2, "op": "put", "record": rec("b").to_json()})
    with open(journal, "a") as f:
        f.write(whole[: len(whole) // 2])  # crash mid-append
    assert set(fresh(state_dir).read().resources) == {"a"}

    writer = fresh(state_dir)
    writer.put(rec("c"))
    snap = fresh(state_dir).read()
    assert set(snap.resources) == {"a", "c"} and snap.serial == 2
    assert [r["serial"] for r in journal_lines(state_dir)] == [1, 2]


def test_zero_filled_final_line_is_torn_too(state, state_dir):
    state.put(rec("a"))
    with open(state_dir / "state" / "journal.jsonl", "ab") as f:
        f.write(b"\0" * 40 + b"\n")
    assert set(fresh(state_dir).read().resources) == {"a"}


def test_corrupt_middle_line_names_file_and_line(state, state_dir):
    state.put(rec("a"))
    state.put(rec("b"))
    state.put(rec("c"))
    journal = state_dir / "state" / "journal.jsonl"
    lines = journal.read_text().splitlines(keepends=True)
    lines[1] = lines[1][:20] + "\n"
    journal.write_text("".join(lines))
    with pytest.raises(StateError) as err:
        fresh(state_dir).read()
    msg = str(err.value)
    assert f"{journal}:2" in msg and "corrupt" in msg and "backup" in msg


def test_unknown_op_is_an_error_not_a_torn_line(state, state_dir):
    state.put(rec("a"))
    with open(state_dir / "state" / "journal.jsonl", "a") as f:
        f.write('{"serial":2,"op":"teleport"}\n')
    with pytest.raises(StateError, match=r"journal.jsonl:2.*unknown op 'teleport'"):
        fresh(state_dir).read()


def test_unknown_snapshot_version_is_refused(state, state_dir):
    state.put(rec("a"))
    state.compact()
    path = state_dir / "state" / "snapshot.json"
    data = json.loads(path.read_text())
    data["version"] = 99
    path.write_text(json.dumps(data))
    with pytest.raises(StateError, match="version 99"):
        fresh(state_dir).read()


def test_compaction_folds_and_truncates(state, state_dir):
    for name in "abc":
        state.put(rec(name))
    state.remove("b")
    state.add_intent(intent("d"))
    before = fresh(state_dir).read()
    state.compact()
    assert (state_dir / "state" / "journal.jsonl").stat().st_size == 0
    after = fresh(state_dir).read()
    assert after == before and after.serial == 5
    assert not [p for p in (state_dir / "state").iterdir() if p.name.endswith(".tmp")]
    state.put(rec("e"))
    assert journal_lines(state_dir)[0]["serial"] == 6


def test_crash_between_snapshot_replace_and_journal_truncate(state, state_dir):
    state.put(rec("a"))
    state.put(rec("b"))
    state.rename("a", "x")  # replaying this twice would fail: it must be skipped
    journal = state_dir / "state" / "journal.jsonl"
    saved = journal.read_bytes()
    state.compact()
    journal.write_bytes(saved)  # as if we died right after os.replace

    snap = fresh(state_dir).read()
    assert set(snap.resources) == {"x", "b"} and snap.serial == 3
    writer = fresh(state_dir)
    writer.put(rec("c"))
    snap = fresh(state_dir).read()
    assert set(snap.resources) == {"x", "b", "c"} and snap.serial == 4


def test_crash_before_snapshot_replace_leaves_only_a_temp_file(state, state_dir):
    state.put(rec("a"))
    (state_dir / "state" / ".snapshot.123.dead.tmp").write_text('{"half')
    assert set(fresh(state_dir).read().resources) == {"a"}


def test_automatic_compaction_after_many_records(state_dir):
    state = LocalState(state_dir, compact_after=10)
    for i in range(25):
        state.put(rec(f"r{i}"))
    assert len(journal_lines(state_dir)) < 11
    assert (state_dir / "state" / "snapshot.json").exists()
    snap = fresh(state_dir).read()
    assert len(snap.resources) == 25 and snap.serial == 25


def test_compaction_cost_grows_with_the_changes_not_with_the_state(state_dir):
    """Writes stay proportional to changes: snapshot rewrites come geometrically further apart as
    the state grows, so N creates rewrite O(N) records in all, not O(N²/threshold)."""
    state = LocalState(state_dir, compact_after=10)
    rewritten: list[int] = []
    compact = state.compact

    def counting() -> None:  # a spy: counts what each compaction writes, then compacts for real
        rewritten.append(len(state.read().resources))
        compact()

    state.compact = counting  # type: ignore[method-assign]
    for i in range(2000):
        state.put(rec(f"r{i}"))
    assert 5 <= len(rewritten) <= 10  # 10, 20, 40, ... 1280: log2(2000/10) + 1
    assert sum(rewritten) <= 2 * 2000
    for i in range(0, 2000, 7):  # updates of existing records behave the same
        state.put(rec(f"r{i}", properties={"v": 2}))
    assert sum(rewritten) <= 2 * (2000 + 286)
    assert len(fresh(state_dir).read().resources) == 2000


def test_put_does_not_rewrite_the_snapshot(state, state_dir):
    state.put(rec("a"))
    state.compact()
    snapshot = state_dir / "state" / "snapshot.json"
    st = snapshot.stat()
    content = snapshot.read_bytes()
    for i in range(20):
        state.put(rec(f"r{i}", properties={"blob": "x" * 1000}))
    st2 = snapshot.stat()
    assert (st2.st_ino, st2.st_size, st2.st_mtime_ns) == (st.st_ino, st.st_size, st.st_mtime_ns)
    assert snapshot.read_bytes() == content


def test_each_put_appends_one_compact_line(state, state_dir):
    state.put(rec("a"))
    journal = state_dir / "state" / "journal.jsonl"
    size = journal.stat().st_size
    state.put(rec("b"))
    added = journal.read_bytes()[size:]
    assert added.count(b"\n") == 1 and b", " not in added and b": " not in added


def test_repeated_reads_use_the_cache(state, monkeypatch):
    state.put(rec("a"))
    state.compact()
    state.put(rec("b"))
    state.read()
    calls = []
    original = LocalState._read_snapshot
    monkeypatch.setattr(LocalState, "_read_snapshot", lambda self: calls.append(1) or original(self))
    for _ in range(5):
        assert set(state.read().resources) == {"a", "b"}
    assert calls == []


def test_cache_follows_writes_and_compaction_by_another_process(state, state_dir):
    state.put(rec("a"))
    assert set(state.read().resources) == {"a"}
    other = fresh(state_dir)
    other.put(rec("b"))
    assert set(state.read().resources) == {"a", "b"}
    other.compact()
    other.put(rec("c"))
    assert set(state.read().resources) == {"a", "b", "c"}
    # And this instance's next write continues the serial sequence.
    state.put(rec("d"))
    assert fresh(state_dir).read().serial == 4


def test_read_result_can_be_changed_by_the_caller(state):
    state.put(rec("a"))
    snap = state.read()
    snap.resources.pop("a")
    assert "a" in state.read().resources


def test_concurrent_puts_from_threads(state, state_dir):
    def work(k: int) -> None:
        for i in range(50):
            state.put(rec(f"t{k}-{i}"))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    snap = fresh(state_dir).read()
    assert len(snap.resources) == 400 and snap.serial == 400
    assert [r["serial"] for r in journal_lines(state_dir)] == list(range(1, 401))


@pytest.mark.parametrize("umask", [0, 0o022])
def test_files_and_directories_are_private(tmp_path, umask):
    old = os.umask(umask)
    try:
        state_dir = tmp_path / "deep" / ".provision"
        state = LocalState(state_dir)
        state.put(rec("a"))
        state.compact()
        state.put(rec("b"))
        with state.lock(_info()):
            lock_mode = (state_dir / "state" / "lock.json").stat().st_mode & 0o777
    finally:
        os.umask(old)
    assert lock_mode == 0o600
    assert state_dir.stat().st_mode & 0o777 == 0o700
    assert (state_dir / "state").stat().st_mode & 0o777 == 0o700
    for name in ("snapshot.json", "journal.jsonl"):
        assert (state_dir / "state" / name).stat().st_mode & 0o777 == 0o600, name


def test_loose_journal_permissions_are_tightened_on_write(state, state_dir):
    state.put(rec("a"))
    journal = state_dir / "state" / "journal.jsonl"
    journal.chmod(0o644)
    state.put(rec("b"))
    assert journal.stat().st_mode & 0o777 == 0o600


def test_open_state(tmp_path):
    default = open_state(None, tmp_path)
    assert isinstance(default, LocalState) and default.description == str(tmp_path / ".provision")
    assert open_state("other", tmp_path).description == str(tmp_path / "other")
    assert open_state(tmp_path / "abs", Path("/elsewhere")).description == str(tmp_path / "abs")
    assert open_state("postgresql://u:secret@db/state", tmp_path).description == "postgresql://u:***@db/state"
    with pytest.raises(StateError) as err:
        open_state("s3://u:secret@bucket/state", tmp_path)
    assert "secret" not in str(err.value)


def test_many_puts_stay_fast_and_compact(state_dir):
    state = LocalState(state_dir)
    for i in range(3000):
        state.put(ResourceRecord(f"n{i}", "vonage.number", f"GB:{i}", {"country": "GB"}))
    assert len(journal_lines(state_dir)) <= 1001
    snap = fresh(state_dir).read()
    assert len(snap.resources) == 3000 and snap.serial == 3000


def test_copied_state_directory_reads_the_same(state, state_dir, tmp_path):
    state.put(rec("a"))
    state.compact()
    state.put(rec("b"))
    copy = tmp_path / "copy"
    shutil.copytree(state_dir, copy)
    assert fresh(copy).read() == state.read()


def _info():
    from provisioner.state import LockInfo

    return LockInfo.current("provision apply x.yaml")
