"""Every Infobip kind through the real CLI against the sandbox's Infobip emulator.

Calls are counted from the sandbox's own request log. Out-of-band changes (a person in the portal, Meta
deciding) go through the sandbox admin API or through the raw API with the account's key; the official
``infobip-api-python-client`` reads what provisioner made and makes objects of its own.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from harness import Project, Sandbox

from provisioner.sandbox import SandboxConfig, SandboxServer
from provisioner.sandbox.config import InfobipChoices

KEY = "sandbox-infobip-key"  # the API key provisioner sends under the sandbox when none is given
NUMBER = "447700900002"

FULL = f"""
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
    properties:
      number: "+{NUMBER}"
      country: GB
      application_id: ${{app.id}}
      entity_id: ${{entity.id}}
  inbound:
    type: infobip.inbound_message_configuration
    properties:
      channel: SMS
      number: ${{line.number}}
      forwarding: {{type: HTTP_FORWARD, url: https://hooks.example.com/infobip/sms}}
  events:
    type: infobip.webhook
    properties:
      id: acme-sms
      channel: SMS
      events: [INBOUND_MESSAGE, DELIVERY, TEMPLATE_UPDATE]   # SMS has no TEMPLATE_UPDATE: Infobip drops it
      criteria: [{{application_id: "${{app.id}}"}}]
      url: https://hooks.example.com/infobip/events
      security:
        type: BASIC
        credentials: {{username: infobip, password: "${{env:HOOK_PASSWORD:-hook-password-1}}"}}
  order-update:
    type: infobip.whatsapp_template
    properties:
      sender: ${{line.number}}
      name: order_update
      language: en
      category: UTILITY
      structure:
        body: {{text: "Hi {{{{1}}}}, order {{{{2}}}} is on its way.", examples: [Sam, A-1]}}
        buttons: [{{type: QUICK_REPLY, text: Thanks}}]
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
      color: "1a73e8"
      emails: [{{address: support@acme.example.com, label: Support}}]
      banner_url: https://cdn.example.com/banner.png
      logo_url: https://cdn.example.com/logo.png
      privacy: {{url: https://acme.example.com/privacy}}
      terms_of_service: {{url: https://acme.example.com/terms}}
  login:
    type: infobip.tfa_application
    properties:
      name: Acme login
      configuration: {{pin_attempts: 5}}
  login-sms:
    type: infobip.tfa_message_template
    properties:
      application_id: ${{login.id}}
      message_text: "Your Acme code is {{{{pin}}}}"
      pin_type: NUMERIC
      pin_length: 6
  calls:
    type: infobip.calls_configuration
    properties: {{id: acme-calls, name: Acme calls}}
  masking:
    type: infobip.number_masking_config
    properties:
      name: Acme rides
      callback_url: https://hooks.example.com/infobip/masking
"""

CREATES = Counter(
    {
        ("POST", "/provisioning/1/applications"): 1,
        ("POST", "/provisioning/1/entities"): 1,
        ("POST", "/numbers/1/numbers"): 1,
        ("POST", "/resource-management/1/inbound-message-configurations"): 1,
        ("POST", "/subscriptions/1/security"): 1,
        ("POST", "/subscriptions/1/profiles"): 1,
        ("POST", "/subscriptions/1/subscription/SMS"): 1,
        ("POST", f"/whatsapp/2/senders/{NUMBER}/templates"): 1,
        ("POST", "/rcs/1/senders"): 1,
        ("POST", "/2fa/2/applications"): 1,
        ("POST", "/calls/1/configurations"): 1,
        ("POST", "/voice/masking/2/config"): 1,
    }
)
# list path → (page-size parameter, the list's maximum)
LISTS = {
    "/provisioning/1/applications": ("size", "1000"),
    "/provisioning/1/entities": ("size", "1000"),
    "/numbers/1/numbers": ("limit", "1000"),
    "/calls/1/configurations": ("size", "100"),
    "/subscriptions/1/security": ("size", "100"),
    "/subscriptions/1/profiles": ("size", "100"),
    "/subscriptions/1/subscription/SMS": ("size", "100"),
    "/rcs/1/senders": ("size", "100"),
}


# ---------------------------------------------------------------- helpers
def ib_admin(sandbox: Sandbox, method: str, path: str, **kw: Any) -> Any:
    r = sandbox.admin_call(method, f"/_sandbox/infobip/{KEY}{path}", **kw)
    return r.json() if r.content else None


def raw_api(sandbox: Sandbox) -> httpx.Client:
    """The account's API with its key: a person or another tool, outside provisioner."""
    return httpx.Client(base_url=sandbox.endpoints["infobip"], headers={"Authorization": f"App {KEY}"}, timeout=10)


def calls(sandbox: Sandbox) -> list[dict[str, Any]]:
    return sandbox.requests("infobip")


def writes(sandbox: Sandbox) -> list[tuple[str, str]]:
    return [(r["method"], r["path"]) for r in calls(sandbox) if r["method"] != "GET"]


def plan_json(project: Project, *paths: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    result = project.cli("plan", "--format", "json", *paths, env=env)
    assert result.returncode in (0, 1, 2), result.stdout + result.stderr
    return json.loads(result.stdout)


def state_of(project: Project, name: str) -> dict[str, Any]:
    shown = project.cli("state", "show", name)
    assert shown.returncode == 0, shown.stderr
    return json.loads(shown.stdout)


def applied(project: Project, text: str) -> subprocess.CompletedProcess[str]:
    project.write("ib.yaml", text)
    result = project.cli("apply", "--auto-approve", "ib.yaml")
    assert result.returncode == 0, result.stdout + result.stderr
    return result


# ---------------------------------------------------------------- every kind, from empty
def test_every_kind_applies_from_empty_with_one_write_each_and_replans_clean(project):
    project.write("ib.yaml", FULL)
    project.sandbox.clear_log()
    result = project.cli("apply", "--auto-approve", "ib.yaml")
    assert result.returncode == 0, result.stdout + result.stderr
    for name in ("app", "entity", "line", "inbound", "events", "order-update", "agent", "login", "login-sms", "calls"):
        assert f"✓ {name}: created" in result.stdout, name
    assert "order-update: waiting — in review at Meta (PENDING)" in result.stdout
    assert "agent: waiting — being processed by Infobip (PENDING)" in result.stdout

    # exactly one write per object, plus the webhook's three, in order: security → profile → subscription
    made = writes(project.sandbox)
    tfa_id = state_of(project, "login")["id"]
    assert Counter(made) == CREATES + Counter({("POST", f"/2fa/2/applications/{tfa_id}/messages"): 1})
    hook = [p for _, p in made if p.startswith("/subscriptions/")]
    assert hook == ["/subscriptions/1/security", "/subscriptions/1/profiles", "/subscriptions/1/subscription/SMS"]
    # the number was searched for (a read), then bought by its numberKey with its links in the same call
    search = next(r for r in calls(project.sandbox) if r["path"] == "/numbers/1/numbers/available")
    assert search["query"]["number"] == NUMBER and search["query"]["country"] == "GB"

    # what landed at Infobip
    (number,) = [n for n in ib_admin(project.sandbox, "GET", "/numbers") if n["number"] == NUMBER]
    assert (number["applicationId"], number["entityId"]) == ("acme-support", "acme-eu")
    (tfa,) = ib_admin(project.sandbox, "GET", "/tfa-applications")
    assert tfa["configuration"]["pinAttempts"] == 5 and tfa["configuration"]["pinTimeToLive"] == "15m"
    (template,) = ib_admin(project.sandbox, "GET", "/whatsapp-templates")
    assert template["status"] == "APPROVED"
    (sender,) = ib_admin(project.sandbox, "GET", "/rcs-senders")
    assert sender["senderStatus"] == "READY_FOR_TESTING"

    # converged: a second plan has nothing to do, and reads each list once at its maximum page size
    project.sandbox.clear_log()
    again = project.cli("plan", "--detailed-exitcode", "--format", "json", "ib.yaml")
    assert again.returncode == 0, again.stdout + again.stderr
    plan = json.loads(again.stdout)
    assert plan["summary"]["noop"] == 11 and plan["api_calls"] == {"reads": len(calls(project.sandbox)), "writes": 0}
    reads = calls(project.sandbox)
    assert all(r["method"] == "GET" for r in reads)
    paths = Counter(r["path"] for r in reads)
    for path, (param, size) in LISTS.items():
        assert paths.pop(path) == 1, path
        assert next(r for r in reads if r["path"] == path)["query"][param] == size, path
    assert paths == Counter(
        {
            "/resource-management/1/inbound-message-configurations": 1,  # per (channel, number) in play
            f"/whatsapp/2/senders/{NUMBER}/templates": 1,  # per sender in play
            "/2fa/2/applications": 1,
            f"/2fa/2/applications/{tfa_id}/messages": 1,  # per 2FA application
            "/voice/masking/2/config": 1,
            "/rcs/1/senders/AcmeSupport": 1,  # the list leaves out contacts and links: one GET per managed sender
        }
    )


# ---------------------------------------------------------------- removal: delete, disable, forget, refuse
def test_removing_each_kind_shows_delete_disable_forget_or_refusal_then_does_exactly_that(project):
    applied(project, FULL)
    with raw_api(project.sandbox) as api:  # another language of the template, added in the portal
        r = api.post(
            f"/whatsapp/2/senders/{NUMBER}/templates",
            json={
                "name": "order_update",
                "language": "de",
                "category": "UTILITY",
                "structure": {"body": {"text": "Hallo"}},
            },
        )
        assert r.status_code == 201, r.text
    project.write("empty.yaml", "version: 1\nresources: {}\n")
    project.sandbox.clear_log()
    plan = plan_json(project, "empty.yaml")
    by_name = {c["name"]: c for c in plan["resource_changes"]}
    assert {c["action"] for c in by_name.values()} == {"delete"}
    modes = {n: (c["removal"], c["writes"], bool(c["refusal"])) for n, c in by_name.items()}
    assert modes == {
        "app": ("delete", 1, False),
        "entity": ("delete", 1, False),
        "inbound": ("delete", 1, False),
        "events": ("delete", 3, False),
        "calls": ("delete", 1, False),
        "masking": ("delete", 1, False),
        "login": ("disable", 1, False),
        "login-sms": ("forget", 0, False),
        "agent": ("forget", 0, False),
        "line": ("delete", 0, True),  # a number is never released implicitly (kept by default)
        "order-update": ("delete", 1, True),  # deleting by name takes every language
    }
    assert "every language of order_update (de, en)" in by_name["order-update"]["refusal"]
    assert "allow_delete: true" in by_name["order-update"]["refusal"]
    assert "on_delete: delete" in by_name["line"]["refusal"]
    assert plan["summary"] == {
        "create": 0, "update": 0, "replace": 0, "delete": 8, "import": 0, "noop": 0, "pending": 0,
        "disable": 1, "forget": 2, "move": 0,
    }  # fmt: skip

    text = project.cli("plan", "empty.yaml").stdout
    assert "- login (infobip.tfa_application) will be disabled (the API has no delete)" in text
    assert "- agent (infobip.rcs_sender) will be forgotten: the API has no delete; it stays in the account" in text
    assert "- login-sms (infobip.tfa_message_template) will be forgotten: the API has no delete" in text
    assert "8 to delete, 1 to disable, 2 to forget" in text
    refused = project.cli("apply", "--auto-approve", "empty.yaml")
    assert refused.returncode == 1 and "nothing was changed" in refused.stderr
    assert writes(project.sandbox) == []

    # allow the two refused removals explicitly (0 writes: manifest-side decisions), then remove everything
    allowing = FULL.replace(
        "      entity_id: ${entity.id}\n", "      entity_id: ${entity.id}\n    options: {on_delete: delete}\n"
    ).replace("      category: UTILITY\n", "      category: UTILITY\n      allow_delete: true\n")
    assert allowing != FULL
    project.sandbox.clear_log()
    applied(project, allowing)
    assert writes(project.sandbox) == []
    plan = plan_json(project, "empty.yaml")
    assert plan["refusals"] == []
    notes = next(c for c in plan["resource_changes"] if c["name"] == "order-update")["notes"]
    assert any("every language of order_update (de, en)" in n and "30 days" in n for n in notes)
    project.sandbox.clear_log()
    done = project.cli("apply", "--auto-approve", "empty.yaml")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "✓ login: disabled" in done.stdout and "✓ agent: forgotten" in done.stdout
    made = writes(project.sandbox)
    tfa_id = (
        "/2fa/2/applications/" + next(a for a in ib_admin(project.sandbox, "GET", "/tfa-applications"))["applicationId"]
    )
    assert Counter(m for m, _ in made) == Counter({"DELETE": 10, "PUT": 1})
    assert ("PUT", tfa_id) in made
    assert made.count(("DELETE", f"/whatsapp/2/senders/{NUMBER}/templates/order_update")) == 1
    hook = [p for _, p in made if p.startswith("/subscriptions/")]
    assert hook == [  # reverse order: the subscription, then its profile, then its security
        "/subscriptions/1/subscription/SMS/acme-sms",
        "/subscriptions/1/profiles/acme-sms",
        "/subscriptions/1/security/acme-sms",
    ]
    # dependents first: the webhook (criteria name the app) before the app, the inbound config before the number
    order = [p for _, p in made]
    assert order.index("/subscriptions/1/subscription/SMS/acme-sms") < order.index(
        "/provisioning/1/applications/acme-support"
    )
    inbound = next(i for i, p in enumerate(order) if p.startswith("/resource-management/"))
    assert inbound < next(i for i, p in enumerate(order) if p.startswith("/numbers/1/numbers/"))
    # what stays: a disabled 2FA application, its template, the RCS sender; the template name is blocked
    (tfa,) = ib_admin(project.sandbox, "GET", "/tfa-applications")
    assert tfa["enabled"] is False and tfa["configuration"]["pinAttempts"] == 5  # disabled, settings kept
    assert len(ib_admin(project.sandbox, "GET", "/tfa-messages")) == 1
    assert len(ib_admin(project.sandbox, "GET", "/rcs-senders")) == 1
    assert ib_admin(project.sandbox, "GET", "/whatsapp-templates") == []  # both languages went
    assert [b["name"] for b in ib_admin(project.sandbox, "GET", "/whatsapp-name-blocks")] == ["order_update"]
    assert [n for n in ib_admin(project.sandbox, "GET", "/numbers") if n["number"] == NUMBER] == []
    assert "infobip." not in project.cli("state", "list").stdout


# ---------------------------------------------------------------- failures and conflicts
def test_a_rejected_template_fails_with_its_status_while_the_rest_converges(project):
    project.write(
        "t.yaml",
        f"""
        version: 1
        resources:
          promo:
            type: infobip.whatsapp_template
            properties:
              sender: "{NUMBER}"
              name: promo_reject_me         # the sandbox's Meta rejects names containing "reject"
              language: en_GB
              category: MARKETING
              structure: {{body: {{text: "Big sale!"}}}}
          receipt:
            type: infobip.whatsapp_template
            properties:
              sender: "{NUMBER}"
              name: receipt
              language: en_GB
              category: UTILITY
              structure: {{body: {{text: "Thanks for your order."}}}}
          calls:
            type: infobip.calls_configuration
            properties: {{id: acme-calls}}
        """,
    )
    result = project.cli("apply", "--auto-approve", "t.yaml")
    assert result.returncode == 1
    assert "cannot create promo" in result.stderr and "rejected by Meta review" in result.stderr
    assert "receipt: created" in result.stdout and "calls: created" in result.stdout
    assert "[failed]" in next(line for line in project.cli("state", "list").stdout.splitlines() if "promo" in line)
    plan = project.cli("plan", "t.yaml")
    assert "✗ promo (infobip.whatsapp_template): failed — rejected by Meta review" in plan.stdout
    # editing the rejected template resubmits it in place (PATCH by id): Infobip allows edits of REJECTED ones
    project.write("t.yaml", (project.dir / "t.yaml").read_text().replace("Big sale!", "Our spring sale"))
    project.sandbox.clear_log()
    project.cli("apply", "--auto-approve", "t.yaml")
    template_id = state_of(project, "promo")["attributes"]["template_id"]
    assert writes(project.sandbox) == [("PATCH", f"/whatsapp/2/senders/{NUMBER}/templates/{template_id}")]


APP = """
version: 1
resources:
  app:
    type: infobip.application
    properties: {id: shared-app, name: Shared app}
"""


@pytest.mark.parametrize(
    "name, adopted",
    [
        pytest.param("Shared app", True, id="same name: the 409 becomes an adoption"),
        pytest.param("Someone else's", False, id="another name: an error naming both"),
    ],
)
def test_a_409_on_create_adopts_a_matching_application_and_refuses_a_different_one(project, name, adopted):
    """Someone creates the application between provisioner's plan and its POST (the POST is held 2 s)."""
    project.write("a.yaml", APP)
    project.sandbox.admin_call(
        "POST",
        "/_sandbox/faults",
        json={"api": "infobip", "delay_ms": 2000, "method": "POST", "path": "/provisioning/1/applications", "count": 1},
    )
    project.sandbox.clear_log()
    runner = _popen(project, "apply", "--auto-approve", "a.yaml")
    deadline = time.monotonic() + 30
    while not any(r["path"] == "/provisioning/1/applications" for r in calls(project.sandbox)):  # the plan's list
        assert time.monotonic() < deadline, "the plan never listed applications"
        time.sleep(0.05)
    ib_admin(project.sandbox, "POST", "/applications", json={"applicationId": "shared-app", "applicationName": name})
    out, err = runner.communicate(timeout=60)
    project.sandbox.admin_call("DELETE", "/_sandbox/faults")
    posts = [r for r in calls(project.sandbox) if r["method"] == "POST"]
    assert [r["status"] for r in posts] == [409]
    assert any(
        r["path"] == "/provisioning/1/applications/shared-app" and r["method"] == "GET" for r in calls(project.sandbox)
    )
    if adopted:
        assert runner.returncode == 0, out + err
        assert state_of(project, "app")["id"] == "shared-app"
        assert project.cli("plan", "--detailed-exitcode", "a.yaml").returncode == 0
    else:
        assert runner.returncode == 1
        assert "the id is already taken by a different object" in err
        assert "named \"Someone else's\", the manifest says 'Shared app'" in err
        assert project.cli("state", "list").stdout.count("infobip.application") == 0


def _popen(project: Project, *args: str) -> subprocess.Popen[str]:
    return project.popen(*args)


# ---------------------------------------------------------------- webhook secrets
HOOK = """
version: 1
resources:
  events:
    type: infobip.webhook
    properties:
      id: acme-wa
      channel: WHATSAPP
      events: [TEMPLATE_UPDATE, INBOUND_MESSAGE]
      url: https://hooks.example.com/wa
      security:
        type: HMAC
        credentials: {secret_key: "${env:HOOK_SECRET}", algorithm: HMAC_SHA_256}
"""


def test_webhook_security_credentials_are_resent_only_when_rotated_and_never_shown(project):
    project.write("w.yaml", HOOK)
    first, second = "first-hmac-key-4c21", "second-hmac-key-9e07"
    assert project.cli("apply", "--auto-approve", "w.yaml", env={"HOOK_SECRET": first}).returncode == 0
    project.sandbox.clear_log()
    same = project.cli("apply", "--auto-approve", "w.yaml", env={"HOOK_SECRET": first})
    assert same.returncode == 0 and writes(project.sandbox) == []
    plan = project.cli("plan", "w.yaml", env={"HOOK_SECRET": second})
    assert "~ security.credentials.secret_key: (sensitive, fp" in plan.stdout
    project.sandbox.clear_log()
    rotated = project.cli("apply", "--auto-approve", "w.yaml", env={"HOOK_SECRET": second})
    assert rotated.returncode == 0, rotated.stdout + rotated.stderr
    assert writes(project.sandbox) == [
        ("PUT", "/subscriptions/1/security/acme-wa")
    ]  # not the profile, not the subscription
    security = ib_admin(project.sandbox, "GET", "/security/acme-wa")
    assert security["credentials"]["secretKey"] == second
    state_files = "".join(p.read_text() for p in (project.dir / "state").rglob("*") if p.is_file())
    for text in (plan.stdout, rotated.stdout, state_files):
        assert first not in text and second not in text


# ---------------------------------------------------------------- template edits and the review
@pytest.fixture
def slow_review(tmp_path) -> Iterator[Callable[..., Project]]:
    servers: list[SandboxServer] = []

    def start(**choices: Any) -> Project:
        server = SandboxServer(SandboxConfig(infobip=InfobipChoices(**choices)))
        server.start()
        servers.append(server)
        return Project(tmp_path, Sandbox(server))

    yield start
    for server in servers:
        server.stop()


TEMPLATE = f"""
version: 1
resources:
  order-update:
    type: infobip.whatsapp_template
    properties:
      sender: "{NUMBER}"
      name: order_update
      language: en
      category: UTILITY
      structure: {{body: {{text: "Your order ships today."}}}}
"""


def test_an_edit_during_review_waits_for_it_and_a_category_change_of_an_approved_template_is_refused(slow_review):
    project = slow_review(whatsapp_review_seconds=600)
    project.write("t.yaml", TEMPLATE)
    assert project.cli("apply", "--auto-approve", "--no-wait", "t.yaml").returncode == 0
    project.write("t.yaml", TEMPLATE.replace("ships today", "ships tomorrow"))
    plan = plan_json(project, "t.yaml")
    (change,) = plan["resource_changes"]
    assert change["action"] == "noop" and change["pending"].startswith("in review at Meta (PENDING)")
    assert any(n.startswith("edit impossible now: the template is PENDING review") for n in change["notes"])
    text = project.cli("plan", "t.yaml").stdout
    assert "edit impossible now" in text and "Waiting for the provider:" in text

    project.sandbox.admin_call("POST", "/_sandbox/clock", json={"advance_seconds": 601})
    project.sandbox.clear_log()
    edited = project.cli("apply", "--auto-approve", "--no-wait", "t.yaml")
    assert edited.returncode == 0, edited.stdout + edited.stderr
    template_id = state_of(project, "order-update")["attributes"]["template_id"]
    assert writes(project.sandbox) == [("PATCH", f"/whatsapp/2/senders/{NUMBER}/templates/{template_id}")]
    assert "~ structure.body.text" in edited.stdout

    project.sandbox.admin_call("POST", "/_sandbox/clock", json={"advance_seconds": 601})
    project.write("t.yaml", TEMPLATE.replace("ships today", "ships tomorrow").replace("UTILITY", "MARKETING"))
    refused = project.cli("plan", "t.yaml")
    assert refused.returncode == 1
    assert "cannot change the category of WhatsApp template order_update (en)" in refused.stdout + refused.stderr


# ---------------------------------------------------------------- the official client, and drift
INTEROP = """
version: 1
resources:
  login:
    type: infobip.tfa_application
    properties: {name: Acme login, configuration: {pin_attempts: 5}}
  calls:
    type: infobip.calls_configuration
    properties: {id: acme-calls, name: Acme calls}
"""


def test_the_official_client_reads_what_apply_made_and_what_it_makes_shows_as_unmanaged(project):
    infobip_api_client = pytest.importorskip("infobip_api_client")
    from infobip_api_client.api.calls_api import CallsApi
    from infobip_api_client.api.tfa_api import TfaApi
    from infobip_api_client.models import CallsConfigurationCreateRequest, TfaApplicationRequest

    applied(project, INTEROP)
    config = infobip_api_client.Configuration(host=project.sandbox.endpoints["infobip"], api_key=KEY)
    with infobip_api_client.ApiClient(config) as sdk:
        tfa, voice = TfaApi(sdk), CallsApi(sdk)
        apps = tfa.get_tfa_applications()
        (mine,) = [a for a in apps if a.name == "Acme login"]
        assert mine.application_id == state_of(project, "login")["id"]
        assert mine.configuration.pin_attempts == 5 and mine.configuration.pin_time_to_live == "15m" and mine.enabled
        assert voice.get_calls_configuration("acme-calls").name == "Acme calls"
        # out of band, with the SDK (which sends every configuration default explicitly)
        tfa.create_tfa_application_with_http_info(TfaApplicationRequest(name="Side project"))
        voice.create_calls_configuration(CallsConfigurationCreateRequest(id="side-calls", name="Side calls"))

    drift = project.cli("drift", "--format", "json", "ib.yaml")
    assert drift.returncode == 2, drift.stdout + drift.stderr
    report = json.loads(drift.stdout)
    assert (report["in_sync"], report["drifted"], report["unmanaged"]) == (2, 0, 2)
    unmanaged = {(r["type"], r["message"] or r["id"]) for r in report["resources"] if r["status"] == "unmanaged"}
    assert unmanaged == {("infobip.tfa_application", "Side project"), ("infobip.calls_configuration", "Side calls")}
    # the SDK's explicit defaults are not drift for what provisioner manages either
    assert project.cli("plan", "--detailed-exitcode", "ib.yaml").returncode == 0


# ---------------------------------------------------------------- updates: one write per change
def test_one_write_per_changed_object_and_only_the_webhook_part_that_changed(project):
    applied(project, FULL)
    edited = (
        FULL.replace("name: Acme support}", "name: Acme customer care}")
        .replace("name: Acme EU}", "name: Acme Europe}")
        .replace("      application_id: ${app.id}\n      entity_id", "      entity_id")  # back to "default"
        .replace("url: https://hooks.example.com/infobip/sms}", "url: https://hooks.example.com/infobip/sms-v2}")
        .replace("url: https://hooks.example.com/infobip/events", "url: https://hooks.example.com/infobip/events-v2")
        .replace("is on its way.", "ships today.")
        .replace("display_name: Acme Support", "display_name: Acme Care")
        .replace("{pin_attempts: 5}", "{pin_attempts: 3}")
        .replace("Your Acme code is", "Your Acme login code is")
        .replace("name: Acme calls}", "name: Acme voice}")
        .replace(
            "callback_url: https://hooks.example.com/infobip/masking\n",
            "callback_url: https://hooks.example.com/infobip/masking\n      status_url: https://hooks.example.com/s\n",
        )
    )
    project.write("ib.yaml", edited)
    plan = plan_json(project, "ib.yaml")
    updates = {c["name"]: c["writes"] for c in plan["resource_changes"] if c["action"] == "update"}
    assert updates == {name: 1 for name in ("app", "entity", "line", "inbound", "events", "order-update", "agent")} | {
        name: 1 for name in ("login", "login-sms", "calls", "masking")
    }
    project.sandbox.clear_log()
    result = project.cli("apply", "--auto-approve", "ib.yaml")
    assert result.returncode == 0, result.stdout + result.stderr
    ids = {n: state_of(project, n) for n in ("login", "login-sms", "order-update")}
    number_key = state_of(project, "line")["attributes"]["number_key"]
    masking_key = state_of(project, "masking")["attributes"]["key"]
    assert Counter(writes(project.sandbox)) == Counter(
        [
            ("PUT", "/provisioning/1/applications/acme-support"),
            ("PUT", "/provisioning/1/entities/acme-eu"),
            ("PUT", f"/numbers/1/numbers/{number_key}"),
            ("POST", "/resource-management/1/inbound-message-configurations"),  # an upsert
            ("PUT", "/subscriptions/1/profiles/acme-sms"),  # the URL lives in the profile: nothing else is sent
            ("PATCH", f"/whatsapp/2/senders/{NUMBER}/templates/{ids['order-update']['attributes']['template_id']}"),
            ("PUT", "/rcs/1/senders/AcmeSupport"),
            ("PUT", f"/2fa/2/applications/{ids['login']['id']}"),
            ("PUT", f"/2fa/2/applications/{ids['login']['id']}/messages/{ids['login-sms']['id']}"),
            ("PUT", "/calls/1/configurations/acme-calls"),
            ("PUT", f"/voice/masking/2/config/{masking_key}"),
        ]
    )
    assert "order-update: waiting — in review at Meta (PENDING)" in result.stdout  # an edit goes back to review
    again = project.cli("plan", "--detailed-exitcode", "ib.yaml")
    assert again.returncode == 0, again.stdout


def test_a_disabled_2fa_application_is_dormant_in_drift_not_drift(project):
    applied(project, "version: 1\nresources:\n  old:\n    type: infobip.tfa_application\n    properties: {name: Old}\n")
    applied(project, "version: 1\nresources:\n  new:\n    type: infobip.tfa_application\n    properties: {name: New}\n")
    drift = project.cli("drift", "--format", "json", "ib.yaml")
    assert drift.returncode == 0, drift.stdout + drift.stderr  # nothing drifted: exit 0
    report = json.loads(drift.stdout)
    assert (report["in_sync"], report["dormant"], report["unmanaged"]) == (1, 1, 0)
    (dormant,) = [r for r in report["resources"] if r["status"] == "dormant"]
    assert dormant["message"] == "Old"
    assert "Dormant (disabled, kept by the provider" in project.cli("drift", "ib.yaml").stdout


# ---------------------------------------------------------------- rate limits
def test_published_rate_limits_are_respected_client_side(slow_review):
    """At the published limits (1 call/s for each application/entity operation), creating three
    applications spaces the POSTs instead of meeting 429s."""
    project = slow_review(throttle_scale=1.0)
    apps = "".join(
        f"  app-{i}:\n    type: infobip.application\n    properties: {{id: app-{i}, name: App {i}}}\n" for i in range(3)
    )
    project.write("r.yaml", "version: 1\nresources:\n" + apps)
    started = time.monotonic()
    result = project.cli("apply", "--auto-approve", "r.yaml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert time.monotonic() - started >= 2.0  # three creates, one per second
    log = calls(project.sandbox)
    assert [r["status"] for r in log if r["method"] == "POST"] == [201, 201, 201]
    assert all(r["status"] != 429 for r in log)


def test_a_purchase_whose_answer_is_lost_is_recovered_from_its_intent_never_bought_twice(project):
    project.write(
        "n.yaml",
        f"""
        version: 1
        resources:
          line:
            type: infobip.number
            properties: {{number: "{NUMBER}", country: GB}}
        """,
    )
    # the purchase lands at Infobip, then the connection drops before the answer
    project.sandbox.admin_call(
        "POST",
        "/_sandbox/faults",
        json={
            "api": "infobip",
            "method": "POST",
            "path": "/numbers/1/numbers",
            "after": True,
            "drop": True,
            "count": 1,
        },
    )
    # the engine re-observes at once: the intent's evidence finds the number, adopted in the same run
    lost = project.cli("apply", "--auto-approve", "n.yaml")
    assert lost.returncode == 0, lost.stdout + lost.stderr
    assert "the create's answer was lost (no answer: RemoteProtocolError); found the phone number" in lost.stdout
    assert writes(project.sandbox).count(("POST", "/numbers/1/numbers")) == 1  # not bought again
    assert len([n for n in ib_admin(project.sandbox, "GET", "/numbers") if n["number"] == NUMBER]) == 1
    assert "interrupted" not in project.cli("state", "list").stdout
    assert project.cli("plan", "--detailed-exitcode", "n.yaml").returncode == 0
