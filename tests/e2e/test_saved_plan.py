"""Saved plans: `plan --out` binds a plan; `apply --plan` applies exactly it, once, or refuses having
written nothing (no API write, no state record) and names what changed."""

from __future__ import annotations

import json

import pytest

MANIFEST = """
version: 1
resources:
  app:
    type: vonage.application
    properties:
      name: Saved plan app
      capabilities:
        voice:
          webhooks:
            answer_url: {address: https://s.example.com/answer}
  line:
    type: vonage.number
    properties: {country: GB, msisdn: "447700900041", app_id: "${app.id}"}
    options: {on_delete: delete}
"""


def _state_files(project) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (project.dir / "state").rglob("*") if p.is_file() and p.name != "lock"}


def _refused_with_nothing_written(project, result, *expected: str) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "the saved plan is stale" in result.stderr
    for text in expected:
        assert text in result.stderr, result.stderr
    assert [w for w in project.sandbox.writes() if w["api"] != "sinch.auth"] == []  # a token is not a write


def test_saved_plan_applies_exactly_once(project):
    project.write("m.yaml", MANIFEST)
    planned = project.cli("plan", "m.yaml", "--out", "plan.json")
    assert planned.returncode == 0, planned.stderr
    doc = json.loads((project.dir / "plan.json").read_text())
    assert doc["manifest"]["files"][0]["path"] == "m.yaml"
    assert [c["action"] for c in doc["resource_changes"]] == ["create", "create"]
    assert (project.dir / "plan.json").stat().st_mode & 0o777 == 0o600

    project.sandbox.clear_log()
    applied = project.cli("apply", "--plan", "plan.json", "--auto-approve")
    assert applied.returncode == 0, applied.stderr
    assert "is current: applying exactly it" in applied.stdout
    writes = project.sandbox.writes()
    assert len(writes) == doc["api_calls"]["writes"] == 3  # app POST, number buy + link

    project.sandbox.clear_log()
    before = _state_files(project)
    again = project.cli("apply", "--plan", "plan.json", "--auto-approve")
    _refused_with_nothing_written(project, again, "already applied")
    assert _state_files(project) == before
    assert project.cli("plan", "--detailed-exitcode", "m.yaml").returncode == 0


def test_stale_manifest_state_and_live_objects_are_refused_before_any_write(project):
    project.write("m.yaml", MANIFEST)
    assert project.cli("apply", "--auto-approve", "m.yaml").returncode == 0

    # a reviewed update of the number's SMS webhook
    project.write(
        "m.yaml", MANIFEST.replace('app_id: "${app.id}"', 'app_id: "${app.id}", mo_http_url: https://s.example.com/sms')
    )
    assert project.cli("plan", "m.yaml", "--out", "plan.json").returncode == 0
    doc = json.loads((project.dir / "plan.json").read_text())
    assert {c["name"]: c["action"] for c in doc["resource_changes"]} == {"app": "noop", "line": "update"}
    line = next(c for c in doc["resource_changes"] if c["name"] == "line")
    assert line["live_fingerprint"].startswith("sha256:")

    # 1. someone edits the touched number in the dashboard after review
    admin = "/_sandbox/vonage/sandbox-key"
    project.sandbox.admin_call(
        "PATCH", f"{admin}/numbers/447700900041", json={"voiceStatusCallback": "https://x.example.com"}
    )
    project.sandbox.clear_log()
    before = _state_files(project)
    stale = project.cli("apply", "--plan", "plan.json", "--auto-approve")
    _refused_with_nothing_written(project, stale, "line: the vonage.number GB:447700900041 changed in the account")
    assert _state_files(project) == before

    # 2. a fresh plan is current again; then the manifest changes before apply
    assert project.cli("plan", "m.yaml", "--out", "plan.json").returncode == 0
    text = (project.dir / "m.yaml").read_text()
    (project.dir / "m.yaml").write_text(text.replace("Saved plan app", "Renamed app"))
    project.sandbox.clear_log()
    stale = project.cli("apply", "--plan", "plan.json", "--auto-approve")
    _refused_with_nothing_written(project, stale, "manifest file m.yaml changed since the plan")
    (project.dir / "m.yaml").write_text(text)

    # 3. another apply runs between plan and apply
    assert project.cli("plan", "m.yaml", "--out", "plan.json").returncode == 0
    project.write("other.yaml", MANIFEST.split("  line:")[0].replace("app:", "other-app:", 1))
    assert project.cli("import", "m.yaml", "app", _state_id(project, "app")).returncode == 1  # already managed
    assert project.cli("state", "mv", "app", "app2").returncode == 0
    assert project.cli("state", "mv", "app2", "app").returncode == 0
    project.sandbox.clear_log()
    stale = project.cli("apply", "--plan", "plan.json", "--auto-approve")
    _refused_with_nothing_written(project, stale, "the state changed since the plan")

    # 4. the current plan applies, exactly its one write
    assert project.cli("plan", "m.yaml", "--out", "plan.json").returncode == 0
    project.sandbox.clear_log()
    ok = project.cli("apply", "--plan", "plan.json", "--auto-approve")
    assert ok.returncode == 0, ok.stderr
    assert [(w["method"], w["api"]) for w in project.sandbox.writes()] == [("POST", "vonage.rest")]


