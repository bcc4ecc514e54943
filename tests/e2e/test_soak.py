"""Soak: 300 mixed resources across the three providers, applied while 15% of provider requests fail.

Each provider API gets one sandbox fault rule hitting 15% of its requests, each hit drawn from a
mix: 429 with Retry-After, 429 without, 500, 502, 503, a dropped connection, or — after the request
took effect — a lost answer (dropped, or replaced by a 503). Each apply must
end 0 or 1 (never crash); within three applies the manifest converges; a replan shows nothing to
do, and the account holds no duplicate number, application, template or webhook, and nothing that
state does not know.

A create answered 5xx (or cut off) before it landed is reported, never sent again blindly, and a
read fails once its retries are spent (four faults in a row: 1 in 2,000 reads), so each apply
leaves some resources for the next; under such faults forever, three applies would leave about one
of 300 behind. So the first two applies get every fault on every call, and the third the same 15%
on its writes, of the kinds the engine must absorb within a run: 429s (retried) and writes whose
answer is lost after they landed (re-checked and adopted).

Static client-side limits (PROVISION_RATE_LIMIT_*) stand in for the published ones: injected 429s
are random, not a sign of load, and a limiter learning a ceiling from them would pace this run down
to its floor (that learning is ratelimit.py's to test). The sandbox enforces no limit here.
Measured on two cores: about 12 s for the applies and the checks.
"""

from __future__ import annotations

import os
from collections import Counter

import httpx
import pytest
import yaml
from harness import Project, Sandbox

from provisioner.drift import drift_report
from provisioner.workspace import Workspace

pytestmark = pytest.mark.slow

FAULT_RATE = 0.15
FAULTED_APIS = ("vonage.api", "vonage.rest", "sinch.numbers", "sinch.provisioning", "infobip")
ABSORBED = (  # faults the engine must absorb within a run: retried, or re-checked
    {"status": 429, "retry_after": 1},
    {"status": 429},
    {"after": True, "drop": True},  # the write landed; its answer is lost
    {"after": True, "status": 503},
)
STOPPING = ({"status": 500}, {"status": 502}, {"status": 503}, {"drop": True})  # a write before it lands fails
LIMITS = {f"PROVISION_RATE_LIMIT_{p}": "100/s" for p in ("VONAGE", "SINCH", "INFOBIP")}
PROJECT = "/v1/projects/sandbox-project"


# ---------------------------------------------------------------- the manifest
def soak_manifest() -> tuple[str, Counter[str]]:
    """300 resources: (YAML, count per kind). Infobip's 1/s kinds (applications, entities, purchases)
    are few: their published pace, not faults, would set the run time."""
    res: dict[str, dict] = {}

    def add(resource: str, kind: str, /, **props: object) -> None:
        res[resource] = {"type": kind, "properties": props}

    for i in range(60):
        add(f"v-app-{i:02d}", "vonage.application", name=f"Soak app {i:02d}")
    for i in range(60):
        settings = ({}, {"mo_http_url": f"https://sms.example.com/{i}"}, {"app_id": f"${{v-app-{i:02d}.id}}"})[i % 3]
        add(f"v-num-{i:02d}", "vonage.number", country="GB", msisdn=f"4477009{i:05d}", **settings)
    for i in range(10):
        add(f"s-hook-{i}", "sinch.provisioning_webhook", target=f"https://h.example.com/s{i}", triggers=["ALL"],
            secret=f"k{i}")  # fmt: skip
    for i in range(52):
        body = {"type": "BODY", "text": f"Order {{{{1}}}} update {i}.", "examples": ["A-1"]}
        add(f"s-tpl-{i:02d}", "sinch.whatsapp_template", name=f"soak_{i:02d}", language="EN", category="UTILITY",
            status="DRAFT", components=[body])  # fmt: skip
    for i in range(30):
        add(f"s-num-{i:02d}", "sinch.number", phone_number=f"+1201555{i + 500:04d}")
    for i in range(6):
        add(f"i-app-{i}", "infobip.application", id=f"soak-app-{i}", name=f"Soak app {i}")
        add(f"i-ent-{i}", "infobip.entity", id=f"soak-ent-{i}", name=f"Soak entity {i}")
        add(f"i-num-{i}", "infobip.number", number=f"4477009{i + 200:05d}", country="GB",
            application_id=f"${{i-app-{i}.id}}", entity_id=f"${{i-ent-{i}.id}}")  # fmt: skip
    for i in range(20):
        add(f"i-mask-{i:02d}", "infobip.number_masking_config", name=f"Soak mask {i}", callback_url=f"https://m/{i}")
        add(f"i-calls-{i:02d}", "infobip.calls_configuration", id=f"soak-calls-{i}", name=f"Soak calls {i}")
    for i in range(10):
        add(f"i-2fa-{i}", "infobip.tfa_application", name=f"Soak login {i}")
        add(f"i-2fa-sms-{i}", "infobip.tfa_message_template", application_id=f"${{i-2fa-{i}.id}}",
            message_text=f"Code {{{{pin}}}} {i}", pin_type="NUMERIC", pin_length=6)  # fmt: skip
        add(f"i-hook-{i}", "infobip.webhook", id=f"soak-hook-{i}", channel="SMS", events=["DELIVERY"],
            criteria=[{"application_id": f"${{i-app-{i % 6}.id}}"}], url=f"https://h.example.com/i{i}",
            security={"type": "BASIC", "credentials": {"username": f"u{i}", "password": f"p{i}"}})  # fmt: skip
    kinds = Counter(r["type"] for r in res.values())
    return yaml.safe_dump({"version": 1, "resources": res}, sort_keys=False), kinds


