"""`provision export`: every kind of every provider, exported and adopted with zero writes.

Each test fills a fake account through the real CLI (its own state), exports it in-process, then
plans the export against a fresh state: only imports, no field changes, no writes; apply records
them without a single write call at the sandbox; the next plan has nothing to do.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import yaml
from harness import Project

from provisioner import registry
from provisioner.export import Export, export_manifest
from provisioner.manifest import load_manifest
from provisioner.workspace import Workspace

INFOBIP_KEY = "sandbox-infobip-key"
SINCH_BASE = "/v1/projects/sandbox-project"
WHEN = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)  # a fixed header stamp: exports compare byte for byte


# ---------------------------------------------------------------- helpers


def exported(project: Project, provider: str, kinds: list[str] | None = None) -> Export:
    with Workspace.bare(project.dir, sandbox_url=project.sandbox.admin, env={}) as ws:
        return export_manifest(ws, provider, kinds, exported_at=WHEN)


def fresh(project: Project, state: str, *args: str, env: dict[str, str] | None = None) -> Any:
    """The CLI against the same sandbox with another state directory (an adopting team's)."""
    prefix = ("--sandbox-url", project.sandbox.admin, "--state", str(project.dir / state))
    return project.cli(*prefix, *args, env=env, use_sandbox=False)


def resources(result: Export) -> dict[str, Any]:
    return yaml.safe_load(result.yaml)["resources"]


def assert_round_trip(project: Project, result: Export, env: dict[str, str]) -> None:
    """Plan → only imports with no changes and 0 writes; apply → 0 writes; plan → no changes."""
    path = project.dir / "exported.yaml"
    path.write_text(result.yaml)
    assert set(result.env_placeholders) <= set(env), "every placeholder needs its variable"
    assert len(load_manifest([path], env=env).resources) == result.resources
    planned = fresh(project, "adopted", "plan", "--format", "json", path.name, env=env)
    assert planned.returncode in (0, 2), planned.stdout + planned.stderr
    plan = json.loads(planned.stdout)
    changes = plan["resource_changes"]
    assert len(changes) == result.resources
    assert [(c["name"], c["action"], c["changes"]) for c in changes if c["action"] != "import" or c["changes"]] == []
    assert plan["api_calls"]["writes"] == 0 and plan["summary"]["import"] == result.resources
    project.sandbox.clear_log()
    adopted = fresh(project, "adopted", "apply", "--auto-approve", path.name, env=env)
    assert adopted.returncode == 0, adopted.stdout + adopted.stderr
    assert f"{result.resources} imported. 0 write call(s) made." in adopted.stdout
    assert [w for w in project.sandbox.writes() if w["api"] != "sinch.auth"] == []  # a token request changes nothing
    again = fresh(project, "adopted", "plan", "--detailed-exitcode", path.name, env=env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "No changes." in again.stdout


def applied(project: Project, text: str) -> None:
    project.write("account.yaml", text)
    result = project.cli("apply", "--auto-approve", "account.yaml")
    assert result.returncode == 0, result.stdout + result.stderr


def by_type(found: dict[str, Any], kind: str) -> dict[str, Any]:
    return {name: r for name, r in found.items() if r["type"] == kind}


def kinds_of(provider: str) -> set[str]:
    return {k for k in registry.all_kinds() if k.startswith(provider + ".")}


# ---------------------------------------------------------------- vonage
VONAGE = """
version: 1
resources:
  ivr:
    type: vonage.application
    properties:
      name: Support line
      capabilities:
        voice:
          webhooks:
            answer_url: {address: https://example.com/answer, http_method: GET}   # Vonage's default method
            event_url: {address: https://example.com/event, socket_timeout: 3000}
          conversations_ttl: 24
        messages:
          webhooks:
            inbound_url: {address: https://example.com/inbound}
      privacy: {improve_ai: false}
  ivr-twin:                       # the same name: the export still names both apart
    type: vonage.application
    properties: {name: Support line}
  promo:
    type: vonage.application
    properties: {name: "Promo $${CODE}"}   # a literal ${ must survive the export
  everything:                     # every capability Application API v2 has
    type: vonage.application
    properties:
      name: Everything
      capabilities:
        voice:
          webhooks:
            answer_url: {address: https://v.example.com/answer, http_method: POST, connect_timeout: 500}
            fallback_answer_url: {address: https://v.example.com/fallback}
          signed_callbacks: false
          region: eu-west
        rtc:
          webhooks:
            event_url: {address: https://r.example.com/event, http_method: GET}
        messages:
          version: v1
          authenticate_inbound_media: true
          webhooks:
            status_url: {address: https://m.example.com/status}
        vbc: {}
        verify:
          webhooks:
            status_url: {address: https://vf.example.com/status, http_method: POST}
        meetings:
          webhooks:
            room_changed: {address: https://mt.example.com/room}
        network_apis:
          network_application_id: net-app-1
          redirect_uri: https://n.example.com/callback
        video:
          webhooks:
            archive_status: {address: https://vid.example.com/archive, active: true}
          storage: {server_side_encryption: true, end_to_end_encryption: false, cloud_storage: false}
  line:
    type: vonage.number
    properties: {country: GB, msisdn: "447700900001", app_id: "${ivr.id}", mo_http_url: https://example.com/mo}
  spare:
    type: vonage.number
    properties: {country: GB, msisdn: "447700900003"}
"""


def test_a_vonage_account_exports_minimal_and_is_adopted_with_zero_writes(project):
    applied(project, VONAGE)
    result = exported(project, "vonage")
    found = resources(result)
    assert result.resources == 6 == len(found)
    assert {r["type"] for r in found.values()} == kinds_of("vonage")
    apps = by_type(found, "vonage.application")
    ivr_name = next(n for n, r in apps.items() if r["properties"].get("privacy"))
    twin_name = next(n for n, r in apps.items() if r["properties"]["name"] == "Support line" and n != ivr_name)
    assert ivr_name.startswith("app-support-line-") and twin_name.startswith("app-support-line-")
    # ids the provider assigns: adopted by options.import; no key is declared, so none is rotated
    state_ids = {r["options"]["import"] for r in apps.values()}
    assert len(state_ids) == 4
    assert "BEGIN PUBLIC KEY" not in result.yaml and all("public_key" not in r["properties"] for r in apps.values())
    # Vonage's defaults are dropped; what was chosen stays
    voice = apps[ivr_name]["properties"]["capabilities"]["voice"]
    assert voice["webhooks"]["answer_url"] == {"address": "https://example.com/answer"}
    assert voice["webhooks"]["event_url"] == {"address": "https://example.com/event", "socket_timeout": 3000}
    assert "leg_persistence_time" not in voice and voice["conversations_ttl"] == 24
    assert apps[ivr_name]["properties"]["privacy"] == {"improve_ai": False}
    assert "privacy" not in apps[twin_name]["properties"]
    assert any(r["properties"]["name"] == "Promo $${CODE}" for r in apps.values())
    everything = apps["app-everything"]["properties"]["capabilities"]
    assert everything["vbc"] == {} and everything["messages"] == {
        "authenticate_inbound_media": True,
        "webhooks": {"status_url": {"address": "https://m.example.com/status"}},
    }
    # numbers: natural key (no import option), phone numbers as strings, the app by reference
    numbers = by_type(found, "vonage.number")
    assert set(numbers) == {"number-447700900001", "number-447700900003"}
    line = numbers["number-447700900001"]
    assert line["properties"] == {
        "country": "GB",
        "msisdn": "447700900001",
        "app_id": "${" + ivr_name + ".id}",
        "mo_http_url": "https://example.com/mo",
    }
    assert "options" not in line and "msisdn: '447700900001'" in result.yaml
    assert result.env_placeholders == []
    assert_round_trip(project, result, {})


def test_the_cli_writes_the_export_and_filters_by_type(project):
    applied(project, VONAGE)
    out = project.cli("export", "--provider", "vonage", "--type", "vonage.number")
    assert out.returncode == 0, out.stderr
    found = yaml.safe_load(out.stdout)["resources"]
    assert {r["type"] for r in found.values()} == {"vonage.number"}
    # the application is not in this export: the number names it by its literal id
    app_id = found["number-447700900001"]["properties"]["app_id"]
    assert not app_id.startswith("${") and len(app_id) == 36
    to_file = project.cli("export", "--provider", "vonage", "--output", "vonage.yaml")
    assert to_file.returncode == 0 and to_file.stdout == ""
    assert "Wrote 6 resource(s) to vonage.yaml" in to_file.stderr and "note: vonage.application" in to_file.stderr
    assert (
        "# Exported from the vonage sandbox account by `provision export`" in (project.dir / "vonage.yaml").read_text()
    )
    wrong = project.cli("export", "--provider", "vonage", "--type", "sinch.number")
    assert wrong.returncode == 64 and "not a vonage kind" in wrong.stderr


# ---------------------------------------------------------------- sinch
SINCH = """
version: 1
resources:
  wa-sender:
    type: sinch.whatsapp_sender
    properties:
      country_code: "44"
      phone_number: "7700900123"
      details: {display_name: Acme Support, vertical: SHOPPING_AND_RETAIL, about: Here to help}
  support-app:
    type: sinch.conversation_app
    properties:
      display_name: Acme support
      channel_credentials:
        - channel: WHATSAPP
          static_bearer: {claimed_identity: "${wa-sender.id}", token: wa-token-1}
        - channel: SMS
          static_bearer: {claimed_identity: plan-1, token: sms-token-1}
  inbound-hook:
    type: sinch.conversation_webhook
    properties:
      app_id: ${support-app.id}
      target: https://hooks.example.com/inbound
      triggers: [MESSAGE_INBOUND, EVENT_INBOUND]
      target_type: HTTP                     # Sinch's default
      secret: conv-secret-1
  order-update:
    type: sinch.whatsapp_template
    properties:
      name: order_update
      language: EN_US
      category: UTILITY
      status: SUBMIT                        # the default
      components:
        - {type: BODY, text: "Hi {{1}}, order {{2}} is on its way.", examples: [Sam, A-1]}
  agent:
    type: sinch.rcs_sender
    properties:
      region: EU
      billing_category: CONVERSATIONAL
      use_case: TRANSACTIONAL
      details: {brand: {name: Acme}, countries: [DE]}
    options: {on_delete: retain}
  events:
    type: sinch.provisioning_webhook
    properties:
      target: https://hooks.example.com/provisioning
      triggers: [WHATSAPP_TEMPLATE_REJECTED, WHATSAPP_TEMPLATE_APPROVED]
      secret: prov-secret-1
  us-line:
    type: sinch.number
    properties:
      phone_number: "+12015550002"
      display_name: Support line
      sms_configuration: {service_plan_id: plan-1}
      voice_configuration: {app_id: voice-app-1}
"""
SINCH_SECRETS = ("wa-token-1", "sms-token-1", "conv-secret-1", "prov-secret-1")


def onboard_sender(project: Project) -> None:
    """A WhatsApp sender onboarded and verified outside provisioner (it cannot be created verified)."""
    with httpx.Client(
        base_url=project.sandbox.endpoints["sinch.provisioning"], auth=("sandbox-key", "sandbox-secret"), timeout=10
    ) as api:
        r = api.post(
            f"{SINCH_BASE}/whatsapp/senders",
            json={"countryCode": "44", "phoneNumber": "7700900123", "details": {"displayName": "Acme"}},
        )
        r.raise_for_status()
        sender = r.json()["id"]
    admin = f"/_sandbox/sinch/sandbox-project/senders/{sender}"
    project.sandbox.admin_call("POST", f"{admin}/settle")
    project.sandbox.admin_call("PATCH", admin, json={"state": "ACTIVE"})


def test_a_sinch_account_exports_secrets_as_placeholders_and_is_adopted_with_zero_writes(project):
    onboard_sender(project)
    applied(project, SINCH)
    result = exported(project, "sinch")
    found = resources(result)
    assert result.resources == 7 and {r["type"] for r in found.values()} == kinds_of("sinch")
    for secret in SINCH_SECRETS:
        assert secret not in result.yaml
    assert result.env_placeholders == [
        "APP_ACME_SUPPORT_SMS_STATIC_BEARER_TOKEN",
        "APP_ACME_SUPPORT_WHATSAPP_STATIC_BEARER_TOKEN",
        "PROVISIONING_WEBHOOK_HOOKS_EXAMPLE_COM_PROVISIONING_SECRET",
        "WEBHOOK_HOOKS_EXAMPLE_COM_INBOUND_SECRET",
    ]
    app = found["app-acme-support"]
    assert app["options"] == {"import": app["options"]["import"]} and app["options"]["import"]
    assert set(app["properties"]) == {"display_name", "channel_credentials"}  # Sinch's create defaults dropped
    whatsapp, sms = app["properties"]["channel_credentials"]
    assert whatsapp["static_bearer"] == {
        "claimed_identity": "${whatsapp-sender-447700900123.id}",
        "token": "${env:APP_ACME_SUPPORT_WHATSAPP_STATIC_BEARER_TOKEN}",
    }
    assert sms["static_bearer"]["claimed_identity"] == "plan-1"
    hook = found["webhook-hooks-example-com-inbound"]["properties"]
    assert hook["app_id"] == "${app-acme-support.id}" and "target_type" not in hook
    template = found["template-order-update-en-us"]
    assert "status" not in template["properties"] and "options" not in template
    assert found["rcs-acme"]["options"]["import"]
    # the provisioning webhook's secret is never returned: a placeholder, ignored until managed
    events = found["provisioning-webhook-hooks-example-com-provisioning"]
    assert events["properties"]["secret"] == "${env:PROVISIONING_WEBHOOK_HOOKS_EXAMPLE_COM_PROVISIONING_SECRET}"
    assert events["options"] == {"ignore_changes": ["secret"]}
    assert any("sinch.provisioning_webhook.secret" in n and "write-only" in n for n in result.notes)
    assert found["number-12015550002"]["properties"]["voice_configuration"] == {"app_id": "voice-app-1"}  # type RTC
    assert "phone_number: '+12015550002'" in result.yaml

    env = dict(
        zip(result.env_placeholders, ["sms-token-1", "wa-token-1", "any-new-secret", "conv-secret-1"], strict=True)
    )
    assert_round_trip(project, result, env)

    # a child kind alone: its parent is not exported, so it is named by its literal id
    only = exported(project, "sinch", ["sinch.conversation_webhook"])
    (hook_only,) = resources(only).values()
    assert hook_only["properties"]["app_id"] == app["options"]["import"]
    assert only.env_placeholders == ["WEBHOOK_HOOKS_EXAMPLE_COM_INBOUND_SECRET"]


# ---------------------------------------------------------------- infobip
NUMBER = "447700900002"
INFOBIP = f"""
version: 1
resources:
  app:
    type: infobip.application
    properties: {{id: acme-support, name: Acme support}}
  entity:
    type: infobip.entity
    properties: {{id: acme-eu, name: Acme EU}}
  line:
    type: infobip.number
    properties: {{number: "+{NUMBER}", country: GB, application_id: "${{app.id}}", entity_id: "${{entity.id}}"}}
  inbound:
    type: infobip.inbound_message_configuration
    properties:
      channel: SMS
      number: ${{line.number}}
      forwarding: {{type: HTTP_FORWARD, url: https://hooks.example.com/sms, format: MO_JSON_2}}
  events:
    type: infobip.webhook
    properties:
      id: acme-sms
      channel: SMS
      events: [INBOUND_MESSAGE, DELIVERY]
      criteria: [{{application_id: "${{app.id}}"}}]
      url: https://hooks.example.com/events
      security:
        type: BASIC
        credentials: {{username: infobip, password: hook-password-1}}
  order-update:
    type: infobip.whatsapp_template
    properties:
      sender: ${{line.number}}
      name: order_update
      language: en
      category: UTILITY
      structure:
        body: {{text: "Hi {{{{1}}}}, your order is on its way.", examples: [Sam]}}
  agent:
    type: infobip.rcs_sender
    properties:
      sender_name: AcmeSupport
      billing_category: CONVERSATIONAL
      use_case: TRANSACTIONAL
      hosting_region: EUROPE
      brand: {{brand_name: Acme}}
      display_name: Acme Support
      description: Order updates from Acme.
      color: "#1A73E8"
      emails: [{{address: support@acme.example.com, label: Support}}]
      banner_url: https://cdn.example.com/banner.png
      logo_url: https://cdn.example.com/logo.png
      privacy: {{url: https://acme.example.com/privacy}}
      terms_of_service: {{url: https://acme.example.com/terms}}
  login:
    type: infobip.tfa_application
    properties:
      name: Acme login
      configuration: {{pin_attempts: 5, pin_time_to_live: 15m}}   # 15m is the default
  login-sms:
    type: infobip.tfa_message_template
    properties:
      application_id: ${{login.id}}
      message_text: "Your Acme code is {{{{pin}}}}"
      pin_type: NUMERIC
      pin_length: 6
      language: en                          # the default
  old-login:                                # disabled below: kept by Infobip, doing nothing
    type: infobip.tfa_application
    properties: {{name: Old login}}
  old-login-sms:
    type: infobip.tfa_message_template
    properties: {{application_id: "${{old-login.id}}", message_text: "Old code {{{{pin}}}}", pin_type: NUMERIC}}
  calls:
    type: infobip.calls_configuration
    properties: {{id: acme-calls, name: Acme calls}}
  masking:
    type: infobip.number_masking_config
    properties: {{name: Acme rides, callback_url: https://hooks.example.com/masking}}
"""


def infobip_api(project: Project) -> httpx.Client:
    """The account's API with its key: a person in the portal, outside provisioner."""
    return httpx.Client(
        base_url=project.sandbox.endpoints["infobip"], headers={"Authorization": f"App {INFOBIP_KEY}"}, timeout=10
    )


def test_an_infobip_account_exports_every_kind_leaves_out_what_does_nothing_and_is_adopted(project):
    applied(project, INFOBIP)
    old_id = json.loads(project.cli("state", "show", "old-login").stdout)["id"]
    with infobip_api(project) as api:
        api.put(
            f"/2fa/2/applications/{old_id}", json={"name": "Old login", "enabled": False, "configuration": {}}
        ).raise_for_status()
        # a subscription whose profile has another id: provisioner manages a webhook under one id
        api.post(
            "/subscriptions/1/profiles",
            json={"profileId": "portal-profile", "webhook": {"notifyUrl": "https://x.example"}},
        ).raise_for_status()
        api.post(
            "/subscriptions/1/subscription/SMS",
            json={"subscriptionId": "portal-sub", "profile": {"profileId": "portal-profile"}, "events": ["DELIVERY"]},
        ).raise_for_status()

    result = exported(project, "infobip")
    found = resources(result)
    assert result.resources == 11 and {r["type"] for r in found.values()} == kinds_of("infobip")
    assert "hook-password-1" not in result.yaml
    assert result.env_placeholders == ["WEBHOOK_ACME_SMS_SECURITY_CREDENTIALS_PASSWORD"]
    # left out, with the reason: the disabled 2FA application, its template, the webhook under two ids
    assert "Old login" not in result.yaml and "Old code" not in result.yaml
    assert [r for r in found.values() if r["properties"].get("id") == "portal-sub"] == []
    left_out = [n for n in result.notes if n.startswith("left out")]
    assert len(left_out) == 3
    assert any(old_id in n and "disabled" in n for n in left_out)
    assert any(n.startswith("left out 1 infobip.tfa_message_template") and old_id in n for n in left_out)
    assert any("portal-sub" in n and "share one id" in n for n in left_out)
    assert "# Notes:" in result.yaml and "#   - left out 1 infobip.tfa_application" in result.yaml

    # defaults dropped, choices kept
    login = found["2fa-acme-login"]
    assert login["properties"] == {"name": "Acme login", "configuration": {"pin_attempts": 5}}
    assert login["options"]["import"]
    sms = found["2fa-message-your-acme-code-is-pin"]
    assert sms["properties"] == {
        "application_id": "${2fa-acme-login.id}",
        "message_text": "Your Acme code is {{pin}}",
        "pin_type": "NUMERIC",
        "pin_length": 6,
    }
    inbound = found[f"inbound-sms-{NUMBER}"]["properties"]
    assert inbound == {
        "channel": "SMS",
        "number": NUMBER,  # literal: plans list inbound configurations by number before any reference resolves
        "forwarding": {"type": "HTTP_FORWARD", "url": "https://hooks.example.com/sms"},
    }
    assert found[f"number-{NUMBER}"]["properties"] == {
        "number": NUMBER,
        "country": "GB",
        "application_id": "${app-acme-support.id}",
        "entity_id": "${entity-acme-eu.id}",
    }
    webhook = found["webhook-acme-sms"]
    assert "content_type" not in webhook["properties"]
    assert webhook["properties"]["criteria"] == [{"application_id": "${app-acme-support.id}"}]
    assert webhook["options"] == {"ignore_changes": ["security.credentials"]}
    assert found["template-order-update-en"]["properties"]["sender"] == NUMBER
    # names: readable and unique; natural-key kinds need no import option
    assert len(set(found)) == result.resources
    assert {n for n, r in found.items() if "options" in r and "import" in r["options"]} == {
        "2fa-acme-login",
        "2fa-message-your-acme-code-is-pin",
    }

    assert_round_trip(project, result, {"WEBHOOK_ACME_SMS_SECURITY_CREDENTIALS_PASSWORD": "hook-password-1"})


def test_an_empty_account_exports_an_empty_manifest(project):
    result = exported(project, "infobip", ["infobip.application", "infobip.rcs_sender"])
    assert result.resources == 0 and yaml.safe_load(result.yaml) == {"version": 1, "resources": {}}
    path = project.dir / "empty.yaml"
    path.write_text(result.yaml)
    assert load_manifest([path], env={}).resources == {}


def test_every_registered_kind_is_covered_by_these_tests():
    covered = {"vonage": VONAGE, "sinch": SINCH, "infobip": INFOBIP}
    for kind in registry.all_kinds():
        assert f"type: {kind}\n" in covered[kind.split(".")[0]], kind


def test_an_export_only_reads_and_is_deterministic(project):
    applied(project, VONAGE)
    project.sandbox.clear_log()
    first = exported(project, "vonage")
    assert project.sandbox.writes() == [] and project.sandbox.reads()
    assert exported(project, "vonage") == first
    assert first.yaml.startswith(
        "# Exported from the vonage sandbox account by `provision export` at 2025-01-02T03:04:05Z."
    )
