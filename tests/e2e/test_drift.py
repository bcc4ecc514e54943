"""`provision drift`: read-only, classifies each resource, finds unmanaged objects."""

from __future__ import annotations

import json

MANIFEST = """
version: 1
resources:
  app:
    type: vonage.application
    properties:
      name: Drift app
      capabilities:
        voice:
          webhooks:
            answer_url: {address: https://d.example.com/answer}
  other-app:
    type: vonage.application
    properties: {name: Will vanish}
  line:
    type: vonage.number
    properties: {country: GB, msisdn: "447700900030", mo_http_url: "https://d.example.com/sms"}
    options: {on_delete: delete}
"""


def test_drift_reports_drifted_missing_and_unmanaged_and_never_writes(project):
    project.write("m.yaml", MANIFEST)
    assert project.cli("apply", "--auto-approve", "m.yaml").returncode == 0
    clean = project.cli("drift", "m.yaml")
    assert clean.returncode == 0 and "No drift." in clean.stdout

    ids = {line.split("\t")[0]: line.split("\t")[2] for line in project.cli("state", "list").stdout.splitlines()}
    admin = "/_sandbox/vonage/sandbox-key"
    project.sandbox.admin_call(
        "PATCH", f"{admin}/numbers/447700900030", json={"moHttpUrl": "https://elsewhere.example.com"}
    )
    project.sandbox.admin_call("DELETE", f"{admin}/applications/{ids['other-app']}")
    with project.sandbox.vonage() as api:
        api.post("/v2/applications", json={"name": "Made in the dashboard"}).raise_for_status()

    project.sandbox.clear_log()
    result = project.cli("drift", "--format", "json", "m.yaml")
    assert result.returncode == 2, result.stderr
    report = json.loads(result.stdout)
    assert (report["drifted"], report["missing"], report["unmanaged"], report["in_sync"]) == (1, 1, 1, 1)
    by_status = {r["status"]: r for r in report["resources"]}
    assert by_status["drifted"]["name"] == "line"
    assert by_status["drifted"]["changes"] == [
        {
            "path": "mo_http_url",
            "last_applied": "https://d.example.com/sms",
            "live": "https://elsewhere.example.com",
            "sensitive": False,
        }
    ]
    assert by_status["missing"]["name"] == "other-app"
    assert by_status["unmanaged"]["message"] == "Made in the dashboard"
    assert {r["method"] for r in project.sandbox.requests()} == {"GET"}  # read-only by construction
    text = project.cli("drift", "m.yaml").stdout
    assert "Unmanaged" in text and "Made in the dashboard" in text and "elsewhere.example.com" in text


def test_the_read_only_http_layer_refuses_writes(sandbox):
    import pytest

    from provisioner.errors import ProviderAPIError
    from provisioner.providers.vonage.client import VonageClient

    client = VonageClient(
        "k", "s", api_url=sandbox.endpoints["vonage.api"], rest_url=sandbox.endpoints["vonage.rest"], read_only=True
    )
    with pytest.raises(ProviderAPIError, match="read-only"):
        client.create_application({"name": "nope"})
    assert list(client.list_applications()) == []
    assert {r["method"] for r in sandbox.requests()} == {"GET"}