def _state_id(project, name: str) -> str:
    for row in project.cli("state", "list").stdout.splitlines():
        cols = row.split("\t")
        if cols[0] == name:
            return cols[2]
    raise AssertionError(f"{name} not in state")


def test_object_created_outside_since_the_plan_is_refused(project):
    project.write("m.yaml", MANIFEST)
    assert project.cli("plan", "m.yaml", "--out", "plan.json").returncode == 0
    # the number planned for purchase is bought outside provisioner in the meantime
    with project.sandbox.vonage() as api:
        rest = project.sandbox.endpoints["vonage.rest"]
        api.post(f"{rest}/number/buy", data={"country": "GB", "msisdn": "447700900041"}).raise_for_status()
    project.sandbox.clear_log()
    stale = project.cli("apply", "--plan", "plan.json", "--auto-approve")
    _refused_with_nothing_written(project, stale, "line: the saved plan would create it; now the plan says import")


def test_a_changed_secret_makes_the_saved_plan_stale_and_is_never_in_it(project):
    manifest = """
    version: 1
    resources:
      hook:
        type: sinch.provisioning_webhook
        properties:
          target: https://s.example.com/hooks
          secret: ${env:HOOK_SECRET}
          triggers: [ALL]
    """
    project.write("m.yaml", manifest)
    env = {"HOOK_SECRET": "first-very-secret-value"}
    assert project.cli("plan", "m.yaml", "--out", "plan.json", env=env).returncode == 0
    assert "first-very-secret-value" not in (project.dir / "plan.json").read_text()
    project.sandbox.clear_log()
    stale = project.cli("apply", "--plan", "plan.json", "--auto-approve", env={"HOOK_SECRET": "rotated-secret-value"})
    _refused_with_nothing_written(project, stale, "hook: the planned change differs now (secret)")
    ok = project.cli("apply", "--plan", "plan.json", "--auto-approve", env=env)
    assert ok.returncode == 0, ok.stderr


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda d: d["resource_changes"][0].update(action="noop"), "edited after it was written"),
        (lambda d: d.update(format_version=99), "plan format 99"),
    ],
)
def test_edited_or_foreign_plan_files_are_refused(project, edit, message):
    project.write("m.yaml", MANIFEST)
    assert project.cli("plan", "m.yaml", "--out", "plan.json").returncode == 0
    doc = json.loads((project.dir / "plan.json").read_text())
    edit(doc)
    (project.dir / "plan.json").write_text(json.dumps(doc))
    project.sandbox.clear_log()
    result = project.cli("apply", "--plan", "plan.json", "--auto-approve")
    assert result.returncode == 1 and message in result.stderr, result.stderr
    assert project.sandbox.requests() == []  # refused before any call, reads included


def test_apply_plan_usage(project):
    project.write("m.yaml", MANIFEST)
    both = project.cli("apply", "m.yaml", "--plan", "plan.json", "--auto-approve")
    assert both.returncode == 64 and "takes no PATH" in both.stderr
    neither = project.cli("apply", "--auto-approve")
    assert neither.returncode == 64 and "--plan FILE" in neither.stderr
    missing = project.cli("apply", "--plan", "nope.json", "--auto-approve")
    assert missing.returncode == 1 and "cannot apply nope.json" in missing.stderr


def test_a_saved_destroy_plan_destroys(project):
    project.write("m.yaml", MANIFEST.split("  line:")[0])
    assert project.cli("apply", "--auto-approve", "m.yaml").returncode == 0
    assert project.cli("plan", "--destroy", "m.yaml", "--out", "plan.json").returncode == 0
    doc = json.loads((project.dir / "plan.json").read_text())
    assert doc["destroy"] and [c["action"] for c in doc["resource_changes"]] == ["delete"]
    project.sandbox.clear_log()
    assert project.cli("apply", "--plan", "plan.json", "--auto-approve").returncode == 0
    assert [w["method"] for w in project.sandbox.writes()] == ["DELETE"]
    assert project.cli("state", "list").stdout == ""
