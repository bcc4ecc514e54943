"""The postgres backend against a real server (tests/pg.py): URLs and passwords, tables and
formats, what a read costs, processes writing and locking concurrently, killed and frozen lock
holders, and the real CLI. The generic contract is in test_contract.py."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pg as harness
import psycopg
import pytest

from provisioner.errors import StateError, StateLockedError
from provisioner.state import LockInfo, open_state
from provisioner.state.base import redact_secrets
from provisioner.state.postgres import PostgresState, ci_run_url, parse_url

from .helpers import rec
from .test_contract import me, start_holder

ROOT = Path(__file__).resolve().parents[2]


def sql(pg, query: str, params=None) -> list[tuple]:
    with psycopg.connect(pg.url(), autocommit=True) as conn:
        cur = conn.execute(query, params)
        return cur.fetchall() if cur.description else []


def python(script: str, *args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script), *args], cwd=ROOT, text=True, stdout=subprocess.PIPE, **kw
    )


# ------------------------------------------------------------------------------ URLs, secrets


@pytest.mark.parametrize(
    "url, shown",
    [
        ("postgresql://app:hunter2@db.internal:5432/infra", "postgresql://app:***@db.internal:5432/infra"),
        ("postgres://app:p%40ss@db/x?state=prod", "postgres://app:***@db/x?state=prod"),
        (
            "postgresql:///x?host=/run/pg&password=hunter2&schema=s1",
            "postgresql:///x?host=/run/pg&password=***&schema=s1",
        ),
        ("postgresql://app@db/x", "postgresql://app@db/x"),
    ],
)
def test_description_hides_passwords(url, shown):
    state = open_state(url, Path("."))  # connects to nothing yet
    assert isinstance(state, PostgresState)
    assert state.description == shown
    assert "hunter2" not in repr(parse_url(url).description) and "p%40ss" not in state.description


def test_our_parameters_are_not_passed_to_libpq():
    target = parse_url("postgresql://u@h/db?sslmode=disable&schema=infra&state=prod&application_name=ci")
    assert (target.schema, target.state) == ("infra", "prod")
    assert target.conninfo == "postgresql://u@h/db?sslmode=disable&application_name=ci"
    assert target.defaults == {"connect_timeout": 10}
    defaults = parse_url("postgresql://u@h/db")
    assert (defaults.schema, defaults.state) == ("provision", "default")


def test_bad_schema_or_state_name_is_refused_without_the_password():
    with pytest.raises(StateError) as err:
        open_state("postgresql://u:hunter2@h/db?schema=a;drop", Path("."))
    assert "schema 'a;drop'" in str(err.value) and "hunter2" not in str(err.value)
    with pytest.raises(StateError, match="state name"):
        open_state("postgresql://u@h/db?state=", Path("."))


def test_unreachable_server_error_names_the_redacted_url():
    state = open_state("postgres://u:hunter2@127.0.0.1:1/db?connect_timeout=2", Path("."))
    with pytest.raises(StateError) as err:
        state.read()
    msg = str(err.value)
    assert msg.startswith("cannot read state postgres://u:***@127.0.0.1:1/db?connect_timeout=2: ")
    assert "hunter2" not in msg


def test_wrong_password_is_refused_and_never_shown(pg):
    state = PostgresState(pg.url(user=harness.PASSWORD_ROLE, password="Wr0ng-Secret", schema="pw"))
    with pytest.raises(StateError) as err:
        state.put(rec("a"))
    assert "password authentication failed" in str(err.value)
    assert "Wr0ng-Secret" not in str(err.value) and ":***@" in str(err.value)


def test_redact_secrets_in_command_lines():
    line = "provision --state postgresql://u:hunter2@db/x?password=hunter3&state=p apply"
    assert redact_secrets(line) == "provision --state postgresql://u:***@db/x?password=***&state=p apply"


def test_lock_records_never_hold_a_password(pg_url, pg):
    state = PostgresState(pg_url)
    info = LockInfo.current(f"provision --state postgresql://u:hunter2@db/x?state=p apply {pg.url(password='pw-9z')}")
    with state.lock(info):
        holder = state.lock_holder()
        stored = sql(pg, f"SELECT command FROM {state.schema}.locks")[0][0]
    assert "hunter2" not in holder.command and "pw-9z" not in holder.command and "u:***@db" in holder.command
    assert stored == holder.command


def test_without_psycopg_a_postgres_url_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "psycopg", None)
    monkeypatch.delitem(sys.modules, "provisioner.state.postgres")
    with pytest.raises(StateError, match=r"pip install 'psycopg\[binary\]>=3.2'"):
        open_state("postgresql://u:hunter2@h/db", tmp_path)
    assert open_state(None, tmp_path).description == str(tmp_path / ".provision")  # local still works


def test_ci_run_url():
    github = {"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/infra", "GITHUB_RUN_ID": "42"}
    assert ci_run_url(github) == "https://github.com/acme/infra/actions/runs/42"
    assert ci_run_url({"CI_JOB_URL": "https://gitlab.example.com/acme/infra/-/jobs/7"}).endswith("/jobs/7")
    assert ci_run_url({}) is None


def test_the_ci_run_is_shown_to_whoever_waits(pg_url, monkeypatch):
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/infra")
    monkeypatch.setenv("GITHUB_RUN_ID", "42")
    with PostgresState(pg_url).lock(me()):
        with pytest.raises(StateLockedError) as err:
            with PostgresState(pg_url).lock(me()):
                pass
    assert "(https://github.com/acme/infra/actions/runs/42)" in str(err.value)
    assert err.value.holder["ci_url"] == "https://github.com/acme/infra/actions/runs/42"


# ---------------------------------------------------------------------------- tables and formats


def test_reading_creates_nothing_and_the_first_write_creates_the_tables(pg, pg_url):
    state = PostgresState(pg_url)
    assert state.read().serial == 0 and state.lock_holder() is None
    assert sql(pg, "SELECT 1 FROM pg_namespace WHERE nspname = %s", [state.schema]) == []
    state.put(rec("a"))
    tables = sql(pg, "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY 1", [state.schema])
    assert [t for (t,) in tables] == ["journal", "locks", "meta", "snapshots", "states"]
    assert sql(pg, f"SELECT key, value FROM {state.schema}.meta") == [("format_version", "1")]


def test_several_states_share_one_schema_independently(pg):
    prod = PostgresState(pg.url(schema="shared", state="prod"))
    staging = PostgresState(pg.url(schema="shared", state="staging"))
    prod.put(rec("a"))
    prod.put(rec("b"))
    staging.put(rec("c"))
    assert set(PostgresState(prod.url).read().resources) == {"a", "b"}
    assert PostgresState(staging.url).read().serial == 1
    with prod.lock(me()), staging.lock(me()):  # separate locks too
        assert PostgresState(staging.url).lock_holder().command == "provision apply mine.yaml"
    assert PostgresState(pg.url(schema="shared")).read().serial == 0  # "default" is another state again


def test_newer_table_format_is_refused(pg, pg_url):
    state = PostgresState(pg_url)
    state.put(rec("a"))
    sql(pg, f"UPDATE {state.schema}.meta SET value = '2' WHERE key = 'format_version'")
    with pytest.raises(StateError) as err:
        PostgresState(pg_url).read()
    assert "format version '2'" in str(err.value) and "understands version 1" in str(err.value)
    with pytest.raises(StateError, match="format version '2'"):
        PostgresState(pg_url).put(rec("b"))


def test_newer_snapshot_version_is_refused(pg, pg_url):
    state = PostgresState(pg_url)
    state.put(rec("a"))
    state.compact()
    sql(pg, f"UPDATE {state.schema}.snapshots SET body = jsonb_set(body, '{{version}}', '99')")
    with pytest.raises(StateError, match="version 99"):
        PostgresState(pg_url).read()


def test_journal_rows_one_per_write_and_compaction_folds_them(pg, pg_url):
    state = PostgresState(pg_url)
    state.put(rec("a"))
    state.put(rec("b"))
    state.rename("a", "x")
    schema = state.schema
    rows = sql(pg, f"SELECT serial, op, body FROM {schema}.journal ORDER BY serial")
    assert [(s, op) for s, op, _ in rows] == [(1, "put"), (2, "put"), (3, "rename")]
    assert rows[2][2] == {"old": "a", "new": "x"}
    state.compact()
    assert sql(pg, f"SELECT count(*) FROM {schema}.journal") == [(0,)]
    serial, body = sql(pg, f"SELECT serial, body FROM {schema}.snapshots")[0]
    assert serial == 3 and body["version"] == 1 and set(body["resources"]) == {"x", "b"}
    written = sql(pg, f"SELECT written FROM {schema}.snapshots")
    for i in range(5):
        state.put(rec(f"r{i}"))
    assert sql(pg, f"SELECT written FROM {schema}.snapshots") == written  # a put never rewrites the snapshot
    assert PostgresState(pg_url).read().serial == 8


def test_a_read_fetches_only_what_changed(pg_url, monkeypatch):
    writer = PostgresState(pg_url)
    for i in range(20):
        writer.put(rec(f"r{i}"))
    writer.compact()
    writer.put(rec("late"))
    reader = PostgresState(pg_url)
    assert len(reader.read().resources) == 21
    seen: list[tuple[str, int]] = []
    original = reader._exec

    def spy(conn, name, params=None):
        cur = original(conn, name, params)
        seen.append((name, cur.rowcount))
        return cur

    monkeypatch.setattr(reader, "_exec", spy)
    for _ in range(5):
        assert len(reader.read().resources) == 21
    assert [name for name, _ in seen] == ["head"] * 5  # a no-change read is one small query
    seen.clear()
    writer.put(rec("new"))
    assert "new" in reader.read().resources
    assert ("journal", 1) in seen and "snapshot" not in [name for name, _ in seen]  # just the new row


def test_a_corrupt_or_missing_journal_row_is_reported(pg, pg_url):
    state = PostgresState(pg_url)
    for name in "abc":
        state.put(rec(name))
    sql(pg, f"UPDATE {state.schema}.journal SET body = '{{\"bogus\": 1}}' WHERE serial = 2")
    with pytest.raises(StateError) as err:
        PostgresState(pg_url).read()
    assert "journal row 2" in str(err.value) and "backup" in str(err.value)
    sql(pg, f"DELETE FROM {state.schema}.journal WHERE serial = 2")
    with pytest.raises(StateError, match="rows are missing"):
        PostgresState(pg_url).read()


def test_unstorable_text_is_refused_cleanly(pg_url):
    state = PostgresState(pg_url)
    state.put(rec("a"))
    with pytest.raises(StateError, match="cannot record b"):
        state.put(rec("b", properties={"nul": "a\0b"}))  # jsonb cannot hold NUL
    state.put(rec("c"))  # the connection and the cache are still fine
    assert set(PostgresState(pg_url).read().resources) == {"a", "c"}


# ---------------------------------------------------------------------------------- processes

_WRITE = """
import sys
from provisioner.state.postgres import PostgresState
from provisioner.state import ResourceRecord
PostgresState(sys.argv[1]).put(ResourceRecord("from-child", "vonage.number", "GB:1", {"country": "GB"}))
print(sorted(PostgresState(sys.argv[1]).read().resources))
"""


def test_a_write_from_one_process_is_read_by_another(pg_url):
    PostgresState(pg_url).put(rec("from-parent"))
    child = python(_WRITE, pg_url)
    out, _ = child.communicate(timeout=30)
    assert child.returncode == 0 and out.strip() == "['from-child', 'from-parent']"
    assert PostgresState(pg_url).read().resources["from-child"].id == "GB:1"


def test_a_sigkilled_holder_does_not_block_the_next_locker(pg, pg_url):
    child = start_holder(pg_url)
    assert PostgresState(pg_url).lock_holder().pid == child.pid
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    started = time.monotonic()
    with PostgresState(pg_url).lock(me(), timeout=10):  # the server released the dead session's lock
        assert PostgresState(pg_url).lock_holder().command == "provision apply mine.yaml"
    assert time.monotonic() - started < 5
    assert PostgresState(pg_url).lock_holder() is None


_HOLD = """
import sys
from provisioner.state import LockInfo
from provisioner.state.postgres import PostgresState
state = PostgresState(sys.argv[1], heartbeat_interval=float(sys.argv[2]))
with state.lock(LockInfo.current("provision apply held.yaml")):
    print("locked", flush=True)
    sys.stdin.readline()
