"""Interrupted and partial applies, through the real CLI against the sandbox.

Ctrl-C (SIGINT) once: nothing new starts, the calls in flight finish and are recorded, the apply
says what landed and what never started, and exits 130. Twice: it stops at once (exit 130); the
journal is still consistent, so the next apply recovers what was in flight. A wait for readiness
stops after its current poll. A partial failure lists, per resource, exactly which calls landed.
In every case the next apply converges with no duplicate in the account.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable

import pytest
from harness import Project, Sandbox

from provisioner.sandbox import SandboxConfig, SandboxServer
from provisioner.sandbox.config import SinchChoices

APPS = 40


def _apps_manifest(n: int = APPS) -> str:
    lines = ["version: 1", "resources:"]
    for i in range(n):
        lines += [
            f"  app-{i:02d}:",
            "    type: vonage.application",
            f"    properties: {{name: Interrupted app {i:02d}}}",
        ]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- helpers
def spawn(project: Project, *args: str) -> subprocess.Popen[str]:
    """The CLI as a child process we can signal (same environment and prefix as Project.cli)."""
    return project.popen(*args)


def wait_for(predicate: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def posts(sandbox: Sandbox, api: str, path: str) -> int:
    return sum(1 for r in sandbox.requests(api) if r["method"] == "POST" and r["path"] == path)


def app_names(sandbox: Sandbox) -> Counter[str]:
    """Every Vonage application in the account, counted by name."""
    names: Counter[str] = Counter()
    with sandbox.vonage() as api:
        page = 1
        while True:
            body = api.get("/v2/applications", params={"page_size": 100, "page": page}).json()
            names.update(a["name"] for a in body.get("_embedded", {}).get("applications", []))
            if page >= int(body.get("total_pages") or 0):
                return names
            page += 1


def app_ids(sandbox: Sandbox) -> set[str]:
    with sandbox.vonage() as api:
        body = api.get("/v2/applications", params={"page_size": 100}).json()
        assert int(body.get("total_pages") or 0) <= 1
        return {a["id"] for a in body.get("_embedded", {}).get("applications", [])}


def state_list(project: Project) -> tuple[dict[str, str], list[str]]:
    """(name -> id of every record, names with an interrupted create) from `provision state list`."""
    listed = project.cli("state", "list")
    assert listed.returncode == 0, listed.stderr
    records, intents = {}, []
    for line in listed.stdout.splitlines():
        name, _kind, rest = line.split("\t")
        if rest.startswith("(interrupted create"):
            intents.append(name)
        else:
            records[name] = rest.split()[0]
    return records, intents


def converges_without_duplicates(project: Project, manifest: str, n: int = APPS) -> subprocess.CompletedProcess[str]:
    project.sandbox.admin_call("DELETE", "/_sandbox/faults")
    again = project.cli("apply", "--auto-approve", manifest)
    assert again.returncode == 0, again.stdout + again.stderr
    names = app_names(project.sandbox)
    assert len(names) == n and set(names.values()) == {1}, names  # every app exactly once
    records, intents = state_list(project)
    assert set(records.values()) == app_ids(project.sandbox) and intents == []
    assert project.cli("plan", "--detailed-exitcode", manifest).returncode == 0
    return again


def slow_app_creates(sandbox: Sandbox, delay_ms: int) -> None:
    """Each create lands at once, then its answer takes ``delay_ms``: interrupts meet calls in flight."""
    rule = {"api": "vonage.api", "rate": 1.0, "after": True, "delay_ms": delay_ms, "method": "POST"}
    sandbox.admin_call("POST", "/_sandbox/faults", json=rule)


# ---------------------------------------------------------------- Ctrl-C once
def test_first_interrupt_finishes_calls_in_flight_reports_and_exits_130_then_the_next_apply_converges(project):
    project.write("apps.yaml", _apps_manifest())
    slow_app_creates(project.sandbox, 300)
    proc = spawn(project, "apply", "--auto-approve", "--parallelism", "4", "apps.yaml")
    wait_for(lambda: posts(project.sandbox, "vonage.api", "/v2/applications") >= 8, "eight creates")
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, out + err
    assert "Interrupted: no new change will start" in err and "Run `provision apply` again" in err

    # every create that landed finished, was recorded, and is named; the rest never started
    created = {line.split(":")[0].strip("✓ ") for line in out.splitlines() if ": created (id " in line}
    records, intents = state_list(project)
    assert intents == [] and set(records) == created
    assert set(records.values()) == app_ids(project.sandbox)  # nothing in the account that state lacks
    assert 8 <= len(created) < APPS
    assert "Apply interrupted:" in out and f"{len(created)} created." in out
    landed = out.split("Landed (recorded in state):", 1)[1]
    assert all(f"{name}: POST /v2/applications → 201" in landed for name in created)
    not_started = out.split("Not started (the run was interrupted): ", 1)[1].splitlines()[0].split(", ")
    assert sorted(created | set(not_started)) == [f"app-{i:02d}" for i in range(APPS)]

    again = converges_without_duplicates(project, "apps.yaml")
    assert again.stdout.count(": created (id ") == len(not_started)  # only what never started


# ---------------------------------------------------------------- Ctrl-C twice
def test_second_interrupt_stops_at_once_and_the_next_apply_adopts_what_was_in_flight(project):
    project.write("apps.yaml", _apps_manifest())
    slow_app_creates(project.sandbox, 5000)  # answers held 5 s: only a hard stop ends sooner
    proc = spawn(project, "apply", "--auto-approve", "--parallelism", "4", "apps.yaml")
    wait_for(lambda: posts(project.sandbox, "vonage.api", "/v2/applications") >= 1, "a create")
    proc.send_signal(signal.SIGINT)
    assert proc.stderr is not None
    for line in iter(proc.stderr.readline, ""):  # the first signal is handled: the second is not merged into it
        if "Interrupted: no new change will start" in line:
            break
    else:
        raise AssertionError("the first interrupt was never acknowledged")
    stopped = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, out + err
    assert time.monotonic() - stopped < 2.5  # did not wait for the held answers
    assert "Stopped at once" in err

    # apps whose answer never came exist unrecorded, each with its intent; the lock was released
    records, intents = state_list(project)
    in_account = app_ids(project.sandbox)
    unrecorded = len(in_account - set(records.values()))
    assert set(records.values()) <= in_account and unrecorded >= 1 and len(intents) >= unrecorded

    again = converges_without_duplicates(project, "apps.yaml")
    head = again.stdout.split("Planned changes:", 1)[0]
    assert head.startswith("Recovered from an interrupted run:")
    assert head.count("adopting it (not creating another)") == unrecorded
    assert head.count("its create never landed; it is created now") == len(intents) - unrecorded
    assert again.stdout.count(": imported (id ") == unrecorded
    assert again.stdout.count(": created (id ") == APPS - len(records) - unrecorded


def test_sigterm_is_handled_like_ctrl_c(project):
    project.write("apps.yaml", _apps_manifest(12))
    slow_app_creates(project.sandbox, 300)
    proc = spawn(project, "apply", "--auto-approve", "--parallelism", "2", "apps.yaml")
    wait_for(lambda: posts(project.sandbox, "vonage.api", "/v2/applications") >= 2, "two creates")
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, out + err
    assert "Not started (the run was interrupted)" in out
    records, intents = state_list(project)
    assert intents == [] and set(records.values()) == app_ids(project.sandbox)
    converges_without_duplicates(project, "apps.yaml", 12)


# ---------------------------------------------------------------- Ctrl-C during a wait for readiness
TEMPLATE = """
version: 1
resources:
  welcome:
    type: sinch.whatsapp_template
    properties:
      name: welcome
      language: EN
      category: MARKETING
      components: [{type: BODY, text: "Welcome {{1}}!", examples: [Sam]}]
