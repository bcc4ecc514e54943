"""The state backend contract, run against every backend (local directory and PostgreSQL).

Each test talks only through ``StateBackend``; "another process" is another instance with no shared
cache. Backend-specific layout is tested in test_journal.py / test_lock.py / test_postgres.py.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from provisioner.errors import StateError, StateLockedError
from provisioner.state import LocalState, LockInfo, StateBackend, open_state

from .helpers import intent, rec

ROOT = Path(__file__).resolve().parents[2]


class Backends:
    """Opens instances on one state, as separate processes would."""

    def __init__(self, spec: str) -> None:
        self.spec = spec

    def new(self, **kw) -> StateBackend:
        if self.spec.startswith("postgresql://"):
            from provisioner.state.postgres import PostgresState

            return PostgresState(self.spec, **kw)
        return LocalState(self.spec, **kw)


@pytest.fixture(params=["local", "postgres"])
def backends(request, tmp_path) -> Backends:
    if request.param == "local":
        return Backends(str(tmp_path / ".provision"))
    return Backends(request.getfixturevalue("pg_url"))


@pytest.fixture
def state(backends) -> StateBackend:
    return backends.new()


def other(**kw) -> LockInfo:
    base = dict(
        host="ci-runner-7", pid=4242, user="alice", command="provision apply x.yaml", started="2026-01-02T03:04:05Z"
    )
    return LockInfo(**{**base, **kw})


def me() -> LockInfo:
    return LockInfo.current("provision apply mine.yaml")


# ----------------------------------------------------------------------------------- records


def test_empty_state_reads_empty(state):
    snap = state.read()
    assert (snap.serial, snap.resources, snap.intents, snap.applied_plans) == (0, {}, {}, {})
    state.compact()  # nothing to fold: fine
    assert state.read().serial == 0


def test_round_trip_across_instances(state, backends):
    state.put(rec("app", attributes={"id": "u-1"}, options={"protect": True}, dependencies=[]))
    state.put(rec("num", kind="vonage.number", dependencies=["app"], status="pending"))
    state.put(rec("gone"))
    state.add_intent(intent("buy", natural_id="GB:447700900001", match={"msisdn": "447700900001"}))
    state.add_intent(intent("dropped"))
    state.remove("gone")
    state.clear_intent("dropped")
    state.rename("app", "application")

    snap = backends.new().read()
    assert set(snap.resources) == {"application", "num"}
    assert snap.resources["application"] == rec(
        "application", id="id-app", properties={"name": "app"}, attributes={"id": "u-1"}, options={"protect": True}
    )
    assert snap.resources["num"].dependencies == ["application"]  # delete ordering follows the rename
    assert snap.resources["num"].status == "pending"
    assert snap.intents == {"buy": intent("buy", natural_id="GB:447700900001", match={"msisdn": "447700900001"})}
    assert snap.serial == state.read().serial == 8


def test_put_clears_intent_and_remove_drops_both(state, backends):
    state.add_intent(intent("a"))
    state.add_intent(intent("b"))
    state.put(rec("a"))
    state.put(rec("b"))
    state.add_intent(intent("b"))  # e.g. a replace in flight
    state.remove("b")
    snap = backends.new().read()
    assert set(snap.resources) == {"a"} and snap.intents == {}


def test_remove_and_clear_of_unknown_names_write_nothing(state, backends):
    state.put(rec("a"))
    state.remove("nope")
    state.clear_intent("nope")
    assert backends.new().read().serial == 1


def test_rename_refuses_missing_or_existing_and_carries_the_intent(state, backends):
    state.put(rec("a"))
    state.put(rec("b"))
    with pytest.raises(StateError, match="no missing"):
        state.rename("missing", "c")
    with pytest.raises(StateError, match="b already exists"):
        state.rename("a", "b")
    state.add_intent(intent("a"))
    state.rename("a", "z")
    snap = backends.new().read()
    assert set(snap.resources) == {"b", "z"} and snap.serial == 4
    assert set(snap.intents) == {"z"} and snap.intents["z"].name == "z"


def test_caller_mutating_its_record_after_put_does_not_change_state(state):
    r = rec("a", properties={"tags": ["x"]})
    state.put(r)
    r.properties["tags"].append("y")
    r.id = "changed"
    got = state.read().resources["a"]
    assert got.properties == {"tags": ["x"]} and got.id == "id-a"


def test_read_result_can_be_changed_by_the_caller(state):
    state.put(rec("a"))
    snap = state.read()
    snap.resources.pop("a")
    assert "a" in state.read().resources


def test_unserialisable_record_is_refused_and_nothing_written(state, backends):
    state.put(rec("a"))
    with pytest.raises(StateError, match="cannot record b"):
        state.put(rec("b", properties={"when": object()}))
    snap = backends.new().read()
    assert set(snap.resources) == {"a"} and snap.serial == 1


def test_unicode_and_nested_values_survive(state, backends):
    props = {"name": "Zoë ☎ 电话", "nested": {"list": [1, 2.5, None, True], "empty": {}}, "big": 2**53 + 1}
    state.put(rec("a", properties=props))
    assert backends.new().read().resources["a"].properties == props


def test_applied_plans_are_recorded_in_order_and_bounded(state, backends):
    for i in range(55):
        state.mark_plan_applied(f"plan-{i}")
    state.compact()
    state.mark_plan_applied("plan-last")
    plans = backends.new().read().applied_plans
    assert list(plans) == [f"plan-{i}" for i in range(6, 55)] + ["plan-last"]
    assert all(at.endswith("Z") for at in plans.values())


def test_restore_keeps_the_serial_and_applied_plan_times_and_refuses_a_non_empty_state(backends, tmp_path):
    """`state migrate` writes the source whole: saved plans bound to its serial still bind, and
    applied plans keep when they were applied (not the time of the copy)."""
    source = LocalState(tmp_path / "source")
    for i in range(7):
        source.put(rec(f"r{i}", properties={"n": i}))
    for n in range(5):  # history: the serial runs ahead of the record count
        source.put(rec("r0", properties={"n": n}))
    source.add_intent(intent("buying", natural_id="GB:447700900001"))
    source.mark_plan_applied("plan-a")
    snap = source.read()
    snap.applied_plans = {"plan-a": "2026-01-02T03:04:05Z"}  # as if applied long ago

    state = backends.new()
    state.restore(snap)
    got = backends.new().read()
    assert got.serial == snap.serial == 14
    assert got.resources == snap.resources and got.intents == snap.intents
    assert got.applied_plans == {"plan-a": "2026-01-02T03:04:05Z"}
    state.put(rec("later"))
    assert backends.new().read().serial == 15  # the serial goes on from the source's
    with pytest.raises(StateError, match="not empty"):
        backends.new().restore(snap)


# ------------------------------------------------------------------------- compaction and cache


def test_compaction_keeps_the_state_and_the_serial_continues(state, backends):
    for name in "abc":
        state.put(rec(name))
    state.remove("b")
    state.add_intent(intent("d"))
    before = backends.new().read()
    state.compact()
    after = backends.new().read()
    assert after == before and after.serial == 5
    state.put(rec("e"))
    assert backends.new().read().serial == 6


def test_automatic_compaction_after_many_records(backends):
    state = backends.new(compact_after=10)
    for i in range(25):
        state.put(rec(f"r{i}"))
    snap = backends.new().read()
    assert len(snap.resources) == 25 and snap.serial == 25


def test_cache_follows_writes_and_compaction_by_another_instance(state, backends):
    state.put(rec("a"))
    assert set(state.read().resources) == {"a"}
    other_one = backends.new()
    other_one.put(rec("b"))
    assert set(state.read().resources) == {"a", "b"}
    other_one.compact()
    other_one.put(rec("c"))
    assert set(state.read().resources) == {"a", "b", "c"}
    state.put(rec("d"))  # this instance's next write continues the serial sequence
    assert backends.new().read().serial == 4


def test_concurrent_puts_from_threads(state, backends):
    def work(k: int) -> None:
        for i in range(25):
            state.put(rec(f"t{k}-{i}"))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    snap = backends.new().read()
    assert len(snap.resources) == 200 and snap.serial == 200


# ------------------------------------------------------------------------------------- locking


def test_lock_is_exclusive_and_names_the_holder(state, backends):
    with state.lock(other()):
        assert backends.new().lock_holder() == other()
        with pytest.raises(StateLockedError) as err:
            with backends.new().lock(me()):
                pass
    msg = str(err.value)
    assert msg.startswith(f"cannot lock state {state.description}: it is held by alice@ci-runner-7 pid 4242")
    assert "`provision apply x.yaml`" in msg and "2026-01-02T03:04:05Z" in msg and "provision unlock" in msg
    assert {k: err.value.holder[k] for k in ("host", "pid", "user", "command", "started")} == {
        "host": "ci-runner-7",
        "pid": 4242,
        "user": "alice",
        "command": "provision apply x.yaml",
        "started": "2026-01-02T03:04:05Z",
    }
    assert state.lock_holder() is None


def test_lock_released_on_exit_and_on_exception(state, backends):
    with pytest.raises(RuntimeError):
        with state.lock(me()):
            raise RuntimeError("apply blew up")
    assert backends.new().lock_holder() is None
    with backends.new().lock(other()):
        pass


def test_timeout_waits_then_fails(state, backends):
    with state.lock(other()):
        start = time.monotonic()
        with pytest.raises(StateLockedError, match="waited 0.3s"):
            with backends.new().lock(me(), timeout=0.3):
                pass
        assert time.monotonic() - start >= 0.3


def test_timeout_gets_the_lock_once_released(state, backends):
    ready = threading.Event()

    def hold() -> None:
        with state.lock(other()):
            ready.set()
            time.sleep(0.3)

    t = threading.Thread(target=hold)
    t.start()
    ready.wait()
    with backends.new().lock(me(), timeout=5):
        holder = backends.new().lock_holder()
        assert holder is not None and holder.command == "provision apply mine.yaml"
    t.join()


def test_force_unlock(state, backends):
    assert state.force_unlock() is None
    with state.lock(other()):
        assert backends.new().force_unlock() == other()
        assert state.lock_holder() is None
        with backends.new().lock(me()):
            pass


def test_release_leaves_a_lock_that_is_no_longer_ours(state, backends):
    with state.lock(other()):
        state.force_unlock()
        newcomer = backends.new()
        cm = newcomer.lock(me())
        cm.__enter__()
    # The first holder's exit must not have removed the newcomer's lock.
    holder = state.lock_holder()
    assert holder is not None and holder.command == "provision apply mine.yaml"
    cm.__exit__(None, None, None)
    assert state.lock_holder() is None


def test_reading_and_writing_do_not_need_the_lock(state, backends):
    state.put(rec("a"))
    with state.lock(other()):
        reader = backends.new()
        assert set(reader.read().resources) == {"a"}
        state.put(rec("b"))
        assert set(reader.read().resources) == {"a", "b"}


_HOLDER = """
import sys
from pathlib import Path
from provisioner.state import LockInfo, open_state
state = open_state(sys.argv[1], Path("."))
with state.lock(LockInfo.current("provision apply child.yaml")):
    print("locked", flush=True)
    sys.stdin.readline()
