"""The engine makes the fewest calls the providers' contracts allow, counted by the sandbox."""

from __future__ import annotations

import json
import math

from harness import vonage_apps


def test_no_change_plan_over_250_applications_makes_three_list_calls(project):
    project.write("apps.yaml", vonage_apps(250))
    project.sandbox.clear_log()
    created = project.cli("apply", "--auto-approve", "--parallelism", "16", "apps.yaml")
    assert created.returncode == 0, created.stdout[-2000:] + created.stderr
    writes = project.sandbox.writes()
    assert len(writes) == 250 and {(w["method"], w["path"]) for w in writes} == {("POST", "/v2/applications")}

    project.sandbox.clear_log()
    plan = project.cli("plan", "--detailed-exitcode", "--format", "json", "apps.yaml")
    assert plan.returncode == 0, plan.stderr
    log = project.sandbox.requests()
    assert len(log) == math.ceil(250 / 100) == 3
    assert all(r["method"] == "GET" and r["path"] == "/v2/applications" for r in log)
    assert all(r["query"].get("page_size") == "100" for r in log)
    assert json.loads(plan.stdout)["api_calls"] == {"reads": 3, "writes": 0}


def test_apply_of_k_changes_makes_k_writes(project):
    path = project.write("apps.yaml", vonage_apps(12))
    assert project.cli("apply", "--auto-approve", "apps.yaml").returncode == 0
    text = path.read_text()
    for i in (1, 4, 9):  # K = 3 edits
        text = text.replace(f"name: App {i}\n", f"name: App {i} (renamed)\n")
    path.write_text(text)
    plan = json.loads(project.cli("plan", "--format", "json", "apps.yaml").stdout)
    assert plan["summary"]["update"] == 3 and plan["api_calls"]["writes"] == 3
    project.sandbox.clear_log()
    assert project.cli("apply", "--auto-approve", "apps.yaml").returncode == 0
    writes = project.sandbox.writes()
    assert len(writes) == 3 and {w["method"] for w in writes} == {"PUT"}


def test_number_purchase_extras_are_exactly_the_documented_ones(project):
    project.write(
        "n.yaml",
        """
        version: 1
        resources:
          bare:
            type: vonage.number
            properties: {country: GB, msisdn: "447700900002"}
          routed:
            type: vonage.number
            properties: {country: GB, msisdn: "447700900003", mo_http_url: "https://sms.example.com/in"}
    """,
    )
    plan = json.loads(project.cli("plan", "--format", "json", "n.yaml").stdout)
    # buy only; buy + /number/update (Vonage's buy takes no settings)
    assert {c["name"]: c["writes"] for c in plan["resource_changes"]} == {"bare": 1, "routed": 2}
    project.sandbox.clear_log()
    assert project.cli("apply", "--auto-approve", "n.yaml").returncode == 0
    assert sorted(w["path"] for w in project.sandbox.writes()) == ["/number/buy", "/number/buy", "/number/update"]