"""


@pytest.fixture
def slow_review(tmp_path) -> Project:
    """A sandbox whose Meta takes ten minutes (sandbox clock) to review a template."""
    server = SandboxServer(SandboxConfig(sinch=SinchChoices(template_review_seconds=600)))
    server.start()
    yield Project(tmp_path, Sandbox(server))
    server.stop()


def test_an_interrupt_stops_a_wait_after_its_current_poll_and_records_it_pending(slow_review):
    project = slow_review
    project.write("t.yaml", TEMPLATE)
    proc = spawn(project, "apply", "--auto-approve", "t.yaml")
    polled = "/v1/projects/sandbox-project/whatsapp/templates/welcome/languages/EN"
    wait_for(lambda: sum(r["path"] == polled for r in project.sandbox.requests()) >= 2, "the wait to poll")
    signalled = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, out + err
    assert time.monotonic() - signalled < 3  # not the backoff's next poll, let alone the review
    assert "welcome: create sent; in review at Meta" in out and "interrupted: recorded as pending" in out
    assert "Pending (the next run checks them again): welcome" in out
    assert "[pending]" in project.cli("state", "list").stdout

    pending = project.cli("plan", "--detailed-exitcode", "t.yaml")
    assert pending.returncode == 2 and "Waiting for the provider:" in pending.stdout  # re-checked, not drift
    project.sandbox.clear_log()
    project.sandbox.admin_call("POST", "/_sandbox/clock", json={"advance_seconds": 700})
    done = project.cli("apply", "--auto-approve", "t.yaml")
    assert done.returncode == 0, done.stdout + done.stderr
    assert [r for r in project.sandbox.requests() if r["method"] != "GET" and r["api"] != "sinch.auth"] == []
    assert project.cli("plan", "--detailed-exitcode", "t.yaml").returncode == 0


# ---------------------------------------------------------------- partial failure
PARTIAL = """
version: 1
resources:
  line:
    type: vonage.number
    properties: {country: GB, msisdn: "447700900031", mo_http_url: https://sms.example.com/in}
  unavailable:
    type: vonage.number
    properties: {country: GB, msisdn: "{msisdn}"}
  waits-for-number:
    type: vonage.application
    properties: {name: Needs the number}
    options: {depends_on: [unavailable]}
  independent:
    type: vonage.application
    properties: {name: Independent}
"""


def test_a_partial_failure_lists_the_calls_that_landed_per_resource_and_the_next_run_continues(project):
    path = project.write("m.yaml", PARTIAL.replace("{msisdn}", "447999999999"))
    failed = project.cli("apply", "--auto-approve", "m.yaml")
    assert failed.returncode == 1
    summary = failed.stdout.split("Apply incomplete:", 1)[1]
    landed = summary.split("Landed (recorded in state):\n", 1)[1].split("  Failed:", 1)[0]
    assert sorted(line.strip() for line in landed.strip().splitlines()) == [
        "independent: POST /v2/applications → 201",
        "line: POST /number/buy → 200, POST /number/update → 200",
    ]
    assert "  Failed: unavailable\n" in summary and "  Skipped (a dependency failed): waits-for-number" in summary
    records, intents = state_list(project)
    assert set(records) == {"line", "independent"} and intents == []

    events = [json.loads(x) for x in project.cli("--json", "plan", "m.yaml").stdout.splitlines()]
    planned = {e["name"]: e["action"] for e in events if e["event"] == "planned_change"}
    assert planned == {"line": "noop", "independent": "noop", "unavailable": "create", "waits-for-number": "create"}

    path.write_text(PARTIAL.replace("{msisdn}", "447700900032"))
    project.sandbox.clear_log()
    fixed = project.cli("apply", "--auto-approve", "m.yaml")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert sorted(w["path"] for w in project.sandbox.writes()) == ["/number/buy", "/v2/applications"]
    assert project.cli("plan", "--detailed-exitcode", "m.yaml").returncode == 0
