"""`provision import PATH NAME ID`: adopt an existing object without any write call."""

from __future__ import annotations

import json

MANIFEST = """
version: 1
resources:
  legacy-app:
    type: vonage.application
    properties:
      name: Legacy IVR
      capabilities:
        voice:
          webhooks:
            answer_url: {address: https://new.example.com/answer}
"""


def test_import_records_the_object_and_the_next_plan_shows_only_config_changes(project):
    with project.sandbox.vonage() as api:
        made = api.post(
            "/v2/applications",
            json={
                "name": "Legacy IVR",
                "capabilities": {"voice": {"webhooks": {"answer_url": {"address": "https://old.example.com/answer"}}}},
            },
        ).json()
    project.write("m.yaml", MANIFEST)
    project.sandbox.clear_log()
    result = project.cli("import", "m.yaml", "legacy-app", made["id"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert made["id"] in result.stdout
    assert {r["method"] for r in project.sandbox.requests()} == {"GET"}  # importing writes nothing

    plan = json.loads(project.cli("plan", "--format", "json", "m.yaml").stdout)
    [change] = plan["resource_changes"]
    assert (change["action"], change["id"], change["reason"]) == ("update", made["id"], ["config"])
    assert [(c["path"], c["old"], c["new"]) for c in change["changes"]] == [
        (
            "capabilities.voice.webhooks.answer_url.address",
            "https://old.example.com/answer",
            "https://new.example.com/answer",
        )
    ]
    assert project.cli("apply", "--auto-approve", "m.yaml").returncode == 0
    assert project.cli("plan", "--detailed-exitcode", "m.yaml").returncode == 0


def test_import_errors_name_what_to_do_and_change_nothing(project):
    project.write("m.yaml", MANIFEST)
    missing = project.cli("import", "m.yaml", "legacy-app", "no-such-id")
    assert missing.returncode == 1 and "no application with id no-such-id" in missing.stderr
    unknown = project.cli("import", "m.yaml", "nope", "x")
    assert unknown.returncode == 1 and "no such resource in the manifest" in unknown.stderr
    assert project.cli("state", "list").stdout.strip() == ""
    assert project.cli("import", "m.yaml").returncode == 64
