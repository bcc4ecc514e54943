"""Crash safety at every point of an apply, and creates whose answer is lost.

The apply of a manifest with every provider (Vonage applications with server-assigned ids, Vonage
number purchases, Sinch and Infobip objects) is SIGKILLed once its k-th write reached the account,
k = 1..20, while the next POSTs wait to act (intents written, nothing landed), while a POST's
answer is held after it landed, or while answers to purchases are lost (re-checked in the run).
After each kill one more apply must converge: the replan shows no change, and the account holds no
duplicate and no orphan (nothing the manifest names is missing from state). Points run two at a
time, each pair on its own sandbox, to stay well under a minute on two cores.

Creates whose call fails ambiguously (a lost answer, a 5xx) are re-checked in the same run: what
landed is adopted, what did not is reported, and the intent is kept only while the call may still
land.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from harness import Project, Sandbox

from provisioner.drift import drift_report
from provisioner.sandbox import SandboxConfig, SandboxServer
from provisioner.state import open_state
from provisioner.workspace import Workspace

pytestmark = pytest.mark.slow

MANIFEST = """
version: 1
resources:
  app-a:
    type: vonage.application
    properties: {name: Kill app A}
  app-b:
    type: vonage.application
    properties: {name: Kill app B}
  app-c:
    type: vonage.application
    properties: {name: Kill app C}
  num-1:
    type: vonage.number
    properties: {country: GB, msisdn: "447700900101", mo_http_url: https://sms.example.com/1}
  num-2:
    type: vonage.number
    properties: {country: GB, msisdn: "447700900102", app_id: "${app-a.id}"}
  num-3:
    type: vonage.number
    properties: {country: GB, msisdn: "447700900103"}
  hook-1:
    type: sinch.provisioning_webhook
    properties: {target: https://hooks.example.com/p1, triggers: [ALL], secret: hook-secret-1}
  hook-2:
    type: sinch.provisioning_webhook
    properties: {target: https://hooks.example.com/p2, triggers: [WHATSAPP_TEMPLATE_APPROVED], secret: s-2}
  tpl-1:
    type: sinch.whatsapp_template
    properties:
      name: kill_one
      language: EN
      category: UTILITY
      status: DRAFT
      components: [{type: BODY, text: "Order {{1}} shipped.", examples: [A-1]}]
  tpl-2:
    type: sinch.whatsapp_template
    properties:
      name: kill_two
      language: EN
      category: UTILITY
      status: DRAFT
      components: [{type: BODY, text: "Order {{1}} arrived.", examples: [A-1]}]
  us-line:
    type: sinch.number
    properties: {phone_number: "+12015550111", display_name: Kill line}
  ib-app:
    type: infobip.application
    properties: {id: kill-app, name: Kill app}
  ib-entity:
    type: infobip.entity
    properties: {id: kill-entity, name: Kill entity}
  ib-line:
    type: infobip.number
    properties: {number: "447700900201", country: GB, application_id: "${ib-app.id}", entity_id: "${ib-entity.id}"}
  login-2fa:
    type: infobip.tfa_application
    properties: {name: Kill login, configuration: {pin_attempts: 5}}
  login-sms:
    type: infobip.tfa_message_template
    properties: {application_id: "${login-2fa.id}", message_text: "Code {{pin}}", pin_type: NUMERIC, pin_length: 6}
  masking:
    type: infobip.number_masking_config
    properties: {name: Kill masking, callback_url: https://hooks.example.com/mask}
"""
APPS = {"Kill app A", "Kill app B", "Kill app C"}
NUMBERS = {"447700900101", "447700900102", "447700900103"}
ACCOUNT_APIS = ("vonage.api", "vonage.rest", "sinch.numbers", "sinch.provisioning", "infobip")


# ---------------------------------------------------------------- helpers
def cli_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VONAGE_", "SINCH_", "INFOBIP_", "PROVISION_"))}
    env["NO_COLOR"] = "1"
    return env


def cli_args(project: Project, *args: str) -> list[str]:
    """The same command line as Project.cli, for a child process we can kill."""
    return [sys.executable, "-m", "provisioner", "--sandbox-url", project.sandbox.admin, "--state",
            str(project.dir / "state"), *args]  # fmt: skip


def account_writes(sandbox: Sandbox) -> int:
    """Writes that changed the account (token requests change nothing)."""
    return sum(1 for r in sandbox.requests() if r["method"] != "GET" and r["api"] in ACCOUNT_APIS)


def app_names(sandbox: Sandbox) -> Counter[str]:
    with sandbox.vonage() as api:
        body = api.get("/v2/applications", params={"page_size": 100}).json()
    return Counter(a["name"] for a in body.get("_embedded", {}).get("applications", []))


def assert_converged(project: Project, manifest: str) -> None:
    """Replan shows nothing to do; nothing unmanaged (no orphan, no duplicate); no intent left."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VONAGE_", "SINCH_", "INFOBIP_", "PROVISION_"))}
    paths = [str(project.dir / manifest)]
    with Workspace.open(paths, sandbox_url=project.sandbox.admin, state=project.dir / "state", env=env) as ws:
        plan = ws.plan()
        assert not plan.has_changes and not plan.waiting, [(c.name, c.action.value) for c in plan.changes]
        report = drift_report(plan)
        assert ws.state.read().intents == {}
    odd = [(i.name, i.status, i.id) for i in report.items if i.status != "in_sync"]
    assert odd == [], odd
    assert app_names(project.sandbox) == Counter(APPS)
    assert sorted(n["msisdn"] for n in project.sandbox.owned_numbers()) == sorted(NUMBERS)


# ---------------------------------------------------------------- kill points
@dataclass(frozen=True)
class Point:
    k: int  # kill once the k-th write has reached the account

    @property
    def mode(self) -> str:
        return ("before landing", "answer held", "answers lost")[self.k % 3]

    def faults(self) -> list[dict[str, object]]:
        if self.mode == "before landing":  # each POST waits 100 ms before it acts: the kill meets calls not landed
            return [{"api": api, "delay_ms": 100, "method": "POST"} for api in ACCOUNT_APIS]
        held = [{"api": api, "after": True, "delay_ms": 150, "method": "POST"} for api in ACCOUNT_APIS]
        if self.mode == "answer held":  # each POST lands, then its answer takes 150 ms: the kill meets it
            return held
        lost = [  # purchases and Infobip creates land and their answers never come: re-checked in the run
            {"api": "vonage.rest", "after": True, "drop": True, "method": "POST", "path": "/number/buy"},
            {"api": "infobip", "after": True, "drop": True, "method": "POST", "rate": 0.5, "seed": self.k},
        ]
        return [r for r in held if r["api"] not in ("vonage.rest", "infobip")] + lost


def run_point(project: Project, point: Point) -> str:
    """Kill the apply at ``point``, then converge; returns the converging apply's output."""
    project.sandbox.admin_call("POST", "/_sandbox/reset")
    shutil.rmtree(project.dir / "state", ignore_errors=True)
    for rule in point.faults():
        project.sandbox.admin_call("POST", "/_sandbox/faults", json=rule)
    proc = subprocess.Popen(
        cli_args(project, "apply", "--auto-approve", "--parallelism", "4", "kill.yaml"),
        cwd=project.dir,
        env=cli_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while account_writes(project.sandbox) < point.k and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    project.sandbox.admin_call("DELETE", "/_sandbox/faults")
    open_state(project.dir / "state", project.dir).force_unlock()  # `provision unlock --force`
    again = subprocess.run(
        cli_args(project, "apply", "--auto-approve", "kill.yaml"),
        cwd=project.dir,
        env=cli_env(),
        text=True,
        capture_output=True,
        timeout=120,
    )
    assert again.returncode == 0, f"k={point.k} ({point.mode}):\n{again.stdout}\n{again.stderr}"
    try:
        assert_converged(project, "kill.yaml")
    except AssertionError as exc:
        raise AssertionError(f"k={point.k} ({point.mode}): {exc}\n{again.stdout}") from exc
    return again.stdout


@pytest.fixture
def two_projects(tmp_path: Path, sandbox: Sandbox):
    """Two scratch projects, each on its own sandbox (the session one and one more)."""
    other = SandboxServer(SandboxConfig(inventory_size=300))
    other.start()
    projects = []
    for i, sb in enumerate((sandbox, Sandbox(other))):
        (tmp_path / f"p{i}").mkdir()
        project = Project(tmp_path / f"p{i}", sb)
        project.write("kill.yaml", MANIFEST)
        projects.append(project)
    yield projects
    other.stop()


def test_sigkill_at_twenty_points_then_one_apply_converges_without_duplicates_or_orphans(two_projects):
    points = [Point(k) for k in range(1, 21)]

    def lane(i: int) -> list[str]:
        return [run_point(two_projects[i], p) for p in points[i::2]]

    with ThreadPoolExecutor(max_workers=2) as pool:
        outputs = [out for lane_out in pool.map(lane, (0, 1)) for out in lane_out]
    # the kills did meet creates in flight: some runs had to adopt what the killed one created
    assert sum("Recovered from an interrupted run:" in out for out in outputs) >= 3


# ---------------------------------------------------------------- ambiguous creates, within one run
def _fault(project: Project, **rule: object) -> None:
    project.sandbox.admin_call("POST", "/_sandbox/faults", json={"rate": 1.0, "count": 1, **rule})


NUMBER = """
version: 1
resources:
  hotline:
    type: vonage.number
    properties: {country: GB, msisdn: "447700900151", mo_http_url: https://sms.example.com/hotline}
"""

APP = """
version: 1
resources:
  support:
    type: vonage.application
    properties: {name: Support line}
"""


def test_a_purchase_whose_answer_is_lost_is_found_and_finished_in_the_same_run(project):
    project.write("n.yaml", NUMBER)
    _fault(project, api="vonage.rest", method="POST", path="/number/buy", after=True, drop=True)
    applied = project.cli("apply", "--auto-approve", "n.yaml")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "the create's answer was lost (no answer: RemoteProtocolError); found the phone number" in applied.stdout
    assert [w["path"] for w in project.sandbox.writes()] == ["/number/buy", "/number/update"]  # bought once
    assert [n["msisdn"] for n in project.sandbox.owned_numbers()] == ["447700900151"]
    assert "interrupted" not in project.cli("state", "list").stdout
    assert project.cli("plan", "--detailed-exitcode", "n.yaml").returncode == 0


def test_an_application_whose_answer_is_lost_is_adopted_by_its_intent_evidence(project):
    project.write("a.yaml", APP)
    _fault(project, api="vonage.api", method="POST", after=True, status=502)
    applied = project.cli("apply", "--auto-approve", "a.yaml")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "the create's answer was lost (HTTP 502); found the application it made" in applied.stdout
    assert app_names(project.sandbox) == Counter({"Support line": 1})
    assert project.cli("plan", "--detailed-exitcode", "a.yaml").returncode == 0


def test_a_500_that_did_not_land_fails_and_clears_its_intent(project):
    project.write("a.yaml", APP)
    _fault(project, api="vonage.api", method="POST", status=500)
    failed = project.cli("apply", "--auto-approve", "a.yaml")
    assert failed.returncode == 1
    assert "Vonage answered 500" in failed.stderr and "re-checked the account: the object is not there" in failed.stderr
    assert project.cli("state", "list").stdout == ""  # no record, no intent: nothing to recover
    assert app_names(project.sandbox) == Counter()
    again = project.cli("apply", "--auto-approve", "a.yaml")
    assert again.returncode == 0 and "Recovered" not in again.stdout
    assert app_names(project.sandbox) == Counter({"Support line": 1})


def test_a_gateway_error_keeps_the_intent_since_the_create_may_still_land(project):
    project.write("a.yaml", APP)
    _fault(project, api="vonage.api", method="POST", status=504)
    failed = project.cli("apply", "--auto-approve", "a.yaml")
    assert failed.returncode == 1 and "the create may still land" in failed.stderr
    assert "(interrupted create since" in project.cli("state", "list").stdout
    again = project.cli("apply", "--auto-approve", "a.yaml")
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.stdout.startswith("Recovered from an interrupted run:\n  support (vonage.application): its create")
    assert app_names(project.sandbox) == Counter({"Support line": 1})
    assert project.cli("plan", "--detailed-exitcode", "a.yaml").returncode == 0


def test_an_update_whose_answer_is_lost_is_read_back_and_not_sent_again(project):
    path = project.write("n.yaml", NUMBER)
    assert project.cli("apply", "--auto-approve", "n.yaml").returncode == 0
    path.write_text(NUMBER.replace("sms.example.com/hotline", "sms.example.com/desk"))
    project.sandbox.clear_log()
    _fault(project, api="vonage.rest", method="POST", path="/number/update", after=True, drop=True)
    applied = project.cli("apply", "--auto-approve", "n.yaml")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "the update's answer was lost (no answer: RemoteProtocolError); read back: it landed" in applied.stdout
    assert [w["path"] for w in project.sandbox.writes()] == ["/number/update"]
    assert project.cli("plan", "--detailed-exitcode", "n.yaml").returncode == 0
