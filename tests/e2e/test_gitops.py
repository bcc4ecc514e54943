"""GitOps features through the real CLI: moved:, --only/--skip, on_missing, options.import,
.provisionignore in plan and drift, and `--json` event streams."""

from __future__ import annotations

import json

BASE = """
version: 1
resources:
  app:
    type: vonage.application
    properties: {name: GitOps app}
  line:
    type: vonage.number
    properties: {country: GB, msisdn: "447700900051", app_id: "${app.id}", mo_http_url: "https://g.example.com/sms"}
    options: {on_delete: delete}
  other:
    type: vonage.application
    properties: {name: Unrelated app}
"""


def _ids(project) -> dict[str, str]:
    return {r.split("\t")[0]: r.split("\t")[2] for r in project.cli("state", "list").stdout.splitlines()}


def test_moved_renames_in_state_with_no_api_call(project):
    project.write("m.yaml", BASE)
    assert project.cli("apply", "--auto-approve", "m.yaml").returncode == 0
    before = _ids(project)
    renamed = BASE.replace("  app:\n", "  support-app:\n").replace("${app.id}", "${support-app.id}")
    project.write("m.yaml", renamed + "moved:\n  - {from: app, to: support-app}\n")

    project.sandbox.clear_log()
    plan = project.cli("plan", "--format", "json", "m.yaml")
    assert plan.returncode == 0, plan.stderr
    doc = json.loads(plan.stdout)
    assert doc["moved"] == [{"from": "app", "to": "support-app"}]
    assert doc["summary"]["move"] == 1
    assert {c["name"]: c["action"] for c in doc["resource_changes"]} == {
        "support-app": "noop",
        "line": "noop",
        "other": "noop",
    }
    applied = project.cli("apply", "--auto-approve", "m.yaml")
    assert applied.returncode == 0, applied.stderr
    assert "support-app: moved" in applied.stdout
    assert project.sandbox.writes() == []
    after = _ids(project)
    assert after["support-app"] == before["app"] and "app" not in after
    # the entry may stay: once recorded it does nothing
    again = project.cli("plan", "--detailed-exitcode", "m.yaml")
    assert again.returncode == 0, again.stdout


def test_moved_entries_are_validated_before_any_call(project):
    project.write("m.yaml", BASE + "moved:\n  - {from: app, to: aplication}\n  - {from: gone, to: gone}\n")
    project.sandbox.clear_log()
    result = project.cli("plan", "m.yaml")
    assert result.returncode == 1
    assert 'moved from "app", which is still declared' in result.stderr
    assert 'moved from "gone" to itself' in result.stderr
    assert "m.yaml:" in result.stderr
    assert project.sandbox.requests() == []


def test_only_and_skip_plan_a_subset_with_dependencies(project):
    project.write("m.yaml", BASE)
    project.sandbox.clear_log()
    result = project.cli("plan", "--only", "line", "--format", "json", "m.yaml")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert sorted(c["name"] for c in doc["resource_changes"]) == ["app", "line"]
    assert doc["targets"]["pulled_in"] == ["app"] and doc["targets"]["excluded"] == ["other"]
    text = project.cli("plan", "--only", "line", "m.yaml").stdout
    assert "pulled in as dependencies: app" in text

    applied = project.cli("apply", "--auto-approve", "--skip", "app", "m.yaml")
    assert applied.returncode == 0, applied.stderr
    assert set(_ids(project)) == {"other"}  # line depends on app: skipped with it
    bad = project.cli("plan", "--only", "nope", "m.yaml")
    assert bad.returncode == 64 and "--only nope matches no resource" in bad.stderr


