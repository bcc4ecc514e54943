"""The whole lifecycle through the real CLI against the sandbox over loopback HTTP.

Every assertion on API calls reads the sandbox's own request log, so it counts what really went
over the wire, not what the engine believes it sent.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from provisioner.state import open_state
from provisioner.state.base import LockInfo

APP_AND_NUMBERS = """
version: 1
resources:
  support-app:
    type: vonage.application
    properties:
      name: Support line
      capabilities:
        voice:
          webhooks:
            answer_url: {address: https://support.example.com/answer, http_method: GET}
            event_url: {address: https://support.example.com/event, http_method: POST}
  uk-line:
    type: vonage.number
    properties:
      country: GB
      msisdn: "447700900001"
      app_id: ${support-app.id}
    options:
      on_delete: delete
  us-line:
    type: vonage.number
    properties:
      country: US
      msisdn: "12015550001"
    options:
      protect: true
"""


def _calls(log):
    return [(r["method"], r["path"]) for r in log]


def test_apply_from_empty_then_replan_shows_no_changes(project):
    project.write("main.yaml", APP_AND_NUMBERS)
    plan = project.cli("plan", "--detailed-exitcode", "--format", "json", "main.yaml")
    assert plan.returncode == 2, plan.stderr
    data = json.loads(plan.stdout)
    assert data["summary"]["create"] == 3
    # one app POST + two buys + one number update (uk-line declares app_id; us-line declares nothing)
    assert data["api_calls"]["writes"] == 4
    assert project.sandbox.writes() == []  # planning never writes

    project.sandbox.clear_log()
    applied = project.cli("apply", "--auto-approve", "main.yaml")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    writes = _calls(project.sandbox.writes())
    assert sorted(writes) == sorted(
        [
            ("POST", "/v2/applications"),
            ("POST", "/number/buy"),
            ("POST", "/number/buy"),
            ("POST", "/number/update"),
        ]
    )
    # the app is created before the number that references it is linked
    assert writes.index(("POST", "/v2/applications")) < writes.index(("POST", "/number/update"))
    owned = {n["msisdn"]: n for n in project.sandbox.owned_numbers()}
    app_id = json.loads(project.cli("state", "show", "support-app").stdout)["id"]
    assert owned["447700900001"]["app_id"] == app_id

    project.sandbox.clear_log()
    again = project.cli("plan", "--detailed-exitcode", "main.yaml")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "No changes." in again.stdout
    # one list call per kind, nothing else
    assert sorted(_calls(project.sandbox.requests())) == [("GET", "/account/numbers"), ("GET", "/v2/applications")]


def test_editing_one_field_makes_exactly_one_update_call(project):
    path = project.write("main.yaml", APP_AND_NUMBERS)
    assert project.cli("apply", "--auto-approve", "main.yaml").returncode == 0
    path.write_text(path.read_text().replace("https://support.example.com/answer", "https://v2.example.com/answer"))

    plan = project.cli("plan", "--format", "json", "main.yaml")
    changes = [c for c in json.loads(plan.stdout)["resource_changes"] if c["action"] != "noop"]
    assert [(c["name"], c["action"], c["reason"]) for c in changes] == [("support-app", "update", ["config"])]
    assert [ch["path"] for ch in changes[0]["changes"]] == ["capabilities.voice.webhooks.answer_url.address"]

    project.sandbox.clear_log()
    assert project.cli("apply", "--auto-approve", "main.yaml").returncode == 0
    assert [(r["method"], r["path"].split("/")[1]) for r in project.sandbox.writes()] == [("PUT", "v2")]
    with project.sandbox.vonage() as api:
        app = api.get("/v2/applications").json()["_embedded"]["applications"][0]
    assert app["capabilities"]["voice"]["webhooks"]["answer_url"]["address"] == "https://v2.example.com/answer"
    assert project.cli("plan", "--detailed-exitcode", "main.yaml").returncode == 0


def test_removing_resources_deletes_or_refuses(project):
    path = project.write("main.yaml", APP_AND_NUMBERS)
    assert project.cli("apply", "--auto-approve", "main.yaml").returncode == 0

    # us-line is protected: removing it from the manifest is refused, and nothing is called
    without_us = APP_AND_NUMBERS.split("  us-line:")[0]
    path.write_text(without_us)
    project.sandbox.clear_log()
    refused = project.cli("apply", "--auto-approve", "main.yaml")
    assert refused.returncode == 1
    assert "us-line" in refused.stderr and "protected" in refused.stderr
    assert project.sandbox.writes() == []

    # uk-line has on_delete: delete and is not protected: removing it cancels the number
    project.cli("state", "rm", "us-line")
    path.write_text(without_us.split("  uk-line:")[0])
    project.sandbox.clear_log()
    done = project.cli("apply", "--auto-approve", "main.yaml")
    assert done.returncode == 0, done.stdout + done.stderr
    assert _calls(project.sandbox.writes()) == [("POST", "/number/cancel")]
    assert "447700900001" not in {n["msisdn"] for n in project.sandbox.owned_numbers()}


def test_numbers_are_never_released_implicitly(project):
    path = project.write(
        "main.yaml",
        APP_AND_NUMBERS.replace("      on_delete: delete\n", "      {}\n").replace("    options:\n      {}\n", ""),
    )
    assert project.cli("apply", "--auto-approve", "main.yaml").returncode == 0
    path.write_text(APP_AND_NUMBERS.split("  uk-line:")[0] + APP_AND_NUMBERS.split("      on_delete: delete\n")[1])
    project.sandbox.clear_log()
    plan = project.cli("plan", "main.yaml")
    assert plan.returncode == 1
    assert "never released implicitly" in plan.stdout
    assert "on_delete" in plan.stdout
    assert project.sandbox.writes() == []


def test_out_of_band_change_is_reported_as_drift(project):
    project.write("main.yaml", APP_AND_NUMBERS)
    assert project.cli("apply", "--auto-approve", "main.yaml").returncode == 0
    app_id = json.loads(project.cli("state", "show", "support-app").stdout)["id"]
    project.sandbox.admin_call(
        "PATCH",
        f"/_sandbox/vonage/sandbox-key/applications/{app_id}",
        json={
            "capabilities": {
                "voice": {"webhooks": {"event_url": {"address": "https://rogue.example.com/e"}}},
                "rtc": {"webhooks": {"event_url": {"address": "https://rogue.example.com/rtc", "http_method": "POST"}}},
            }
        },
    )
    plan = project.cli("plan", "--detailed-exitcode", "--format", "json", "main.yaml")
    assert plan.returncode == 2
    change = next(c for c in json.loads(plan.stdout)["resource_changes"] if c["name"] == "support-app")
    assert change["action"] == "update" and change["reason"] == ["drift"]
    paths = {ch["path"]: ch for ch in change["changes"]}
    assert paths["capabilities.voice.webhooks.event_url.address"]["old"] == "https://rogue.example.com/e"
    assert paths["capabilities.voice.webhooks.event_url.address"]["new"] == "https://support.example.com/event"
    # a capability added in the console is drift too: the next full-replacement PUT removes it
    assert any(p.startswith("capabilities.rtc") for p in paths)
    text = project.cli("plan", "main.yaml").stdout
    assert "drift" in text and "rogue.example.com" in text

    assert project.cli("apply", "--auto-approve", "main.yaml").returncode == 0
    assert project.cli("plan", "--detailed-exitcode", "main.yaml").returncode == 0


def test_second_apply_fails_fast_naming_the_lock_holder(project):
    project.write("main.yaml", APP_AND_NUMBERS)
    backend = open_state(project.dir / "state", project.dir)
    holder = LockInfo(
        host="ci-runner-7",
        pid=4242,
        user="deploy-bot",
        command="provision apply prod.yaml",
        started="2026-11-22T09:00:00Z",
    )
    with backend.lock(holder):
        result = project.cli("apply", "--auto-approve", "main.yaml")
    assert result.returncode == 1
    for fact in ("deploy-bot", "ci-runner-7", "4242", "provision apply prod.yaml"):
        assert fact in result.stderr
    assert project.sandbox.writes() == []


def test_usage_errors_exit_64_not_2(project):
    project.write("main.yaml", APP_AND_NUMBERS)
    assert project.cli("plan", "--no-such-flag", "main.yaml").returncode == 64
    assert project.cli("plan").returncode == 64
    assert project.cli("frobnicate").returncode == 64
    assert project.cli("apply", "--parallelism", "0", "main.yaml").returncode == 64


def test_apply_without_approval_in_ci_refuses_and_changes_nothing(project):
    project.write("main.yaml", APP_AND_NUMBERS)
    result = project.cli("apply", "main.yaml")
    assert result.returncode == 64
    assert "--auto-approve" in result.stderr
    assert project.sandbox.writes() == []


def test_state_commands(project):
    project.write("main.yaml", APP_AND_NUMBERS)
    assert project.cli("apply", "--auto-approve", "main.yaml").returncode == 0
    listed = project.cli("state", "list").stdout
    assert "support-app\tvonage.application" in listed and "GB:447700900001" in listed
    assert project.cli("state", "mv", "uk-line", "uk-main").returncode == 0
    assert "uk-main" in project.cli("state", "list").stdout
    assert project.cli("state", "show", "nope").returncode == 1
    assert project.cli("state", "mv", "nope", "x").returncode == 1


def test_unlock_refuses_a_live_holder_and_clears_a_dead_one(project):
    backend = open_state(project.dir / "state", project.dir)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        import socket

        live = LockInfo(host=socket.gethostname(), pid=sleeper.pid, user="u", command="provision apply", started="now")
        with backend.lock(live):
            refused = project.cli("unlock")
            assert refused.returncode == 1 and str(sleeper.pid) in refused.stderr
            sleeper.kill()
            sleeper.wait()
            freed = project.cli("unlock")
            assert freed.returncode == 0, freed.stderr
            assert backend.lock_holder() is None
    finally:
        if sleeper.poll() is None:
            sleeper.kill()
    assert os.path.isdir(project.dir / "state")


def test_destroy_deletes_dependents_first_and_keeps_what_it_must(project):
    project.write(
        "main.yaml",
        APP_AND_NUMBERS.replace("    options:\n      protect: true\n", "    options:\n      on_delete: retain\n"),
    )
    assert project.cli("apply", "--auto-approve", "main.yaml").returncode == 0
    project.sandbox.clear_log()
    result = project.cli("destroy", "--auto-approve", "main.yaml")
    assert result.returncode == 0, result.stdout + result.stderr
    # uk-line (on_delete: delete) is cancelled before the application it links to is deleted;
    # us-line (on_delete: retain) stays in the account and is only forgotten
    assert _calls(project.sandbox.writes()) == [
        ("POST", "/number/cancel"),
        ("DELETE", project.sandbox.writes()[1]["path"]),
    ]
    assert project.sandbox.writes()[1]["path"].startswith("/v2/applications/")
    assert "will be forgotten" in result.stdout
    assert {n["msisdn"] for n in project.sandbox.owned_numbers()} == {"12015550001"}
    assert project.cli("state", "list").stdout.strip() == ""
