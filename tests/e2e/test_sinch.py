"""Every Sinch kind through the real CLI against the sandbox's Sinch emulators.

Calls are counted from the sandbox's own request log. Token requests (``sinch.auth``) are left out
of write counts: asking for an OAuth token changes nothing in the project.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from harness import Project, Sandbox

from provisioner.sandbox import SandboxConfig, SandboxServer
from provisioner.sandbox.config import SinchChoices

PROJECT = "sandbox-project"
BASE = f"/v1/projects/{PROJECT}"

FULL = """
version: 1
resources:
  wa-sender:                          # onboarded in Sinch Build beforehand: adopted, profile managed
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
      secret: conv-secret-1
  order-update:
    type: sinch.whatsapp_template
    properties:
      name: order_update
      language: EN_US
      category: UTILITY
      components:
        - {type: BODY, text: "Hi {{1}}, order {{2}} is on its way.", examples: [Sam, A-1]}
        - type: BUTTONS
          buttons: [{type: QUICK_REPLY, text: Thanks}]
  agent:
    type: sinch.rcs_sender
    properties:
      region: EU
      billing_category: CONVERSATIONAL
      use_case: TRANSACTIONAL
      details:
        brand:
          name: Acme
          emails: [{label: Support, address: support@acme.example.com}]
          logo_url: https://cdn.example.com/logo.png
          banner_url: https://cdn.example.com/banner.png
          privacy_policy_url: https://acme.example.com/privacy
          terms_of_service_url: https://acme.example.com/terms
        countries: [DE]
        questionnaire:
          general:
            answers:
              opt_in_description: At checkout.
              trigger_description: Order events.
              interactions_description: Buttons.
              opt_out_description: Reply STOP.
              video_uris: [https://cdn.example.com/demo.mp4]
          verification:
            answers: {name: Sam Doe, email: sam@acme.example.com, title: Support lead, website: https://acme.example.com}
      test_numbers: ["+491701234567"]
      launch: true
    options: {on_delete: retain}
  events:
    type: sinch.provisioning_webhook
    properties:
      target: https://hooks.example.com/provisioning
      triggers: [WHATSAPP_TEMPLATE_REJECTED, WHATSAPP_TEMPLATE_APPROVED]
      secret: ${env:PROV_SECRET:-prov-secret-1}
  us-line:
    type: sinch.number
    properties:
      phone_number: "+12015550002"
      display_name: Support line
      sms_configuration: {service_plan_id: plan-1}
      voice_configuration: {app_id: voice-app-1}
    options: {on_delete: delete}
"""

LISTS = {  # list path -> the page size it must be walked at (the list's maximum)
    f"{BASE}/whatsapp/senders": "100",
    f"{BASE}/whatsapp/templates": "1000",
    f"{BASE}/rcs/senders": "100",
    f"{BASE}/webhooks": "15",
    f"{BASE}/activeNumbers": "1000",
}


# ---------------------------------------------------------------- helpers
def sinch_admin(sandbox: Sandbox, method: str, path: str, **kw: Any) -> Any:
    r = sandbox.admin_call(method, f"/_sandbox/sinch/{PROJECT}{path}", **kw)
    return r.json() if r.content else None


def api_calls(sandbox: Sandbox) -> list[dict[str, Any]]:
    """The log without token requests."""
    return [r for r in sandbox.requests() if r["api"] != "sinch.auth"]


def api_writes(sandbox: Sandbox) -> list[tuple[str, str]]:
    return [(r["method"], r["path"]) for r in api_calls(sandbox) if r["method"] != "GET"]


def provisioning(sandbox: Sandbox) -> httpx.Client:
    """A raw client on the sandbox's Provisioning API (a person using the dashboard, or assertions)."""
    return httpx.Client(base_url=sandbox.endpoints["sinch.provisioning"], auth=("sandbox-key", "sandbox-secret"))


def onboard_sender(sandbox: Sandbox, country: str, number: str, name: str) -> str:
    """A WhatsApp sender someone onboarded and verified outside provisioner."""
    with provisioning(sandbox) as api:
        r = api.post(
            f"{BASE}/whatsapp/senders",
            json={"countryCode": country, "phoneNumber": number, "details": {"displayName": name}},
        )
        r.raise_for_status()
        sender_id = r.json()["id"]
    sinch_admin(sandbox, "POST", f"/senders/{sender_id}/settle")
    sinch_admin(sandbox, "PATCH", f"/senders/{sender_id}", json={"state": "ACTIVE"})
    return sender_id


def state_of(project: Project, name: str) -> dict[str, Any]:
    shown = project.cli("state", "show", name)
    assert shown.returncode == 0, shown.stderr
    return json.loads(shown.stdout)


def plan_json(project: Project, *paths: str) -> dict[str, Any]:
    result = project.cli("plan", "--format", "json", *paths)
    assert result.returncode in (0, 2), result.stdout + result.stderr
    return json.loads(result.stdout)


# ---------------------------------------------------------------- every kind, from empty
def test_every_kind_applies_from_empty_waits_for_each_async_object_and_replans_clean(sinch_sandbox):
    step = 3.0  # seconds each asynchronous step takes: long enough that every wait shows in the progress
    project = sinch_sandbox(
        template_review_seconds=step,
        sms_waiting_seconds=step,
        voice_waiting_seconds=step,
        credential_activation_seconds=step,
        rcs_processing_seconds=step,
        rcs_prepare_launch_seconds=step,
        whatsapp_sender_update_seconds=step,
    )
    onboard_sender(project.sandbox, "44", "7700900123", "Acme")
    project.write("sinch.yaml", FULL)
    project.sandbox.clear_log()
    applied = project.cli("apply", "--auto-approve", "sinch.yaml")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    out = applied.stdout
    # progress names what each async object is waiting for
    for waited in (
        "order-update: waiting — in review at Meta",
        "us-line: waiting — SMS provisioning",
        "support-app: waiting — channel credentials not active yet",
        "agent: waiting — being set up by Sinch (IN_PROGRESS)",
        "agent: waiting — launching",
        "wa-sender: waiting — changes in review at Meta",
    ):
        assert waited in out, (waited, out)
    assert "wa-sender: imported" in out
    for name in ("support-app", "inbound-hook", "order-update", "agent", "events", "us-line"):
        assert f"{name}: created" in out

    # every async object converged at the provider
    template = sinch_admin(project.sandbox, "GET", "/templates/order_update/EN_US")
    assert template["state"] == "APPROVED" and "changes" not in template
    agent = sinch_admin(project.sandbox, "GET", f"/rcs-senders/{state_of(project, 'agent')['id']}")
    assert agent["state"] == "LAUNCHED"
    assert [t["number"] for t in agent["testNumberStates"]] == ["+491701234567"]
    number = sinch_admin(project.sandbox, "GET", "/numbers/+12015550002")
    assert number["smsConfiguration"]["servicePlanId"] == "plan-1"
    assert number["smsConfiguration"]["scheduledProvisioning"] is None
    assert number["voiceConfiguration"]["appId"] == "voice-app-1"
    assert number["displayName"] == "Support line"
    app = sinch_admin(project.sandbox, "GET", f"/apps/{state_of(project, 'support-app')['id']}")
    assert {c["state"]["status"] for c in app["channel_credentials"]} == {"ACTIVE"}
    assert (
        app["channel_credentials"][0]["static_bearer"]["claimed_identity"]
        == state_of(project, "wa-sender")["attributes"]["id"]
    )

    # state shows every resource ready
    listed = project.cli("state", "list").stdout
    assert listed.count("sinch.") == 7 and "[" not in listed

    again = project.cli("plan", "--detailed-exitcode", "sinch.yaml")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "No changes." in again.stdout


def test_a_no_change_plan_walks_each_list_once_at_its_maximum_page_size(project):
    onboard_sender(project.sandbox, "44", "7700900123", "Acme")
    project.write("sinch.yaml", FULL)
    assert project.cli("apply", "--auto-approve", "sinch.yaml").returncode == 0
    # a second app the manifest does not manage: its webhooks are listed too (limits count them)
    sinch_admin(project.sandbox, "POST", "/apps", json={"display_name": "Someone else's"})
    project.sandbox.clear_log()
    plan = project.cli("plan", "--detailed-exitcode", "--format", "json", "sinch.yaml")
    assert plan.returncode == 0, plan.stdout + plan.stderr
    calls = api_calls(project.sandbox)
    assert all(c["method"] == "GET" for c in calls)
    paths = Counter(c["path"] for c in calls)
    for path, size in LISTS.items():
        assert paths.pop(path) == 1, path
        assert next(c for c in calls if c["path"] == path)["query"]["pageSize"] == size
    assert paths.pop(f"{BASE}/apps") == 1
    per_app = [p for p in paths if p.startswith(f"{BASE}/apps/") and p.endswith("/webhooks")]
    assert len(per_app) == 2 and all(paths[p] == 1 for p in per_app)
    assert set(paths) == set(per_app), paths  # nothing else: no per-resource GETs
    assert json.loads(plan.stdout)["api_calls"] == {"reads": len(calls), "writes": 0}
    # one token for the whole run, shared by the three hosts
    assert len(project.sandbox.requests("sinch.auth")) == 1


def test_one_write_per_change(project):
    onboard_sender(project.sandbox, "44", "7700900123", "Acme")
    path = project.write("sinch.yaml", FULL)
    assert project.cli("apply", "--auto-approve", "sinch.yaml").returncode == 0
    edited = (
        FULL.replace("display_name: Acme support", "display_name: Acme customer care")
        .replace("triggers: [MESSAGE_INBOUND, EVENT_INBOUND]", "triggers: [EVENT_INBOUND, MESSAGE_INBOUND, OPT_OUT]")
        .replace("display_name: Support line", "display_name: Care line")
        .replace("[WHATSAPP_TEMPLATE_REJECTED, WHATSAPP_TEMPLATE_APPROVED]", "[ALL]")
        .replace("name: Acme\n", "name: Acme Deliveries\n")
        .replace("order {{2}} is on its way.", "order {{2}} ships today.")
    )
    path.write_text(edited)
    plan = plan_json(project, "sinch.yaml")
    updates = {c["name"]: c["writes"] for c in plan["resource_changes"] if c["action"] == "update"}
    assert updates == {"support-app": 1, "inbound-hook": 1, "us-line": 1, "events": 1, "agent": 1, "order-update": 1}
    assert plan["api_calls"]["writes"] == 6
    project.sandbox.clear_log()
    applied = project.cli("apply", "--auto-approve", "sinch.yaml")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert sorted(m for m, _ in api_writes(project.sandbox)) == ["PATCH"] * 6
    again = project.cli("plan", "--detailed-exitcode", "sinch.yaml")
    assert again.returncode == 0, again.stdout


# ---------------------------------------------------------------- sandboxes with slower state machines
@pytest.fixture
def sinch_sandbox(tmp_path) -> Iterator[Callable[..., Project]]:
    """Start a sandbox with the given Sinch delays (sandbox-clock seconds) and a project on it."""
    servers: list[SandboxServer] = []

    def start(**delays: float) -> Project:
        server = SandboxServer(SandboxConfig(sinch=SinchChoices(**delays)))
        server.start()
        servers.append(server)
        return Project(tmp_path, Sandbox(server))

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def slow_project(sinch_sandbox) -> Project:
    """Reviews and provisioning take a minute of sandbox time: the test moves the clock."""
    return sinch_sandbox(
        template_review_seconds=60,
        sms_waiting_seconds=30,
        sms_in_progress_seconds=30,
        voice_waiting_seconds=30,
        voice_in_progress_seconds=30,
        credential_activation_seconds=60,
        rcs_processing_seconds=60,
    )


NO_WAIT = """
version: 1
resources:
  app:
    type: sinch.conversation_app
    properties:
      display_name: Pending app
      channel_credentials:
        - channel: SMS
          static_bearer: {claimed_identity: plan-1, token: sms-token-1}
  welcome:
    type: sinch.whatsapp_template
    properties:
      name: welcome
      language: EN
      category: MARKETING
      components: [{type: BODY, text: "Welcome {{1}}!", examples: [Sam]}]
  line:
    type: sinch.number
    properties:
      phone_number: "+12015550003"
      sms_configuration: {service_plan_id: plan-1}
  agent:
    type: sinch.rcs_sender
    properties:
      region: EU
      billing_category: CONVERSATIONAL
      use_case: OTP
      details: {brand: {name: Acme OTP}}
    options: {on_delete: retain}
"""


def test_no_wait_records_pending_then_the_next_apply_only_waits(slow_project):
    project = slow_project
    project.write("nw.yaml", NO_WAIT)
    started = time.monotonic()
    applied = project.cli("apply", "--auto-approve", "--no-wait", "nw.yaml")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert time.monotonic() - started < 30  # returned after the writes, without waiting a minute
    assert applied.stdout.count("not waiting (--no-wait)") == 4
    listed = project.cli("state", "list").stdout
    assert listed.count("[pending]") == 4

    plan = project.cli("plan", "--detailed-exitcode", "--format", "json", "nw.yaml")
    assert plan.returncode == 2  # not converged yet
    data = json.loads(plan.stdout)
    assert [c["action"] for c in data["resource_changes"]] == ["noop"] * 4
    assert all(c["pending"] for c in data["resource_changes"])
    assert all(c["reason"] == [] and c["changes"] == [] for c in data["resource_changes"])  # pending, not drift
    text = project.cli("plan", "nw.yaml").stdout
    assert "Waiting for the provider:" in text and "drift" not in text

    project.sandbox.clear_log()
    waiter = project.popen("apply", "--auto-approve", "nw.yaml")
    # once the apply polls the template, let a minute pass at Sinch: reviews and provisioning complete
    polled = f"{BASE}/whatsapp/templates/welcome/languages/EN"
    deadline = time.monotonic() + 60
    while not any(r["path"] == polled for r in project.sandbox.requests()) and time.monotonic() < deadline:
        time.sleep(0.2)
    project.sandbox.admin_call("POST", "/_sandbox/clock", json={"advance_seconds": 120})
    out, err = waiter.communicate(timeout=120)
    assert waiter.returncode == 0, out + err
    assert "welcome: waiting — in review at Meta" in out
    assert api_writes(project.sandbox) == []  # only waited
    assert "[pending]" not in project.cli("state", "list").stdout
    final = project.cli("plan", "--detailed-exitcode", "nw.yaml")
    assert final.returncode == 0, final.stdout


# ---------------------------------------------------------------- failures
def test_a_template_rejected_by_review_fails_with_its_code_while_the_rest_converges(project):
    project.write(
        "t.yaml",
        """
        version: 1
        resources:
          promo:
            type: sinch.whatsapp_template
            properties:
              name: rejected_promo          # the sandbox's Meta rejects names starting rejected_
              language: EN_GB
              category: MARKETING
              components: [{type: BODY, text: "Big sale!"}]
          receipt:
            type: sinch.whatsapp_template
            properties:
              name: receipt
              language: EN_GB
              category: UTILITY
              components: [{type: BODY, text: "Thanks for your order."}]
          events:
            type: sinch.provisioning_webhook
            properties:
              target: https://hooks.example.com/p
              triggers: [ALL]
              secret: s3cret-value
        """,
    )
    result = project.cli("apply", "--auto-approve", "t.yaml")
    assert result.returncode == 1
    assert "cannot create promo" in result.stderr
    assert "rejected by Meta review (rejectionCode INVALID_FORMAT)" in result.stderr
    assert "receipt: created" in result.stdout and "events: created" in result.stdout
    assert "[failed]" in next(line for line in project.cli("state", "list").stdout.splitlines() if "promo" in line)
    # the next plan reports the failure; nothing is re-sent while the manifest is unchanged
    plan = project.cli("plan", "t.yaml")
    assert "✗ promo (sinch.whatsapp_template): failed — rejected by Meta review (rejectionCode INVALID_FORMAT)" in (
        plan.stdout
    )


def test_number_provisioning_failure_is_reported_with_its_error_codes(project):
    project.write(
        "n.yaml",
        """
        version: 1
        resources:
          line:
            type: sinch.number
            properties:
              phone_number: "+12015550004"
              sms_configuration: {service_plan_id: fail-unknown-plan}
        """,
    )
    result = project.cli("apply", "--auto-approve", "n.yaml")
    assert result.returncode == 1
    assert "SMS provisioning FAILED (SMS_PROVISIONING_FAILED)" in result.stderr
    # the number itself was rented and is recorded: the next plan offers to send the configuration again
    plan = plan_json(project, "n.yaml")
    (change,) = plan["resource_changes"]
    assert change["action"] == "update" and change["id"] == "+12015550004"
    assert [c["path"] for c in change["changes"]] == ["sms_configuration.service_plan_id"]


def test_rcs_launch_412_names_what_is_missing_and_keeps_the_sender(project):
    project.write(
        "r.yaml",
        """
        version: 1
        resources:
          agent:
            type: sinch.rcs_sender
            properties:
              region: EU
              billing_category: CONVERSATIONAL
              use_case: PROMOTIONAL
              details:
                brand: {name: Acme, logo_url: https://cdn.example.com/logo.png}
                countries: [GB]
              launch: true
            options: {on_delete: retain}
        """,
    )
    result = project.cli("apply", "--auto-approve", "r.yaml")
    assert result.returncode == 1
    message = result.stderr
    assert "Sinch cannot launch it yet: missing" in message
    for missing in (
        "details.brand.banner_url",
        "details.brand.privacy_policy_url",
        "details.brand.terms_of_service_url",
        "details.questionnaire.general.answers",
        "details.questionnaire.gb.answers (required for country GB)",
    ):
        assert missing in message, missing
    assert "details.brand.logo_url" not in message  # given
    sender_id = state_of(project, "agent")["id"]
    assert sinch_admin(project.sandbox, "GET", f"/rcs-senders/{sender_id}")["state"] == "IN_TEST"
    # launch is still wanted: the next plan offers it again (a config change, not drift)
    (change,) = plan_json(project, "r.yaml")["resource_changes"]
    assert change["action"] == "update" and [c["path"] for c in change["changes"]] == ["launch"]
    assert change["reason"] == ["config"]


# ---------------------------------------------------------------- secrets and limits
WEBHOOK = """
version: 1
resources:
  events:
    type: sinch.provisioning_webhook
    properties:
      target: https://hooks.example.com/provisioning
      triggers: [WHATSAPP_TEMPLATE_APPROVED]
      secret: ${env:PROV_SECRET}
"""


def test_webhook_secret_is_resent_only_when_it_changes_and_never_shown(project):
    project.write("w.yaml", WEBHOOK)
    first, second = "first-secret-9f2c41", "second-secret-77ab03"
    assert project.cli("apply", "--auto-approve", "w.yaml", env={"PROV_SECRET": first}).returncode == 0
    hook_id = state_of(project, "events")["attributes"]["id"]
    assert sinch_admin(project.sandbox, "GET", f"/webhooks/{hook_id}")["_sandbox"]["secret"] == first

    project.sandbox.clear_log()
    same = project.cli("apply", "--auto-approve", "w.yaml", env={"PROV_SECRET": first})
    assert same.returncode == 0 and api_writes(project.sandbox) == []

    plan = project.cli("plan", "w.yaml", env={"PROV_SECRET": second})
    assert "~ secret: (sensitive, fp" in plan.stdout and "[config]" in plan.stdout
    project.sandbox.clear_log()
    rotated = project.cli("apply", "--auto-approve", "w.yaml", env={"PROV_SECRET": second})
    assert rotated.returncode == 0, rotated.stdout + rotated.stderr
    assert api_writes(project.sandbox) == [("PATCH", f"{BASE}/webhooks/{hook_id}")]
    assert sinch_admin(project.sandbox, "GET", f"/webhooks/{hook_id}")["_sandbox"]["secret"] == second

    state_files = "".join(p.read_text() for p in (project.dir / "state").rglob("*") if p.is_file())
    for text in (plan.stdout, rotated.stdout, state_files):
        assert first not in text and second not in text


def test_a_sixteenth_provisioning_webhook_is_refused_at_plan_time(project):
    lines = ["version: 1", "resources:"]
    for i in range(14):
        lines += [
            f"  hook-{i:02d}:",
            "    type: sinch.provisioning_webhook",
            f"    properties: {{target: 'https://h{i}.example.com/p', triggers: [ALL], secret: s{i}}}",
        ]
    path = project.write("h.yaml", "\n".join(lines) + "\n")
    assert project.cli("apply", "--auto-approve", "h.yaml").returncode == 0
    with provisioning(project.sandbox) as api:  # someone adds one in the dashboard: it counts too
        api.post(f"{BASE}/webhooks", json={"target": "https://other.example.com", "secret": "x", "triggers": ["ALL"]})
    path.write_text(
        path.read_text()
        + "  hook-14:\n    type: sinch.provisioning_webhook\n"
        + "    properties: {target: 'https://h14.example.com/p', triggers: [ALL], secret: s14}\n"
    )
    project.sandbox.clear_log()
    plan = project.cli("plan", "h.yaml")
    assert plan.returncode == 1
    assert "provisioning webhook is limited to 15 per project" in plan.stdout + plan.stderr
    refused = project.cli("apply", "--auto-approve", "h.yaml")
    assert refused.returncode == 1 and "nothing was changed" in refused.stderr
    assert api_writes(project.sandbox) == []


def test_a_sixth_webhook_of_an_app_is_refused_at_plan_time(project):
    app_id = sinch_admin(project.sandbox, "POST", "/apps", json={"display_name": "Shared app"})["id"]
    lines = ["version: 1", "resources:"]
    for i in range(6):
        lines += [
            f"  hook-{i}:",
            "    type: sinch.conversation_webhook",
            f"    properties: {{app_id: {app_id}, target: 'https://h{i}.example.com/c', triggers: [MESSAGE_INBOUND]}}",
        ]
    project.write("c.yaml", "\n".join(lines) + "\n")
    plan = project.cli("plan", "c.yaml")
    assert plan.returncode == 1
    assert "conversation webhook is limited to 5 per parent" in plan.stdout + plan.stderr
    assert api_writes(project.sandbox) == []


# ---------------------------------------------------------------- templates are never recreated implicitly
TEMPLATE = """
version: 1
resources:
  receipt:
    type: sinch.whatsapp_template
    properties:
      name: receipt
      language: DE
      category: UTILITY
      components: [{type: BODY, text: "Danke für Ihre Bestellung {{1}}.", examples: ["A-1"]}]
{extra}"""


def test_removing_an_approved_template_is_refused_unless_explicitly_allowed(project):
    path = project.write("t.yaml", TEMPLATE.replace("{extra}", ""))
    assert project.cli("apply", "--auto-approve", "t.yaml").returncode == 0
    path.write_text("version: 1\nresources: {}\n")
    project.sandbox.clear_log()
    refused = project.cli("apply", "--auto-approve", "t.yaml")
    assert refused.returncode == 1
    assert "locks its name + language for 30 days" in refused.stderr
    assert "allow_delete_submitted: true" in refused.stderr
    assert api_writes(project.sandbox) == []

    path.write_text(TEMPLATE.replace("{extra}", "      allow_delete_submitted: true\n"))
    plan = plan_json(project, "t.yaml")
    assert [(c["action"], c["writes"]) for c in plan["resource_changes"]] == [("update", 0)]
    assert project.cli("apply", "--auto-approve", "t.yaml").returncode == 0
    path.write_text("version: 1\nresources: {}\n")
    project.sandbox.clear_log()
    deleted = project.cli("apply", "--auto-approve", "t.yaml")
    assert deleted.returncode == 0, deleted.stdout + deleted.stderr
    calls = [c for c in api_calls(project.sandbox) if c["method"] == "DELETE"]
    assert [(c["path"], c["query"]) for c in calls] == [
        (f"{BASE}/whatsapp/templates/receipt/languages/DE", {"deleteSubmitted": "true"})
    ]
    assert sinch_admin(project.sandbox, "GET", "/template-locks/receipt/DE")["lockedUntil"]


def test_editing_an_approved_template_patches_it_in_place_and_waits_for_the_new_review(project):
    path = project.write("t.yaml", TEMPLATE.replace("{extra}", ""))
    assert project.cli("apply", "--auto-approve", "t.yaml").returncode == 0
    path.write_text(path.read_text().replace("Danke für Ihre Bestellung", "Vielen Dank für Ihre Bestellung"))
    project.sandbox.clear_log()
    applied = project.cli("apply", "--auto-approve", "t.yaml")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "receipt: waiting — in review at Meta (changes IN_PROGRESS)" in applied.stdout
    assert api_writes(project.sandbox) == [("PATCH", f"{BASE}/whatsapp/templates/receipt/languages/DE")]
    body = sinch_admin(project.sandbox, "GET", "/templates/receipt/DE")["details"]["components"][0]["text"]
    assert body.startswith("Vielen Dank")


# ---------------------------------------------------------------- WhatsApp sender verification (a person)
def test_a_new_whatsapp_sender_fails_fast_until_verified_then_converges(project):
    project.write(
        "s.yaml",
        """
        version: 1
        resources:
          sender:
            type: sinch.whatsapp_sender
            properties:
              country_code: "46"
              phone_number: "701740001"
              region: EU
              details: {display_name: Acme Nordic}
        """,
    )
    result = project.cli("apply", "--auto-approve", "s.yaml")
    assert result.returncode == 1
    assert "PENDING_VERIFICATION" in result.stderr and "verify-sender" in result.stderr

    # the person's side, through the real CLI: ask for the code, read it (the sandbox's stand-in
    # for the SMS), then verify
    sent = project.cli("sinch", "verify-sender", "s.yaml", "sender")
    assert sent.returncode == 0, sent.stdout + sent.stderr
    sender_id = state_of(project, "sender")["attributes"]["id"]
    assert sender_id in sent.stdout or "code" in sent.stdout.lower()
    otp = sinch_admin(project.sandbox, "GET", f"/senders/{sender_id}/otp")["code"]
    wrong = project.cli(
        "sinch", "verify-sender", "s.yaml", "sender", "--code", "000000" if otp != "000000" else "111111"
    )
    assert wrong.returncode == 1 and "code" in wrong.stderr.lower()
    done = project.cli("sinch", "verify-sender", "s.yaml", "sender", "--code", otp)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ACTIVE" in done.stdout
    assert project.cli("plan", "--detailed-exitcode", "s.yaml").returncode == 0


# ---------------------------------------------------------------- auth
def test_basic_auth_sends_no_token_request(project):
    project.write(
        "b.yaml",
        """
        version: 1
        providers:
          sinch: {project_id: sandbox-project, key_id: k1, key_secret: basic-secret-1, region: us, auth: basic}
        resources:
          events:
            type: sinch.provisioning_webhook
            properties: {target: https://hooks.example.com/b, triggers: [ALL], secret: s}
        """,
    )
    assert project.cli("apply", "--auto-approve", "b.yaml").returncode == 0
    assert project.sandbox.requests("sinch.auth") == []
    assert any(r["api"] == "sinch.provisioning" for r in project.sandbox.requests())


# ---------------------------------------------------------------- drift
DRIFT = """
version: 1
resources:
  app:
    type: sinch.conversation_app
    properties:
      display_name: Drifting app
      channel_credentials:
        - channel: SMS
          static_bearer: {claimed_identity: plan-1, token: sms-token-original}
  hook:
    type: sinch.conversation_webhook
    properties:
      app_id: ${app.id}
      target: https://hooks.example.com/d
      triggers: [MESSAGE_INBOUND]
"""


def test_dashboard_edits_are_drift_and_credentials_stay_fingerprints(project):
    project.write("d.yaml", DRIFT)
    assert project.cli("apply", "--auto-approve", "d.yaml").returncode == 0
    app_id = state_of(project, "app")["id"]
    hook_id = state_of(project, "hook")["attributes"]["id"]
    rotated = "sms-token-rotated-in-dashboard"
    sinch_admin(
        project.sandbox,
        "PATCH",
        f"/apps/{app_id}",
        json={
            "channel_credentials": [
                {
                    "channel": "SMS",
                    "static_bearer": {"claimed_identity": "plan-1", "token": rotated},
                    "state": {"status": "ACTIVE", "description": ""},
                }
            ]
        },
    )
    sinch_admin(project.sandbox, "PATCH", f"/conversation-webhooks/{hook_id}", json={"triggers": ["OPT_OUT"]})

    plan = project.cli("plan", "--detailed-exitcode", "--format", "json", "d.yaml")
    assert plan.returncode == 2
    changes = {c["name"]: c for c in json.loads(plan.stdout)["resource_changes"]}
    assert changes["app"]["action"] == "update" and changes["app"]["reason"] == ["drift"]
    assert changes["hook"]["action"] == "update" and changes["hook"]["reason"] == ["drift"]
    assert changes["hook"]["changes"][0]["old"] == ["OPT_OUT"]
    text = project.cli("plan", "d.yaml").stdout
    for shown in (plan.stdout, text):
        assert rotated not in shown and "sms-token-original" not in shown and "fp:" in shown

    project.sandbox.clear_log()
    assert project.cli("apply", "--auto-approve", "d.yaml").returncode == 0
    assert sorted(api_writes(project.sandbox)) == [
        ("PATCH", f"{BASE}/apps/{app_id}"),
        ("PATCH", f"{BASE}/webhooks/{hook_id}"),
    ]
    assert project.cli("plan", "--detailed-exitcode", "d.yaml").returncode == 0