def test_missing_number_fails_loud_unless_told_to_recreate(project):
    project.write("m.yaml", BASE)
    assert project.cli("apply", "--auto-approve", "m.yaml").returncode == 0
    project.sandbox.admin_call("DELETE", "/_sandbox/vonage/sandbox-key/numbers/447700900051")
    project.sandbox.clear_log()

    drift = project.cli("drift", "--format", "json", "m.yaml")
    assert drift.returncode == 2
    missing = [r for r in json.loads(drift.stdout)["resources"] if r["status"] == "missing"]
    assert [(r["name"], r["policy"]) for r in missing] == [("line", "fail")]

    plan = project.cli("plan", "m.yaml")
    assert plan.returncode == 1
    assert "cannot recreate line" in plan.stderr and "on_missing: recreate" in plan.stderr
    apply = project.cli("apply", "--auto-approve", "m.yaml")
    assert apply.returncode == 1 and project.sandbox.writes() == []

    project.write("m.yaml", BASE.replace("{on_delete: delete}", "{on_delete: delete, on_missing: recreate}"))
    assert project.cli("apply", "--auto-approve", "m.yaml").returncode == 0
    assert any(n["msisdn"] == "447700900051" for n in project.sandbox.owned_numbers())


def test_removing_a_missing_number_from_the_manifest_only_forgets_it(project):
    project.write("m.yaml", BASE.replace("{on_delete: delete}", "{}"))
    assert project.cli("apply", "--auto-approve", "m.yaml").returncode == 0
    project.sandbox.admin_call("DELETE", "/_sandbox/vonage/sandbox-key/numbers/447700900051")
    project.write("m.yaml", BASE.split("  line:")[0] + BASE.split("delete}\n")[1])
    result = project.cli("apply", "--auto-approve", "m.yaml")
    assert result.returncode == 0, result.stderr
    assert "line" not in _ids(project)


def test_options_import_adopts_an_object_by_id_without_a_write(project):
    with project.sandbox.vonage() as api:
        made = api.post("/v2/applications", json={"name": "Made by hand"}).json()
    project.write(
        "m.yaml",
        f"""
        version: 1
        resources:
          hand-app:
            type: vonage.application
            properties: {{name: Made by hand}}
            options: {{import: "{made["id"]}"}}
        """,
    )
    plan = json.loads(project.cli("plan", "--format", "json", "m.yaml").stdout)
    change = plan["resource_changes"][0]
    assert (change["action"], change["id"], change["changes"], plan["api_calls"]["writes"]) == (
        "import",
        made["id"],
        [],
        0,
    )
    project.sandbox.clear_log()
    assert project.cli("apply", "--auto-approve", "m.yaml").returncode == 0
    assert project.sandbox.writes() == []
    assert _ids(project)["hand-app"] == made["id"]
    assert project.cli("plan", "--detailed-exitcode", "m.yaml").returncode == 0

    project.write("n.yaml", (project.dir / "m.yaml").read_text().replace(made["id"], "no-such-id"))
    wrong = project.cli("--state", str(project.dir / "state2"), "plan", "n.yaml")
    assert wrong.returncode == 1 and "cannot import hand-app: no application with id no-such-id" in wrong.stderr


def test_provisionignore_silences_known_drift_in_plan_and_drift_and_reports_expired(project):
    project.write("m.yaml", BASE)
    assert project.cli("apply", "--auto-approve", "m.yaml").returncode == 0
    admin = "/_sandbox/vonage/sandbox-key"
    project.sandbox.admin_call(
        "PATCH", f"{admin}/numbers/447700900051", json={"moHttpUrl": "https://vendor.example.com"}
    )
    with project.sandbox.vonage() as api:
        api.post("/v2/applications", json={"name": "Dashboard app"}).raise_for_status()
    assert project.cli("drift", "m.yaml").returncode == 2

    project.write(
        ".provisionignore",
        """
        line mo_http_url expires=2099-01-01 reason="vendor cut-over" owner=telephony
        vonage.application:*  reason="apps made in the dashboard"
        other name expires=2020-01-01 reason="stale waiver"
        """,
    )
    project.sandbox.clear_log()
    drift = project.cli("drift", "--format", "json", "m.yaml")
    assert drift.returncode == 0, drift.stdout
    doc = json.loads(drift.stdout)
    ignored = {r["name"]: r for r in doc["resources"] if r["status"] == "ignored"}
    assert ignored["line"]["ignored_by"]["reason"] == "vendor cut-over"
    assert ignored["line"]["ignored_by"]["source"].endswith(".provisionignore:1")
    assert any(r["type"] == "vonage.application" for r in ignored.values())  # the unmanaged app
    assert [e["rule"] for e in doc["expired_ignores"]] == ["other name"]
    text = project.cli("drift", "m.yaml").stdout
    assert "Expired .provisionignore rules" in text and "stale waiver" in text

    plan = project.cli("plan", "--detailed-exitcode", "m.yaml")
    assert plan.returncode == 0, plan.stdout  # the ignored drift is left alone
    # a manifest change of the same field is never ignored
    project.write("m.yaml", BASE.replace("https://g.example.com/sms", "https://new.example.com/sms"))
    changed = json.loads(project.cli("plan", "--format", "json", "m.yaml").stdout)
    line = next(c for c in changed["resource_changes"] if c["name"] == "line")
    assert line["action"] == "update" and line["changes"][0]["new"] == "https://new.example.com/sms"
    assert project.sandbox.writes() == []


