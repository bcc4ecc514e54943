"""Proof that the sandbox speaks Sinch's protocol: the official `sinch` SDK, an independent client,
reads what `provision apply` created, and an app it creates out of band is reported by
`provision drift` as unmanaged."""

from __future__ import annotations

import json

import pytest

sinch_sdk = pytest.importorskip("sinch")

PROJECT = "sandbox-project"  # the project id provision uses under the sandbox when none is configured

MANIFEST = """
version: 1
resources:
  line:
    type: sinch.number
    properties:
      phone_number: "+12015550142"
      display_name: Interop line
    options: {on_delete: delete}
  app:
    type: sinch.conversation_app
    properties:
      display_name: Interop app
      channel_credentials:
        - channel: SMS
          static_bearer: {claimed_identity: plan-interop, token: sms-token}
"""


def _sdk(sandbox) -> object:
    client = sinch_sdk.SinchClient(
        project_id=PROJECT, key_id="sdk-key", key_secret="sdk-secret", conversation_region="us"
    )
    client.configuration.auth_origin = sandbox.endpoints["sinch.auth"]
    client.configuration.numbers_origin = sandbox.endpoints["sinch.numbers"]
    client.configuration.conversation_domain = sandbox.endpoints["sinch.conversation"]
    return client


def test_sdk_sees_what_provision_created_and_drift_sees_what_the_sdk_created(project):
    project.write("s.yaml", MANIFEST)
    applied = project.cli("apply", "--auto-approve", "s.yaml")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    ids = {line.split("\t")[0]: line.split("\t")[2] for line in project.cli("state", "list").stdout.splitlines()}

    sdk = _sdk(project.sandbox)
    numbers = [n.phone_number for n in sdk.numbers.list(region_code="US", number_type="LOCAL").iterator()]
    assert "+12015550142" in numbers
    got = sdk.numbers.get(phone_number="+12015550142")
    assert got.display_name == "Interop line" and got.project_id == PROJECT
    assert [a.display_name for a in sdk.conversation.apps.list().iterator()] == ["Interop app"]
    app = sdk.conversation.apps.get(app_id=ids["app"])
    assert app.id == ids["app"] and app.channel_credentials.sms.claimed_identity == "plan-interop"

    made = sdk.conversation.apps.create(
        display_name="Made with the SDK", channel_credentials={"SMS": {"claimed_identity": "p", "token": "t"}}
    )
    drift = project.cli("drift", "--format", "json", "s.yaml")
    assert drift.returncode == 2, drift.stdout + drift.stderr
    report = json.loads(drift.stdout)
    unmanaged = [r for r in report["resources"] if r["status"] == "unmanaged"]
    assert [(r["type"], r["id"], r["message"]) for r in unmanaged] == [
        ("sinch.conversation_app", made.id, "Made with the SDK")
    ]
    assert report["in_sync"] == 2