print("released", flush=True)
"""


def hold(url: str, interval: float = 0.2) -> subprocess.Popen:
    child = python(_HOLD, url, str(interval), stdin=subprocess.PIPE)
    assert child.stdout.readline().strip() == "locked"
    return child


def finish(child: subprocess.Popen) -> str:
    if child.poll() is None:
        child.stdin.write("\n")
        child.stdin.flush()
    out, _ = child.communicate(timeout=10)
    return out


def heartbeat(pg, state: PostgresState):
    return sql(pg, f"SELECT heartbeat FROM {state.schema}.locks")[0][0]


def test_second_locker_waits_then_names_the_holder_while_the_heartbeat_moves(pg, pg_url):
    child = hold(pg_url)
    try:
        state = PostgresState(pg_url)
        first = heartbeat(pg, state)
        started = time.monotonic()
        with pytest.raises(StateLockedError) as err:
            with state.lock(me(), timeout=0.6):
                pass
        assert time.monotonic() - started >= 0.6
        msg = str(err.value)
        assert f"@{os.uname().nodename} pid {child.pid}" in msg and "`provision apply held.yaml`" in msg
        assert "(waited 0.6s)" in msg and "heartbeat stopped" not in msg
        assert heartbeat(pg, state) > first
        holder = state.lock_holder()
        assert state.holder_alive(holder) is True
    finally:
        out = finish(child)
    assert out.strip() == "released"
    assert state.holder_alive(holder) is False and state.lock_holder() is None


def test_a_frozen_holder_goes_stale_and_force_unlock_ends_its_session(pg, pg_url):
    child = hold(pg_url)
    state = PostgresState(pg_url)
    try:
        holder = state.lock_holder()
        os.kill(child.pid, signal.SIGSTOP)  # connected, so still locked, but no heartbeat
        time.sleep(1.0)
        assert state.holder_alive(holder) is False
        with pytest.raises(StateLockedError, match=r"its heartbeat stopped \d+s ago.*provision unlock"):
            with state.lock(me()):
                pass
        assert state.force_unlock() == holder
        with state.lock(me(), timeout=1):
            os.kill(child.pid, signal.SIGCONT)
            assert finish(child).strip() == "released"  # its release finds its session gone: no error
            assert (
                state.lock_holder().command == "provision apply mine.yaml"
            )  # and it did not remove the newcomer's lock
    finally:
        if child.poll() is None:
            os.kill(child.pid, signal.SIGCONT)
            child.kill()
            child.wait()


def test_force_unlock_without_the_right_to_end_the_session_explains(pg):
    url = pg.url(user=harness.PASSWORD_ROLE, password=harness.PASSWORD, schema="noright")
    unprivileged = PostgresState(url)
    unprivileged.put(rec("a"))  # its own tables; the superuser below may use them too
    with PostgresState(pg.url(schema="noright")).lock(me()):
        with pytest.raises(StateError) as err:
            unprivileged.force_unlock()
        assert unprivileged.lock_holder().command == "provision apply mine.yaml"
    msg = str(err.value)
    assert "SELECT pg_terminate_backend(" in msg and "pg_signal_backend" in msg
    assert harness.PASSWORD not in msg and ":***@" in msg


_WRITER = """
import sys
from provisioner.state import LockInfo, ResourceRecord
from provisioner.state.postgres import PostgresState
state, k = PostgresState(sys.argv[1]), sys.argv[2]
for r in range(3):
    with state.lock(LockInfo.current(f"writer {k}"), timeout=60):
        for i in range(10):
            state.put(ResourceRecord(f"w{k}-{r}-{i}", "vonage.number", f"id-{k}-{r}-{i}", {"k": k}))