def test_bad_provisionignore_fails_before_any_call(project):
    project.write("m.yaml", BASE)
    project.write(".provisionignore", "line mo_http_url expires=someday\n")
    project.sandbox.clear_log()
    result = project.cli("drift", "m.yaml")
    assert result.returncode == 1
    assert ".provisionignore:1" in result.stderr and "expires=YYYY-MM-DD" in result.stderr
    assert project.sandbox.requests() == []


def test_json_events_stream_calls_changes_and_results_without_secrets(project):
    project.write(
        "m.yaml",
        BASE
        + """
  hook:
    type: sinch.provisioning_webhook
    properties: {target: "https://g.example.com/hook", triggers: [ALL], secret: "${env:HOOK_SECRET}"}
""",
    )
    env = {"HOOK_SECRET": "do-not-print-this-secret"}
    result = project.cli("--json", "apply", "--auto-approve", "m.yaml", env=env)
    assert result.returncode == 0, result.stderr
    assert "do-not-print-this-secret" not in result.stdout + result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]  # every line is JSON
    types = [e["event"] for e in events]
    assert types.count("planned_change") == 4 and "plan" in types
    assert types.count("apply_result") == 4 and types[-1] == "summary"
    calls = [e for e in events if e["event"] == "call"]
    writes = [c for c in calls if c["method"] != "GET" and c["path"] != "/oauth2/token"]
    assert len(writes) == events[-1]["api_calls"]["writes"]
    assert all("?" not in c["path"] and isinstance(c["status"], int) for c in calls)
    assert all("time" in e for e in events)

    failed = project.cli("--json", "plan", "missing.yaml")
    assert failed.returncode == 1
    last = json.loads(failed.stdout.splitlines()[-1])
    assert last["event"] == "error" and last["exit_code"] == 1


def test_markdown_and_junit_reports_from_the_cli(project):
    import xml.etree.ElementTree as ET

    project.write("m.yaml", BASE)
    md = project.cli("plan", "--format", "markdown", "m.yaml")
    assert md.returncode == 0, md.stderr
    assert md.stdout.startswith("### ") and "| vonage |" in md.stdout and "<details>" in md.stdout
    assert project.cli("apply", "--auto-approve", "m.yaml").returncode == 0
    admin = "/_sandbox/vonage/sandbox-key"
    project.sandbox.admin_call("PATCH", f"{admin}/numbers/447700900051", json={"moHttpUrl": "https://y.example.com"})

    project.sandbox.clear_log()
    junit = project.cli("drift", "--format", "junit", "--output", "drift.xml", "m.yaml")
    assert junit.returncode == 2
    assert "Drifted (changed outside provisioner)" in junit.stdout  # the text summary on stdout
    suites = ET.parse(project.dir / "drift.xml").getroot()
    failures = [tc for tc in suites.iter("testcase") if tc.find("failure") is not None]
    assert [tc.get("name") for tc in failures] == ["line"]
    assert "mo_http_url" in (failures[0].find("failure").text or "")
    drift_md = project.cli("drift", "--format", "markdown", "m.yaml")
    assert drift_md.returncode == 2 and "mo_http_url" in drift_md.stdout
    assert {r["method"] for r in project.sandbox.requests()} == {"GET"}
