"""Concurrent CLI runs on one state, local and postgres: a second apply waits up to --lock-timeout
and then fails naming the holder; four runners with disjoint manifests on postgres all succeed
(each waits its turn) and no update is lost."""

from __future__ import annotations

import subprocess
import time

import pytest


def _manifest(prefix: str, n: int) -> str:
    lines = ["version: 1", "resources:"]
    for i in range(n):
        lines += [f"  {prefix}-{i}:", "    type: vonage.application", "    properties:", f"      name: {prefix} {i}"]
    return "\n".join(lines) + "\n"


def _popen(project, state: str, *args: str) -> subprocess.Popen[str]:
    return project.popen("--state", state, *args)  # a later --state wins over the harness's


@pytest.fixture(params=["local", "postgres"])
def state_url(request, project) -> str:
    if request.param == "local":
        return str(project.dir / "shared-state")
    return request.getfixturevalue("pg_url")


def test_second_apply_waits_for_the_lock_timeout_then_names_the_holder(project, state_url):
    project.write("a.yaml", _manifest("slow", 6))
    project.write("b.yaml", _manifest("other", 1))
    # every application create answers after 700 ms: the first apply holds the lock for seconds
    project.sandbox.admin_call(
        "POST", "/_sandbox/faults", json={"api": "vonage.api", "method": "POST", "delay_ms": 700, "rate": 1.0}
    )
    first = _popen(project, state_url, "apply", "--auto-approve", "--parallelism", "1", "a.yaml")
    try:
        deadline = time.monotonic() + 20
        while not any(r["method"] == "POST" for r in project.sandbox.requests("vonage.api")):
            assert time.monotonic() < deadline and first.poll() is None, "the first apply never started writing"
            time.sleep(0.05)
        started = time.monotonic()
        second = project.cli("--state", state_url, "apply", "--auto-approve", "--lock-timeout", "1.5", "b.yaml")
        waited = time.monotonic() - started
    finally:
        out, err = first.communicate(timeout=60)
    assert second.returncode == 1, second.stdout + second.stderr
    assert waited >= 1.5
    assert str(first.pid) in second.stderr and "a.yaml" in second.stderr  # the holder, named
    assert first.returncode == 0, err
    names = {a["name"] for a in _apps(project)}
    assert "other 0" not in names and {f"slow {i}" for i in range(6)} <= names


def test_four_runners_on_one_postgres_state_all_succeed_and_lose_nothing(project, pg_url):
    """Four CI jobs, each applying its own team's resources (--only) to one shared state at once:
    each waits its turn for the lease, and every record each of them wrote is there at the end."""
    for k in range(4):
        project.write(f"teams/team{k}.yaml", _manifest(f"team{k}", 5))
    runners = [
        _popen(project, pg_url, "apply", "--auto-approve", "--lock-timeout", "120", "--only", f"team{k}-*", "teams")
        for k in range(4)
    ]
    results = [(r.wait(timeout=180), r.stderr.read() if r.stderr else "") for r in runners]
    assert [code for code, _ in results] == [0, 0, 0, 0], results
    listed = project.cli("--state", pg_url, "state", "list").stdout.splitlines()
    assert sorted(row.split("\t")[0] for row in listed) == sorted(f"team{k}-{i}" for k in range(4) for i in range(5))
    names = [a["name"] for a in _apps(project)]
    assert len(names) == 20 == len(set(names))  # no duplicate, nothing lost
    clean = project.cli("--state", pg_url, "plan", "--detailed-exitcode", "teams")
    assert clean.returncode == 0, clean.stdout


def _apps(project) -> list[dict]:
    with project.sandbox.vonage() as api:
        return api.get("/v2/applications", params={"page_size": 100}).json()["_embedded"]["applications"]