for i in range(10):  # and some without the lock: serials must still be unique
    state.put(ResourceRecord(f"w{k}-free-{i}", "vonage.number", f"id-{k}-free-{i}", {"k": k}))
"""


def test_four_writer_processes_lose_nothing(pg, pg_url):
    writers = [python(_WRITER, pg_url, str(k)) for k in range(4)]
    for w in writers:
        w.communicate(timeout=120)
        assert w.returncode == 0
    snap = PostgresState(pg_url).read()
    assert len(snap.resources) == 4 * 40 and snap.serial == 160
    assert {f"w{k}-{r}-{i}" for k in range(4) for r in range(3) for i in range(10)} <= set(snap.resources)
    serials = [s for (s,) in sql(pg, f"SELECT serial FROM {PostgresState(pg_url).schema}.journal ORDER BY serial")]
    assert serials == list(range(1, 161))


# ------------------------------------------------------------------------------------- the CLI

MANIFEST = """
version: 1
resources:
  support-app:
    type: vonage.application
    properties:
      name: Support line
  uk-line:
    type: vonage.number
    properties:
      country: GB
      msisdn: "447700900001"
      app_id: ${support-app.id}
"""


def test_cli_end_to_end_with_a_password_url(pg, project):
    url = pg.url(user=harness.PASSWORD_ROLE, password=harness.PASSWORD, schema="cli", state="prod")
    project.write("main.yaml", MANIFEST)
    runs = [project.cli("--state", url, "--verbose", "apply", "--auto-approve", "main.yaml")]
    assert runs[-1].returncode == 0, runs[-1].stdout + runs[-1].stderr
    runs.append(project.cli("--state", url, "plan", "--detailed-exitcode", "main.yaml"))
    assert runs[-1].returncode == 0, runs[-1].stdout + runs[-1].stderr
    runs.append(project.cli("--state", url, "state", "list"))
    assert [line.split("\t")[0] for line in runs[-1].stdout.splitlines()] == ["support-app", "uk-line"]
    runs.append(project.cli("--state", url, "--json", "plan", "main.yaml"))
    with PostgresState(url).lock(me()):  # another run holds it: the message names the state, redacted
        runs.append(project.cli("--state", url, "apply", "--auto-approve", "main.yaml"))
        assert runs[-1].returncode == 1 and "it is held by" in runs[-1].stderr
        assert "postgresql://provision_pw:***@/provision_test" in runs[-1].stderr
    for run in runs:
        assert harness.PASSWORD not in run.stdout + run.stderr
    assert not (project.dir / "state").exists()  # nothing went to the default local state
    tables = "SELECT body::text FROM cli.journal UNION ALL SELECT body::text FROM cli.snapshots"
    dump = sql(pg, f"SELECT string_agg(body, ' ') FROM ({tables}) t(body)")[0][0]  # apply compacts at the end
    assert "uk-line" in dump and harness.PASSWORD not in dump


def test_provision_state_environment_variable_selects_postgres(pg, project):
    url = pg.url(schema="envsel")
    project.write("main.yaml", MANIFEST)
    env = {"PROVISION_STATE": url}
    applied = project.cli(
        "--sandbox-url", project.sandbox.admin, "apply", "--auto-approve", "main.yaml", env=env, use_sandbox=False
    )
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert set(PostgresState(url).read().resources) == {"support-app", "uk-line"}
    listed = project.cli("--sandbox-url", project.sandbox.admin, "state", "list", env=env, use_sandbox=False)
    assert listed.returncode == 0 and "uk-line" in listed.stdout
    assert not (project.dir / ".provision" / "sandbox" / "state").exists()
