"""Every capability of Application API v2 round-trips with no phantom diff; keys are handled as
declared; numbers already in the account are adopted, not bought."""

from __future__ import annotations

import json

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

EVERYTHING = """
version: 1
resources:
  full-app:
    type: vonage.application
    properties:
      name: Everything
      public_key: ${file:keys/public.pem}
      capabilities:
        voice:
          webhooks:
            answer_url: {address: https://v.example.com/answer, http_method: POST, connect_timeout: 500}
            fallback_answer_url: {address: https://v.example.com/fallback}
            event_url: {address: https://v.example.com/event, socket_timeout: 3000}
          signed_callbacks: false
          conversations_ttl: 24
          leg_persistence_time: 3
          region: eu-west
        rtc:
          webhooks:
            event_url: {address: https://r.example.com/event, http_method: GET}
        messages:
          version: v1
          authenticate_inbound_media: true
          webhooks:
            inbound_url: {address: https://m.example.com/in, http_method: POST}
            status_url: {address: https://m.example.com/status}
        vbc: {}
        verify:
          webhooks:
            status_url: {address: https://vf.example.com/status, http_method: POST}
        meetings:
          webhooks:
            recording_changed: {address: https://mt.example.com/rec, http_method: POST}
            room_changed: {address: https://mt.example.com/room}
            session_changed: {address: https://mt.example.com/session, http_method: POST}
        network_apis:
          network_application_id: net-app-1
          redirect_uri: https://n.example.com/callback
        video:
          webhooks:
            archive_status: {address: https://vid.example.com/archive, active: true}
            stream_created: {address: https://vid.example.com/stream, active: false}
          storage:
            server_side_encryption: true
            end_to_end_encryption: false
            cloud_storage: false
      privacy:
        improve_ai: false
"""


def _public_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def test_every_capability_round_trips_with_no_phantom_changes(project):
    pem = _public_pem()
    project.write("keys/public.pem", pem)
    project.write("full.yaml", EVERYTHING)
    applied = project.cli("apply", "--auto-approve", "full.yaml")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    with project.sandbox.vonage() as api:
        app = api.get("/v2/applications").json()["_embedded"]["applications"][0]
    caps = app["capabilities"]
    assert set(caps) == {"voice", "rtc", "messages", "vbc", "verify", "meetings", "network_apis", "video"}
    assert caps["voice"]["webhooks"]["answer_url"]["connect_timeout"] == 500
    assert caps["voice"]["region"] == "eu-west" and caps["voice"]["leg_persistence_time"] == 3
    assert caps["video"]["storage"]["server_side_encryption"] is True
    assert app["keys"]["public_key"].strip() == pem.strip()  # sent as given, so no private key was generated

    project.sandbox.clear_log()
    replan = project.cli("plan", "--detailed-exitcode", "full.yaml")
    assert replan.returncode == 0, replan.stdout
    assert "No changes." in replan.stdout


def test_removing_a_capability_sends_the_whole_object_without_it(project):
    project.write("keys/public.pem", _public_pem())
    path = project.write("full.yaml", EVERYTHING)
    assert project.cli("apply", "--auto-approve", "full.yaml").returncode == 0
    text = path.read_text()
    start = text.index("        video:")
    path.write_text(text[:start] + text[text.index("      privacy:") :])
    plan = json.loads(project.cli("plan", "--format", "json", "full.yaml").stdout)
    change = plan["resource_changes"][0]
    assert change["action"] == "update" and change["reason"] == ["config"]
    assert {c["path"].split(".")[1] for c in change["changes"]} == {"video"}
    assert all(c["new"] is None for c in change["changes"])
    project.sandbox.clear_log()
    assert project.cli("apply", "--auto-approve", "full.yaml").returncode == 0
    assert len(project.sandbox.writes()) == 1
    with project.sandbox.vonage() as api:
        caps = api.get("/v2/applications").json()["_embedded"]["applications"][0]["capabilities"]
    assert "video" not in caps and "meetings" in caps
    assert project.cli("plan", "--detailed-exitcode", "full.yaml").returncode == 0


def test_a_key_rotated_outside_is_drift_and_apply_restores_ours(project):
    project.write(
        "k.yaml",
        """
        version: 1
        resources:
          keyed:
            type: vonage.application
            properties: {name: Keyed, private_key_path: k/app.pem}
    """,
    )
    assert project.cli("apply", "--auto-approve", "k.yaml").returncode == 0
    app_id = project.cli("state", "list").stdout.split("\t")[2].strip()
    project.sandbox.admin_call(
        "PATCH", f"/_sandbox/vonage/sandbox-key/applications/{app_id}", json={"keys": {"public_key": _public_pem()}}
    )
    plan = json.loads(project.cli("plan", "--format", "json", "k.yaml").stdout)
    change = plan["resource_changes"][0]
    assert [(c["path"], c["reason"], c["sensitive"]) for c in change["changes"]] == [("public_key", ["drift"], True)]
    assert all(str(c["old"]).startswith("fp:") and str(c["new"]).startswith("fp:") for c in change["changes"])
    assert project.cli("apply", "--auto-approve", "k.yaml").returncode == 0
    assert project.cli("plan", "--detailed-exitcode", "k.yaml").returncode == 0


def test_a_number_already_in_the_account_is_adopted_not_bought(project):
    project.sandbox.admin_call(
        "POST", "/_sandbox/vonage/sandbox-key/numbers", json={"country": "GB", "msisdn": "447700900020"}
    )
    project.write(
        "n.yaml",
        """
        version: 1
        resources:
          existing:
            type: vonage.number
            properties: {country: GB, msisdn: "447700900020", mo_http_url: "https://sms.example.com/x"}
    """,
    )
    plan = json.loads(project.cli("plan", "--format", "json", "n.yaml").stdout)
    change = plan["resource_changes"][0]
    assert change["action"] == "import" and change["writes"] == 1
    assert [c["path"] for c in change["changes"]] == ["mo_http_url"]
    project.sandbox.clear_log()
    assert project.cli("apply", "--auto-approve", "n.yaml").returncode == 0
    assert [w["path"] for w in project.sandbox.writes()] == ["/number/update"]
    assert project.cli("plan", "--detailed-exitcode", "n.yaml").returncode == 0
