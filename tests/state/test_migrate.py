"""Moving a whole state between backends: local -> postgres -> local keeps every record."""

from __future__ import annotations

import pytest

from provisioner.errors import StateError, StateLockedError
from provisioner.state import LocalState, LockInfo, Snapshot, migrate_state
from provisioner.state.postgres import PostgresState

from .helpers import intent, rec


def fill(state) -> Snapshot:
    """A state with every kind of content: records (one with an intent too), intents, plans, history."""
    state.put(rec("app", attributes={"id": "u-1"}, options={"protect": True}, properties={"name": "Zoë", "n": [1, 2]}))
    state.put(rec("num", kind="vonage.number", id="GB:447700900001", dependencies=["app"], status="pending"))
    state.put(rec("gone"))
    state.remove("gone")
    state.add_intent(intent("buy", natural_id="GB:447700900002", match={"msisdn": "447700900002"}))
    state.add_intent(intent("num"))  # a replace in flight
    state.mark_plan_applied("plan-1")
    state.mark_plan_applied("plan-2")
    for i in range(30):
        state.put(rec(f"r{i}"))
    return state.read()


def same_content(a: Snapshot, b: Snapshot) -> None:
    assert a.resources == b.resources
    assert a.intents == b.intents
    assert list(a.applied_plans) == list(b.applied_plans)


def test_local_to_postgres_to_local_keeps_every_record(tmp_path, pg_url):
    source = LocalState(tmp_path / "before")
    original = fill(source)
    pg_state = PostgresState(pg_url)

    assert migrate_state(source, pg_state) == 32
    in_pg = PostgresState(pg_url).read()
    same_content(original, in_pg)
    assert in_pg.applied_plans == original.applied_plans  # whole snapshot: even when each plan was applied
    assert in_pg.serial == original.serial  # so plans saved against the old state stay bound

    back = LocalState(tmp_path / "after")
    assert migrate_state(PostgresState(pg_url), back) == 32
    same_content(original, LocalState(tmp_path / "after").read())
    assert source.read() == original  # the source is only read
    for state in (source, pg_state, back):
        assert state.lock_holder() is None


def test_a_non_empty_destination_is_refused_and_left_alone(tmp_path, pg_url):
    source = LocalState(tmp_path / "src")
    fill(source)
    taken = PostgresState(pg_url)
    taken.put(rec("already-here"))
    with pytest.raises(StateError) as err:
        migrate_state(source, taken)
    assert str(err.value).startswith(f"cannot migrate state into {taken.description}: it is not empty (1 resources")
    assert set(PostgresState(pg_url).read().resources) == {"already-here"}
    assert taken.lock_holder() is None and source.lock_holder() is None

    local_taken = LocalState(tmp_path / "taken")
    local_taken.add_intent(intent("x"))
    with pytest.raises(StateError, match="it is not empty"):
        migrate_state(PostgresState(pg_url), local_taken)


def test_a_destination_emptied_by_hand_is_accepted(pg_url, tmp_path):
    emptied = PostgresState(pg_url)
    for i in range(5):
        emptied.put(rec(f"old{i}"))
        emptied.remove(f"old{i}")
    source = LocalState(tmp_path / "src")
    source.put(rec("a"))
    assert migrate_state(source, emptied) == 1
    snap = PostgresState(pg_url).read()
    assert set(snap.resources) == {"a"} and snap.serial == 11  # serials never go backwards
    PostgresState(pg_url).put(rec("b"))
    assert PostgresState(pg_url).read().serial == 12


def test_the_same_state_is_refused(tmp_path):
    state = LocalState(tmp_path / "s")
    with pytest.raises(StateError, match="the source and the destination are the same"):
        migrate_state(state, LocalState(tmp_path / "s"))


def test_a_locked_source_is_not_copied(tmp_path, pg_url):
    source = LocalState(tmp_path / "src")
    fill(source)
    holder = LockInfo("ci-runner-7", 4242, "alice", "provision apply x.yaml", "2026-01-02T03:04:05Z")
    with source.lock(holder):
        with pytest.raises(StateLockedError, match="alice@ci-runner-7"):
            migrate_state(source, PostgresState(pg_url))
    assert PostgresState(pg_url).read().serial == 0
