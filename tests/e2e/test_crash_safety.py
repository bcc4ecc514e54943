"""A purchase that lands right before the process dies is adopted next time, never bought twice.

The sandbox holds the response to /number/buy after the purchase took effect (a fault rule with
``delay_after_ms``), the test sees the number owned in the account, and SIGKILLs the apply while
it waits for that response — so the state journal has the intent but no record.
"""

from __future__ import annotations

import json
import os
import signal
import time

MANIFEST = """
version: 1
resources:
  hotline:
    type: vonage.number
    properties:
      country: GB
      msisdn: "447700900042"
      mo_http_url: https://sms.example.com/hotline
"""


def test_sigkill_after_purchase_then_next_apply_adopts_instead_of_buying(project):
    project.write("main.yaml", MANIFEST)
    project.sandbox.admin_call(
        "POST",
        "/_sandbox/faults",
        json={"api": "vonage.rest", "rate": 1.0, "after": True, "delay_ms": 15000, "path": "/number/buy", "count": 1},
    )
    proc = project.popen("apply", "--auto-approve", "main.yaml")
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if any(n["msisdn"] == "447700900042" for n in project.sandbox.owned_numbers()):
                break
            time.sleep(0.05)
        else:
            raise AssertionError("the purchase never landed")
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    project.sandbox.admin_call("DELETE", "/_sandbox/faults")

    listed = project.cli("state", "list").stdout
    assert "interrupted create" in listed  # the intent survived the kill; no record was written

    project.sandbox.clear_log()
    plan = json.loads(project.cli("plan", "--format", "json", "main.yaml").stdout)
    change = plan["resource_changes"][0]
    assert change["action"] == "import" and change["id"] == "GB:447700900042"
    assert any("interrupted run" in n for n in change["notes"])

    # the killed run still holds the lock; the next run says so and names the dead holder
    blocked = project.cli("apply", "--auto-approve", "main.yaml")
    assert blocked.returncode == 1 and "no longer running" in blocked.stderr
    assert project.cli("unlock").returncode == 0

    again = project.cli("apply", "--auto-approve", "main.yaml")
    assert again.returncode == 0, again.stdout + again.stderr
    paths = [w["path"] for w in project.sandbox.writes()]
    assert "/number/buy" not in paths  # never bought twice
    assert paths == ["/number/update"]  # only the settings the killed run never sent
    assert [n["msisdn"] for n in project.sandbox.owned_numbers()].count("447700900042") == 1
    assert "interrupted" not in project.cli("state", "list").stdout
    assert project.cli("plan", "--detailed-exitcode", "main.yaml").returncode == 0
