"""The local state lock: who holds it, waiting, stale holders, and another process holding it."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from provisioner.errors import StateLockedError
from provisioner.state import LocalState, LockInfo


def other(**kw) -> LockInfo:
    base = dict(
        host="ci-runner-7",
        pid=4242,
        user="alice",
        command="provision apply x.yaml",
        started="2026-01-02T03:04:05Z",
    )
    base.update(kw)
    return LockInfo(**base)


def me() -> LockInfo:
    return LockInfo.current("provision apply mine.yaml")


def test_lock_is_exclusive_and_names_the_holder(state, state_dir):
    with state.lock(other()):
        with pytest.raises(StateLockedError) as err:
            with LocalState(state_dir).lock(me()):
                pass
    msg = str(err.value)
    assert msg.startswith(f"cannot lock state {state_dir}: it is held by alice@ci-runner-7 pid 4242")
    assert "`provision apply x.yaml`" in msg and "2026-01-02T03:04:05Z" in msg
    assert "provision unlock" in msg
    assert err.value.holder == {
        "host": "ci-runner-7",
        "pid": 4242,
        "user": "alice",
        "command": "provision apply x.yaml",
        "started": "2026-01-02T03:04:05Z",
    }


def test_lock_file_holds_the_holder(state, state_dir):
    info = me()
    with state.lock(info):
        assert json.loads((state_dir / "state" / "lock.json").read_text())["pid"] == info.pid
        assert state.lock_holder() == info
        assert LocalState(state_dir).lock_holder() == info
    assert state.lock_holder() is None


def test_lock_released_on_exit_and_on_exception(state, state_dir):
    with state.lock(me()):
        pass
    assert not (state_dir / "state" / "lock.json").exists()
    with pytest.raises(RuntimeError):
        with state.lock(me()):
            raise RuntimeError("apply blew up")
    assert not (state_dir / "state" / "lock.json").exists()
    with state.lock(other()):  # and it can be taken again
        pass


def test_timeout_waits_then_fails(state, state_dir):
    with state.lock(other()):
        start = time.monotonic()
        with pytest.raises(StateLockedError, match="waited 0.3s"):
            with LocalState(state_dir).lock(me(), timeout=0.3):
                pass
        assert time.monotonic() - start >= 0.3


def test_timeout_gets_the_lock_once_released(state, state_dir):
    ready = threading.Event()

    def hold() -> None:
        with state.lock(other()):
            ready.set()
            time.sleep(0.3)

    t = threading.Thread(target=hold)
    t.start()
    ready.wait()
    with LocalState(state_dir).lock(me(), timeout=5):
        holder = LocalState(state_dir).lock_holder()
        assert holder is not None and holder.command == "provision apply mine.yaml"
    t.join()


def test_dead_holder_on_this_host_is_reported_but_still_refused(state, state_dir):
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True)
    dead_pid = int(proc.stdout)  # exited and reaped: no process has this pid now (barring reuse)
    with state.lock(other(host=socket.gethostname(), pid=dead_pid)):
        with pytest.raises(StateLockedError) as err:
            with LocalState(state_dir).lock(me()):
                pass
    assert "the holding process is no longer running" in str(err.value)
    assert "provision unlock" in str(err.value)


def test_live_holder_elsewhere_is_not_called_dead(state, state_dir):
    with state.lock(other(pid=999999)):  # other host: we cannot know
        with pytest.raises(StateLockedError) as err:
            with LocalState(state_dir).lock(me()):
                pass
    assert "no longer running" not in str(err.value)


def test_force_unlock(state, state_dir):
    assert state.force_unlock() is None
    holder = other()
    with state.lock(holder):
        assert LocalState(state_dir).force_unlock() == holder
        assert state.lock_holder() is None
        with LocalState(state_dir).lock(me()):
            pass


def test_release_leaves_a_lock_that_is_no_longer_ours(state, state_dir):
    with state.lock(other()):
        state.force_unlock()
        newcomer = LocalState(state_dir)
        cm = newcomer.lock(me())
        cm.__enter__()
    # The first holder's exit must not have removed the newcomer's lock.
    assert state.lock_holder() is not None and state.lock_holder().command == "provision apply mine.yaml"
    cm.__exit__(None, None, None)
    assert state.lock_holder() is None


def test_unreadable_lock_file_is_reported_and_can_be_cleared(state, state_dir):
    (state_dir / "state").mkdir(parents=True)
    (state_dir / "state" / "lock.json").write_text("")
    with pytest.raises(StateLockedError, match="unreadable"):
        with state.lock(me()):
            pass
    assert state.lock_holder().command == "(unreadable lock file)"
    assert state.force_unlock() is not None
    with state.lock(me()):
        pass


def test_reading_does_not_need_the_lock(state, state_dir):
    from .helpers import rec

    state.put(rec("a"))
    with state.lock(other()):
        assert set(LocalState(state_dir).read().resources) == {"a"}


def test_another_process_holding_the_lock_blocks_this_one(state_dir, tmp_path):
    script = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        from provisioner.state import LocalState, LockInfo
        with LocalState(Path({str(state_dir)!r})).lock(LockInfo.current("provision apply child.yaml")):
            print("locked", flush=True)
            sys.stdin.readline()  # hold until the parent says so
        """
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout.readline().strip() == "locked"
        with pytest.raises(StateLockedError) as err:
            with LocalState(state_dir).lock(me(), timeout=0.2):
                pass
        assert f"pid {child.pid}" in str(err.value)
        assert "`provision apply child.yaml`" in str(err.value)
        assert "no longer running" not in str(err.value)
        assert err.value.holder["pid"] == child.pid
        child.stdin.write("\n")
        child.stdin.flush()
        assert child.wait(timeout=10) == 0
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    with LocalState(state_dir).lock(me()):
        pass