# ---------------------------------------------------------------- faults
class MixedFaults:
    """One rule per API whose hits draw from the whole mix, so every kind of fault meets every
    provider and call type. ``settle()``: from then on only writes are hit ("!GET"), and only by
    faults the engine absorbs."""

    def __init__(self, sandbox: Sandbox, seed: int = 2024) -> None:
        self.sandbox, self.seed = sandbox, seed

    def __enter__(self) -> MixedFaults:
        self._set(ABSORBED + STOPPING)
        return self

    def __exit__(self, *exc: object) -> None:
        self.sandbox.admin_call("DELETE", "/_sandbox/faults")

    def settle(self) -> None:
        self._set(ABSORBED, method="!GET")

    def _set(self, mix: tuple[dict, ...], **only: str) -> None:
        for i, api in enumerate(FAULTED_APIS):
            rule = {"api": api, "rate": FAULT_RATE, "seed": self.seed + i, "mix": list(mix), **only}
            self.sandbox.admin_call("POST", "/_sandbox/faults", json=rule)


# ---------------------------------------------------------------- what the account holds
def listed(client: httpx.Client, path: str, key: str, **params: object) -> list[dict]:
    body = client.get(path, params=params).raise_for_status().json()
    return body.get(key) or []


def account_contents(sandbox: Sandbox) -> dict[str, Counter[str]]:
    """Objects that must never be duplicated, counted by their name or number."""
    auth = ("sandbox-key", "sandbox-secret")
    with sandbox.vonage() as vonage:
        pages = [vonage.get("/v2/applications", params={"page_size": 100, "page": p}).json() for p in (1, 2, 3)]
    apps = [a for page in pages for a in page.get("_embedded", {}).get("applications", [])]
    with httpx.Client(base_url=sandbox.endpoints["sinch.provisioning"], auth=auth, timeout=10) as sinch:
        templates = listed(sinch, f"{PROJECT}/whatsapp/templates", "templates", pageSize=1000)
        hooks = listed(sinch, f"{PROJECT}/webhooks", "webhooks", pageSize=15)
    with httpx.Client(base_url=sandbox.endpoints["sinch.numbers"], auth=auth, timeout=10) as sinch:
        rented = listed(sinch, f"{PROJECT}/activeNumbers", "activeNumbers", regionCode="US", pageSize=1000)
    infobip_auth = {"Authorization": "App sandbox-infobip-key"}  # the key the CLI uses on the sandbox
    with httpx.Client(base_url=sandbox.endpoints["infobip"], headers=infobip_auth, timeout=10) as infobip:
        owned = listed(infobip, "/numbers/1/numbers", "numbers", limit=1000)
    return {
        "vonage applications": Counter(a["name"] for a in apps),
        "vonage numbers": Counter(n["msisdn"] for n in sandbox.owned_numbers()),
        "sinch templates": Counter(f"{t['name']}:{t['language']}" for t in templates),
        "sinch webhooks": Counter(h["target"] for h in hooks),
        "sinch numbers": Counter(n["phoneNumber"] for n in rented),
        "infobip numbers": Counter(n["number"] for n in owned),
    }


def test_300_resources_converge_under_15_percent_faults_without_duplicates(project: Project):
    manifest, kinds = soak_manifest()
    assert sum(kinds.values()) == 300 and len(kinds) == 13
    project.write("soak.yaml", manifest)

    runs = []
    with MixedFaults(project.sandbox) as faults:
        for attempt in range(3):
            if attempt == 2:
                faults.settle()
            run = project.cli("apply", "--auto-approve", "soak.yaml", env=LIMITS)
            assert run.returncode in (0, 1) and "Traceback" not in run.stderr, run.stderr[-3000:]
            runs.append(run)
            if run.returncode == 0:
                break
    assert runs[0].returncode == 1  # the faults did stop some changes: the next apply had work left
    assert runs[-1].returncode == 0, f"not converged after {len(runs)} applies:\n{runs[-1].stderr[-3000:]}"
    log = project.sandbox.requests()
    faulted = sum(1 for r in log if r["api"] in FAULTED_APIS and r["status"] in (None, 429, 500, 502, 503))
    assert faulted >= 0.08 * len(log), (faulted, len(log))  # faults really were injected (the rest: reads)

    replan = project.cli("plan", "--detailed-exitcode", "soak.yaml", env=LIMITS)
    assert replan.returncode == 0, replan.stdout[-3000:]
    contents = account_contents(project.sandbox)
    duplicates = {what: [k for k, n in counted.items() if n > 1] for what, counted in contents.items()}
    assert duplicates == {what: [] for what in contents}
    assert [sum(c.values()) for c in contents.values()] == [60, 60, 52, 10, 30, 6]
    assert_nothing_unmanaged(project)


def assert_nothing_unmanaged(project: Project) -> None:
    """Every object of every kind in play is a manifest resource recorded in state (drift's view)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VONAGE_", "SINCH_", "INFOBIP_", "PROVISION_"))}
    paths = [str(project.dir / "soak.yaml")]
    with Workspace.open(paths, sandbox_url=project.sandbox.admin, state=project.dir / "state", env=env) as ws:
        report = drift_report(ws.plan())
        assert ws.state.read().intents == {}
    assert Counter(i.status for i in report.items) == Counter({"in_sync": 300})