"""


def start_holder(spec: str) -> subprocess.Popen:
    """Another process holding the lock until it reads a line (or is killed)."""
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(_HOLDER), spec],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert child.stdout.readline().strip() == "locked"
    return child


def test_another_process_holding_the_lock_blocks_this_one_and_is_alive(backends):
    child = start_holder(backends.spec)
    try:
        with pytest.raises(StateLockedError) as err:
            with backends.new().lock(me(), timeout=0.2):
                pass
        assert f"pid {child.pid}" in str(err.value) and "`provision apply child.yaml`" in str(err.value)
        assert err.value.holder["pid"] == child.pid
        holder = backends.new().lock_holder()
        assert holder.pid == child.pid
        assert backends.new().holder_alive(holder) is True
        child.stdin.write("\n")
        child.stdin.flush()
        assert child.wait(timeout=10) == 0
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert backends.new().lock_holder() is None
    assert backends.new().holder_alive(holder) is False
    with backends.new().lock(me()):
        pass


def test_a_killed_holder_is_not_alive(backends):
    child = start_holder(backends.spec)
    holder = backends.new().lock_holder()
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert backends.new().holder_alive(holder) is False


def test_holder_on_another_host_cannot_be_judged_by_pid_alone(state, backends):
    # Local cannot tell (None); postgres knows the holder is connected and beating (True).
    with state.lock(other(pid=999999)):
        assert backends.new().holder_alive(other(pid=999999)) in (None, True)


def test_open_state_routes_by_spec(backends, tmp_path):
    opened = open_state(backends.spec, tmp_path)
    assert type(opened) is type(backends.new())
    assert opened.description == backends.new().description
